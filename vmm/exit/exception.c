/* SPDX-License-Identifier: GPL-2.0-only */
/* Exception and NMI exits: #PF goes to the MMU, any other intercepted exception back to the guest.
 */
#include <vmm/emul/emul.h>
#include <vmm/exit/exit.h>

#include <arch/cpu.h>

/*
 * Keel intercepts #PF in shadow mode (the guest's faults and the shadow's look alike until the
 * MMU walks the guest tables). Anything else intercepted is reflected unchanged: the guest sees
 * the exception the CPU raised, with its error code.
 */
enum exit_action handle_exception(struct vcpu *vcpu, const struct vm_exit *exit)
{
	if (exit->exception.vector == VM_EXC_PF) /* counted in pf_intercepts there */
		return vcpu_mmu_fault(vcpu, exit);
	/* Real mode without unrestricted guest runs in virtual-8086 mode: vmm/emul/ takes over. */
	if (!(vcpu_creg_read(vcpu, VCPU_CR0) & X86_CR0_PE))
		return emul_real_mode_exception(vcpu, exit);
	vcpu_inject_exception(vcpu, exit->exception.vector, exit->exception.has_error_code,
			      exit->exception.error_code, 0);
	return EXIT_RESUME;
}

/*
 * An NMI or an external interrupt arrived while the guest ran. It was Keel's (no device of the
 * guest's raises any): the arch side acknowledged it on exit and handled it as the host's, so
 * the guest just resumes where it was.
 */
enum exit_action handle_nmi(struct vcpu *vcpu, const struct vm_exit *exit)
{
	return EXIT_RESUME;
}

enum exit_action handle_external_interrupt(struct vcpu *vcpu, const struct vm_exit *exit)
{
	return EXIT_RESUME;
}
