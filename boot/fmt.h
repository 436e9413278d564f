/* SPDX-License-Identifier: GPL-2.0-only */
/* A small snprintf for the loader: no libc, hosted-testable. */
#ifndef BOOT_FMT_H
#define BOOT_FMT_H

#include <stdarg.h>
#include <keel/types.h>

/*
 * Supports %%, %c, %s, %d, %u, %x with the length modifiers l, ll and z, a field width and the
 * '0' flag. Always NUL-terminates when size > 0; like snprintf, returns the length the whole
 * output would have had (without the NUL), so a result >= size means it was truncated.
 */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

#endif
