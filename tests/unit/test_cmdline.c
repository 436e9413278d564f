/* SPDX-License-Identifier: GPL-2.0-only */
/* Hosted tests for the kernel command-line parser. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <keel/cmdline.h>
#include <keel/printk.h>

struct errors {
	int count;
	char last[CMDLINE_ERR_MAX];
};

static void collect(void *ctx, const char *msg)
{
	struct errors *e = ctx;

	e->count++;
	snprintf(e->last, sizeof(e->last), "%s", msg);
}

static int parse(const char *line, struct cmdline_opts *o, struct errors *e)
{
	memset(e, 0, sizeof(*e));
	return cmdline_parse(line, strlen(line) + 1, o, collect, e);
}

static void test_empty_gives_defaults(void **state)
{
	struct cmdline_opts o;
	struct errors e;

	assert_int_equal(parse("", &o, &e), 0);
	assert_false(o.ktest_given);
	assert_int_equal(o.loglevel, LOG_INFO);
	assert_int_equal(o.console, CONSOLE_TTYS0);
	assert_int_equal(o.vm_cpus, 1);
	assert_int_equal(parse("   \t  ", &o, &e), 0);
}

static void test_all_keys(void **state)
{
	struct cmdline_opts o;
	struct errors e;

	assert_int_equal(
		parse("  ktest=buddy_split,heap_sizes loglevel=debug console=none ", &o, &e), 0);
	assert_true(o.ktest_given);
	assert_string_equal(o.ktest, "buddy_split,heap_sizes");
	assert_int_equal(o.loglevel, LOG_DEBUG);
	assert_int_equal(o.console, CONSOLE_NONE);

	assert_int_equal(parse("ktest=all loglevel=3 console=ttyS0", &o, &e), 0);
	assert_string_equal(o.ktest, "all");
	assert_int_equal(o.loglevel, 3);
	assert_int_equal(o.console, CONSOLE_TTYS0);
	assert_int_equal(parse("loglevel=0", &o, &e), 0);
	assert_int_equal(o.loglevel, 0);
	assert_int_equal(parse("vm_cpus=2", &o, &e), 0);
	assert_true(o.vm_cpus_given);
	assert_int_equal(o.vm_cpus, 2);
}

static void expect_error(const char *line, const char *needle)
{
	struct cmdline_opts o;
	struct errors e;

	assert_int_equal(parse(line, &o, &e), 1);
	assert_int_equal(e.count, 1);
	if (!strstr(e.last, needle))
		fail_msg("'%s': message '%s' lacks '%s'", line, e.last, needle);
}

static void test_bad_words(void **state)
{
	expect_error("ktets=all", "'ktets=all': unknown option");
	expect_error("quiet", "'quiet': unknown option");
	expect_error("ktest", "'ktest': missing value");
	expect_error("ktest=", "'ktest=': missing value");
	expect_error("loglevel=8", "loglevel must be");
	expect_error("loglevel=-1", "loglevel must be");
	expect_error("loglevel=3x", "loglevel must be");
	expect_error("loglevel=verbose", "loglevel must be");
	expect_error("console=ttyS1", "console must be");
	expect_error("vm_cpus=0", "vm_cpus must be 1..64");
	expect_error("vm_cpus=65", "vm_cpus must be 1..64");
	expect_error("vm_cpus=2x", "vm_cpus must be 1..64");
	expect_error("ktest=a,,b", "empty test name");
	expect_error("ktest=a,", "empty test name");
	expect_error("ktest=a;b", "letters, digits");
	expect_error("ktest=all ktest=all", "given twice");
	expect_error("=x", "unknown option");
}

static void test_bad_word_keeps_defaults(void **state)
{
	struct cmdline_opts o;
	struct errors e;

	assert_int_equal(parse("loglevel=99 console=serial ktest=all", &o, &e), 2);
	assert_int_equal(o.loglevel, LOG_INFO);
	assert_int_equal(o.console, CONSOLE_TTYS0);
	assert_true(o.ktest_given);
}

static void test_oversized(void **state)
{
	char line[CMDLINE_VALUE_MAX + 64];
	char name[CMDLINE_NAME_MAX + 8];

	strcpy(line, "ktest=");
	memset(line + 6, 'a', CMDLINE_VALUE_MAX);
	line[6 + CMDLINE_VALUE_MAX] = '\0';
	expect_error(line, "value longer than");

	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	expect_error(line, "word longer than");

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	snprintf(line, sizeof(line), "ktest=%s", name);
	expect_error(line, "test name too long");
}

static void test_truncated_and_garbage(void **state)
{
	struct cmdline_opts o;
	struct errors e = { 0 };
	const char unterminated[8] = { 'k', 't', 'e', 's', 't', '=', 'a', 'l' };
	const char garbage[] = "ktest=all \x01\xff loglevel=3";

	assert_int_equal(cmdline_parse(unterminated, sizeof(unterminated), &o, collect, &e), 1);
	assert_non_null(strstr(e.last, "not NUL-terminated"));
	assert_false(o.ktest_given);

	memset(&e, 0, sizeof(e));
	assert_int_equal(cmdline_parse(garbage, sizeof(garbage), &o, collect, &e), 1);
	assert_non_null(strstr(e.last, "0x01"));

	memset(&e, 0, sizeof(e));
	assert_int_equal(cmdline_parse(NULL, 16, &o, collect, &e), 1);
	/* No error callback: the count alone still reports the problem. */
	assert_int_equal(cmdline_parse("bogus", 6, &o, NULL, NULL), 1);
}

static void test_list_iteration(void **state)
{
	const char *cur = "alpha,b_2,c";
	char name[CMDLINE_NAME_MAX];

	assert_true(cmdline_list_next(&cur, name));
	assert_string_equal(name, "alpha");
	assert_true(cmdline_list_next(&cur, name));
	assert_string_equal(name, "b_2");
	assert_true(cmdline_list_next(&cur, name));
	assert_string_equal(name, "c");
	assert_false(cmdline_list_next(&cur, name));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_gives_defaults),
		cmocka_unit_test(test_all_keys),
		cmocka_unit_test(test_bad_words),
		cmocka_unit_test(test_bad_word_keeps_defaults),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_truncated_and_garbage),
		cmocka_unit_test(test_list_iteration),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
