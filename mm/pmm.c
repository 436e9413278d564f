/* SPDX-License-Identifier: GPL-2.0-only */
/* The physical page allocator: the boot memory map fed into the buddy core, per-CPU page caches. */
#include <keel/mm.h>
#include <keel/panic.h>
#include <keel/printk.h>
#include <keel/smp.h>
#include <keel/spinlock.h>
#include <arch/cpu.h>

#include <string.h>

#include "mm/buddy.h"
#include "mm/memmap.h"
#include "mm/pmm.h"

#define LOW_WINDOW_END (4ULL << 30)  /* the loader's direct map ends here (keel/bootinfo.h) */
#define ZONE_GAP_MAX   (64ULL << 20) /* a wider hole between RAM ranges starts a new zone */
#define BLOCK_BYTES    (BUDDY_BLOCK_PAGES * PAGE_SIZE)

/*
 * One global buddy under one lock, and in front of it a per-CPU stack of order-0 pages, so that
 * single-page traffic (the MMU's table pages) takes no global lock. A CPU refills its empty
 * stack and drains its full one PMM_PCP_BATCH pages at a time under the lock; pages come off and go
 * on the top, so the most recently freed (cache-warm) page is handed out first. The stack is
 * touched by its own CPU only, with interrupts off.
 *
 * To the buddy a cached page is ALLOCATED (order 0). Whether it sits in a cache is one bit per
 * frame in a bitmap kept after the zone's buddy metadata: a free of a page whose bit is set is a
 * double free, and a free of a page the buddy does not show as an allocated order-0 block is
 * caught as the buddy would catch it, so no double free is lost behind the caches.
 */
struct pcp {
	u32 count;
	u64 pfn[PMM_PCP_MAX];
} __aligned(64);

static struct buddy buddy;
static struct spinlock pmm_lock = SPINLOCK_INIT;
static struct pcp pcp[KEEL_MAX_CPUS];
static u64 *cached_map[BUDDY_MAX_ZONES]; /* bit i of zone z: frame base_pfn + i is in a cache */
static struct memrange usable_r[MEMMAP_RANGES_MAX];
static struct memrange_set usable = { .r = usable_r, .cap = MEMMAP_RANGES_MAX };
static u64 ram_pages; /* RAM the map describes in the windows set up so far */

static void buddy_error(void *ctx, const char *msg, u64 pfn)
{
	panic("%s", msg);
}

/* Zones: usable ranges in [lo, hi) grouped while the holes between them stay small. */
static unsigned int find_clusters(u64 lo, u64 hi, struct memrange *c, unsigned int max)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < usable.count; i++) {
		u64 b = MAX(usable.r[i].base, lo), e = MIN(usable.r[i].end, hi);

		if (b >= e)
			continue;
		if (n && b - c[n - 1].end < ZONE_GAP_MAX) {
			c[n - 1].end = e;
			continue;
		}
		if (n == max) {
			pr_warn("pmm: more than %u RAM clusters, ignoring memory from 0x%lx\n", max,
				(unsigned long)b);
			break;
		}
		c[n].base = b;
		c[n].end = e;
		n++;
	}
	return n;
}

/* Take bytes for zone metadata from the top of the largest usable range in [lo, hi). */
static paddr_t carve(u64 lo, u64 hi, u64 bytes)
{
	struct memrange *best = NULL;
	u64 best_len = 0;
	paddr_t pa;

	for (unsigned int i = 0; i < usable.count; i++) {
		struct memrange *r = &usable.r[i];
		u64 len = MIN(r->end, hi) - MIN(MAX(r->base, lo), MIN(r->end, hi));

		if (len >= bytes && len > best_len) {
			best = r;
			best_len = len;
		}
	}
	if (!best)
		return 0;
	pa = MIN(best->end, hi) - bytes;
	memrange_remove(&usable, pa, pa + bytes);
	return pa;
}

