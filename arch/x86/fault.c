/* SPDX-License-Identifier: GPL-2.0-only */
/* Expected-fault records: let in-kernel tests provoke exceptions and carry on. */
#include <keel/panic.h>
#include <arch/cpu.h>
#include <arch/percpu.h>

#include "arch/x86/fault_record.h"

bool arch_try_call(void (*fn)(void *), void *arg, struct arch_fault *out)
{
	struct fault_record *rec = &this_cpu()->fault;

	KEEL_BUG_ON(READ_ONCE(rec->active));
	if (arch_try_call_asm(fn, arg, rec))
		return true;
	*out = rec->fault;
	return false;
}

/*
 * #DF, NMI and #MC run on IST stacks and may interrupt anything, including the recovery itself:
 * they are never taken as the expected fault.
 */
bool fault_try_recover(struct trap_frame *tf)
{
	struct fault_record *rec = &this_cpu()->fault;

	if (!READ_ONCE(rec->active))
		return false;
	if (tf->vector == X86_TRAP_DF || tf->vector == X86_TRAP_NMI || tf->vector == X86_TRAP_MC)
		return false;
	rec->fault.vector = tf->vector;
	rec->fault.error_code = tf->error_code;
	rec->fault.cr2 = tf->vector == X86_TRAP_PF ? read_cr2() : 0;
	rec->fault.rip = tf->rip;
	WRITE_ONCE(rec->active, 0);
	tf->rip = rec->rip;
	tf->rsp = rec->rsp;
	return true;
}
