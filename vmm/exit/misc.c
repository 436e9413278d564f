/* SPDX-License-Identifier: GPL-2.0-only */
/* The remaining exits: triple fault, preemption timer, XSETBV, INVD/WBINVD, VMX instructions. */
#include <vmm/exit/exit.h>

/*
 * The guest could not deliver a fault: a real CPU would shut down. The VM stops; the run loop
 * dumps the registers of every VM that stops other than by its own wish.
 */
enum exit_action handle_triple_fault(struct vcpu *vcpu, const struct vm_exit *exit)
{
	vm_stop(vcpu->vm, VM_STOP_TRIPLE_FAULT, "triple fault at rip 0x%lx",
		vcpu_reg_read(vcpu, VCPU_RIP));
	return EXIT_STOP;
}

/*
 * The run loop counts each expiry in preempt_slices and stops the VM once budget= is spent;
 * within the budget the guest, interrupted at an instruction boundary, resumes where it was.
 */
enum exit_action handle_preemption_timer(struct vcpu *vcpu, const struct vm_exit *exit)
{
	return EXIT_RESUME;
}

enum exit_action handle_xsetbv(struct vcpu *vcpu, const struct vm_exit *exit)
{
	u64 val = (vcpu_reg_read(vcpu, VCPU_RDX) << 32) | (u32)vcpu_reg_read(vcpu, VCPU_RAX);

	if (xsetbv_faults(vcpu->ops->cpl(vcpu), exit->xsetbv.xcr, val,
			  cpuid_xcr0_allowed(&host_cpuid)))
		return inject_gp(vcpu);
	if (vcpu_creg_write(vcpu, VCPU_XCR0, val))
		return inject_gp(vcpu);
	return exit_done(vcpu, exit);
}

/*
 * INVD and WBINVD: guest memory is ordinary write-back host memory, coherent for every CPU, and
 * Keel emulates no device that would see stale lines; there is nothing to write back or drop.
 * (INVD's discard of dirty lines is not reproduced: dropping guest writes would corrupt Keel.)
 */
enum exit_action handle_cache_flush(struct vcpu *vcpu, const struct vm_exit *exit)
{
	return exit_done(vcpu, exit);
}

/* No nested VMX: CPUID hides it, and every VMX instruction raises #UD, as on a CPU without it. */
enum exit_action handle_vmx_instruction(struct vcpu *vcpu, const struct vm_exit *exit)
{
	return inject_ud(vcpu);
}
