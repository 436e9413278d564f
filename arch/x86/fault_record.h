/* SPDX-License-Identifier: GPL-2.0-only */
/* The per-CPU record of an expected fault, shared by fault.c and fault_entry.S. */
#ifndef ARCH_X86_FAULT_RECORD_H
#define ARCH_X86_FAULT_RECORD_H

#define FAULT_REC_RSP	 0
#define FAULT_REC_RIP	 8
#define FAULT_REC_ACTIVE 16

#ifndef __ASSEMBLER__
#include <arch/fault.h>
#include <arch/trap.h>

struct fault_record {
	u64 rsp;    /* stack pointer to resume on, with the callee-saved registers below it */
	u64 rip;    /* where to resume: the "returned false" path of arch_try_call_asm */
	u64 active; /* a fault now goes to this record rather than to the exception report */
	struct arch_fault fault;
};

_Static_assert(__builtin_offsetof(struct fault_record, rsp) == FAULT_REC_RSP, "FAULT_REC_RSP");
_Static_assert(__builtin_offsetof(struct fault_record, rip) == FAULT_REC_RIP, "FAULT_REC_RIP");
_Static_assert(__builtin_offsetof(struct fault_record, active) == FAULT_REC_ACTIVE,
	       "FAULT_REC_ACTIVE");

/* Runs fn(arg) with rec armed; 1 when fn returned, 0 when a fault unwound to here. */
int arch_try_call_asm(void (*fn)(void *), void *arg, struct fault_record *rec);

/* Called by the trap handler: redirects tf to the armed record, if any; true when it did. */
bool fault_try_recover(struct trap_frame *tf);
#endif

#endif
