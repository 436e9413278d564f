/* SPDX-License-Identifier: GPL-2.0-only */
/* Every boot module is a VM: run them one after another on this CPU and report each in KTAP. */
#include <vmm/load/load.h>
#include <vmm/vmm.h>

#include <keel/ktest.h>
#include <keel/mm.h>
#include <keel/printk.h>

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

static void run_module(struct ktap_report *r, const struct boot_module *m)
{
	struct vm_options opt;
	char why[192] = "";
	struct vm *vm;

	if (vm_options_parse(&opt, m->name, m->cmdline, why, sizeof(why))) {
		ktap_not_ok(r, m->name, "bad options: %s", why);
		return;
	}
	vm = kzalloc(sizeof(*vm));
	if (!vm) {
		ktap_not_ok(r, m->name, "out of memory for the VM");
		return;
	}
	if (!run_vm(vm, &opt, m, why, sizeof(why)))
		ktap_not_ok(r, m->name, "%s", why);
	else if (ended_as_expected(vm))
		ktap_ok(r, m->name);
	else
		ktap_not_ok(r, m->name, "%s: %s", vm_stop_reason_name(vm->stop_reason),
			    vm->stop_detail);
	vm_destroy(vm);
	kfree(vm);
}

unsigned int vmm_count_modules(const struct boot_info *bi)
{
	return bi->module_count;
}

void vmm_run_modules(struct ktap_report *r, const struct boot_info *bi)
{
	char err[160] = "";

	if (!bi->module_count)
		return;
	if (arch_vmm_cpu_enable(err, sizeof(err))) {
		printk_raw("# vmm: cannot run guests: %s\n", err);
		for (unsigned int i = 0; i < bi->module_count; i++)
			ktap_skip(r, bi->modules[i].name, err);
		return;
	}
	for (unsigned int i = 0; i < bi->module_count; i++)
		run_module(r, &bi->modules[i]);
	arch_vmm_cpu_disable();
}
