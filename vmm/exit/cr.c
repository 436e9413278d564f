/* SPDX-License-Identifier: GPL-2.0-only */
/* Control-register exits: MOV to/from CR0, CR3, CR4, CR8, CLTS and LMSW, checked by cr_rules.c. */
#include <vmm/exit/exit.h>
#include <vmm/dev/devices.h>

#include <arch/msr.h>

/*
 * Each write returns false when the guest must get #GP(0) instead. vcpu_creg_write() stores the
 * value, updates vcpu->paging and tells a shadow MMU (a CR3 load is a guest TLB flush; a paging
 * mode change rebuilds the roots); the run loop loads the new root before the next entry.
 */

static bool guest_write_cr0(struct vcpu *vcpu, u64 val)
{
	struct cr_state s;
	u64 cr0, efer;

	vcpu_cr_state(vcpu, &s);
	if (!cr0_write_valid(&s, val, &cr0, &efer))
		return false;
	if (efer != s.efer && vcpu_creg_write(vcpu, VCPU_EFER, efer))
		return false;
	return !vcpu_creg_write(vcpu, VCPU_CR0, cr0);
}

static bool guest_write_cr4(struct vcpu *vcpu, u64 val)
{
	struct cr_state s;
	u64 cr4;

	vcpu_cr_state(vcpu, &s);
	return cr4_write_valid(&s, val, &cr4) && !vcpu_creg_write(vcpu, VCPU_CR4, cr4);
}

static bool guest_write_cr3(struct vcpu *vcpu, u64 val)
{
	struct cr_state s;

	vcpu_cr_state(vcpu, &s);
	return cr3_write_valid(&s, val) && !vcpu_creg_write(vcpu, VCPU_CR3, val);
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
