/* SPDX-License-Identifier: GPL-2.0-only */
/* Control-register exits: MOV to/from CR0, CR3, CR4, CR8, CLTS and LMSW, checked by cr_rules.c. */
#include <vmm/exit/exit.h>
#include <vmm/dev/devices.h>

#include <arch/msr.h>

/* The run loop loads the MMU's new root (vcpu_load_mmu_root()) before the next entry. */
static void paging_changed(struct vcpu *vcpu, u64 cr0, u64 cr4, u64 efer)
{
	vcpu->paging.cr0 = cr0;
	vcpu->paging.cr4 = cr4;
	vcpu->paging.efer = efer;
	mmu_paging_changed(&vcpu->mmu);
}

/* Each write returns false when the guest must get #GP(0) instead. */

static bool guest_write_cr0(struct vcpu *vcpu, u64 val)
{
	struct cr_state s;
	u64 cr0, efer;

	vcpu_cr_state(vcpu, &s);
	if (!cr0_write_valid(&s, val, &cr0, &efer))
		return false;
	if (efer != s.efer && vcpu_creg_write(vcpu, VCPU_EFER, efer))
		return false;
	if (vcpu_creg_write(vcpu, VCPU_CR0, cr0))
		return false;
	if ((cr0 ^ s.cr0) & CR0_PAGING_BITS)
		paging_changed(vcpu, cr0, s.cr4, efer);
	else
		vcpu->paging.cr0 = cr0;
	return true;
}

static bool guest_write_cr4(struct vcpu *vcpu, u64 val)
{
	struct cr_state s;
	u64 cr4;

	vcpu_cr_state(vcpu, &s);
	if (!cr4_write_valid(&s, val, &cr4) || vcpu_creg_write(vcpu, VCPU_CR4, cr4))
		return false;
	if ((cr4 ^ s.cr4) & CR4_PAGING_BITS)
		paging_changed(vcpu, s.cr0, cr4, s.efer);
	else
		vcpu->paging.cr4 = cr4;
	return true;
}

/* A CR3 load is a guest TLB flush: the MMU syncs unsync pages and picks (or builds) the root. */
static bool guest_write_cr3(struct vcpu *vcpu, u64 val)
{
	struct cr_state s;

	vcpu_cr_state(vcpu, &s);
	if (!cr3_write_valid(&s, val) || vcpu_creg_write(vcpu, VCPU_CR3, val))
		return false;
	mmu_cr3_load(&vcpu->mmu, val);
	return true;
}

static bool mov_to_cr(struct vcpu *vcpu, const struct vm_exit *exit)
{
	u64 val = vcpu_operand(vcpu, exit->cr.gpr);

	switch (exit->cr.cr) {
	case 0:
		return guest_write_cr0(vcpu, val);
	case 3:
		return guest_write_cr3(vcpu, val);
	case 4:
		return guest_write_cr4(vcpu, val);
	case 8:
		if (!cr8_write_valid(val))
			return false;
		vcpu->vm->dev->tpr = val;
		return true;
	}
	vm_stop(vcpu->vm, VM_STOP_UNHANDLED, "mov to cr%u", exit->cr.cr);
	return true;
}

static void mov_from_cr(struct vcpu *vcpu, const struct vm_exit *exit)
{
	u64 val;

	switch (exit->cr.cr) {
	case 3:
		val = vcpu_creg_read(vcpu, VCPU_CR3);
		break;
	case 8:
		val = vcpu->vm->dev->tpr;
		break;
	default:
		vm_stop(vcpu->vm, VM_STOP_UNHANDLED, "mov from cr%u", exit->cr.cr);
		return;
	}
	vcpu_reg_write(vcpu, exit->cr.gpr, vcpu->ops->mode64(vcpu) ? val : (u32)val);
}

enum exit_action handle_cr_access(struct vcpu *vcpu, const struct vm_exit *exit)
{
	u64 cr0 = vcpu_creg_read(vcpu, VCPU_CR0);
	bool ok = true;

	switch (exit->cr.type) {
	case VM_CR_MOV_TO:
		ok = mov_to_cr(vcpu, exit);
		break;
	case VM_CR_MOV_FROM:
		mov_from_cr(vcpu, exit);
		break;
	case VM_CR_CLTS:
		ok = guest_write_cr0(vcpu, cr0 & ~X86_CR0_TS);
		break;
	case VM_CR_LMSW:
		ok = guest_write_cr0(vcpu, cr0_lmsw(cr0, exit->cr.lmsw_data));
		break;
	}
	return ok ? exit_done(vcpu, exit) : inject_gp(vcpu);
}
