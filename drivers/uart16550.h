/* SPDX-License-Identifier: GPL-2.0-only */
/* Polled 16550A UART: registers (PC16550D datasheet, table 2 and section 8) and the driver API. */
#ifndef DRIVERS_UART16550_H
#define DRIVERS_UART16550_H

#ifndef __ASSEMBLER__
#include <keel/types.h>
#endif

#define UART_COM1_PORT 0x3f8 /* PC/AT I/O address of the first serial port */
#define UART_CLOCK_HZ \
	1843200 /* reference crystal of a PC serial port; divisor = clock / 16 / baud */

/* Register offsets from the base port. */
#define UART_RBR	    0 /* receive buffer (read, DLAB=0) */
#define UART_THR	    0 /* transmit holding (write, DLAB=0) */
#define UART_DLL	    0 /* divisor latch, low byte (DLAB=1) */
#define UART_IER	    1 /* interrupt enable (DLAB=0) */
#define UART_DLM	    1 /* divisor latch, high byte (DLAB=1) */
#define UART_IIR	    2 /* interrupt identification (read) */
#define UART_FCR	    2 /* FIFO control (write) */
#define UART_LCR	    3 /* line control */
#define UART_MCR	    4 /* modem control */
#define UART_LSR	    5 /* line status */
#define UART_MSR	    6 /* modem status */
#define UART_SCR	    7 /* scratch */

#define UART_LCR_8N1	    0x03 /* 8 data bits, no parity, 1 stop bit */
#define UART_LCR_DLAB	    0x80

#define UART_FCR_ENABLE	    0x01
#define UART_FCR_CLEAR_RX   0x02
#define UART_FCR_CLEAR_TX   0x04
#define UART_FCR_TRIGGER_14 0xc0

#define UART_MCR_DTR	    0x01
#define UART_MCR_RTS	    0x02
#define UART_MCR_OUT1	    0x04
#define UART_MCR_OUT2	    0x08
#define UART_MCR_LOOP	    0x10

#define UART_FIFO_DEPTH	    16 /* transmit FIFO bytes of a 16550A */

#define UART_IIR_NO_INT	    0x01 /* no interrupt pending */
#define UART_IIR_FIFOS_ON   0xc0 /* FIFOs enabled (FCR bit 0 set) */

#define UART_MSR_CTS	    0x10 /* clear to send; follows RTS in loopback */
#define UART_MSR_DSR	    0x20 /* data set ready; follows DTR in loopback */
#define UART_MSR_RI	    0x40 /* ring indicator; follows OUT1 in loopback */
#define UART_MSR_DCD	    0x80 /* data carrier detect; follows OUT2 in loopback */

#define UART_LSR_DR	    0x01 /* data ready */
#define UART_LSR_THRE	    0x20 /* transmit holding register empty */
#define UART_LSR_TEMT	    0x40 /* transmitter empty: holding and shift register both */

#ifndef __ASSEMBLER__

struct uart16550 {
	u16 port;
	bool present;
	u8 tx_room; /* bytes the transmit FIFO is known to accept without another status poll */
};

/* Detect (scratch and loopback tests) and program 115200 8N1 with FIFOs; false if absent. */
bool uart16550_init(struct uart16550 *u, u16 port, u32 baud);

/* Polled; '\n' is sent as "\r\n". Never hangs on a dead UART: waits are bounded. */
void uart16550_write(struct uart16550 *u, const char *s, size_t n);

/* Wait until the transmitter has sent its last bit (LSR THRE and TEMT), bounded. */
void uart16550_drain(struct uart16550 *u);

#endif /* !__ASSEMBLER__ */

#endif
