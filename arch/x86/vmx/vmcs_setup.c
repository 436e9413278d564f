/* SPDX-License-Identifier: GPL-2.0-only */
/* A vCPU's VMCS from scratch: controls, host state from the running CPU, the guest entry state. */
#include <arch/cpu.h>
#include <arch/desc.h>
#include <arch/msr.h>
#include <keel/mm.h>
#include <keel/printk.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vcpu.h"

/* 25.4.2 "Guest Non-Register State": a VMCS link pointer of all ones means "no shadow VMCS". */
#define VMCS_LINK_NONE (~0ull)
/* Architectural reset values: RFLAGS bit 1, DR7 bit 10, the power-up PAT (SDM Vol. 3A 11.12.4). */
#define RFLAGS_RESERVED1 BIT(1)
#define DR7_RESET	 0x400ull
#define PAT_RESET	 0x0007040600070406ull

/* EPTP (25.6.11 "Extended-Page-Table Pointer"): memory type, walk length - 1, A/D enable. */
#define EPTP_MEMTYPE_WB 6ull
#define EPTP_WALK_4	(3ull << 3)
#define EPTP_AD		BIT(6)
#define EPTP_ADDR_MASK	0x000ffffffffff000ull

/* I/O bitmaps A and B (ports 0-0xffff) and the MSR bitmap: every bit set, everything exits. */
static paddr_t io_bitmaps, msr_bitmap;
static u16 next_vpid = 1;

static int alloc_bitmaps(void)
{
	if (io_bitmaps && msr_bitmap)
		return 0;
	if (!io_bitmaps)
		io_bitmaps = pmm_alloc_pages(1);
	if (!msr_bitmap)
		msr_bitmap = pmm_alloc_pages(0);
	if (!io_bitmaps || !msr_bitmap)
		return -ENOMEM;
	memset(phys_to_virt(io_bitmaps), 0xff, 2 * PAGE_SIZE);
	memset(phys_to_virt(msr_bitmap), 0xff, PAGE_SIZE);
	return 0;
}

static u16 alloc_vpid(void)
{
	u16 v = next_vpid++;

	/* VPID 0 is the host's; after a wrap every old tag is flushed before reuse. */
	if (next_vpid == 0)
		next_vpid = 1;
	return v;
}

u64 vmx_guest_cr0(const struct vmx_vcpu *vx, u64 cr0)
{
	const struct vmx_caps *c = vmx_get_caps();

	/*
	 * Shadow paging always runs the guest with paging on (the shadow tables translate) and
	 * with CR0.WP set: write tracking of guest page tables relies on read-only SPTEs stopping
	 * supervisor writes too. The MMU derives a guest's CR0.WP = 0 semantics into the SPTEs.
	 */
	if (!vx->ept)
		cr0 |= X86_CR0_PE | X86_CR0_PG | X86_CR0_WP;
	/* Real mode has no alignment checks; vm86 at CPL 3 would have them. */
	if (vx->vm86)
		cr0 &= ~X86_CR0_AM;
	return vmx_cr0_fixed(c, cr0, vx->unrestricted);
}

/*
 * The CR4 the CPU runs the guest with. In shadow mode the shadow root decides the paging
 * format: PAE for paging off (a direct root), 32-bit and PAE guests, the guest's own 4- or
 * 5-level format in long mode. With the guest's paging off the CPU still pages, through
 * identity mappings the guest cannot see: SMEP, SMAP and protection keys, which only a paging
 * guest can feel, must not act on them.
 */
u64 vmx_guest_cr4(const struct vmx_vcpu *vx, u64 cr4)
{
	if (!vx->ept) {
		cr4 |= X86_CR4_PAE;
		if (!(vx->cr0 & X86_CR0_PG))
			cr4 &= ~(X86_CR4_SMEP | X86_CR4_SMAP | X86_CR4_PKE);
	}
	/*
	 * Virtual-8086 mode extensions send INT n through the IVT (vm86.c). What CR4 restricts at
	 * CPL > 0 must not reach real mode, whose CPL is 0: RDTSC (TSD), SGDT and friends (UMIP);
	 * SMAP is off already, paging being off.
	 */
	if (vx->vm86)
		cr4 = (cr4 | X86_CR4_VME) & ~(X86_CR4_TSD | X86_CR4_UMIP);
	return vmx_cr4_fixed(vmx_get_caps(), cr4);
}

