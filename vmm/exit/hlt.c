/* SPDX-License-Identifier: GPL-2.0-only */
/* HLT exits: no device raises interrupts yet, so a halt either returns at once or never. */
#include <vmm/exit/exit.h>

#include <arch/cpu.h>

/*
 * Keel emulates no interrupt source (no PIC, PIT or LAPIC), so no event can ever wake a halted
 * vCPU. With RFLAGS.IF = 0 the guest asked to stop for good: the VM stops ("halted"). With
 * IF = 1 HLT returns at once, as if woken by an interrupt that never arrives: a guest that waits
 * in a HLT loop spins through its budget and stops with "budget". NMIs are not emulated either.
 */
enum exit_action handle_hlt(struct vcpu *vcpu, const struct vm_exit *exit)
{
	if (!(vcpu_reg_read(vcpu, VCPU_RFLAGS) & X86_RFLAGS_IF)) {
		vm_stop(vcpu->vm, VM_STOP_HALTED, "hlt with interrupts disabled");
		return EXIT_STOP;
	}
	return exit_done(vcpu, exit);
}
