/* SPDX-License-Identifier: GPL-2.0-only */
/* Polled COM1 output for the boot path's fatal messages, before the real console is up. */
#include <arch/io.h>

#include "arch/x86/boot/early_serial.h"

void early_serial_init(void)
{
	outb(EARLY_COM1 + EARLY_UART_IER, 0);
	outb(EARLY_COM1 + EARLY_UART_LCR, EARLY_UART_LCR_DLAB);
	outb(EARLY_COM1 + EARLY_UART_DLL, EARLY_UART_DIVISOR_115200);
	outb(EARLY_COM1 + EARLY_UART_DLM, 0);
	outb(EARLY_COM1 + EARLY_UART_LCR, EARLY_UART_LCR_8N1);
	outb(EARLY_COM1 + EARLY_UART_FCR, EARLY_UART_FCR_ENABLE_CLEAR);
	outb(EARLY_COM1 + EARLY_UART_MCR, EARLY_UART_MCR_DTR_RTS);
}

static void early_serial_putc(char c)
{
	unsigned int spin;

	for (spin = 0; spin < EARLY_UART_SPIN; spin++)
		if (inb(EARLY_COM1 + EARLY_UART_LSR) & EARLY_UART_LSR_THRE)
			break;
	outb(EARLY_COM1 + EARLY_UART_THR, (u8)c);
}

void early_serial_puts(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			early_serial_putc('\r');
		early_serial_putc(*s);
	}
}
