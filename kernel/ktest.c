/* SPDX-License-Identifier: GPL-2.0-only */
/* The KTAP runner: picks tests from the "ktests" section by name and reports each on serial. */
#include <keel/cmdline.h>
#include <keel/ktest.h>
#include <keel/printk.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Bounds of the "ktests" section, from the linker script. */
extern const struct ktest __start_ktests[], __stop_ktests[];

#define for_each_ktest(k) for (const struct ktest *k = __start_ktests; k < __stop_ktests; k++)

#define DIAG_MAX	  256

void ktest_diag(struct ktest_ctx *t, const char *fmt, ...)
{
	char buf[DIAG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* One diagnostic is one line: an embedded newline could start a fake result line. */
	for (char *c = buf; *c; c++) {
		if (*c == '\n' || *c == '\r')
			*c = ' ';
	}
	printk_raw("# %s\n", buf);
}

void ktest_check(struct ktest_ctx *t, bool ok, const char *expr, const char *file, int line)
{
	if (ok)
		return;
	t->failures++;
	ktest_diag(t, "%s: expected %s at %s:%d", t->name, expr, file, line);
}

void ktest_check_eq(struct ktest_ctx *t, u64 a, u64 b, const char *ea, const char *eb,
		    const char *file, int line)
{
	if (a == b)
		return;
	t->failures++;
	ktest_diag(t, "%s: expected %s == %s at %s:%d", t->name, ea, eb, file, line);
	ktest_diag(t, "%s:   left 0x%lx (%ld), right 0x%lx (%ld)", t->name, (unsigned long)a,
		   (long)a, (unsigned long)b, (long)b);
}

void ktest_skip(struct ktest_ctx *t, const char *reason)
{
	t->skip_reason = reason;
}

static const struct ktest *find_test(const char *name)
{
	for_each_ktest (k) {
		if (!strcmp(k->name, name))
			return k;
	}
	return NULL;
}

enum ktest_outcome { KTEST_PASSED, KTEST_FAILED, KTEST_SKIPPED };

struct ktest_tally {
	unsigned int passed, failed, skipped;
};

static void run_one(unsigned int n, const struct ktest *k, struct ktest_tally *tally)
{
	struct ktest_ctx t = { .name = k->name };

	k->fn(&t);
	if (t.failures) {
		printk_raw("not ok %u %s\n", n, k->name);
		tally->failed++;
	} else if (t.skip_reason) {
		printk_raw("ok %u %s # SKIP %s\n", n, k->name, t.skip_reason);
		tally->skipped++;
	} else {
		printk_raw("ok %u %s\n", n, k->name);
		tally->passed++;
	}
}

int ktest_run(const char *selection)
{
	bool all = !strcmp(selection, "all");
	unsigned int total = 0, n = 0;
	struct ktest_tally tally = { 0 };
	char name[CMDLINE_NAME_MAX];
	const char *cur = selection;

	if (all) {
		for_each_ktest (k)
			total += !k->explicit_only;
	} else {
		while (cmdline_list_next(&cur, name))
			total++;
	}
	printk_raw("KTAP version 1\n");
	printk_raw("1..%u\n", total);
	if (all) {
		for_each_ktest (k) {
			if (!k->explicit_only)
				run_one(++n, k, &tally);
		}
	} else {
		cur = selection;
		while (cmdline_list_next(&cur, name)) {
			const struct ktest *k = find_test(name);

			if (k) {
				run_one(++n, k, &tally);
				continue;
			}
			tally.failed++;
			printk_raw("not ok %u %s # unknown test\n", ++n, name);
		}
	}
	printk_raw("# ktest: %u passed, %u failed, %u skipped\n", tally.passed, tally.failed,
		   tally.skipped);
	return (int)tally.failed;
}
