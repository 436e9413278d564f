/* SPDX-License-Identifier: GPL-2.0-only */
/* Hosted tests of the emulated COM1: lines with the VM prefix, DLAB, LSR, loopback, scratch. */
#include <vmm/dev/uart16550.h>
#include <drivers/uart16550.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

struct sink {
	char out[4096];
	size_t len;
	unsigned int lines;
};

static void capture(void *ctx, const char *line, size_t len)
{
	struct sink *s = ctx;

	memcpy(s->out + s->len, line, len);
	s->len += len;
	s->out[s->len++] = '\n';
	s->out[s->len] = 0;
	s->lines++;
}

static void put_str(struct vuart16550 *u, const char *s)
{
	while (*s)
		vuart16550_write(u, UART_THR, (u8)*s++);
}

static void test_lines_get_prefix(void **state)
{
	struct vuart16550 u;
	struct sink s = { 0 };

	vuart16550_init(&u, "exits-ept", capture, &s);
	put_str(&u, "ok 1 cpuid\r\n");
	assert_string_equal(s.out, "[exits-ept] ok 1 cpuid\n");
	put_str(&u, "partial");
	assert_int_equal(s.lines, 1); /* nothing until the newline */
	put_str(&u, " line\n\n");
	assert_string_equal(s.out,
			    "[exits-ept] ok 1 cpuid\n[exits-ept] partial line\n[exits-ept] \n");
	put_str(&u, "tail");
	vuart16550_flush(&u);
	vuart16550_flush(&u); /* nothing left: no second line */
	assert_int_equal(s.lines, 4);
	assert_non_null(strstr(s.out, "[exits-ept] tail\n"));
}

static void test_long_line_and_control_bytes(void **state)
{
	struct vuart16550 u;
	struct sink s = { 0 };
	char text[VUART_TEXT_MAX + 11];

	vuart16550_init(&u, "a-very-long-virtual-machine-name-beyond-the-limit", capture, &s);
	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = 0;
	put_str(&u, text);
	assert_int_equal(s.lines, 1); /* forced break at VUART_TEXT_MAX */
	assert_int_equal(s.len, 1 + VUART_NAME_MAX + 2 + VUART_TEXT_MAX + 1);
	vuart16550_flush(&u);
	assert_int_equal(s.lines, 2);

	s.len = 0;
	s.lines = 0;
	vuart16550_init(&u, "vm", capture, &s);
	put_str(&u, "a\x1b[2Jb\tc\n");
	assert_string_equal(s.out, "[vm] a.[2Jb\tc\n");
}

static void test_registers(void **state)
{
	struct vuart16550 u;
	struct sink s = { 0 };

	vuart16550_init(&u, "vm", capture, &s);
	assert_int_equal(vuart16550_read(&u, UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
	assert_int_equal(vuart16550_read(&u, UART_RBR), 0);
	assert_int_equal(vuart16550_read(&u, UART_IIR), UART_IIR_NO_INT);
	vuart16550_write(&u, UART_FCR, UART_FCR_ENABLE | UART_FCR_TRIGGER_14);
	assert_int_equal(vuart16550_read(&u, UART_IIR), UART_IIR_NO_INT | UART_IIR_FIFOS_ON);

	vuart16550_write(&u, UART_IER, 0xff);
	assert_int_equal(vuart16550_read(&u, UART_IER), 0x0f);
	vuart16550_write(&u, UART_SCR, 0xa5);
	assert_int_equal(vuart16550_read(&u, UART_SCR), 0xa5);
	vuart16550_write(&u, UART_LSR, 0); /* read-only */
	assert_int_equal(vuart16550_read(&u, UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);

	/* DLAB: offsets 0 and 1 become the divisor latch; THR writes do not print */
	vuart16550_write(&u, UART_LCR, UART_LCR_DLAB | UART_LCR_8N1);
	vuart16550_write(&u, UART_DLL, 0x0c);
	vuart16550_write(&u, UART_DLM, 0x01);
	assert_int_equal(vuart16550_read(&u, UART_DLL), 0x0c);
	assert_int_equal(vuart16550_read(&u, UART_DLM), 0x01);
	vuart16550_write(&u, UART_LCR, UART_LCR_8N1);
	assert_int_equal(vuart16550_read(&u, UART_IER), 0x0f);
	assert_int_equal(vuart16550_read(&u, UART_RBR), 0);
	assert_int_equal(vuart16550_read(&u, UART_LCR), UART_LCR_8N1);
	vuart16550_flush(&u);
	assert_int_equal(s.lines, 0);
}

/* Linux's 8250 probe: loopback with OUT2|RTS must read back DCD|CTS, and print nothing. */
static void test_loopback(void **state)
{
	struct vuart16550 u;
	struct sink s = { 0 };

	vuart16550_init(&u, "vm", capture, &s);
	assert_int_equal(vuart16550_read(&u, UART_MSR), UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS);
	vuart16550_write(&u, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2 | UART_MCR_RTS);
	assert_int_equal(vuart16550_read(&u, UART_MSR) & 0xf0, UART_MSR_DCD | UART_MSR_CTS);
	vuart16550_write(&u, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT1 | UART_MCR_DTR);
	assert_int_equal(vuart16550_read(&u, UART_MSR) & 0xf0, UART_MSR_RI | UART_MSR_DSR);
	put_str(&u, "looped\n");
	assert_int_equal(s.lines, 0);
	vuart16550_write(&u, UART_MCR, 0xff);
	assert_int_equal(vuart16550_read(&u, UART_MCR), 0x1f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_get_prefix),
		cmocka_unit_test(test_long_line_and_control_bytes),
		cmocka_unit_test(test_registers),
		cmocka_unit_test(test_loopback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
