/* SPDX-License-Identifier: GPL-2.0-only */
/* The physical page allocator: the boot memory map fed into the buddy core, behind one lock. */
#include <keel/mm.h>
#include <keel/panic.h>
#include <keel/printk.h>
#include <keel/spinlock.h>

#include <string.h>

#include "mm/buddy.h"
#include "mm/memmap.h"
#include "mm/pmm.h"

#define LOW_WINDOW_END (4ULL << 30)  /* the loader's direct map ends here (keel/bootinfo.h) */
#define ZONE_GAP_MAX   (64ULL << 20) /* a wider hole between RAM ranges starts a new zone */
#define BLOCK_BYTES    (BUDDY_BLOCK_PAGES * PAGE_SIZE)

/*
 * One global buddy under one lock. Order-0 traffic from the MMU will go through per-CPU caches
 * placed in front of buddy_alloc()/buddy_free() here; the core needs no change for them.
 */
static struct buddy buddy;
static struct spinlock pmm_lock = SPINLOCK_INIT;
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
		u64 bytes = ALIGN_UP(buddy_meta_bytes(npages), PAGE_SIZE);
		paddr_t meta = carve(lo, hi, bytes);

		if (!meta) {
			pr_warn("pmm: no room for %lu KiB of metadata for [0x%lx, 0x%lx)\n",
				(unsigned long)(bytes >> 10), (unsigned long)zb, (unsigned long)ze);
			continue;
		}
		if (buddy_add_zone(&buddy, zb / PAGE_SIZE, npages, phys_to_virt(meta)))
			panic("pmm: cannot add zone [0x%lx, 0x%lx)", (unsigned long)zb,
			      (unsigned long)ze);
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

paddr_t pmm_alloc_pages(unsigned int order)
{
	u64 pfn;
	bool ok;

	spin_lock(&pmm_lock);
	ok = buddy_alloc(&buddy, order, &pfn);
	spin_unlock(&pmm_lock);
	if (!ok)
		return 0;
	memset(phys_to_virt(pfn * PAGE_SIZE), 0, PAGE_SIZE << order);
	return pfn * PAGE_SIZE;
}

void pmm_free_pages(paddr_t pa, unsigned int order)
{
	if (!IS_ALIGNED(pa, PAGE_SIZE) || order > PMM_MAX_ORDER)
		panic("pmm: free of 0x%lx order %u: bad address or order", (unsigned long)pa,
		      order);
	spin_lock(&pmm_lock);
	buddy_free(&buddy, pa / PAGE_SIZE, order);
	spin_unlock(&pmm_lock);
}

void pmm_get_stats(struct pmm_stats *st)
{
	spin_lock(&pmm_lock);
	st->total_pages = buddy_managed_pages(&buddy);
	st->free_pages = buddy_free_pages(&buddy);
	spin_unlock(&pmm_lock);
	st->reserved_pages = ram_pages > st->total_pages ? ram_pages - st->total_pages : 0;
}

int pmm_check(void)
{
	int ret;

	spin_lock(&pmm_lock);
	ret = buddy_check(&buddy);
	spin_unlock(&pmm_lock);
	return ret;
}
