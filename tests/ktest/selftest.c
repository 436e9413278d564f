/* SPDX-License-Identifier: GPL-2.0-only */
/* Harness self-tests: explicit ktests that fail, panic, fault or hang on purpose. */
#include <keel/ktest.h>
#include <keel/panic.h>
#include <arch/cpu.h>

/*
 * None of these runs under `ktest=all`. tests/harness/test_realboot.py boots each one alone
 * (`ktest=selftest_fail`, ...) and checks that tools/harness reports the failure it causes, with
 * the right reason: a failing check, a panic, an exception dump, a hang that only the time
 * limit ends. The values go through volatile objects so the compiler cannot see the outcome.
 */

/* A canonical lower-half address far above any RAM, MMIO or direct map: never mapped. */
#define SELFTEST_UNMAPPED_ADDR 0x00007ff000000000ULL

static volatile u64 selftest_one = 1;

KTEST_EXPLICIT(selftest_fail)
{
	KTEST_EXPECT_EQ(t, selftest_one, 2);
}

KTEST_EXPLICIT(selftest_panic)
{
	if (selftest_one == 1)
		panic("selftest_panic: panicking on purpose");
	KTEST_EXPECT(t, false);
}

KTEST_EXPLICIT(selftest_fault)
{
	const volatile u64 *p = (const volatile u64 *)SELFTEST_UNMAPPED_ADDR;

	ktest_diag(t, "selftest_fault: reading unmapped address 0x%lx",
		   (unsigned long)SELFTEST_UNMAPPED_ADDR);
	KTEST_EXPECT_EQ(t, *p, 0);
	KTEST_EXPECT(t, false); /* survived a read that must fault */
}

KTEST_EXPLICIT(selftest_hang)
{
	ktest_diag(t, "selftest_hang: spinning with interrupts off");
	/* Interrupts off: no timer, watchdog or IPI can end this; only the harness's time limit. */
	irq_disable();
	while (selftest_one)
		cpu_relax();
	KTEST_EXPECT(t, false);
}
