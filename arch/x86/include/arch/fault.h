/* SPDX-License-Identifier: GPL-2.0-only */
/* Fault recovery for in-kernel tests: run a function and catch the exception it raises. */
#ifndef ARCH_FAULT_H
#define ARCH_FAULT_H

#include <keel/types.h>

struct arch_fault {
	u32 vector;
	u64 error_code;
	u64 cr2; /* meaningful for #PF only */
	u64 rip;
};

/*
 * Runs fn(arg). Returns true when it returned normally. When it raised an exception (other
 * than #DF, NMI or #MC), returns false with *out describing it, and the kernel carries on as if
 * fn had returned: callee-saved registers and the stack are those arch_try_call() was called
 * with. fn must not hold locks or leave state half-changed at the faulting instruction. Calls do
 * not nest on one CPU.
 */
bool arch_try_call(void (*fn)(void *), void *arg, struct arch_fault *out);

#endif
