/* SPDX-License-Identifier: GPL-2.0-only */
/* Polled 16550A UART driver: detection, line setup, output and transmitter drain. */
#include <arch/io.h>

#include "drivers/uart16550.h"

/*
 * Status polls before giving up on the transmitter. Each inb() is a port access of roughly a
 * microsecond on real hardware; a character at 115200 baud takes under 90 us, and draining a
 * 16-byte FIFO under 1.5 ms, so this budget only runs out when the UART is gone or stuck.
 */
#define UART_SPIN_LIMIT 1000000

static bool scratch_test(u16 port)
{
	outb(port + UART_SCR, 0x5a);
	if (inb(port + UART_SCR) != 0x5a)
		return false;
	outb(port + UART_SCR, 0xa5);
	return inb(port + UART_SCR) == 0xa5;
}

/* Send a byte to ourselves in loopback mode: proves a working UART, not just a latch. */
static bool loopback_test(u16 port)
{
	bool ok = false;

	outb(port + UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2 | UART_MCR_OUT1 | UART_MCR_RTS);
	while (inb(port + UART_LSR) & UART_LSR_DR)
		inb(port + UART_RBR);
	outb(port + UART_THR, 0xae);
	for (int spin = 0; spin < UART_SPIN_LIMIT; spin++) {
		if (inb(port + UART_LSR) & UART_LSR_DR) {
			ok = inb(port + UART_RBR) == 0xae;
			break;
		}
	}
	return ok;
}

bool uart16550_init(struct uart16550 *u, u16 port, u32 baud)
{
	u16 divisor = (u16)(UART_CLOCK_HZ / 16 / baud);

	u->port = port;
	u->present = false;
	u->tx_room = 0;
	if (!scratch_test(port))
		return false;
	outb(port + UART_IER, 0);
	outb(port + UART_LCR, UART_LCR_DLAB);
	outb(port + UART_DLL, divisor & 0xff);
	outb(port + UART_DLM, divisor >> 8);
	outb(port + UART_LCR, UART_LCR_8N1);
	outb(port + UART_FCR,
	     UART_FCR_ENABLE | UART_FCR_CLEAR_RX | UART_FCR_CLEAR_TX | UART_FCR_TRIGGER_14);
	if (!loopback_test(port)) {
		outb(port + UART_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
		return false;
	}
	outb(port + UART_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
	u->present = true;
	return true;
}

static bool wait_lsr(u16 port, u8 bits)
{
	for (int spin = 0; spin < UART_SPIN_LIMIT; spin++) {
		if ((inb(port + UART_LSR) & bits) == bits)
			return true;
		__builtin_ia32_pause();
	}
	return false;
}

static void put_byte(struct uart16550 *u, char c)
{
	/*
	 * With FIFOs on, THRE means the whole transmit FIFO is empty: one poll buys room for
	 * UART_FIFO_DEPTH bytes. A transmitter that never empties is dead: stop using it rather
	 * than stall every line.
	 */
	if (!u->tx_room) {
		if (!wait_lsr(u->port, UART_LSR_THRE)) {
			u->present = false;
			return;
		}
		u->tx_room = UART_FIFO_DEPTH;
	}
	u->tx_room--;
	outb(u->port + UART_THR, (u8)c);
}

void uart16550_write(struct uart16550 *u, const char *s, size_t n)
{
	for (size_t i = 0; i < n && u->present; i++) {
		if (s[i] == '\n')
			put_byte(u, '\r');
		put_byte(u, s[i]);
	}
}

void uart16550_drain(struct uart16550 *u)
{
	if (u->present)
		wait_lsr(u->port, UART_LSR_THRE | UART_LSR_TEMT);
}