static void add_window(const struct boot_info *bi, u64 lo, u64 hi)
{
	struct memrange c[BUDDY_MAX_ZONES];
	unsigned int first = buddy.nzones;
	unsigned int n = find_clusters(lo, hi, c, BUDDY_MAX_ZONES - buddy.nzones);

	for (unsigned int i = 0; i < n; i++) {
		u64 zb = ALIGN_DOWN(c[i].base, BLOCK_BYTES), ze = ALIGN_UP(c[i].end, BLOCK_BYTES);
		u64 npages = (ze - zb) / PAGE_SIZE;
		u64 map_bytes = npages / 8; /* npages is a multiple of BUDDY_BLOCK_PAGES */
		u64 bytes = ALIGN_UP(buddy_meta_bytes(npages) + map_bytes, PAGE_SIZE);
		paddr_t meta = carve(lo, hi, bytes);
		u64 *map;

		if (!meta) {
			pr_warn("pmm: no room for %lu KiB of metadata for [0x%lx, 0x%lx)\n",
				(unsigned long)(bytes >> 10), (unsigned long)zb, (unsigned long)ze);
			continue;
		}
		if (buddy_add_zone(&buddy, zb / PAGE_SIZE, npages, phys_to_virt(meta)))
			panic("pmm: cannot add zone [0x%lx, 0x%lx)", (unsigned long)zb,
			      (unsigned long)ze);
		map = phys_to_virt(meta + buddy_meta_bytes(npages));
		memset(map, 0, map_bytes);
		cached_map[buddy.nzones - 1] = map;
	}
	for (unsigned int z = first; z < buddy.nzones; z++) {
		u64 zb = buddy.zones[z].base_pfn * PAGE_SIZE;
		u64 ze = zb + buddy.zones[z].npages * PAGE_SIZE;

		for (unsigned int i = 0; i < usable.count; i++) {
			u64 b = MAX(MAX(usable.r[i].base, zb), lo);
			u64 e = MIN(MIN(usable.r[i].end, ze), hi);

			if (b < e && buddy_add_free(&buddy, b / PAGE_SIZE, (e - b) / PAGE_SIZE))
				panic("pmm: cannot free [0x%lx, 0x%lx)", (unsigned long)b,
				      (unsigned long)e);
		}
	}
	ram_pages += memmap_ram_bytes(bi, lo, hi) / PAGE_SIZE;
}

void pmm_init(const struct boot_info *bi)
{
	buddy.error = buddy_error;
	if (memmap_usable(bi, &usable))
		pr_warn("pmm: memory map too fragmented, some RAM is left out\n");
	add_window(bi, 0, LOW_WINDOW_END);
}

void pmm_init_late(const struct boot_info *bi)
{
	add_window(bi, LOW_WINDOW_END, ~0ULL);
}

static unsigned int zone_index(u64 pfn)
{
	for (unsigned int i = 0; i < buddy.nzones; i++) {
		const struct buddy_zone *z = &buddy.zones[i];

		if (pfn >= z->base_pfn && pfn - z->base_pfn < z->npages)
			return i;
	}
	return BUDDY_MAX_ZONES;
}

/* Sets (cached) or clears the frame's cache bit; returns whether it was set before. */
static bool mark_cached(unsigned int zi, u64 pfn, bool cached)
{
	u64 idx = pfn - buddy.zones[zi].base_pfn;
	u64 *word = &cached_map[zi][idx / 64], bit = BIT(idx % 64);
	u64 old = cached ? __atomic_fetch_or(word, bit, __ATOMIC_RELAXED)
			 : __atomic_fetch_and(word, ~bit, __ATOMIC_RELAXED);

	return old & bit;
}

/* Takes up to PMM_PCP_BATCH pages from the buddy into this CPU's empty cache. */
static void pcp_refill(struct pcp *c)
{
	u64 pfn;

	spin_lock(&pmm_lock);
	while (c->count < PMM_PCP_BATCH && buddy_alloc(&buddy, 0, &pfn)) {
		mark_cached(zone_index(pfn), pfn, true);
		c->pfn[c->count++] = pfn;
	}
	spin_unlock(&pmm_lock);
}

/* Returns the n coldest pages (the bottom of the stack) to the buddy. */
static void pcp_drain(struct pcp *c, unsigned int n)
{
	spin_lock(&pmm_lock);
	for (unsigned int i = 0; i < n; i++) {
		mark_cached(zone_index(c->pfn[i]), c->pfn[i], false);
		buddy_free(&buddy, c->pfn[i], 0);
	}
	spin_unlock(&pmm_lock);
	c->count -= n;
	memmove(&c->pfn[0], &c->pfn[n], c->count * sizeof(c->pfn[0]));
}

static u64 pcp_alloc(void)
{
	bool irq = irq_save();
	struct pcp *c = &pcp[smp_cpu_id()];
	u64 pfn = 0;

	if (!c->count)
		pcp_refill(c);
	if (c->count) {
		pfn = c->pfn[--c->count];
		mark_cached(zone_index(pfn), pfn, false);
	}
	irq_restore(irq);
	return pfn;
}

static void pcp_free(u64 pfn)
{
	unsigned int zi = zone_index(pfn);
	const struct buddy_page *p;
	struct pcp *c;
	bool irq;

	if (zi == BUDDY_MAX_ZONES)
		panic("pmm: free of 0x%lx, a frame outside every zone",
		      (unsigned long)(pfn << PAGE_SHIFT));
	/* An order-0 block we own is ALLOCATED and stays so: nobody else writes its metadata. */
	p = &buddy.zones[zi].pages[pfn - buddy.zones[zi].base_pfn];
	if (__atomic_load_n(&p->state, __ATOMIC_RELAXED) != BUDDY_ALLOCATED ||
	    __atomic_load_n(&p->order, __ATOMIC_RELAXED) != 0)
		panic("pmm: free of 0x%lx order 0: not an allocated order-0 block (state %u)",
		      (unsigned long)(pfn << PAGE_SHIFT), p->state);
	if (mark_cached(zi, pfn, true))
		panic("pmm: double free of 0x%lx: already in a per-CPU cache",
		      (unsigned long)(pfn << PAGE_SHIFT));
	irq = irq_save();
	c = &pcp[smp_cpu_id()];
	if (c->count == PMM_PCP_MAX)
		pcp_drain(c, PMM_PCP_BATCH);
	c->pfn[c->count++] = pfn;
	irq_restore(irq);
}

