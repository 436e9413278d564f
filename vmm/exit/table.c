/* SPDX-License-Identifier: GPL-2.0-only */
/* The exit dispatch table: one handler per exit kind, and the per-kind counters. */
#include <vmm/exit/exit.h>

/*
 * The set of exits Keel handles is this array. The run loop deals with entry failures itself;
 * a kind with no handler here stops the VM, naming the exit, rather than being dropped.
 */
const vm_exit_handler vm_exit_handlers[VM_EXIT_KIND_COUNT] = {
	[VM_EXIT_CPUID] = handle_cpuid,
	[VM_EXIT_HLT] = handle_hlt,
	[VM_EXIT_IO] = handle_io,
	[VM_EXIT_MSR_READ] = handle_msr_read,
	[VM_EXIT_MSR_WRITE] = handle_msr_write,
	[VM_EXIT_VMCALL] = handle_vmcall,
	[VM_EXIT_CR_ACCESS] = handle_cr_access,
	[VM_EXIT_INVLPG] = handle_invlpg,
	[VM_EXIT_INVPCID] = handle_invpcid,
	[VM_EXIT_EPT_VIOLATION] = vcpu_mmu_fault,
	[VM_EXIT_EPT_MISCONFIG] = vcpu_mmu_fault,
	[VM_EXIT_EXCEPTION] = handle_exception,
	[VM_EXIT_NMI] = handle_nmi,
	[VM_EXIT_EXTERNAL_INTERRUPT] = handle_external_interrupt,
	[VM_EXIT_TRIPLE_FAULT] = handle_triple_fault,
	[VM_EXIT_PREEMPTION_TIMER] = handle_preemption_timer,
	[VM_EXIT_XSETBV] = handle_xsetbv,
	[VM_EXIT_INVD] = handle_cache_flush,
	[VM_EXIT_WBINVD] = handle_cache_flush,
	[VM_EXIT_VMX_INSTRUCTION] = handle_vmx_instruction,
	[VM_EXIT_SINGLE_STEP] = vcpu_single_step_done,
};

enum exit_action vm_exit_dispatch(struct vcpu *vcpu, const struct vm_exit *exit)
{
	struct vm *vm = vcpu->vm;
	vm_exit_handler handler = NULL;

	if (exit->kind < VM_EXIT_KIND_COUNT) {
		vm->stats.exits[exit->kind]++;
		handler = vm_exit_handlers[exit->kind];
	}
	if (!handler) {
		vm_stop(vm, VM_STOP_UNHANDLED, "unhandled exit %s (reason %u, qualification 0x%lx)",
			exit->kind < VM_EXIT_KIND_COUNT ? vm_exit_kind_name(exit->kind) : "?",
			exit->arch_reason, exit->arch_qualification);
		return EXIT_STOP;
	}
	return handler(vcpu, exit);
}

enum exit_action inject_gp(struct vcpu *vcpu)
{
	vcpu_inject_exception(vcpu, VM_EXC_GP, true, 0, 0);
	return EXIT_RESUME;
}

enum exit_action inject_ud(struct vcpu *vcpu)
{
	vcpu_inject_exception(vcpu, VM_EXC_UD, false, 0, 0);
	return EXIT_RESUME;
}

u64 vcpu_operand(struct vcpu *vcpu, enum vcpu_reg reg)
{
	u64 v = vcpu_reg_read(vcpu, reg);

	return vcpu->ops->mode64(vcpu) ? v : (u32)v;
}
