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

/* Runs the tests the command line selected, prints KTAP, returns the number that failed. */
int ktest_run(const char *selection);

#endif