/* Empties this CPU's cache into the buddy, so that its pages can merge again. */
static void pcp_drain_local(void)
{
	bool irq = irq_save();
	struct pcp *c = &pcp[smp_cpu_id()];

	if (c->count)
		pcp_drain(c, c->count);
	irq_restore(irq);
}

static bool buddy_alloc_locked(unsigned int order, u64 end_pfn, u64 *pfn)
{
	bool ok;

	spin_lock(&pmm_lock);
	ok = buddy_alloc_below(&buddy, order, end_pfn, pfn);
	spin_unlock(&pmm_lock);
	return ok;
}

static paddr_t alloc_pages(unsigned int order, u64 end_pfn)
{
	u64 pfn = 0;

	if (order == 0 && end_pfn == ~0ULL) {
		pfn = pcp_alloc();
	} else if (!buddy_alloc_locked(order, end_pfn, &pfn)) {
		/* Pages parked in this CPU's cache may complete a block. */
		pcp_drain_local();
		if (!buddy_alloc_locked(order, end_pfn, &pfn))
			pfn = 0;
	}
	if (!pfn)
		return 0;
	memset(phys_to_virt(pfn * PAGE_SIZE), 0, PAGE_SIZE << order);
	return pfn * PAGE_SIZE;
}

paddr_t pmm_alloc_pages(unsigned int order)
{
	return alloc_pages(order, ~0ULL);
}

paddr_t pmm_alloc_pages_low(unsigned int order)
{
	return alloc_pages(order, LOW_WINDOW_END / PAGE_SIZE);
}

void pmm_free_pages(paddr_t pa, unsigned int order)
{
	if (!IS_ALIGNED(pa, PAGE_SIZE) || order > PMM_MAX_ORDER)
		panic("pmm: free of 0x%lx order %u: bad address or order", (unsigned long)pa,
		      order);
	if (order == 0) {
		pcp_free(pa / PAGE_SIZE);
		return;
	}
	spin_lock(&pmm_lock);
	buddy_free(&buddy, pa / PAGE_SIZE, order);
	spin_unlock(&pmm_lock);
}

static u64 cached_pages(void)
{
	u64 n = 0;

	for (unsigned int cpu = 0; cpu < KEEL_MAX_CPUS; cpu++)
		n += __atomic_load_n(&pcp[cpu].count, __ATOMIC_RELAXED);
	return n;
}

void pmm_get_stats(struct pmm_stats *st)
{
	spin_lock(&pmm_lock);
	st->total_pages = buddy_managed_pages(&buddy);
	st->free_pages = buddy_free_pages(&buddy);
	spin_unlock(&pmm_lock);
	st->cached_pages = cached_pages();
	st->free_pages += st->cached_pages;
	st->reserved_pages = ram_pages > st->total_pages ? ram_pages - st->total_pages : 0;
}

/* Every cached page has its bit and is ALLOCATED to the buddy; no other bit is set. */
static int check_caches(void)
{
	u64 bits = 0;

	for (unsigned int cpu = 0; cpu < KEEL_MAX_CPUS; cpu++) {
		const struct pcp *c = &pcp[cpu];

		for (unsigned int i = 0; i < c->count; i++) {
			unsigned int zi = zone_index(c->pfn[i]);
			const struct buddy_zone *z;
			u64 idx;

			if (zi == BUDDY_MAX_ZONES)
				return -1;
			z = &buddy.zones[zi];
			idx = c->pfn[i] - z->base_pfn;
			if (!(cached_map[zi][idx / 64] & BIT(idx % 64)) ||
			    z->pages[idx].state != BUDDY_ALLOCATED || z->pages[idx].order)
				return -1;
		}
	}
	for (unsigned int zi = 0; zi < buddy.nzones; zi++)
		for (u64 w = 0; w < buddy.zones[zi].npages / 64; w++)
			bits += (u64)__builtin_popcountll(cached_map[zi][w]);
	return bits == cached_pages() ? 0 : -1;
}

int pmm_check(void)
{
	int ret;

	spin_lock(&pmm_lock);
	ret = buddy_check(&buddy);
	if (!ret)
		ret = check_caches();
	spin_unlock(&pmm_lock);
	return ret;
}
