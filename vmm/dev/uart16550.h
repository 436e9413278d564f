/* SPDX-License-Identifier: GPL-2.0-only */
/* The emulated 16550 UART every guest sees on COM1: register model and line-buffered output. */
#ifndef VMM_DEV_UART16550_H
#define VMM_DEV_UART16550_H

#include <keel/types.h>

#define VUART_PORT_COUNT 8   /* registers at base + 0 .. base + 7 */
#define VUART_NAME_MAX	 32  /* longest VM name the prefix carries; longer names are cut */
#define VUART_TEXT_MAX	 160 /* characters of guest text per console line before a forced break */

/* Receives one finished console line, "[name] text", without a newline. */
typedef void (*vuart_emit_fn)(void *ctx, const char *line, size_t len);

/*
 * One UART's state. Nothing is ever received, no interrupt is ever raised: the model exists so
 * that a guest driver finds a working 16550A and its output reaches Keel's console whole lines at
 * a time, never interleaved with another VM's half line.
 */
struct vuart16550 {
	u8 ier, lcr, mcr, scr, dll, dlm;
	bool fifos_on;
	size_t prefix_len; /* "[name] " at the start of line[] */
	size_t len;	   /* bytes in line[], prefix included */
	char line[VUART_NAME_MAX + 3 + VUART_TEXT_MAX];
	vuart_emit_fn emit;
	void *emit_ctx;
};

void vuart16550_init(struct vuart16550 *u, const char *vm_name, vuart_emit_fn emit, void *ctx);

/* One byte-wide register access; reg is the offset from the base port (0..7). */
u8 vuart16550_read(struct vuart16550 *u, unsigned int reg);
void vuart16550_write(struct vuart16550 *u, unsigned int reg, u8 val);

/* Guest text entering the console line buffer (THR writes, and the PRINT hypercall). */
void vuart16550_output(struct vuart16550 *u, const char *s, size_t n);

/* Emit a partial line, e.g. when the VM stops in the middle of one. */
void vuart16550_flush(struct vuart16550 *u);

#endif
