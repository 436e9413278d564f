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

void ktap_begin(struct ktap_report *r, unsigned int plan)
{
	*r = (struct ktap_report){ 0 };
	printk_raw("KTAP version 1\n");
	printk_raw("1..%u\n", plan);
}

void ktap_ok(struct ktap_report *r, const char *name)
{
	r->passed++;
	printk_raw("ok %u %s\n", ++r->number, name);
}

void ktap_skip(struct ktap_report *r, const char *name, const char *reason)
{
	r->skipped++;
	printk_raw("ok %u %s # SKIP %s\n", ++r->number, name, reason);
}

void ktap_not_ok(struct ktap_report *r, const char *name, const char *fmt, ...)
{
	char why[DIAG_MAX];
	va_list ap;

	r->failed++;
	if (!fmt) {
		printk_raw("not ok %u %s\n", ++r->number, name);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	printk_raw("not ok %u %s # %s\n", ++r->number, name, why);
}

void ktap_end(struct ktap_report *r)
{
	printk_raw("# ktest: %u passed, %u failed, %u skipped\n", r->passed, r->failed, r->skipped);
}

static void run_one(struct ktap_report *r, const struct ktest *k)
{
	struct ktest_ctx t = { .name = k->name };

	k->fn(&t);
	if (t.failures)
		ktap_not_ok(r, k->name, NULL);
	else if (t.skip_reason)
		ktap_skip(r, k->name, t.skip_reason);
	else
		ktap_ok(r, k->name);
}

unsigned int ktest_count(const char *selection)
{
	char name[CMDLINE_NAME_MAX];
	unsigned int total = 0;

	if (!strcmp(selection, "all")) {
		for_each_ktest (k)
			total += !k->explicit_only;
		return total;
	}
	while (cmdline_list_next(&selection, name))
		total++;
	return total;
}

void ktest_run(struct ktap_report *r, const char *selection)
{
	char name[CMDLINE_NAME_MAX];

	if (!strcmp(selection, "all")) {
		for_each_ktest (k) {
			if (!k->explicit_only)
				run_one(r, k);
		}
		return;
	}
	while (cmdline_list_next(&selection, name)) {
		const struct ktest *k = find_test(name);

		if (k)
			run_one(r, k);
		else
			ktap_not_ok(r, name, "unknown test");
	}
}
