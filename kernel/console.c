/* SPDX-License-Identifier: GPL-2.0-only */
/* The kernel console: COM1 through the 16550 driver, muted by console=none. */
#include <keel/console.h>

#include "drivers/uart16550.h"

#define CONSOLE_BAUD 115200

static struct uart16550 com1;
static bool muted;

bool console_init(void)
{
	muted = false;
	return uart16550_init(&com1, UART_COM1_PORT, CONSOLE_BAUD);
}

void console_select(enum console_kind kind)
{
	muted = kind == CONSOLE_NONE;
}

void console_unmute(void)
{
	muted = false;
}

void console_write(const char *s, size_t n)
{
	if (!muted)
		uart16550_write(&com1, s, n);
}

void console_drain(void)
{
	uart16550_drain(&com1);
}
