/* SPDX-License-Identifier: GPL-2.0-only */
/* COM1 for the 32-bit trampoline's fatal messages (mb2_entry.S), which cannot use the driver. */
#ifndef ARCH_X86_BOOT_EARLY_SERIAL_H
#define ARCH_X86_BOOT_EARLY_SERIAL_H

/* 16550 UART registers, as offsets from the base port (PC16550D datasheet, table 2). */
#define EARLY_COM1		    0x3f8
#define EARLY_UART_THR		    0 /* transmit holding (DLAB=0) */
#define EARLY_UART_DLL		    0 /* divisor latch low (DLAB=1) */
#define EARLY_UART_IER		    1
#define EARLY_UART_DLM		    1 /* divisor latch high (DLAB=1) */
#define EARLY_UART_FCR		    2
#define EARLY_UART_LCR		    3
#define EARLY_UART_MCR		    4
#define EARLY_UART_LSR		    5
#define EARLY_UART_LCR_DLAB	    0x80
#define EARLY_UART_LCR_8N1	    0x03
#define EARLY_UART_FCR_ENABLE_CLEAR 0x07
#define EARLY_UART_MCR_DTR_RTS	    0x03
#define EARLY_UART_LSR_THRE	    0x20
#define EARLY_UART_DIVISOR_115200   1
/* Polls of LSR before a character is sent anyway: no UART must never mean a hang. */
#define EARLY_UART_SPIN 100000

#endif
