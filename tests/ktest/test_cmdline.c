/* SPDX-License-Identifier: GPL-2.0-only */
/* In-kernel tests of the command-line parser, built with the kernel's own libc subset. */
#include <keel/cmdline.h>
#include <keel/ktest.h>
#include <keel/printk.h>

#include <string.h>

static void count_error(void *ctx, const char *msg)
{
	(*(int *)ctx)++;
}

KTEST(cmdline_good)
{
	struct cmdline_opts o;
	int errors = 0;
	static const char line[] = " ktest=a_1,b2  loglevel=warn console=none ";

	KTEST_EXPECT_EQ(t, cmdline_parse(line, sizeof(line), &o, count_error, &errors), 0);
	KTEST_EXPECT_EQ(t, errors, 0);
	KTEST_EXPECT(t, o.ktest_given && !strcmp(o.ktest, "a_1,b2"));
	KTEST_EXPECT_EQ(t, o.loglevel, LOG_WARN);
	KTEST_EXPECT_EQ(t, o.console, CONSOLE_NONE);
}

KTEST(cmdline_bad)
{
	static const char *const bad[] = {
		"ktst=all",   "ktest",	    "ktest=",
		"loglevel=8", "loglevel=x", "console=ttyS9",
		"ktest=a,,b", "ktest=a/b",  "loglevel=1 loglevel=2",
		"\x7f",
	};
	static const char unterminated[4] = { 'a', 'b', 'c', 'd' };
	struct cmdline_opts o;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		int errors = 0;

		KTEST_EXPECT_EQ(
			t, cmdline_parse(bad[i], strlen(bad[i]) + 1, &o, count_error, &errors), 1);
		KTEST_EXPECT_EQ(t, errors, 1);
	}
	KTEST_EXPECT_EQ(t, cmdline_parse(unterminated, sizeof(unterminated), &o, NULL, NULL), 1);
	KTEST_EXPECT(t, !o.ktest_given);
}
