/* SPDX-License-Identifier: GPL-2.0-only */
/* Real mode without unrestricted guest: the guest runs in virtual-8086 mode on a Keel-built TSS. */
#include <arch/cpu.h>
#include <keel/mm.h>
#include <vmm/emul/emul.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vcpu.h"

/*
 * Shadow paging has no unrestricted guest, so VM entry refuses CR0.PE = 0. Keel then runs a
 * real-mode guest as KVM did before unrestricted guest: in virtual-8086 mode, RFLAGS.VM = 1 with
 * IOPL 3 and CR4.VME = 1, every segment a vm86 segment, and an exception bitmap that intercepts
 * everything. The instructions that #GP there but not in real mode come back as #GP exits for
 * vmm/emul/; INT n runs natively through the IVT (interrupt redirection, below); I/O reaches
 * Keel's I/O exits. docs/realmode.md tells the whole story.
 *
 * The TSS (SDM Vol. 3A, 8.2.1 and 20.3.3): a 104-byte 32-bit TSS whose I/O map base (offset 102)
 * points past a 32-byte interrupt redirection bitmap, then an I/O permission bitmap for all
 * 65536 ports and the byte of all ones that must end it (19.5.2). Both bitmaps are all zero:
 * with VME and IOPL 3 a clear redirection bit sends INT n to the 8086 handler in the IVT at
 * linear 0 (method 5 of table 20-2), and a clear permission bit lets IN/OUT reach the VMX I/O
 * bitmaps, which make every port exit.
 */
#define TSS32_SIZE	   104
#define TSS_IOMAP_BASE_OFF 102
#define TSS_REDIR_SIZE	   32
#define TSS_IOPB_SIZE	   (65536 / 8)
#define VM86_TSS_LEN	   (TSS32_SIZE + TSS_REDIR_SIZE + TSS_IOPB_SIZE + 1)
#define VM86_TSS_ORDER	   2 /* 16 KiB, enough for VM86_TSS_LEN */
#define VM86_TSS_PAGES	   (1u << VM86_TSS_ORDER)

/*
 * Where the TSS lives in guest-physical space: a private read-only memslot just below the 4 GiB
 * BIOS area, far above any guest's RAM (mem= is at most 1 GiB), and below 4 GiB because TR.base
 * is a 32-bit linear address, which with guest paging off is the guest-physical one. A real-mode
 * guest cannot address it (real mode reaches 0x10ffef at most); in protected mode it could read
 * it, but nothing there is secret, and a write stops the VM (the slot is read-only). Only VMs
 * that start in real mode in shadow mode have the slot: every other VM keeps its "a touch
 * outside RAM stops the VM" rule (the hostile guest checks it).
 */
#define VM86_TSS_GPA  0xfffbc000ull
#define VM86_TSS_SLOT (MMU_MAX_MEMSLOTS - 1)

/* vm86 intercepts every exception (the shadow-mode bitmap is kept aside meanwhile). */
#define EXC_BITMAP_VM86 0xffffffffull

/* Segment fields come in one order, selector/base/limit/AR, two encodings apart per register. */
#define SEG_FIELD(first, seg) ((first) + 2 * (u32)(seg))
#define SEG_TR		      7
#define REAL_SEG_LIMIT	      0xffff
#define REAL_BASE_MAX	      0xffff0ull
#define SEL_RPL		      3u

static struct vmx_vcpu *to_vmx(struct vcpu *vcpu)
{
	return vcpu->arch;
}

static u64 vread(u32 field)
{
	u64 v = 0;

	vmcs_read(field, &v);
	return v;
}

static void read_seg(unsigned int seg, struct vcpu_segment *s)
{
	s->sel = (u16)vread(SEG_FIELD(VMCS_GUEST_ES_SEL, seg));
	s->base = vread(SEG_FIELD(VMCS_GUEST_ES_BASE, seg));
	s->limit = (u32)vread(SEG_FIELD(VMCS_GUEST_ES_LIMIT, seg));
	s->ar = (u32)vread(SEG_FIELD(VMCS_GUEST_ES_AR, seg));
}

