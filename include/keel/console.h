/* SPDX-License-Identifier: GPL-2.0-only */
/* The kernel console: where printk's lines go (COM1, or nowhere with console=none). */
#ifndef KEEL_CONSOLE_H
#define KEEL_CONSOLE_H

#include <keel/cmdline.h>
#include <keel/types.h>

/* Detect and program the UART on COM1; true when one answered. Output is on afterwards. */
bool console_init(void);

/* Apply the console= choice: CONSOLE_NONE mutes everything but console_unmute()d output. */
void console_select(enum console_kind kind);

/* Turn output back on whatever console= said: a panic or a refusal to run must be seen. */
void console_unmute(void);

/*
 * Write bytes as they are; callers serialise (printk holds its lock). '\n' goes out as CRLF.
 */
void console_write(const char *s, size_t n);

/* Wait until the last byte has left the transmitter: before power-off, reset or halt. */
void console_drain(void);

#endif
