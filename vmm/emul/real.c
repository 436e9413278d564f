/* SPDX-License-Identifier: GPL-2.0-only */
/* Real mode run as virtual-8086 mode: the privileged instructions emulated, events through the IVT.
 */
#include <vmm/emul/emul.h>
#include <vmm/exit/exit.h>

#include <arch/cpu.h>

#include <stdio.h>

#include "decode.h"

/* Real-mode interrupt vector table entries: offset then segment (SDM Vol. 3A, 21.1.4). */
#define IVT_ENTRY_SIZE 4
/* The flags real-mode event delivery clears after pushing FLAGS (SDM Vol. 2A, INT n). */
#define REAL_DELIVERY_CLEARS (X86_RFLAGS_IF | X86_RFLAGS_TF | X86_RFLAGS_AC | X86_RFLAGS_RF)
/* A GDTR or IDTR image in memory: 16-bit limit, then the base (24 bits used with a 16-bit
 * operand size, SDM Vol. 2A, LGDT/LIDT). */
#define DTABLE_IMAGE_LEN 6
#define BASE24_MASK	 0xffffffull

static u16 ip_of(struct vcpu *vcpu)
{
	return (u16)vcpu_reg_read(vcpu, VCPU_RIP);
}

static u64 seg_base(struct vcpu *vcpu, enum vcpu_seg seg)
{
	struct vcpu_segment s;

	vcpu->ops->get_seg(vcpu, seg, &s);
	return s.base;
}

/*
 * With CR0.PE = 0 there is no paging: a linear address is the guest-physical one. A frame that
 * still holds a shadowed guest page table (from before the guest left protected mode) learns of
 * the write as from any emulated instruction.
 */
static bool push16(struct vcpu *vcpu, const struct vcpu_segment *ss, u16 *sp, u16 val)
{
	struct vm *vm = vcpu->vm;
	u64 gpa;

	*sp -= 2;
	gpa = ss->base + *sp;
	if (vm_write_guest(vm, gpa, &val, sizeof(val)))
		return false;
	if (vm->opt.mmu == MMU_MODE_SHADOW && mmu_gfn_write_tracked(&vm->mmu, gpa >> 12))
		mmu_track_write(&vcpu->mmu, gpa, sizeof(val));
	return true;
}

bool emul_real_mode_deliver(struct vcpu *vcpu, u8 vector, u16 ret_ip)
{
	struct vm *vm = vcpu->vm;
	struct vcpu_segment cs, ss;
	u64 rflags = vcpu_reg_read(vcpu, VCPU_RFLAGS);
	u64 rsp = vcpu_reg_read(vcpu, VCPU_RSP);
	u64 ivt_base;
	u16 ivt_limit, entry[2], sp = (u16)rsp;

	vcpu->ops->get_dtable(vcpu, VCPU_IDTR, &ivt_base, &ivt_limit);
	if ((u32)vector * IVT_ENTRY_SIZE + IVT_ENTRY_SIZE - 1 > ivt_limit) {
		vm_stop(vm, VM_STOP_UNHANDLED,
			"real mode: vector %u lies beyond the IVT limit 0x%x", vector, ivt_limit);
		return false;
	}
	if (vm_read_guest(vm, ivt_base + (u64)vector * IVT_ENTRY_SIZE, entry, sizeof(entry))) {
		vm_stop(vm, VM_STOP_UNHANDLED, "real mode: IVT entry %u at 0x%lx is outside RAM",
			vector, (unsigned long)(ivt_base + (u64)vector * IVT_ENTRY_SIZE));
		return false;
	}
	vcpu->ops->get_seg(vcpu, VCPU_CS, &cs);
	vcpu->ops->get_seg(vcpu, VCPU_SS, &ss);
	if (!push16(vcpu, &ss, &sp, (u16)rflags) || !push16(vcpu, &ss, &sp, cs.sel) ||
	    !push16(vcpu, &ss, &sp, ret_ip)) {
		vm_stop(vm, VM_STOP_UNHANDLED,
			"real mode: delivering vector %u, the stack %04x:%04x is outside RAM",
			vector, ss.sel, (u16)rsp);
		return false;
	}
	vcpu_reg_write(vcpu, VCPU_RSP, (rsp & ~0xffffull) | sp);
	vcpu_reg_write(vcpu, VCPU_RFLAGS, rflags & ~REAL_DELIVERY_CLEARS);
	cs.sel = entry[1];
	cs.base = (u64)entry[1] << 4;
	vcpu->ops->set_seg(vcpu, VCPU_CS, &cs);
	vcpu_reg_write(vcpu, VCPU_RIP, entry[0]);
	return true;
}

static enum exit_action deliver(struct vcpu *vcpu, u8 vector, u16 ret_ip)
{
	return emul_real_mode_deliver(vcpu, vector, ret_ip) ? EXIT_RESUME : EXIT_STOP;
}

