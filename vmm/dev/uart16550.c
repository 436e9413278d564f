/* SPDX-License-Identifier: GPL-2.0-only */
/* The emulated 16550 UART every guest sees on COM1: register model and line-buffered output. */
#include <vmm/dev/uart16550.h>
#include <drivers/uart16550.h>

#include <string.h>

#define VUART_IER_MASK 0x0f /* ERBFI, ETBEI, ELSI, EDSSI; bits 7:4 read as zero */
#define VUART_MCR_MASK 0x1f /* DTR, RTS, OUT1, OUT2, LOOP; bits 7:5 read as zero */

void vuart16550_init(struct vuart16550 *u, const char *vm_name, vuart_emit_fn emit, void *ctx)
{
	size_t n = strnlen(vm_name, VUART_NAME_MAX);

	memset(u, 0, sizeof(*u));
	u->lcr = UART_LCR_8N1;
	u->dll =
		1; /* 115200 baud: nothing depends on it, but a guest reading it sees a sane rate */
	u->line[0] = '[';
	memcpy(u->line + 1, vm_name, n);
	u->line[n + 1] = ']';
	u->line[n + 2] = ' ';
	u->prefix_len = n + 3;
	u->len = u->prefix_len;
	u->emit = emit;
	u->emit_ctx = ctx;
}

void vuart16550_flush(struct vuart16550 *u)
{
	if (u->len == u->prefix_len)
		return;
	u->emit(u->emit_ctx, u->line, u->len);
	u->len = u->prefix_len;
}

/*
 * Guest bytes go to a shared console and into the test harness's log: CR is dropped (guests send
 * CRLF), tab is kept, anything else outside printable ASCII becomes '.', so a guest can neither
 * break a line early nor send terminal escape sequences.
 */
static void put_char(struct vuart16550 *u, char c)
{
	if (c == '\n') {
		u->emit(u->emit_ctx, u->line, u->len); /* an empty line is kept: "[name] " */
		u->len = u->prefix_len;
		return;
	}
	if (c == '\r')
		return;
	if (c != '\t' && (c < 0x20 || c > 0x7e))
		c = '.';
	u->line[u->len++] = c;
	if (u->len == sizeof(u->line))
		vuart16550_flush(u);
}

void vuart16550_output(struct vuart16550 *u, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put_char(u, s[i]);
}

/* In loopback the modem outputs drive the modem inputs (PC16550D, section 8.6.5, MCR bit 4). */
static u8 modem_status(const struct vuart16550 *u)
{
	u8 mcr = u->mcr;

	if (!(mcr & UART_MCR_LOOP))
		return UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
	return (mcr & UART_MCR_RTS ? UART_MSR_CTS : 0) | (mcr & UART_MCR_DTR ? UART_MSR_DSR : 0) |
	       (mcr & UART_MCR_OUT1 ? UART_MSR_RI : 0) | (mcr & UART_MCR_OUT2 ? UART_MSR_DCD : 0);
}

u8 vuart16550_read(struct vuart16550 *u, unsigned int reg)
{
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (reg) {
	case UART_RBR:
		return dlab ? u->dll : 0; /* nothing is ever received */
	case UART_IER:
		return dlab ? u->dlm : u->ier;
	case UART_IIR:
		return UART_IIR_NO_INT | (u->fifos_on ? UART_IIR_FIFOS_ON : 0);
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		return UART_LSR_THRE | UART_LSR_TEMT; /* transmits instantly, never has data */
	case UART_MSR:
		return modem_status(u);
	case UART_SCR:
		return u->scr;
	}
	return 0xff;
}

void vuart16550_write(struct vuart16550 *u, unsigned int reg, u8 val)
{
	bool dlab = u->lcr & UART_LCR_DLAB;
	char c = (char)val;

	switch (reg) {
	case UART_THR:
		if (dlab)
			u->dll = val;
		else if (!(u->mcr & UART_MCR_LOOP)) /* looped-back bytes never leave the UART */
			vuart16550_output(u, &c, 1);
		return;
	case UART_IER:
		if (dlab)
			u->dlm = val;
		else
			u->ier = val & VUART_IER_MASK;
		return;
	case UART_FCR:
		u->fifos_on = val & UART_FCR_ENABLE;
		return;
	case UART_LCR:
		u->lcr = val;
		return;
	case UART_MCR:
		u->mcr = val & VUART_MCR_MASK;
		return;
	case UART_SCR:
		u->scr = val;
		return;
	}
	/* LSR and MSR are read-only: writes to them are ignored. */
}
