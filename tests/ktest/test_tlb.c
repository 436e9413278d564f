/* SPDX-License-Identifier: GPL-2.0-only */
/* TLB shootdown ktest: a remapped page reads as its new frame on every CPU after the shootdown. */
#include <keel/ktest.h>
#include <keel/mm.h>
#include <keel/smp.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/kmap.h>

#define OLD_VALUE    0x01d01d01d01d01d0UL
#define NEW_VALUE    0x0e770e770e770e77UL
#define BATCH_PAGES  64
#define BENCH_ROUNDS 256

struct tlb_probe {
	volatile const u64 *va;
	u64 seen[KEEL_MAX_CPUS];
};

static void read_fn(void *arg)
{
	struct tlb_probe *p = arg;

	p->seen[smp_cpu_id()] = *p->va;
}

static unsigned int count_seeing(const struct tlb_probe *p, u64 value)
{
	unsigned int n = 0;

	for_each_cpu (cpu, smp_online_mask())
		n += p->seen[cpu] == value;
	return n;
}

static struct tlb_probe probe;
static vaddr_t batch[BATCH_PAGES];

/*
 * Map va to the old frame and let every CPU read it (its TLB now holds the translation), point
 * the PTE at the new frame without any flush, shoot down, and read again everywhere.
 */
static void remap_and_check(struct ktest_ctx *t, vaddr_t va, paddr_t old_pa, paddr_t new_pa,
			    const vaddr_t *addrs, unsigned int count, const char *how)
{
	unsigned int n = smp_num_cpus();
	u64 flags = PTE_W | PTE_A | PTE_D | (cpu_features.nx ? PTE_NX : 0);

	kunmap_page(va);
	KTEST_EXPECT(t, kmap_page(va, old_pa, flags));
	tlb_shootdown(smp_online_mask(), &va, 1); /* the previous round left new_pa cached */
	smp_call(smp_online_mask(), read_fn, &probe, true);
	KTEST_EXPECT_EQ(t, count_seeing(&probe, OLD_VALUE), n);

	KTEST_EXPECT_EQ(t, kmap_replace(va, new_pa, flags), old_pa);
	smp_call(smp_online_mask(), read_fn, &probe, true);
	ktest_diag(t, "%s: %u of %u cpus still read the old frame before the shootdown", how,
		   count_seeing(&probe, OLD_VALUE), n);

	tlb_shootdown(smp_online_mask(), addrs, count);
	smp_call(smp_online_mask(), read_fn, &probe, true);
	KTEST_EXPECT_EQ(t, count_seeing(&probe, NEW_VALUE), n);
}

static u64 bench(const vaddr_t *addrs, unsigned int count)
{
	u64 t0 = rdtsc();

	/* The mean over many rounds: an emulator's TSC may advance in coarse steps. */
	for (unsigned int r = 0; r < BENCH_ROUNDS; r++)
		tlb_shootdown(smp_online_mask(), addrs, count);
	return (rdtsc() - t0) / BENCH_ROUNDS;
}

KTEST(tlb_shootdown)
{
	paddr_t old_pa = pmm_alloc_pages(0), new_pa = pmm_alloc_pages(0);
	vaddr_t va = kmap_reserve(BATCH_PAGES);

	KTEST_EXPECT(t, old_pa && new_pa);
	if (!old_pa || !new_pa)
		return;
	*(u64 *)phys_to_virt(old_pa) = OLD_VALUE;
	*(u64 *)phys_to_virt(new_pa) = NEW_VALUE;
	probe.va = (const u64 *)va;
	for (unsigned int i = 0; i < BATCH_PAGES; i++)
		batch[i] = va + (vaddr_t)i * PAGE_SIZE;

	remap_and_check(t, va, old_pa, new_pa, &va, 1, "invlpg, 1 page");
	remap_and_check(t, va, old_pa, new_pa, batch, BATCH_PAGES, "full flush, 64-page batch");
	remap_and_check(t, va, old_pa, new_pa, NULL, 0, "full flush, no list");

	ktest_diag(t, "bench smp.shootdown_1 %lu ticks", bench(&va, 1));
	ktest_diag(t, "bench smp.shootdown_64 %lu ticks", bench(batch, BATCH_PAGES));
	ktest_diag(t, "(%u cpus, mean of %u)", smp_num_cpus(), BENCH_ROUNDS);

	kunmap_page(va);
	tlb_shootdown(smp_online_mask(), &va, 1);
	pmm_free_pages(old_pa, 0);
	pmm_free_pages(new_pa, 0);
}