static void read_host_tables(struct desc_ptr *gdtr, struct desc_ptr *idtr, u16 *tr)
{
	__asm__ volatile("sgdt %0" : "=m"(*gdtr));
	__asm__ volatile("sidt %0" : "=m"(*idtr));
	__asm__ volatile("str %0" : "=r"(*tr));
}

/* The base of a 64-bit system descriptor (SDM Vol. 3A, 8.2.3 "TSS Descriptor in 64-bit mode"). */
static u64 system_desc_base(const struct desc_ptr *gdtr, u16 sel)
{
	const u64 *d = (const u64 *)(gdtr->base + (sel & ~7u));

	return ((d[0] >> 16) & 0xffffff) | (((d[0] >> 56) & 0xff) << 24) |
	       ((d[1] & 0xffffffff) << 32);
}

static u16 read_sel(int which)
{
	u16 v = 0;

	switch (which) {
	case 0:
		__asm__ volatile("mov %%cs, %0" : "=r"(v));
		break;
	case 1:
		__asm__ volatile("mov %%ss, %0" : "=r"(v));
		break;
	case 2:
		__asm__ volatile("mov %%ds, %0" : "=r"(v));
		break;
	case 3:
		__asm__ volatile("mov %%es, %0" : "=r"(v));
		break;
	case 4:
		__asm__ volatile("mov %%fs, %0" : "=r"(v));
		break;
	default:
		__asm__ volatile("mov %%gs, %0" : "=r"(v));
		break;
	}
	return v;
}

/* Host state (25.5 "Host-State Area"): the running CPU as it is now, so an exit returns to it. */
static int write_host_state(const struct vmx_vcpu *vx)
{
	struct desc_ptr gdtr, idtr;
	u16 tr;
	int e = 0;

	read_host_tables(&gdtr, &idtr, &tr);
	e |= vmcs_write(VMCS_HOST_CR0, read_cr0());
	e |= vmcs_write(VMCS_HOST_CR3, read_cr3());
	e |= vmcs_write(VMCS_HOST_CR4, read_cr4());
	e |= vmcs_write(VMCS_HOST_CS_SEL, read_sel(0));
	e |= vmcs_write(VMCS_HOST_SS_SEL, read_sel(1));
	e |= vmcs_write(VMCS_HOST_DS_SEL, read_sel(2));
	e |= vmcs_write(VMCS_HOST_ES_SEL, read_sel(3));
	e |= vmcs_write(VMCS_HOST_FS_SEL, read_sel(4));
	e |= vmcs_write(VMCS_HOST_GS_SEL, read_sel(5));
	e |= vmcs_write(VMCS_HOST_TR_SEL, tr);
	e |= vmcs_write(VMCS_HOST_FS_BASE, rdmsr(MSR_FS_BASE));
	e |= vmcs_write(VMCS_HOST_GS_BASE, rdmsr(MSR_GS_BASE));
	e |= vmcs_write(VMCS_HOST_TR_BASE, system_desc_base(&gdtr, tr));
	e |= vmcs_write(VMCS_HOST_GDTR_BASE, gdtr.base);
	e |= vmcs_write(VMCS_HOST_IDTR_BASE, idtr.base);
	e |= vmcs_write(VMCS_HOST_SYSENTER_CS, rdmsr(MSR_IA32_SYSENTER_CS));
	e |= vmcs_write(VMCS_HOST_SYSENTER_ESP, rdmsr(MSR_IA32_SYSENTER_ESP));
	e |= vmcs_write(VMCS_HOST_SYSENTER_EIP, rdmsr(MSR_IA32_SYSENTER_EIP));
	e |= vmcs_write(VMCS_HOST_EFER, rdmsr(MSR_EFER));
	if (vx->ctls.value[VMX_CTL_EXIT] & VMX_EXIT_CTL_LOAD_PAT)
		e |= vmcs_write(VMCS_HOST_PAT, rdmsr(MSR_IA32_PAT));
	e |= vmcs_write(VMCS_HOST_RIP, (u64)vmx_exit_stub);
	return e ? -EIO : 0;
}

