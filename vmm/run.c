/* SPDX-License-Identifier: GPL-2.0-only */
/* The vCPU run loop: enter, count, dispatch, until the VM stops; entry failures and the budget. */
#include <vmm/exit/exit.h>
#include <vmm/vmm.h>

#include <keel/epoch.h>
#include <keel/printk.h>

static void report_entry_failure(struct vcpu *vcpu, const struct vm_exit *exit)
{
	struct vm *vm = vcpu->vm;
	const char *what = exit->entry_failure.what;

	if (exit->entry_failure.vmfail) {
		printk_raw("# vmm: %s: VM entry failed: error %u, %s\n", vm->opt.name,
			   exit->entry_failure.insn_error, what);
		vm_stop(vm, VM_STOP_ENTRY_FAILURE, "VM entry failed: error %u, %s",
			exit->entry_failure.insn_error, what);
	} else {
		printk_raw("# vmm: %s: VM-entry failure: reason %u (%s), qualification 0x%lx\n",
			   vm->opt.name, exit->entry_failure.reason, what,
			   (unsigned long)exit->entry_failure.qualification);
		vm_stop(vm, VM_STOP_ENTRY_FAILURE, "VM-entry failure: reason %u (%s), qual 0x%lx",
			exit->entry_failure.reason, what,
			(unsigned long)exit->entry_failure.qualification);
	}
	vcpu->ops->dump(vcpu);
}

/* Counts an exit the loop ends on itself, as vm_exit_dispatch() counts the others. */
static void count_exit(struct vm *vm, enum vm_exit_kind kind)
{
	vm->stats.exits[kind]++;
}

/*
 * Enters the guest until an exit that is not light, handling the light ones on the way: hypercalls,
 * CPUID, port I/O. Their handlers touch neither the guest MMU nor anything epoch-protected (guest
 * registers, guest RAM, the VM's devices), so their handling counts as guest execution: the CPU
 * stays in the epoch's extended quiescent state (docs/epoch.md), and the MMU root needs no
 * revalidation afterwards, since with one vCPU per VM only that vCPU's own exits change its MMU.
 * They are counted as vm_exit_dispatch() counts. Each returns EXIT_STOP whenever it stopped the
 * VM (exit_done() sees to it), and so does this; else the other exit is in *exit.
 */
static enum exit_action run_light_exits(struct vcpu *vcpu, struct vm_exit *exit)
{
	struct vm_stats *st = &vcpu->vm->stats;
	enum exit_action a;

	for (;;) {
		arch_vcpu_run(vcpu, exit);
		/* A write window's close may zap shadow pages: the outer loop revalidates the root.
		 */
		if (unlikely(mmu_write_window_is_open(&vcpu->mmu))) {
			vcpu_close_write_window(vcpu, exit);
			return EXIT_RESUME;
		}
		/* Hypercalls first: the guest ABI's own round trip. */
		if (likely(exit->kind == VM_EXIT_VMCALL)) {
			st->exits[VM_EXIT_VMCALL]++;
			a = handle_vmcall(vcpu, exit);
		} else if (exit->kind == VM_EXIT_CPUID) {
			st->exits[VM_EXIT_CPUID]++;
			a = handle_cpuid(vcpu, exit);
		} else if (exit->kind == VM_EXIT_IO) {
			st->exits[VM_EXIT_IO]++;
			a = handle_io(vcpu, exit);
		} else {
			return EXIT_RESUME;
		}
		if (unlikely(a == EXIT_STOP))
			return EXIT_STOP;
	}
}

void vcpu_run(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	u64 slices = vcpu_budget_slices(vcpu);
	struct vm_exit exit;
	enum exit_action action;

	if (!arch_vcpu_has_budget_timer(vcpu))
		printk_raw("# vmm: %s: no VMX-preemption timer: budget= is not enforced\n",
			   vm->opt.name);
	while (!vm_stopped(vm)) {
		if (vcpu_load_mmu_root(vcpu)) {
			vm_stop(vm, VM_STOP_ERROR, "out of memory for the guest MMU root");
			break;
		}
		epoch_guest_enter();
		action = run_light_exits(vcpu, &exit);
		epoch_guest_exit();
		if (action == EXIT_STOP)
			break;
		if (exit.kind == VM_EXIT_ENTRY_FAILURE) {
			count_exit(vm, exit.kind);
			report_entry_failure(vcpu, &exit);
			break;
		}
		if (exit.kind == VM_EXIT_PREEMPTION_TIMER && ++vm->stats.preempt_slices > slices) {
			count_exit(vm, exit.kind);
			vm_stop(vm, VM_STOP_BUDGET,
				"ran past its budget of %lu million instructions",
				(unsigned long)vm->opt.budget_minsn);
			break;
		}
		if (vm_exit_dispatch(vcpu, &exit) == EXIT_STOP)
			break;
	}
	/* A stop that is not the guest's own wish shows where it was. */
	if (vm->stop_reason != VM_STOP_EXIT && vm->stop_reason != VM_STOP_ENTRY_FAILURE) {
		printk_raw("# vmm: %s stopped: %s\n", vm->opt.name, vm->stop_detail);
		vcpu->ops->dump(vcpu);
	}
}
