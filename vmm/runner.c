/* SPDX-License-Identifier: GPL-2.0-only */
/* Every boot module is a VM: run them one after another, or side by side on separate CPUs. */
#include <vmm/load/load.h>
#include <vmm/vmm.h>

#include <keel/cmdline.h>
#include <keel/epoch.h>
#include <keel/ktest.h>
#include <keel/mm.h>
#include <keel/printk.h>
#include <keel/smp.h>

#include <arch/cpu.h>

#include <stdio.h>
#include <string.h>

/* The guest's command line goes in the last page of its RAM (EBX points at it). */
#define CMDLINE_PAGE_FROM_TOP PAGE_SIZE
/* entry=real starts at CS:IP = 0:entry, so the entry must fit in IP. */
#define REAL_MODE_ENTRY_LIMIT 0x10000

static bool ended_as_expected(const struct vm *vm)
{
	if (vm->opt.expect_stop)
		return vm->stop_reason == vm->opt.expect_reason;
	return vm->stop_reason == VM_STOP_EXIT && vm->exit_status == vm->opt.expect_status;
}

/* Builds and runs one VM; returns false with the reason in why when it could not run at all. */
static bool run_vm(struct vm *vm, const struct vm_options *opt, const struct boot_module *m,
		   char *why, size_t len)
{
	u64 entry, cmdline_gpa;
	int ret = vm_create(vm, opt);

	if (ret) {
		snprintf(why, len, "cannot create the VM (%d): %s", ret,
			 vm->stop_detail[0] ? vm->stop_detail : "out of memory");
		return false;
	}
	if (vm_load_elf(vm, phys_to_virt(m->base), m->size, &entry, why, len))
		return false;
	if (opt->entry == VM_ENTRY_REAL && entry >= REAL_MODE_ENTRY_LIMIT) {
		snprintf(why, len, "entry=real with entry point 0x%lx above 64 KiB",
			 (unsigned long)entry);
		return false;
	}
	cmdline_gpa = vm->ram_size - CMDLINE_PAGE_FROM_TOP;
	vm_write_guest(vm, cmdline_gpa, opt->cmdline, strlen(opt->cmdline) + 1);
	if (vcpu_create(vm, 0, entry, cmdline_gpa)) {
		snprintf(why, len, "%s", vm->stop_detail);
		return false;
	}
	vcpu_run(&vm->vcpus[0]);
	return true;
}

/*
 * One module's VM. The CPU that runs it fills in the result; the boot CPU reports it, so the
 * KTAP results keep module order however the runs overlap.
 */
struct vm_job {
	const struct boot_module *m;
	struct vm_options opt;
	struct vm *vm;	  /* NULL: nothing to run, why says so */
	bool as_expected; /* with vm: the VM ran and ended as its expect= said */
	char why[192];
	u32 done;
};

static void prepare_job(struct vm_job *j, const struct boot_module *m)
{
	char why[160] = "";

	memset(j, 0, sizeof(*j));
	j->m = m;
	if (vm_options_parse(&j->opt, m->name, m->cmdline, why, sizeof(why))) {
		snprintf(j->why, sizeof(j->why), "bad options: %s", why);
		return;
	}
	j->vm = kzalloc(sizeof(*j->vm));
	if (!j->vm)
		snprintf(j->why, sizeof(j->why), "out of memory for the VM");
}

/* Runs the job's VM on the calling CPU, which is in VMX operation, and frees it. */
static void run_job(struct vm_job *j)
{
	struct vm *vm = j->vm;

	if (run_vm(vm, &j->opt, j->m, j->why, sizeof(j->why))) {
		j->as_expected = ended_as_expected(vm);
		if (!j->as_expected)
			snprintf(j->why, sizeof(j->why), "%s: %s",
				 vm_stop_reason_name(vm->stop_reason), vm->stop_detail);
	}
	vm_destroy(vm);
	kfree(vm);
}

