/* SPDX-License-Identifier: GPL-2.0-only */
/* What the generic kernel asks of the architecture code (arch/x86/). */
#ifndef KEEL_ARCH_H
#define KEEL_ARCH_H

#include <keel/bootinfo.h>
#include <keel/types.h>

/* GDT with TSS (IST stacks for #DF, NMI, #MC) and the IDT: exceptions are caught from here on. */
void arch_early_init(void);

/*
 * Build and switch to Keel's own page tables: the kernel image with W^X per section, a direct map
 * of all RAM in the boot memory map; NX, CR0.WP, SMEP and SMAP turned on where the CPU has them.
 * Page-table pages come from the page allocator (keel/mm.h), which must be up.
 */
void arch_paging_init(const struct boot_info *bi);

/* One line per feature group: vendor/model, NX/SMEP/SMAP/x2APIC, VMX (EPT, VPID, UG) or not. */
void arch_print_cpu_summary(void);

/* Print a frame-pointer stack trace starting at rbp. */
void arch_stack_trace(u64 rbp);

__noreturn void arch_halt(void); /* interrupts off, halt forever */

/* For panic(): every other CPU halts with interrupts off (NMI); returns after a bounded wait. */
void arch_stop_other_cpus(void);

#endif
