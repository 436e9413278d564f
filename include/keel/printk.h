/* SPDX-License-Identifier: GPL-2.0-only */
/* Kernel log: printk with levels, filtered by the loglevel= command-line option. */
#ifndef KEEL_PRINTK_H
#define KEEL_PRINTK_H

#include <keel/types.h>
#include <stdarg.h>

/*
 * Formatting is newlib's nano printf family (no floats). It knows only the length modifiers h, l
 * and L: no ll, z, j or t. On x86-64 u64 and size_t are unsigned long, so print them with %lx /
 * %lu; a %llx or %zu prints garbage.
 */

enum log_level {
	LOG_ERR = 3,
	LOG_WARN = 4,
	LOG_INFO = 6,
	LOG_DEBUG = 7,
};

/* Prints when level <= the console's log level; whole lines are never interleaved across CPUs. */
__printf(2, 3) void printk(enum log_level level, const char *fmt, ...);
void vprintk(enum log_level level, const char *fmt, va_list ap);
/* Prints unconditionally (KTAP output, panic and exception dumps). */
__printf(1, 2) void printk_raw(const char *fmt, ...);
void printk_set_level(enum log_level level);

#define pr_err(...) printk(LOG_ERR, __VA_ARGS__)
#define pr_warn(...) printk(LOG_WARN, __VA_ARGS__)
#define pr_info(...) printk(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) printk(LOG_DEBUG, __VA_ARGS__)

#endif