static void report_job(struct ktap_report *r, const struct vm_job *j)
{
	if (j->as_expected)
		ktap_ok(r, j->m->name);
	else
		ktap_not_ok(r, j->m->name, "%s", j->why);
}

/*
 * A cross-CPU call that runs a whole VM on an idle CPU. smp_call_poll() runs it as an interrupt
 * handler of the idle state (epoch_irq_enter()); a VM run is no such thing: it enters and
 * leaves the guest (extended quiescent states) and frees MMU memory through the epoch scheme,
 * so for the run the CPU leaves the idle state as a busy CPU does, and goes back before
 * returning. epoch_barrier() runs the VM's deferred frees here rather than at some later
 * quiescent point of a CPU that may stay halted.
 */
static void run_job_on_cpu(void *arg)
{
	struct vm_job *j = arg;
	char err[160] = "";

	epoch_irq_exit();
	epoch_idle_exit();
	if (arch_vmm_cpu_enable(err, sizeof(err))) {
		snprintf(j->why, sizeof(j->why), "cpu %u: %s", smp_cpu_id(), err);
		kfree(j->vm);
		j->vm = NULL;
	} else {
		run_job(j);
		arch_vmm_cpu_disable();
	}
	epoch_barrier();
	epoch_idle_enter();
	epoch_irq_enter();
	__atomic_store_n(&j->done, 1, __ATOMIC_RELEASE);
}

/* Waits, serving cross-CPU calls and quiescent for the epoch scheme, until every job is done. */
static void wait_jobs(struct vm_job *jobs, unsigned int n)
{
	epoch_idle_enter();
	for (unsigned int i = 0; i < n; i++) {
		while (!__atomic_load_n(&jobs[i].done, __ATOMIC_ACQUIRE)) {
			smp_call_poll();
			cpu_relax();
		}
	}
	epoch_idle_exit();
}

/*
 * Up to @width modules at once: the first on this CPU, the k-th on CPU k (CPUs are numbered in
 * the order they came online), then the results in module order.
 */
static void run_batch(struct ktap_report *r, const struct boot_module *mods, unsigned int n)
{
	struct vm_job *jobs = kzalloc(n * sizeof(*jobs));

	if (!jobs) {
		for (unsigned int i = 0; i < n; i++)
			ktap_not_ok(r, mods[i].name, "out of memory for the VM");
		return;
	}
	for (unsigned int i = 0; i < n; i++)
		prepare_job(&jobs[i], &mods[i]);
	for (unsigned int i = 1; i < n; i++) {
		struct cpumask cpu = { .bits = BIT(i) };

		if (jobs[i].vm)
			smp_call(&cpu, run_job_on_cpu, &jobs[i], false);
		else
			jobs[i].done = 1;
	}
	if (jobs[0].vm)
		run_job(&jobs[0]);
	jobs[0].done = 1;
	wait_jobs(jobs, n);
	for (unsigned int i = 0; i < n; i++)
		report_job(r, &jobs[i]);
	kfree(jobs);
}

unsigned int vmm_count_modules(const struct boot_info *bi)
{
	return bi->module_count;
}

void vmm_run_modules(struct ktap_report *r, const struct boot_info *bi)
{
	unsigned int width = MIN(cmdline_opts.vm_cpus, smp_num_cpus());
	char err[160] = "";

	if (!bi->module_count)
		return;
	if (arch_vmm_cpu_enable(err, sizeof(err))) {
		printk_raw("# vmm: cannot run guests: %s\n", err);
		for (unsigned int i = 0; i < bi->module_count; i++)
			ktap_skip(r, bi->modules[i].name, err);
		return;
	}
	if (width > 1)
		printk_raw("# vmm: up to %u VMs at once, one per CPU\n", width);
	for (unsigned int i = 0; i < bi->module_count; i += width)
		run_batch(r, &bi->modules[i], MIN(width, bi->module_count - i));
	arch_vmm_cpu_disable();
}