static void write_seg(struct vmx_vcpu *vx, unsigned int seg, const struct vcpu_segment *s)
{
	vmcs_write(SEG_FIELD(VMCS_GUEST_ES_SEL, seg), s->sel);
	vmcs_write(SEG_FIELD(VMCS_GUEST_ES_BASE, seg), s->base);
	vmcs_write(SEG_FIELD(VMCS_GUEST_ES_LIMIT, seg), s->limit);
	vmcs_write(SEG_FIELD(VMCS_GUEST_ES_AR, seg), s->ar);
	vx->cached &= ~(VMX_CACHED_CS_AR | VMX_CACHED_SS_AR);
}

void vmx_get_seg(struct vcpu *vcpu, enum vcpu_seg seg, struct vcpu_segment *out)
{
	read_seg(seg, out);
}

void vmx_set_seg(struct vcpu *vcpu, enum vcpu_seg seg, const struct vcpu_segment *val)
{
	write_seg(to_vmx(vcpu), seg, val);
}

void vmx_get_dtable(struct vcpu *vcpu, enum vcpu_dtable table, u64 *base, u16 *limit)
{
	bool gdt = table == VCPU_GDTR;

	*base = vread(gdt ? VMCS_GUEST_GDTR_BASE : VMCS_GUEST_IDTR_BASE);
	*limit = (u16)vread(gdt ? VMCS_GUEST_GDTR_LIMIT : VMCS_GUEST_IDTR_LIMIT);
}

void vmx_set_dtable(struct vcpu *vcpu, enum vcpu_dtable table, u64 base, u16 limit)
{
	bool gdt = table == VCPU_GDTR;

	vmcs_write(gdt ? VMCS_GUEST_GDTR_BASE : VMCS_GUEST_IDTR_BASE, base);
	vmcs_write(gdt ? VMCS_GUEST_GDTR_LIMIT : VMCS_GUEST_IDTR_LIMIT, limit);
}

/*
 * An exception for a vm86 guest: VM entry would deliver it through the IDT as for protected
 * mode, so it is delivered now, as real mode would, with the faulting instruction's IP.
 */
void vmx_vm86_inject(struct vmx_vcpu *vx, u8 vector)
{
	emul_real_mode_deliver(vx->vcpu, vector, (u16)vmcs_read_raw(VMCS_GUEST_RIP));
}

/*
 * A real-mode segment as vm86 can hold it: base = selector << 4, limit 64 KiB, AR 0xf3. A
 * segment loaded in protected mode keeps its base and limit when PE clears, so the selector is
 * taken from the base (as KVM does): only its visible value changes. A larger limit (unreal
 * mode) or a base vm86 cannot express cannot run.
 */
static bool to_vm86_seg(struct vcpu_segment *s)
{
	if (s->ar & AR_UNUSABLE) {
		s->base = 0;
		s->limit = REAL_SEG_LIMIT;
	}
	if (s->limit != REAL_SEG_LIMIT || (s->base & 0xf) || s->base > REAL_BASE_MAX)
		return false;
	s->sel = (u16)(s->base >> 4);
	s->ar = AR_VM86;
	return true;
}

static bool enter_vm86(struct vmx_vcpu *vx)
{
	static const char *const names[VCPU_NR_SEGS] = { "ES", "CS", "SS", "DS", "FS", "GS" };
	struct vcpu_segment segs[VCPU_NR_SEGS];
	struct vcpu_segment tss = {
		.base = VM86_TSS_GPA,
		.limit = VM86_TSS_LEN - 1,
		.ar = AR_TR,
	};
	u64 rflags = vread(VMCS_GUEST_RFLAGS);

	for (unsigned int i = 0; i < VCPU_NR_SEGS; i++) {
		read_seg(i, &segs[i]);
		if (!to_vm86_seg(&segs[i])) {
			vm_stop(vx->vcpu->vm, VM_STOP_UNHANDLED,
				"real mode with %s base 0x%lx limit 0x%x: vm86 needs a base below "
				"1 MiB, limit 0xffff (no unreal mode)",
				names[i], (unsigned long)segs[i].base, segs[i].limit);
			return false;
		}
	}
	for (unsigned int i = 0; i < VCPU_NR_SEGS; i++)
		write_seg(vx, i, &segs[i]);
	read_seg(SEG_TR, &vx->saved_tr);
	write_seg(vx, SEG_TR, &tss);
	vx->vm86 = true;
	vmcs_write(VMCS_GUEST_RFLAGS, vmx_vm86_cpu_rflags(vx, rflags));
	vx->saved_exc_bitmap = (u32)vread(VMCS_EXCEPTION_BITMAP);
	vmcs_write(VMCS_EXCEPTION_BITMAP, EXC_BITMAP_VM86);
	return true;
}

