// SPDX-License-Identifier: GPL-2.0-only
/* Guest `churn`: a fork-like workload, many leaf PTE rewrites per flush; counts Keel's exits. */
#include "guest.h"

/*
 * NPAGES pages, each backed by a "parent" and a "child" frame tagged with its index. A round
 * rewrites every leaf (parent read-write <-> child read-only, as fork's copy-on-write does),
 * flushes once, then reads every page back and, on read-write rounds, writes into it. Like a
 * real fork, which copies the Accessed and Dirty bits of the entries it duplicates, every
 * rewrite sets A (and D on read-write ones): the workload measures the cost of PTE writes, not
 * of the CPU setting A/D bits on the first access after each rewrite.
 */
#define NPAGES	    256
#define ROUNDS	    16
#define TAG(set, i) (0xc0de0000u | ((set) << 12) | (i))

static struct pt pt;
static uintptr_t frames[2][NPAGES];
static const uintptr_t area = 0x00005a0000000000ull;

static void setup(void)
{
	pt_init(&pt, PT_4LEVEL);
	pt_map_identity(&pt);
	for (int set = 0; set < 2; set++) {
		for (int i = 0; i < NPAGES; i++) {
			frames[set][i] = page_alloc();
			*(u32 *)frames[set][i] = TAG(set, i);
		}
	}
	for (int i = 0; i < NPAGES; i++)
		pt_map(&pt, area + i * PAGE_SIZE, frames[0][i], PAGE_SIZE, PTE_RW);
	pt_activate(&pt);
}

/* One round: `set` 0 maps the parents read-write, 1 the children read-only. */
static bool churn_round(int round, bool flush_each)
{
	int set = round & 1;
	bool ok = true;

	for (int i = 0; i < NPAGES; i++) {
		uintptr_t va = area + i * PAGE_SIZE;

		pte_write(&pt, pt_leaf(&pt, va, NULL),
			  frames[set][i] | PTE_P | PTE_A | (set ? 0 : PTE_RW | PTE_D));
		if (flush_each)
			invlpg(va);
	}
	if (!flush_each)
		write_cr3(read_cr3());
	for (int i = 0; i < NPAGES; i++) {
		volatile u32 *p = (volatile u32 *)(area + i * PAGE_SIZE);

		if (ok)
			ok = check(*p == TAG(set, i), "round %d page %d reads 0x%x, want 0x%x",
				   round, i, *p, TAG(set, i));
		if (!set)
			p[1] = (u32)round;
	}
	if (!set) {
		for (int i = 0; i < NPAGES && ok; i++)
			ok = check(((u32 *)frames[0][i])[1] == (u32)round,
				   "round %d: write to page %d missed its frame", round, i);
	}
	return ok;
}

static void test_rewrite_then_cr3(void)
{
	setup();
	for (int r = 0; r < ROUNDS && churn_round(r, false); r++)
		;
}

static void test_rewrite_invlpg_each(void)
{
	setup();
	for (int r = 0; r < ROUNDS && churn_round(r, true); r++)
		;
}

/* A write to a child page (read-only) must fault: the rewrites took the RW bit away. */
static void test_cow_fault(void)
{
	setup();
	write_cr0(read_cr0() | CR0_WP);
	churn_round(0, false);
	churn_round(1, false);
	for (int i = 0; i < NPAGES; i += 37) {
		uintptr_t va = area + i * PAGE_SIZE + 4;

		expect_fault(probe_write8, va, VEC_PF, PF_P | PF_W, va);
	}
}

static void test_exit_counts(void)
{
	static const struct {
		long kind;
		const char *name;
	} kinds[] = {
		{ KEEL_EXIT_COUNT_ALL, "all" },
		{ KEEL_EXIT_COUNT_PAGE_FAULT, "page_fault" },
		{ KEEL_EXIT_COUNT_CR_ACCESS, "cr_access" },
		{ KEEL_EXIT_COUNT_INVLPG, "invlpg" },
	};
	char bench[64];
	long counts[ARRAY_SIZE(kinds)];

	if (!under_keel()) {
		skip("exit counters need Keel's hypercalls");
		return;
	}
	if (!cmdline_value("bench", bench, sizeof(bench)))
		memcpy(bench, "vmx.pte_write_exits", sizeof("vmx.pte_write_exits"));
	setup();
	check(hypercall(KEEL_HC_RESET_COUNT, 0, 0, 0, 0) == 0, "RESET_COUNT failed");
	for (int r = 0; r < ROUNDS; r++)
		churn_round(r, false);
	for (unsigned int k = 0; k < ARRAY_SIZE(kinds); k++) {
		counts[k] = hypercall(KEEL_HC_EXIT_COUNT, kinds[k].kind, 0, 0, 0);
		check(counts[k] >= 0, "EXIT_COUNT(%s) returned %ld", kinds[k].name, counts[k]);
		diag("exits %s: %ld over %d rounds of %d PTE writes", kinds[k].name, counts[k],
		     ROUNDS, NPAGES);
	}
	check(counts[0] >= counts[1] + counts[2] + counts[3],
	      "the total %ld is below the sum of its parts", counts[0]);
	check(hypercall(KEEL_HC_EXIT_COUNT, 0x7fff, 0, 0, 0) == KEEL_HC_EINVAL,
	      "EXIT_COUNT of an unknown kind is not -EINVAL");
	printf("# bench %s %ld exits\n", bench, counts[0]);
}

static const struct guest_test tests[] = {
	{ "rewrite_then_cr3_reload", test_rewrite_then_cr3 },
	{ "rewrite_invlpg_each", test_rewrite_invlpg_each },
	{ "cow_write_faults", test_cow_fault },
	{ "exit_counts", test_exit_counts },
};

void guest_main(void)
{
	run_tests("churn", tests, ARRAY_SIZE(tests));
}
