/* SPDX-License-Identifier: GPL-2.0-only */
/* Hosted tests for the loader's keel.cfg parser (boot/cfg.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "boot/cfg.h"

static struct boot_cfg cfg;
static struct boot_cfg_error err;

static int parse(const char *text)
{
	return cfg_parse(text, strlen(text), &cfg, &err);
}

/* Parses a copy in a buffer of exactly len bytes, so ASan catches any read past the end. */
static int parse_exact(const char *text, size_t len)
{
	char *copy = malloc(len ? len : 1);
	int ret;

	assert_non_null(copy);
	memcpy(copy, text, len);
	ret = cfg_parse(copy, len, &cfg, &err);
	free(copy);
	return ret;
}

static void expect_error(const char *text, unsigned int line, const char *msg)
{
	assert_int_equal(parse(text), -1);
	assert_int_equal(err.line, line);
	assert_string_equal(err.msg, msg);
}

static void test_empty(void **state)
{
	assert_int_equal(parse_exact("", 0), 0);
	assert_false(cfg.have_cmdline);
	assert_string_equal(cfg.cmdline, "");
	assert_int_equal(cfg.module_count, 0);
	assert_int_equal(parse("\n\n   \n\t\n# only comments\n   # indented\n"), 0);
	assert_int_equal(cfg.module_count, 0);
}

static void test_full_config(void **state)
{
	const char *text = "# Keel\n"
			   "cmdline  ktest=all  console=com1 \n"
			   "\n"
			   "module linux /keel/vmlinux console=ttyS0   quiet\n"
			   "module initrd \\keel\\initrd.img\n"
			   "module rel keel/guest.bin";

	assert_int_equal(parse(text), 0);
	assert_true(cfg.have_cmdline);
	assert_string_equal(cfg.cmdline, "ktest=all  console=com1");
	assert_int_equal(cfg.module_count, 3);
	assert_string_equal(cfg.modules[0].name, "linux");
	assert_string_equal(cfg.modules[0].path, "\\keel\\vmlinux");
	assert_string_equal(cfg.modules[0].cmdline, "console=ttyS0   quiet");
	assert_string_equal(cfg.modules[1].name, "initrd");
	assert_string_equal(cfg.modules[1].path, "\\keel\\initrd.img");
	assert_string_equal(cfg.modules[1].cmdline, "");
	assert_string_equal(cfg.modules[2].path, "\\keel\\guest.bin");
}

static void test_crlf_bom_and_utf8(void **state)
{
	assert_int_equal(parse("\xef\xbb\xbf"
			       "cmdline name=\xc3\xa9t\xc3\xa9\r\nmodule a b\r\n"),
			 0);
	assert_string_equal(cfg.cmdline, "name=\xc3\xa9t\xc3\xa9");
	assert_string_equal(cfg.modules[0].path, "\\b");
}

static void test_longest_values_fit(void **state)
{
	char cmdline[BOOT_CMDLINE_MAX], name[BOOT_MODULE_NAME_MAX], mod[BOOT_MODULE_CMDLINE_MAX];
	char text[2048];

	memset(cmdline, 'c', sizeof(cmdline) - 1);
	cmdline[sizeof(cmdline) - 1] = '\0';
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	memset(mod, 'm', sizeof(mod) - 1);
	mod[sizeof(mod) - 1] = '\0';
	snprintf(text, sizeof(text), "cmdline %s\nmodule %s p %s\n", cmdline, name, mod);
	assert_int_equal(parse(text), 0);
	assert_string_equal(cfg.cmdline, cmdline);
	assert_string_equal(cfg.modules[0].name, name);
	assert_string_equal(cfg.modules[0].cmdline, mod);
}

static void test_unknown_key(void **state)
{
	expect_error("# c\ncmdline a\nmodul x y\n", 3, "unknown key 'modul'");
	expect_error("Cmdline a\n", 1, "unknown key 'Cmdline'");
	expect_error("cmdline=a\n", 1, "unknown key 'cmdline=a'");
	expect_error("kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk x\n", 1,
		     "unknown key 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk...'");
}

static void test_cmdline_errors(void **state)
{
	char text[BOOT_CMDLINE_MAX + 16];

	expect_error("cmdline\n", 1, "'cmdline' needs a value (leave the line out for none)");
	expect_error("cmdline   \t \n", 1, "'cmdline' needs a value (leave the line out for none)");
	expect_error("cmdline a\n\ncmdline b\n", 3, "duplicate 'cmdline' (first on line 1)");
	strcpy(text, "cmdline ");
	memset(text + 8, 'x', BOOT_CMDLINE_MAX);
	text[8 + BOOT_CMDLINE_MAX] = '\0';
	expect_error(text, 1, "cmdline is 1024 bytes, at most 1023");
}

