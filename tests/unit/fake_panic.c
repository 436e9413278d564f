/* SPDX-License-Identifier: GPL-2.0-only */
/* A hosted panic() for kernel code under test: caught by a test that expects it, else abort. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <keel/panic.h>

#include "fake_panic.h"

jmp_buf *panic_jmp;
char panic_msg[160];

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(panic_msg, sizeof(panic_msg), fmt, ap);
	va_end(ap);
	if (panic_jmp)
		longjmp(*panic_jmp, 1);
	fprintf(stderr, "unexpected panic: %s\n", panic_msg);
	abort();
}
