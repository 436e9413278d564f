/* SPDX-License-Identifier: GPL-2.0-only */
/* Exception handling: expected faults go back to their test, anything else is reported and fatal.
 */
#include <keel/arch.h>
#include <keel/panic.h>
#include <keel/printk.h>
#include <keel/smp.h>
#include <arch/cpu.h>
#include <arch/percpu.h>
#include <arch/smp.h>
#include <arch/trap.h>

#include "arch/x86/fault_record.h"

static const char *const trap_names[X86_NR_EXCEPTIONS] = {
	[X86_TRAP_DE] = "#DE", [X86_TRAP_DB] = "#DB", [X86_TRAP_NMI] = "NMI", [X86_TRAP_BP] = "#BP",
	[X86_TRAP_OF] = "#OF", [X86_TRAP_BR] = "#BR", [X86_TRAP_UD] = "#UD",  [X86_TRAP_NM] = "#NM",
	[X86_TRAP_DF] = "#DF", [X86_TRAP_TS] = "#TS", [X86_TRAP_NP] = "#NP",  [X86_TRAP_SS] = "#SS",
	[X86_TRAP_GP] = "#GP", [X86_TRAP_PF] = "#PF", [X86_TRAP_MF] = "#MF",  [X86_TRAP_AC] = "#AC",
	[X86_TRAP_MC] = "#MC", [X86_TRAP_XM] = "#XM", [X86_TRAP_VE] = "#VE",  [X86_TRAP_CP] = "#CP",
};

const char *trap_name(unsigned int vector)
{
	if (vector < X86_NR_EXCEPTIONS && trap_names[vector])
		return trap_names[vector];
	return "reserved vector";
}

static void report(const struct trap_frame *tf, unsigned int cpu)
{
	printk_raw("*** KEEL EXCEPTION %s (vector %lu) on cpu %u: error code 0x%lx\n",
		   trap_name(tf->vector), tf->vector, cpu, tf->error_code);
	printk_raw("CR2 0x%016lx RIP 0x%016lx\n", tf->vector == X86_TRAP_PF ? read_cr2() : 0,
		   tf->rip);
	printk_raw("RAX 0x%016lx RBX 0x%016lx RCX 0x%016lx RDX 0x%016lx\n", tf->rax, tf->rbx,
		   tf->rcx, tf->rdx);
	printk_raw("RSI 0x%016lx RDI 0x%016lx RBP 0x%016lx RSP 0x%016lx\n", tf->rsi, tf->rdi,
		   tf->rbp, tf->rsp);
	printk_raw("R8  0x%016lx R9  0x%016lx R10 0x%016lx R11 0x%016lx\n", tf->r8, tf->r9, tf->r10,
		   tf->r11);
	printk_raw("R12 0x%016lx R13 0x%016lx R14 0x%016lx R15 0x%016lx\n", tf->r12, tf->r13,
		   tf->r14, tf->r15);
	printk_raw("RFLAGS 0x%016lx CS 0x%04lx SS 0x%04lx\n", tf->rflags, tf->cs, tf->ss);
	printk_raw("Stack trace:\n  [<0x%016lx>] (faulting instruction)\n", tf->rip);
	arch_stack_trace(tf->rbp);
}

void trap_handler(struct trap_frame *tf)
{
	unsigned int cpu;

	if (tf->vector >= X86_NR_EXCEPTIONS) {
		irq_handler(tf);
		return;
	}
	/* Another CPU panicked and stops this one. */
	if (tf->vector == X86_TRAP_NMI && smp_stop_requested())
		smp_stop_self();
	if (fault_try_recover(tf))
		return;
	cpu = smp_cpu_id();
	/* Exceptions taken while reporting one: counted per CPU, so none can recurse forever. */
	if (this_cpu()->report_depth++) {
		printk_raw("*** KEEL EXCEPTION %s (vector %lu) at RIP 0x%016lx while reporting an "
			   "exception; halting\n",
			   trap_name(tf->vector), tf->vector, tf->rip);
		arch_halt();
	}
	report(tf, cpu);
	panic("unhandled exception %s at RIP 0x%016lx", trap_name(tf->vector), tf->rip);
}