/*
 * CR0.PE set: the guest's next instruction is its far jump into protected mode, and it must run
 * natively, so the vm86 segments become protected-mode ones with the same selectors, bases and
 * limits: CS a 16-bit code segment and SS a data segment, both with RPL cleared and DPL 0 (CPL
 * 0, and VM entry wants CS.RPL = SS.RPL = SS.DPL), the others data segments with DPL = RPL
 * (27.3.1.2: a data segment's DPL may not be below its RPL).
 */
static void leave_vm86(struct vmx_vcpu *vx)
{
	u64 rflags = vmx_vm86_guest_rflags(vx, vread(VMCS_GUEST_RFLAGS));

	for (unsigned int i = 0; i < VCPU_NR_SEGS; i++) {
		struct vcpu_segment s;

		read_seg(i, &s);
		if (i == VCPU_CS || i == VCPU_SS) {
			s.sel &= ~SEL_RPL;
			s.ar = i == VCPU_CS ? AR_REAL_CODE : AR_REAL_DATA;
		} else {
			s.ar = AR_REAL_DATA | AR_DPL(s.sel & SEL_RPL);
		}
		write_seg(vx, i, &s);
	}
	write_seg(vx, SEG_TR, &vx->saved_tr);
	vx->vm86 = false;
	vmcs_write(VMCS_GUEST_RFLAGS, rflags);
	vmcs_write(VMCS_EXCEPTION_BITMAP, vx->saved_exc_bitmap);
}

void vmx_vm86_cr0_pe_changed(struct vmx_vcpu *vx, bool pe)
{
	if (pe && vx->vm86) {
		leave_vm86(vx);
		return;
	}
	if (pe || vx->vm86)
		return;
	if (!vx->vm86_tss) {
		vm_stop(vx->vcpu->vm, VM_STOP_UNHANDLED,
			"the guest cleared CR0.PE: real mode in shadow mode needs entry=real");
		return;
	}
	enter_vm86(vx);
}

int vmx_vm86_init(struct vmx_vcpu *vx, char *err, size_t errlen)
{
	struct vm *vm = vx->vcpu->vm;
	u8 *tss;

	vx->vm86_tss = pmm_alloc_pages(VM86_TSS_ORDER);
	if (!vx->vm86_tss) {
		snprintf(err, errlen, "out of memory for the virtual-8086 TSS");
		return -ENOMEM;
	}
	tss = phys_to_virt(vx->vm86_tss);
	memset(tss, 0, VM86_TSS_PAGES * PAGE_SIZE);
	*(u16 *)(tss + TSS_IOMAP_BASE_OFF) = TSS32_SIZE + TSS_REDIR_SIZE;
	tss[VM86_TSS_LEN - 1] = 0xff;
	if (mmu_memslot_add(&vm->mmu, VM86_TSS_SLOT, VM86_TSS_GPA >> 12, VM86_TSS_PAGES,
			    vx->vm86_tss, MEMSLOT_READONLY)) {
		snprintf(err, errlen, "no memslot left for the virtual-8086 TSS");
		pmm_free_pages(vx->vm86_tss, VM86_TSS_ORDER);
		vx->vm86_tss = 0;
		return -ENOSPC;
	}
	if (!enter_vm86(vx)) {
		snprintf(err, errlen, "the real-mode entry state does not fit virtual-8086 mode");
		return -EINVAL;
	}
	return 0;
}

/* The slot goes before its pages: no SPTE may map them once they are free. */
void vmx_vm86_destroy(struct vmx_vcpu *vx)
{
	if (!vx->vm86_tss)
		return;
	mmu_memslot_delete(&vx->vcpu->vm->mmu, VM86_TSS_SLOT);
	pmm_free_pages(vx->vm86_tss, VM86_TSS_ORDER);
	vx->vm86_tss = 0;
}
