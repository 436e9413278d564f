/* SPDX-License-Identifier: GPL-2.0-only */
/* panic() and the invariant checks built on it; hosted builds supply their own panic(). */
#ifndef KEEL_PANIC_H
#define KEEL_PANIC_H

#include <keel/types.h>

/* Prints "*** KEEL PANIC on cpu N: <message>" and a stack trace, then stops the machine. */
__noreturn __printf(1, 2) void panic(const char *fmt, ...);

#define KEEL_BUG_ON(cond)                                                                    \
	do {                                                                                 \
		if (unlikely(cond))                                                          \
			panic("BUG_ON(%s) at %s:%d", #cond, __FILE__, __LINE__);             \
	} while (0)

#define KEEL_BUG() panic("BUG at %s:%d", __FILE__, __LINE__)

#endif