static int write_controls(struct vmx_vcpu *vx)
{
	const u64 *v = vx->ctls.value;
	u64 cr0_mask = ~(u64)(X86_CR0_TS | X86_CR0_MP);
	int e = 0;

	e |= vmcs_write(VMCS_PIN_CONTROLS, v[VMX_CTL_PIN]);
	e |= vmcs_write(VMCS_PROC_CONTROLS, v[VMX_CTL_PROC]);
	if (v[VMX_CTL_PROC] & VMX_PROC_SECONDARY_CONTROLS)
		e |= vmcs_write(VMCS_PROC2_CONTROLS, v[VMX_CTL_PROC2]);
	if (v[VMX_CTL_PROC] & VMX_PROC_TERTIARY_CONTROLS)
		e |= vmcs_write(VMCS_TERTIARY_PROC_CONTROLS, v[VMX_CTL_PROC3]);
	e |= vmcs_write(VMCS_EXIT_CONTROLS, v[VMX_CTL_EXIT]);
	e |= vmcs_write(VMCS_ENTRY_CONTROLS, v[VMX_CTL_ENTRY]);
	e |= vmcs_write(VMCS_IO_BITMAP_A, io_bitmaps);
	e |= vmcs_write(VMCS_IO_BITMAP_B, io_bitmaps + PAGE_SIZE);
	e |= vmcs_write(VMCS_MSR_BITMAP, msr_bitmap);
	e |= vmcs_write(VMCS_EXCEPTION_BITMAP, vx->ept ? 0 : BIT(VM_EXC_PF));
	e |= vmcs_write(VMCS_PF_ERROR_CODE_MASK, 0);
	e |= vmcs_write(VMCS_PF_ERROR_CODE_MATCH, 0);
	e |= vmcs_write(VMCS_CR3_TARGET_COUNT, 0);
	/*
	 * Keel owns every CR0 bit but TS and MP, and every CR4 bit: the guest reads its own values
	 * from the read shadows and any write that changes them exits, so the fixed bits stay set.
	 */
	e |= vmcs_write(VMCS_CR0_GUEST_HOST_MASK, cr0_mask);
	e |= vmcs_write(VMCS_CR4_GUEST_HOST_MASK, ~0ull);
	e |= vmcs_write(VMCS_LINK_POINTER, VMCS_LINK_NONE);
	if (vx->vpid)
		e |= vmcs_write(VMCS_VPID, vx->vpid);
	return e ? -EIO : 0;
}

static int write_segment(u32 sel_field, u16 sel, u64 base, u32 limit, u32 ar)
{
	/* The selector, base, limit and access-rights fields of ES..TR are laid out in one order.
	 */
	u32 idx = sel_field - VMCS_GUEST_ES_SEL;
	int e = 0;

	e |= vmcs_write(sel_field, sel);
	e |= vmcs_write(VMCS_GUEST_ES_BASE + idx, base);
	e |= vmcs_write(VMCS_GUEST_ES_LIMIT + idx, limit);
	e |= vmcs_write(VMCS_GUEST_ES_AR + idx, ar);
	return e;
}

