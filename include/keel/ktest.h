/* SPDX-License-Identifier: GPL-2.0-only */
/* In-kernel tests: registered through the "ktests" linker section, reported as KTAP on serial. */
#ifndef KEEL_KTEST_H
#define KEEL_KTEST_H

#include <keel/types.h>

/*
 * A test is a function that makes checks; it fails when any check fails, and the runner goes on
 * with the next test. `ktest=all` runs every test not marked explicit; `ktest=a,b` runs the named
 * ones in that order, explicit ones included (the harness self-tests use explicit tests that fail,
 * panic, fault or hang on purpose).
 *
 *	KTEST(buddy_split)
 *	{
 *		KTEST_EXPECT(t, p != 0);
 *		KTEST_EXPECT_EQ(t, order_of(p), 3);
 *	}
 */
struct ktest_ctx {
	const char *name;
	unsigned int failures;
	const char *skip_reason; /* set by ktest_skip() */
};

struct ktest {
	const char *name;
	void (*fn)(struct ktest_ctx *t);
	bool explicit_only;
};

#define __KTEST(tname, explicit)                                                             \
	static void ktest_fn_##tname(struct ktest_ctx *t);                                  \
	static const struct ktest ktest_##tname __section("ktests") __used __aligned(8) = { \
		.name = #tname, .fn = ktest_fn_##tname, .explicit_only = explicit            \
	};                                                                                   \
	static void ktest_fn_##tname(struct ktest_ctx *t)

#define KTEST(tname) __KTEST(tname, false)
#define KTEST_EXPLICIT(tname) __KTEST(tname, true)

void ktest_check(struct ktest_ctx *t, bool ok, const char *expr, const char *file, int line);
void ktest_check_eq(struct ktest_ctx *t, u64 a, u64 b, const char *ea, const char *eb,
		    const char *file, int line);
/*
 * Marks the test skipped (KTAP "ok N name # SKIP reason"): for a test that cannot run on this
 * machine, e.g. VMX tests without VMX. The test should return right after; a check that failed
 * before the skip still fails the test.
 */
void ktest_skip(struct ktest_ctx *t, const char *reason);

/* A "# " diagnostic line inside the current test's output. */
__printf(2, 3) void ktest_diag(struct ktest_ctx *t, const char *fmt, ...);

#define KTEST_EXPECT(t, cond) ktest_check((t), !!(cond), #cond, __FILE__, __LINE__)
#define KTEST_EXPECT_EQ(t, a, b) \
	ktest_check_eq((t), (u64)(a), (u64)(b), #a, #b, __FILE__, __LINE__)

/*
 * One boot prints one KTAP document: the selected ktests, then one result per guest VM, under a
 * single plan, ending with "# ktest: P passed, F failed, S skipped" (the harness checks it).
 */
struct ktap_report {
	unsigned int number; /* of the last result printed */
	unsigned int passed, failed, skipped;
};

void ktap_begin(struct ktap_report *r, unsigned int plan);
void ktap_ok(struct ktap_report *r, const char *name);
void ktap_skip(struct ktap_report *r, const char *name, const char *reason);
/* fmt (may be NULL) gives the reason after the "#". */
__printf(3, 4) void ktap_not_ok(struct ktap_report *r, const char *name, const char *fmt, ...);
void ktap_end(struct ktap_report *r);

/* How many results ktest_run() will report for the selection ("all" or a comma list). */
unsigned int ktest_count(const char *selection);
void ktest_run(struct ktap_report *r, const char *selection);

#endif
