/* SPDX-License-Identifier: GPL-2.0-only */
/* The architecture's side of SMP: the AP trampoline's parameters, IPI service, stopping CPUs. */
#ifndef ARCH_SMP_H
#define ARCH_SMP_H

#include <arch/layout.h>

/*
 * The page the APs start in: STARTUP IPIs name a page below 1 MiB (SDM Vol. 3A, 9.4.3).
 * mm/memmap.c keeps it out of the page allocator; smp_init() checks that the boot memory map
 * lists it as usable RAM before writing to it.
 */
#define AP_TRAMPOLINE_PHYS KEEL_AP_TRAMPOLINE_PHYS

/* Offsets in struct trampoline_params, for trampoline.S. */
#define TRAMP_OFF_CR3	  0
#define TRAMP_OFF_CR4	  4
#define TRAMP_OFF_EFER	  8
#define TRAMP_OFF_STACK	  16
#define TRAMP_OFF_PERCPU  24
#define TRAMP_OFF_ENTRY	  32
#define TRAMP_OFF_ENTERED 40

#ifndef __ASSEMBLER__
#include <keel/types.h>
#include <arch/trap.h>

/* Filled in by the boot CPU in the low page's copy before each AP is started. */
struct trampoline_params {
	u32 cr3;     /* the kernel's PML4, below 4 GiB (allocated before pmm_init_late) */
	u32 cr4;     /* PAE (and nothing the CPU refuses before long mode is active) */
	u64 efer;    /* LME, and NXE when the boot CPU has it: the tables carry NX bits */
	u64 stack;   /* top of the AP's kernel stack */
	u64 percpu;  /* struct percpu *, the first argument of ap_main() */
	u64 entry;   /* ap_main, in the kernel image */
	u32 entered; /* set by the AP on its first instruction */
};

_Static_assert(__builtin_offsetof(struct trampoline_params, cr4) == TRAMP_OFF_CR4, "CR4");
_Static_assert(__builtin_offsetof(struct trampoline_params, efer) == TRAMP_OFF_EFER, "EFER");
_Static_assert(__builtin_offsetof(struct trampoline_params, stack) == TRAMP_OFF_STACK, "STACK");
_Static_assert(__builtin_offsetof(struct trampoline_params, percpu) == TRAMP_OFF_PERCPU, "PCPU");
_Static_assert(__builtin_offsetof(struct trampoline_params, entry) == TRAMP_OFF_ENTRY, "ENTRY");
_Static_assert(__builtin_offsetof(struct trampoline_params, entered) == TRAMP_OFF_ENTERED,
	       "ENTERED");

/* trampoline.S: the code copied to AP_TRAMPOLINE_PHYS, and where its parameters sit in it. */
extern const char trampoline_start[], trampoline_params[], trampoline_end[];

/* Interrupt vectors 32..255 (apic.c): IPIs and spurious interrupts. */
void irq_handler(struct trap_frame *tf);

/* The NMI handler's half of arch_stop_other_cpus(): is a stop on, and stop here. */
bool smp_stop_requested(void);
__noreturn void smp_stop_self(void);

/* How many times the call-function vector reached this CPU (the smp_ipi ktest). */
u64 smp_ipi_count(void);
#endif

#endif