static void test_module_errors(void **state)
{
	char text[512];

	expect_error("module\n", 1, "'module' needs a name and a path");
	expect_error("module onlyname\n", 1, "'module' needs a name and a path");
	expect_error("module n \\keel\\\n", 1, "module 'n': path '\\keel\\' names a directory");
	expect_error("module n /\n", 1, "module 'n': path '\\' names a directory");
	expect_error("module n \\k\xc3\xa9\n", 1, "module 'n': path must be printable ASCII");
	expect_error("module n\xc3\xa9 p\n", 1, "module name must be printable ASCII");
	expect_error("module a p\nmodule b q\nmodule a r\n", 3,
		     "duplicate module name 'a' (first on line 1)");
	expect_error("module aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa p\n", 1,
		     "module name is 32 bytes, at most 31");

	strcpy(text, "module n ");
	memset(text + 9, 'p', BOOT_CFG_PATH_MAX - 1);
	text[9 + BOOT_CFG_PATH_MAX - 1] = '\0';
	expect_error(text, 1, "module 'n': path is 256 bytes, at most 255");

	strcpy(text, "module n p ");
	memset(text + 11, 'c', BOOT_MODULE_CMDLINE_MAX);
	text[11 + BOOT_MODULE_CMDLINE_MAX] = '\0';
	expect_error(text, 1, "module 'n': command line is 224 bytes, at most 223");
}

static void test_too_many_modules(void **state)
{
	char text[BOOT_MODULES_MAX * 16 + 32];
	size_t n = 0;

	for (int i = 0; i <= BOOT_MODULES_MAX; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "module m%d p%d\n", i, i);
	expect_error(text, BOOT_MODULES_MAX + 1, "too many modules, at most 16");
}

static void test_bad_bytes(void **state)
{
	static const char nul[] = "cmdline a\nmodule x\0y p\n";
	static const char ctl[] = "cmdline a\x01"
				  "b\n";

	assert_int_equal(parse_exact(nul, sizeof(nul) - 1), -1);
	assert_int_equal(err.line, 2);
	assert_string_equal(err.msg, "NUL byte at column 9");
	assert_int_equal(parse_exact(ctl, sizeof(ctl) - 1), -1);
	assert_string_equal(err.msg, "control character 0x01 at column 10");
	expect_error("# ok\n# \x7f\n", 2, "control character 0x7f at column 3");
	expect_error("\rcmdline a\n", 1, "control character 0x0d at column 1");
}

static void test_truncated_input(void **state)
{
	const char *text = "cmdline abc\nmodule name path arg";
	size_t len = strlen(text);

	/* Every prefix parses or fails with a reason; ASan checks no byte past len is read. */
	for (size_t i = 0; i <= len; i++)
		if (parse_exact(text, i))
			assert_true(err.msg[0] != '\0');
	assert_int_equal(parse_exact(text, 3), -1);
	assert_string_equal(err.msg, "unknown key 'cmd'");
	assert_int_equal(parse_exact(text, 7), -1);
	assert_string_equal(err.msg, "'cmdline' needs a value (leave the line out for none)");
	assert_int_equal(parse_exact(text, 9), 0);
	assert_string_equal(cfg.cmdline, "a");
	assert_int_equal(parse_exact(text, 14), -1);
	assert_int_equal(err.line, 2);
	assert_string_equal(err.msg, "unknown key 'mo'");
	assert_int_equal(parse_exact(text, 23), -1);
	assert_string_equal(err.msg, "'module' needs a name and a path");
	assert_int_equal(parse_exact(text, 26), 0);
	assert_string_equal(cfg.modules[0].path, "\\pa");
}

static void test_garbage_never_crashes(void **state)
{
	unsigned int seed = 12345;
	char buf[600];

	for (int round = 0; round < 5000; round++) {
		size_t len = (size_t)(rand_r(&seed) % sizeof(buf));

		for (size_t i = 0; i < len; i++) {
			/* Mostly text the parser knows, so that deep paths are reached. */
			static const char alphabet[] = "cmdline module ab\\/#\t\n\r\x01\xc3";
			unsigned int r = (unsigned int)rand_r(&seed);

			buf[i] = r % 8 ? alphabet[r % (sizeof(alphabet) - 1)] : (char)(r >> 8);
		}
		if (parse_exact(buf, len)) {
			assert_true(err.line >= 1);
			assert_true(err.msg[0] != '\0');
		} else {
			assert_true(cfg.module_count <= BOOT_MODULES_MAX);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_full_config),
		cmocka_unit_test(test_crlf_bom_and_utf8),
		cmocka_unit_test(test_longest_values_fit),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_cmdline_errors),
		cmocka_unit_test(test_module_errors),
		cmocka_unit_test(test_too_many_modules),
		cmocka_unit_test(test_bad_bytes),
		cmocka_unit_test(test_truncated_input),
		cmocka_unit_test(test_garbage_never_crashes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