/* guest_abi.h's entry states: flat 32-bit protected mode, or real mode at 0:entry. */
static int write_guest_state(struct vmx_vcpu *vx, u64 entry_rip, bool real)
{
	static const u32 data_segs[] = { VMCS_GUEST_ES_SEL, VMCS_GUEST_SS_SEL, VMCS_GUEST_DS_SEL,
					 VMCS_GUEST_FS_SEL, VMCS_GUEST_GS_SEL };
	u32 limit = real ? 0xffff : 0xffffffff;
	u32 code_ar = real ? AR_REAL_CODE : AR_FLAT32_CODE;
	u32 data_ar = real ? AR_REAL_DATA : AR_FLAT32_DATA;
	int e = 0;

	vx->cr0 = X86_CR0_ET | (real ? 0 : X86_CR0_PE);
	vx->cr4 = 0;
	vx->efer = 0;
	vx->cr3 = 0;
	e |= write_segment(VMCS_GUEST_CS_SEL, real ? 0 : 0x08, 0, limit, code_ar);
	for (unsigned int i = 0; i < ARRAY_SIZE(data_segs); i++)
		e |= write_segment(data_segs[i], real ? 0 : 0x10, 0, limit, data_ar);
	e |= write_segment(VMCS_GUEST_LDTR_SEL, 0, 0, 0, AR_UNUSABLE);
	e |= write_segment(VMCS_GUEST_TR_SEL, 0, 0, 0xffff, AR_TR);
	e |= vmcs_write(VMCS_GUEST_GDTR_BASE, 0);
	e |= vmcs_write(VMCS_GUEST_GDTR_LIMIT, 0xffff);
	e |= vmcs_write(VMCS_GUEST_IDTR_BASE, 0);
	e |= vmcs_write(VMCS_GUEST_IDTR_LIMIT, 0xffff);
	e |= vmcs_write(VMCS_GUEST_RIP, entry_rip);
	e |= vmcs_write(VMCS_GUEST_RSP, 0);
	e |= vmcs_write(VMCS_GUEST_RFLAGS, RFLAGS_RESERVED1);
	e |= vmcs_write(VMCS_GUEST_DR7, DR7_RESET);
	e |= vmcs_write(VMCS_GUEST_SYSENTER_CS, 0);
	e |= vmcs_write(VMCS_GUEST_SYSENTER_ESP, 0);
	e |= vmcs_write(VMCS_GUEST_SYSENTER_EIP, 0);
	e |= vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, 0);
	e |= vmcs_write(VMCS_GUEST_ACTIVITY_STATE, 0);
	e |= vmcs_write(VMCS_GUEST_PENDING_DBG_EXCEPTIONS, 0);
	if (vx->ctls.value[VMX_CTL_ENTRY] & VMX_ENTRY_CTL_LOAD_PAT)
		e |= vmcs_write(VMCS_GUEST_PAT, PAT_RESET);
	if (vx->ept)
		e |= vmcs_write(VMCS_GUEST_CR3, 0);
	return e ? -EIO : 0;
}

int vmx_vmcs_setup(struct vmx_vcpu *vx, u64 entry_rip, char *err, size_t errlen)
{
	const struct vmx_caps *c = vmx_get_caps();
	struct vm *vm = vx->vcpu->vm;
	struct vmx_wanted want;
	int ret;

	if (alloc_bitmaps()) {
		snprintf(err, errlen, "out of memory for the I/O and MSR bitmaps");
		return -ENOMEM;
	}
	vmx_keel_wanted(&want, vx->ept ? VMX_MMU_EPT : VMX_MMU_SHADOW);
	ret = vmx_compute_controls(c, &want, &vx->ctls, err, errlen);
	if (ret)
		return ret;
	vx->unrestricted = vx->ctls.value[VMX_CTL_PROC2] & VMX_PROC2_UNRESTRICTED_GUEST;
	if (vx->ctls.value[VMX_CTL_PROC2] & VMX_PROC2_VPID)
		vx->vpid = alloc_vpid();
	if (vx->ept && !(c->ept.walk4 && c->ept.memtype_wb)) {
		snprintf(err, errlen, "EPT without 4-level walks or write-back memory type");
		return -ENOTSUP;
	}
	if (!(vx->ctls.value[VMX_CTL_PIN] & VMX_PIN_PREEMPTION_TIMER))
		vx->slice_ticks = 0;
	vx->timer_saved = vx->ctls.value[VMX_CTL_EXIT] & VMX_EXIT_CTL_SAVE_PREEMPT_TIMER;
	vx->timer_reload = true;

	if (write_controls(vx) || write_host_state(vx) ||
	    write_guest_state(vx, entry_rip, vm->opt.entry == VM_ENTRY_REAL)) {
		snprintf(err, errlen, "VMWRITE failed while building the VMCS");
		return -EIO;
	}
	/* Without unrestricted guest (shadow mode) real mode runs in virtual-8086 mode. */
	if (vm->opt.entry == VM_ENTRY_REAL && !vx->ept)
		return vmx_vm86_init(vx, err, errlen);
	return 0;
}

/* EPTP for a TDP root (25.6.11): write-back, 4-level, A/D flags when the CPU has them. */
u64 vmx_eptp(paddr_t root)
{
	const struct vmx_caps *c = vmx_get_caps();

	return (root & EPTP_ADDR_MASK) | EPTP_MEMTYPE_WB | EPTP_WALK_4 |
	       (c->ept.ad_bits ? EPTP_AD : 0);
}