/* A fault of the instruction being emulated: the pushed IP is its own. */
static enum exit_action fault(struct vcpu *vcpu, u8 vector)
{
	return deliver(vcpu, vector, ip_of(vcpu));
}

/*
 * Reads a memory operand. Real mode checks every access against the segment limit: past it is
 * #SS for SS and #GP for the others (SDM Vol. 3A, 21.1.1); outside guest RAM stops the VM.
 */
static enum exit_action read_operand(struct vcpu *vcpu, const struct emul_insn *in, void *buf,
				     u32 len, bool *ok)
{
	struct vcpu_segment s;
	u64 gprs[8];
	u32 off;

	for (unsigned int i = 0; i < ARRAY_SIZE(gprs); i++)
		gprs[i] = vcpu_reg_read(vcpu, (enum vcpu_reg)i);
	off = emul_mem_offset(in, gprs);
	vcpu->ops->get_seg(vcpu, (enum vcpu_seg)in->mem.seg, &s);
	*ok = false;
	if ((u64)off + len - 1 > s.limit)
		return fault(vcpu, in->mem.seg == EMUL_SEG_SS ? VM_EXC_SS : VM_EXC_GP);
	if (vm_read_guest(vcpu->vm, s.base + off, buf, len)) {
		vm_stop(vcpu->vm, VM_STOP_UNHANDLED, "real mode: operand at 0x%lx is outside RAM",
			(unsigned long)(s.base + off));
		return EXIT_STOP;
	}
	*ok = true;
	return EXIT_RESUME;
}

static enum exit_action load_dtable(struct vcpu *vcpu, const struct emul_insn *in,
				    const struct vm_exit *x)
{
	u8 img[DTABLE_IMAGE_LEN];
	enum exit_action a;
	u32 base;
	bool ok;

	a = read_operand(vcpu, in, img, sizeof(img), &ok);
	if (!ok)
		return a;
	base = (u32)img[2] | (u32)img[3] << 8 | (u32)img[4] << 16 | (u32)img[5] << 24;
	vcpu->ops->set_dtable(vcpu, in->op == EMUL_OP_LGDT ? VCPU_GDTR : VCPU_IDTR,
			      in->op32 ? base : (base & BASE24_MASK), (u16)(img[0] | img[1] << 8));
	return exit_done(vcpu, x);
}

/* CRn as the ModRM reg field names it; real mode has CR0, CR2, CR3 and CR4 (others #UD). */
static bool creg_of(u8 cr, enum vcpu_creg *out)
{
	switch (cr) {
	case 0:
		*out = VCPU_CR0;
		return true;
	case 2:
		*out = VCPU_CR2;
		return true;
	case 3:
		*out = VCPU_CR3;
		return true;
	case 4:
		*out = VCPU_CR4;
		return true;
	default:
		return false;
	}
}

/* MOV from CRn, and MOV to CR2 (which never exits natively, so exit/cr.c does not know it). */
static enum exit_action mov_cr(struct vcpu *vcpu, const struct emul_insn *in, struct vm_exit *x)
{
	enum vcpu_creg cr;

	if (!creg_of(in->reg, &cr))
		return fault(vcpu, VM_EXC_UD);
	if (in->op == EMUL_OP_MOV_FROM_CR) {
		vcpu_reg_write(vcpu, (enum vcpu_reg)in->rm, (u32)vcpu_creg_read(vcpu, cr));
		return exit_done(vcpu, x);
	}
	if (cr == VCPU_CR2) {
		vcpu->ops->set_creg(vcpu, VCPU_CR2,
				    (u32)vcpu_reg_read(vcpu, (enum vcpu_reg)in->rm));
		return exit_done(vcpu, x);
	}
	x->kind = VM_EXIT_CR_ACCESS;
	x->cr.type = VM_CR_MOV_TO;
	x->cr.cr = in->reg;
	x->cr.gpr = in->rm;
	return handle_cr_access(vcpu, x);
}

static enum exit_action lmsw(struct vcpu *vcpu, const struct emul_insn *in, struct vm_exit *x)
{
	enum exit_action a = EXIT_RESUME;
	u16 src = 0;
	bool ok = true;

	if (in->is_mem)
		a = read_operand(vcpu, in, &src, sizeof(src), &ok);
	else
		src = (u16)vcpu_reg_read(vcpu, (enum vcpu_reg)in->rm);
	if (!ok)
		return a;
	x->kind = VM_EXIT_CR_ACCESS;
	x->cr.type = VM_CR_LMSW;
	x->cr.cr = 0;
	x->cr.lmsw_data = src;
	return handle_cr_access(vcpu, x);
}

static enum exit_action invlpg(struct vcpu *vcpu, const struct emul_insn *in, struct vm_exit *x)
{
	u64 gprs[8];

	for (unsigned int i = 0; i < ARRAY_SIZE(gprs); i++)
		gprs[i] = vcpu_reg_read(vcpu, (enum vcpu_reg)i);
	x->kind = VM_EXIT_INVLPG;
	x->invlpg.gva = seg_base(vcpu, (enum vcpu_seg)in->mem.seg) + emul_mem_offset(in, gprs);
	return handle_invlpg(vcpu, x);
}

