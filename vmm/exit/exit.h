/* SPDX-License-Identifier: GPL-2.0-only */
/* The exit handlers of vmm/exit/, one group per file, and what they share. */
#ifndef VMM_EXIT_EXIT_H
#define VMM_EXIT_EXIT_H

#include <vmm/exit/policy.h>
#include <vmm/vmm.h>

enum exit_action handle_cpuid(struct vcpu *vcpu, const struct vm_exit *exit);
enum exit_action handle_hlt(struct vcpu *vcpu, const struct vm_exit *exit);
enum exit_action handle_io(struct vcpu *vcpu, const struct vm_exit *exit);
enum exit_action handle_msr_read(struct vcpu *vcpu, const struct vm_exit *exit);
enum exit_action handle_msr_write(struct vcpu *vcpu, const struct vm_exit *exit);
enum exit_action handle_vmcall(struct vcpu *vcpu, const struct vm_exit *exit);
enum exit_action handle_cr_access(struct vcpu *vcpu, const struct vm_exit *exit);
enum exit_action handle_invlpg(struct vcpu *vcpu, const struct vm_exit *exit);
enum exit_action handle_invpcid(struct vcpu *vcpu, const struct vm_exit *exit);
enum exit_action handle_exception(struct vcpu *vcpu, const struct vm_exit *exit);
enum exit_action handle_nmi(struct vcpu *vcpu, const struct vm_exit *exit);
enum exit_action handle_external_interrupt(struct vcpu *vcpu, const struct vm_exit *exit);
enum exit_action handle_triple_fault(struct vcpu *vcpu, const struct vm_exit *exit);
enum exit_action handle_preemption_timer(struct vcpu *vcpu, const struct vm_exit *exit);
enum exit_action handle_xsetbv(struct vcpu *vcpu, const struct vm_exit *exit);
enum exit_action handle_cache_flush(struct vcpu *vcpu, const struct vm_exit *exit);
enum exit_action handle_vmx_instruction(struct vcpu *vcpu, const struct vm_exit *exit);

/* cpuid.c: the physical CPU as a cpuid_source, and the guest's view derived from it */
extern const struct cpuid_source host_cpuid;
void vcpu_cr_state(struct vcpu *vcpu, struct cr_state *s);

/* Inject #GP(0) / #UD, and resume: the faulting instruction is not skipped. */
enum exit_action inject_gp(struct vcpu *vcpu);
enum exit_action inject_ud(struct vcpu *vcpu);

/*
 * Skip the exiting instruction and resume, unless the handler stopped the VM. Inline: it ends
 * every instruction exit, the hypercall round trip among them.
 */
static inline enum exit_action exit_done(struct vcpu *vcpu, const struct vm_exit *exit)
{
	if (unlikely(vm_stopped(vcpu->vm)))
		return EXIT_STOP;
	vcpu_skip_insn(vcpu, exit);
	return EXIT_RESUME;
}

/*
 * A handler's answer when vcpu_access_gva() failed: the guest got its fault (resume without
 * skipping, the instruction restarts), or the VM was stopped.
 */
static inline enum exit_action exit_after_mem_failure(enum vcpu_mem_result r)
{
	return r == VCPU_MEM_FAULT ? EXIT_RESUME : EXIT_STOP;
}

/* A register operand: all 64 bits in 64-bit mode, the low 32 otherwise. */
u64 vcpu_operand(struct vcpu *vcpu, enum vcpu_reg reg);

#endif
