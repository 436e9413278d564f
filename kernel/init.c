/* SPDX-License-Identifier: GPL-2.0-only */
/* kernel_main: check the boot contract, bring up console, traps and memory, then run the tests. */
#include <keel/acpi.h>
#include <keel/arch.h>
#include <keel/cmdline.h>
#include <keel/console.h>
#include <keel/init.h>
#include <keel/ktest.h>
#include <keel/mm.h>
#include <keel/power.h>
#include <keel/printk.h>
#include <keel/smp.h>
#include <keel/version.h>
#include <vmm/vmm.h>

#include <stdio.h>
#include <string.h>

#include "mm/kmalloc.h"

struct boot_info boot_info;
struct cmdline_opts cmdline_opts;

/* Before boot_info is trusted there is no printk: only raw bytes to COM1, then a halt. */
__noreturn static void bad_boot_info(const char *why)
{
	char msg[160];
	int n = snprintf(msg, sizeof(msg), "keel: unusable boot_info: %s; halting\n", why);

	console_write(msg, (size_t)MIN(n, (int)sizeof(msg) - 1));
	console_drain();
	arch_halt();
}

static void check_boot_info(const struct boot_info *bi)
{
	if (!bi)
		bad_boot_info("no boot_info pointer");
	if (bi->magic != BOOT_INFO_MAGIC)
		bad_boot_info("bad magic");
	if (bi->version != BOOT_INFO_VERSION)
		bad_boot_info("unsupported version");
	if (bi->size != sizeof(struct boot_info))
		bad_boot_info("size does not match this kernel's struct boot_info");
	if (bi->source != BOOT_SOURCE_UEFI && bi->source != BOOT_SOURCE_MULTIBOOT2)
		bad_boot_info("unknown boot source");
	if (bi->mmap_count == 0 || bi->mmap_count > BOOT_MMAP_MAX)
		bad_boot_info("memory map entry count out of range");
	if (bi->module_count > BOOT_MODULES_MAX)
		bad_boot_info("module count out of range");
}

static void cmdline_error(void *ctx, const char *msg)
{
	printk_raw("%s\n", msg);
}

static void print_memory(void)
{
	struct pmm_stats st;

	pmm_get_stats(&st);
	pr_info("mem: %lu MiB usable, %lu MiB free, %lu KiB reserved\n",
		(unsigned long)(st.total_pages * PAGE_SIZE >> 20),
		(unsigned long)(st.free_pages * PAGE_SIZE >> 20),
		(unsigned long)(st.reserved_pages * PAGE_SIZE >> 10));
}

/* The ktests the command line selects, then every module as a VM: one KTAP document. */
static void run_tests_and_guests(void)
{
	const char *selection = cmdline_opts.ktest_given ? cmdline_opts.ktest : NULL;
	struct ktap_report report;

	ktap_begin(&report,
		   (selection ? ktest_count(selection) : 0) + vmm_count_modules(&boot_info));
	if (selection)
		ktest_run(&report, selection);
	vmm_run_modules(&report, &boot_info);
	ktap_end(&report);
}

void kernel_main(const struct boot_info *bi)
{
	int errors;

	console_init();
	check_boot_info(bi);
	memcpy(&boot_info, bi, sizeof(boot_info));

	/* Quietly first: console= decides whether even the banner is shown. */
	errors = cmdline_parse(boot_info.cmdline, sizeof(boot_info.cmdline), &cmdline_opts, NULL,
			       NULL);
	if (!errors) {
		console_select(cmdline_opts.console);
		printk_set_level(cmdline_opts.loglevel);
	}
	printk_raw("Keel %s (x86-64) booted via %s\n", KEEL_VERSION,
		   boot_info.source == BOOT_SOURCE_UEFI ? "uefi" : "multiboot2");
	if (errors)
		cmdline_parse(boot_info.cmdline, sizeof(boot_info.cmdline), &cmdline_opts,
			      cmdline_error, NULL);

	arch_early_init();
	pmm_init(&boot_info);
	arch_paging_init(&boot_info);
	pmm_init_late(&boot_info);
	kheap_init();
	arch_print_cpu_summary();
	print_memory();
	acpi_init(boot_info.acpi_rsdp);
	smp_init();
	pr_info("cmdline: %.*s\n", (int)sizeof(boot_info.cmdline) - 1, boot_info.cmdline);

	if (errors) {
		printk_raw("keel: %d error%s on the command line: refusing to run anything\n",
			   errors, errors == 1 ? "" : "s");
		power_off();
	}
	if (cmdline_opts.ktest_given || boot_info.module_count)
		run_tests_and_guests();
	else
		pr_info("keel: nothing to run (no ktest= and no guest modules)\n");
	power_off();
}
