/* SPDX-License-Identifier: GPL-2.0-only */
/* The architecture's per-CPU block, reached through GS base: CPU number, fault record, stacks. */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H

#define PERCPU_OFF_SELF	  0
#define PERCPU_OFF_CPU_ID 8

#ifndef __ASSEMBLER__
#include <keel/smp.h>
#include <arch/desc.h>

#include "arch/x86/fault_record.h"

/*
 * One per CPU, in percpu[] indexed by CPU number. Only what the architecture itself needs lives
 * here; other subsystems keep their own arrays indexed by smp_cpu_id() (keel/smp.h).
 */
struct percpu {
	struct percpu *self; /* %gs:0, so C code can turn GS into a pointer */
	u32 cpu_id;	     /* %gs:8, smp_cpu_id() */
	u32 apic_id;
	struct fault_record fault; /* arch_try_call() on this CPU */
	u32 report_depth;	   /* exceptions being reported on this CPU, for recursion */
	struct cpu_tables *tables; /* GDT, TSS and IST stacks */
	u64 stack_top;		   /* the kernel stack the CPU started on */
	u64 ipi_count;		   /* call-function interrupts taken */
};

_Static_assert(__builtin_offsetof(struct percpu, self) == PERCPU_OFF_SELF, "PERCPU_OFF_SELF");
_Static_assert(__builtin_offsetof(struct percpu, cpu_id) == PERCPU_OFF_CPU_ID, "PERCPU_OFF_CPU_ID");

extern struct percpu percpu[KEEL_MAX_CPUS];

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;

	__asm__ volatile("movq %%gs:%c1, %0" : "=r"(p) : "i"(PERCPU_OFF_SELF));
	return p;
}

/*
 * GS base at CPU 0's block before any C code can take a lock or ask smp_cpu_id(): the entry
 * paths call it before kernel_main().
 */
void percpu_boot_early(void);
/* Points GS base at cpu's block; the GS selector must already be loaded (it clears the base). */
void percpu_install(unsigned int cpu);
/* CPU 0's block, its tables, GS base, and CPU 0 online: first thing after its GDT is loaded. */
void percpu_init_boot_cpu(struct cpu_tables *tables);
#endif

#endif
