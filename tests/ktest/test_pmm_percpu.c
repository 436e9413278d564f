/* SPDX-License-Identifier: GPL-2.0-only */
/* ktest pmm_percpu_cache: order-0 alloc/free storms on every CPU through the per-CPU page caches.
 */
#include <keel/ktest.h>
#include <keel/mm.h>
#include <keel/smp.h>
#include <arch/cpu.h>

#include "mm/pmm.h"

/*
 * Every CPU allocates HOLD pages (twice a full cache, so caches refill and drain), churns them
 * (free and reallocate, the hot LIFO path), then frees the pages its neighbour allocated, so pages
 * move between caches. Each page holds its owner's signature in its first and last word, and
 * must arrive zeroed: a page handed out twice shows another CPU's signature, to its new owner
 * or to the neighbour that checks it before freeing. Afterwards the totals must be what they
 * were and the allocator's own check must pass.
 */
#define STORM_ROUNDS 48
#define HOLD	     128
#define CHURN	     4 /* reallocations of each held page per round */
#define PAGE_WORDS   (PAGE_SIZE / sizeof(u64))

static paddr_t held[KEEL_MAX_CPUS][HOLD];
static u64 not_zeroed[KEEL_MAX_CPUS], bad_sig[KEEL_MAX_CPUS], failed[KEEL_MAX_CPUS];
static u64 allocs[KEEL_MAX_CPUS];
static u32 bar_arrived, bar_gen, ncpus;

static u64 sig(unsigned int cpu, unsigned int round, unsigned int i)
{
	return 0x9e3700000000000ull ^ ((u64)cpu << 40) ^ ((u64)round << 20) ^ i;
}

/* Every CPU waits here until all have arrived; serves cross-CPU calls while it waits. */
static void barrier(void)
{
	u32 gen = __atomic_load_n(&bar_gen, __ATOMIC_ACQUIRE);

	if (__atomic_add_fetch(&bar_arrived, 1, __ATOMIC_ACQ_REL) == ncpus) {
		__atomic_store_n(&bar_arrived, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&bar_gen, gen + 1, __ATOMIC_RELEASE);
		return;
	}
	while (__atomic_load_n(&bar_gen, __ATOMIC_ACQUIRE) == gen) {
		smp_call_poll();
		cpu_relax();
	}
}

static paddr_t take(unsigned int cpu, unsigned int round, unsigned int i)
{
	paddr_t pa = pmm_alloc_pages(0);
	u64 *w;

	allocs[cpu]++;
	if (!pa) {
		failed[cpu]++;
		return 0;
	}
	w = phys_to_virt(pa);
	if (w[0] || w[PAGE_WORDS / 2] || w[PAGE_WORDS - 1])
		not_zeroed[cpu]++;
	w[0] = w[PAGE_WORDS - 1] = sig(cpu, round, i);
	return pa;
}

static void give_back(unsigned int owner, unsigned int round, unsigned int i, unsigned int cpu)
{
	paddr_t pa = held[owner][i];
	const u64 *w;

	if (!pa)
		return;
	w = phys_to_virt(pa);
	if (w[0] != sig(owner, round, i) || w[PAGE_WORDS - 1] != sig(owner, round, i))
		bad_sig[cpu]++;
	held[owner][i] = 0;
	pmm_free_pages(pa, 0);
}

static void storm_fn(void *arg)
{
	unsigned int cpu = smp_cpu_id(), next = (cpu + 1) % ncpus;

	for (unsigned int r = 0; r < STORM_ROUNDS; r++) {
		for (unsigned int i = 0; i < HOLD; i++)
			held[cpu][i] = take(cpu, r, i);
		for (unsigned int c = 0; c < CHURN; c++)
			for (unsigned int i = 0; i < HOLD; i++) {
				give_back(cpu, r, i, cpu);
				held[cpu][i] = take(cpu, r, i);
			}
		barrier();
		for (unsigned int i = 0; i < HOLD; i++)
			give_back(next, r, i, cpu);
		barrier();
	}
}

KTEST(pmm_percpu_cache)
{
	struct pmm_stats before, after;
	u64 total_allocs = 0;

	ncpus = smp_num_cpus();
	bar_arrived = 0;
	for (unsigned int cpu = 0; cpu < KEEL_MAX_CPUS; cpu++)
		not_zeroed[cpu] = bad_sig[cpu] = failed[cpu] = allocs[cpu] = 0;
	pmm_get_stats(&before);
	smp_call(smp_online_mask(), storm_fn, NULL, true);
	pmm_get_stats(&after);
	for_each_cpu (cpu, smp_online_mask()) {
		KTEST_EXPECT_EQ(t, not_zeroed[cpu], 0);
		KTEST_EXPECT_EQ(t, bad_sig[cpu], 0);
		KTEST_EXPECT_EQ(t, failed[cpu], 0);
		total_allocs += allocs[cpu];
	}
	KTEST_EXPECT_EQ(t, total_allocs, (u64)ncpus * STORM_ROUNDS * HOLD * (CHURN + 1));
	ktest_diag(t, "pmm_percpu_cache: %u cpus, %lu order-0 allocations, %lu pages cached after",
		   ncpus, (unsigned long)total_allocs, (unsigned long)after.cached_pages);
	KTEST_EXPECT_EQ(t, after.free_pages, before.free_pages);
	KTEST_EXPECT_EQ(t, after.total_pages, before.total_pages);
	KTEST_EXPECT(t, after.cached_pages <= (u64)ncpus * PMM_PCP_MAX);
	KTEST_EXPECT_EQ(t, pmm_check(), 0);
}
