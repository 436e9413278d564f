/* SPDX-License-Identifier: GPL-2.0-only */
/* arch_early_init: CPU identification, descriptor tables and exception handling for the boot CPU.
 */
#include <keel/arch.h>
#include <arch/cpu.h>
#include <arch/desc.h>
#include <arch/percpu.h>

static struct cpu_tables boot_cpu_tables;

void arch_early_init(void)
{
	cpu_detect();
	cpu_tables_load(&boot_cpu_tables);
	percpu_init_boot_cpu(&boot_cpu_tables);
	idt_init();
	idt_load();
}

__noreturn void arch_halt(void)
{
	for (;;)
		__asm__ volatile("cli; hlt" ::: "memory");
}
