/* SPDX-License-Identifier: GPL-2.0-only */
/* panic(): report once, with a stack trace, drain the console and stop the machine. */
#include <keel/arch.h>
#include <keel/console.h>
#include <keel/panic.h>
#include <keel/printk.h>
#include <keel/smp.h>

#include <stdarg.h>
#include <stdio.h>

#include "kernel/printk_internal.h"

static int panic_depth;

void panic(const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	int depth = __atomic_fetch_add(&panic_depth, 1, __ATOMIC_SEQ_CST);

	/* A panic while panicking (a fault in the trace, say): say so once and stop at once. */
	if (depth) {
		if (depth == 1) {
			static const char note[] = "*** KEEL PANIC: recursive panic, halting\n";

			console_unmute();
			console_write(note, sizeof(note) - 1);
			console_drain();
		}
		arch_halt();
	}
	/* The others stop first, so nothing they print or change gets in the way of the report. */
	arch_stop_other_cpus();
	printk_enter_emergency();
	console_unmute();
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printk_raw("*** KEEL PANIC on cpu %u: %s\n", smp_cpu_id(), msg);
	arch_stack_trace((u64)__builtin_frame_address(0));
	console_drain();
	arch_halt();
}