/*
 * Runs one decoded instruction. Where an exit handler exists for it, the instruction goes
 * through that handler as a synthesized exit of its length, so the rules (CR checks, MSR policy,
 * HLT) are the ones a protected-mode guest gets; a #GP such a handler injects is delivered
 * through the IVT by the arch's inject_exception.
 */
static enum exit_action execute(struct vcpu *vcpu, const struct emul_insn *in,
				const struct vm_exit *exit)
{
	struct vm_exit x = { .arch_reason = exit->arch_reason, .insn_len = in->len };

	switch (in->op) {
	case EMUL_OP_MOV_FROM_CR:
	case EMUL_OP_MOV_TO_CR:
		return mov_cr(vcpu, in, &x);
	case EMUL_OP_LGDT:
	case EMUL_OP_LIDT:
		return load_dtable(vcpu, in, &x);
	case EMUL_OP_LMSW:
		return lmsw(vcpu, in, &x);
	case EMUL_OP_INVLPG:
		return invlpg(vcpu, in, &x);
	case EMUL_OP_CLTS:
		x.kind = VM_EXIT_CR_ACCESS;
		x.cr.type = VM_CR_CLTS;
		return handle_cr_access(vcpu, &x);
	case EMUL_OP_INVD:
	case EMUL_OP_WBINVD:
		x.kind = in->op == EMUL_OP_INVD ? VM_EXIT_INVD : VM_EXIT_WBINVD;
		return handle_cache_flush(vcpu, &x);
	case EMUL_OP_RDMSR:
	case EMUL_OP_WRMSR:
		x.kind = in->op == EMUL_OP_RDMSR ? VM_EXIT_MSR_READ : VM_EXIT_MSR_WRITE;
		x.msr.msr = (u32)vcpu_reg_read(vcpu, VCPU_RCX);
		return in->op == EMUL_OP_RDMSR ? handle_msr_read(vcpu, &x)
					       : handle_msr_write(vcpu, &x);
	case EMUL_OP_HLT:
		x.kind = VM_EXIT_HLT;
		return handle_hlt(vcpu, &x);
	case EMUL_OP_XSETBV:
		/* #UD before any privilege check (SDM Vol. 2D, XSETBV) */
		if (!(vcpu_creg_read(vcpu, VCPU_CR4) & X86_CR4_OSXSAVE))
			return fault(vcpu, VM_EXC_UD);
		x.kind = VM_EXIT_XSETBV;
		x.xsetbv.xcr = (u32)vcpu_reg_read(vcpu, VCPU_RCX);
		return handle_xsetbv(vcpu, &x);
	default:
		return fault(vcpu, VM_EXC_UD);
	}
}

/* Up to 15 bytes at CS:IP, fewer where guest RAM ends. */
static unsigned int fetch(struct vcpu *vcpu, u8 *buf)
{
	u64 la = seg_base(vcpu, VCPU_CS) + ip_of(vcpu);
	unsigned int n = 0;

	while (n < EMUL_INSN_MAX && !vm_read_guest(vcpu->vm, la + n, &buf[n], 1))
		n++;
	return n;
}

static enum exit_action emulate_at_ip(struct vcpu *vcpu, const struct vm_exit *exit)
{
	u8 bytes[EMUL_INSN_MAX];
	char hex[3 * EMUL_INSN_MAX + 1] = "";
	unsigned int n = fetch(vcpu, bytes);
	struct emul_insn in;
	struct vcpu_segment cs;

	switch (emul_decode16(bytes, n, &in)) {
	case EMUL_DECODE_OK:
		return execute(vcpu, &in, exit);
	case EMUL_DECODE_TOO_LONG:
		return fault(vcpu, VM_EXC_GP);
	default:
		break;
	}
	for (unsigned int i = 0; i < n && i < 8; i++)
		snprintf(hex + 3 * i, sizeof(hex) - 3 * i, " %02x", bytes[i]);
	vcpu->ops->get_seg(vcpu, VCPU_CS, &cs);
	vm_stop(vcpu->vm, VM_STOP_UNHANDLED,
		"real mode: #GP at %04x:%04x on an instruction Keel does not emulate:%s", cs.sel,
		ip_of(vcpu), n ? hex : " (outside RAM)");
	return EXIT_STOP;
}

enum exit_action emul_real_mode_exception(struct vcpu *vcpu, const struct vm_exit *exit)
{
	u16 ip = ip_of(vcpu);

	if (exit->exception.vector == VM_EXC_GP && !exit->exception.software)
		return emulate_at_ip(vcpu, exit);
	/* INT3 and INTO trap: real mode returns past them. */
	if (exit->exception.software)
		ip += exit->insn_len;
	return deliver(vcpu, exit->exception.vector, ip);
}
