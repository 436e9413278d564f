/* SPDX-License-Identifier: GPL-2.0-only */
/* In-kernel tests of the page allocator: a private buddy on a borrowed block, and the global one.
 */
#include <keel/init.h>
#include <keel/ktest.h>
#include <keel/mm.h>

#include <string.h>

#include "mm/buddy.h"
#include "mm/pmm.h"

/* A private allocator over one max-order block borrowed from the global one. */
struct priv_buddy {
	struct buddy *b;
	void *meta;
	paddr_t block;
	u64 base_pfn;
	int errors;
};

static void priv_error(void *ctx, const char *msg, u64 pfn)
{
	struct priv_buddy *p = ctx;

	p->errors++;
}

static bool priv_setup(struct ktest_ctx *t, struct priv_buddy *p)
{
	memset(p, 0, sizeof(*p));
	p->block = pmm_alloc_pages(PMM_MAX_ORDER);
	p->b = kzalloc(sizeof(*p->b));
	p->meta = kmalloc(buddy_meta_bytes(BUDDY_BLOCK_PAGES));
	KTEST_EXPECT(t, p->block && p->b && p->meta);
	if (!p->block || !p->b || !p->meta)
		return false;
	p->base_pfn = p->block / PAGE_SIZE;
	p->b->error = priv_error;
	p->b->error_ctx = p;
	KTEST_EXPECT_EQ(t, buddy_add_zone(p->b, p->base_pfn, BUDDY_BLOCK_PAGES, p->meta), 0);
	KTEST_EXPECT_EQ(t, buddy_add_free(p->b, p->base_pfn, BUDDY_BLOCK_PAGES), 0);
	return true;
}

static void priv_teardown(struct priv_buddy *p)
{
	kfree(p->meta);
	kfree(p->b);
	if (p->block)
		pmm_free_pages(p->block, PMM_MAX_ORDER);
}

KTEST(buddy_split)
{
	struct priv_buddy p;
	u64 pfn = 0;

	if (priv_setup(t, &p)) {
		KTEST_EXPECT(t, buddy_alloc(p.b, 0, &pfn));
		KTEST_EXPECT_EQ(t, pfn, p.base_pfn);
		for (unsigned int o = 0; o < PMM_MAX_ORDER; o++)
			KTEST_EXPECT_EQ(t, p.b->zones[0].free_blocks[o], 1);
		KTEST_EXPECT_EQ(t, p.b->zones[0].free_blocks[PMM_MAX_ORDER], 0);
		KTEST_EXPECT_EQ(t, buddy_check(p.b), 0);
	}
	priv_teardown(&p);
}

KTEST(buddy_merge)
{
	struct priv_buddy p;
	u64 a = 0, b = 0, c = 0;

	if (priv_setup(t, &p)) {
		KTEST_EXPECT(t, buddy_alloc(p.b, 2, &a));
		KTEST_EXPECT(t, buddy_alloc(p.b, 2, &b));
		KTEST_EXPECT(t, buddy_alloc(p.b, 3, &c));
		KTEST_EXPECT_EQ(t, a ^ b, 4); /* buddies of each other */
		KTEST_EXPECT_EQ(t, buddy_free(p.b, b, 2), 0);
		KTEST_EXPECT_EQ(t, buddy_free(p.b, c, 3), 0);
		KTEST_EXPECT_EQ(t, buddy_free(p.b, a, 2), 0);
		KTEST_EXPECT_EQ(t, p.b->zones[0].free_blocks[PMM_MAX_ORDER], 1);
		KTEST_EXPECT_EQ(t, buddy_free_pages(p.b), BUDDY_BLOCK_PAGES);
		KTEST_EXPECT_EQ(t, buddy_check(p.b), 0);
	}
	priv_teardown(&p);
}

KTEST(buddy_exhaustion)
{
	struct priv_buddy p;
	u64 pfn, n = 0;

	if (priv_setup(t, &p)) {
		while (buddy_alloc(p.b, 4, &pfn)) {
			KTEST_EXPECT(t, pfn >= p.base_pfn &&
						pfn + 16 <= p.base_pfn + BUDDY_BLOCK_PAGES);
			n++;
		}
		KTEST_EXPECT_EQ(t, n, BUDDY_BLOCK_PAGES / 16);
		KTEST_EXPECT(t, !buddy_alloc(p.b, 0, &pfn));
		KTEST_EXPECT_EQ(t, buddy_free_pages(p.b), 0);
		for (u64 i = 0; i < n; i++)
			KTEST_EXPECT_EQ(t, buddy_free(p.b, p.base_pfn + i * 16, 4), 0);
		KTEST_EXPECT_EQ(t, p.b->zones[0].free_blocks[PMM_MAX_ORDER], 1);
		KTEST_EXPECT_EQ(t, p.errors, 0);
	}
	priv_teardown(&p);
}

KTEST(buddy_bad_free_detected)
{
	struct priv_buddy p;
	u64 a = 0, big = 0;

	if (priv_setup(t, &p)) {
		KTEST_EXPECT(t, buddy_alloc(p.b, 0, &a));
		KTEST_EXPECT(t, buddy_alloc(p.b, 5, &big));
		KTEST_EXPECT_EQ(t, buddy_free(p.b, a, 0), 0);
		KTEST_EXPECT_EQ(t, buddy_free(p.b, a, 0), -1);	     /* double free */
		KTEST_EXPECT_EQ(t, buddy_free(p.b, big + 3, 0), -1); /* inside a block */
		KTEST_EXPECT_EQ(t, buddy_free(p.b, big, 4), -1);     /* wrong order */
		KTEST_EXPECT_EQ(t, buddy_free(p.b, 0, 0), -1);	     /* outside the zone */
		KTEST_EXPECT_EQ(t, p.errors, 4);
		KTEST_EXPECT_EQ(t, buddy_check(p.b), 0);
	}
	priv_teardown(&p);
}

static bool overlaps(u64 b1, u64 e1, u64 b2, u64 e2)
{
	return b1 < e2 && b2 < e1;
}

static bool in_usable(u64 pa, u64 end)
{
	for (u32 i = 0; i < boot_info.mmap_count; i++) {
		const struct boot_mmap_entry *e = &boot_info.mmap[i];

		if (e->type == BOOT_MEM_USABLE && pa >= e->base && end <= e->base + e->length)
			return true;
	}
	return false;
}

static void check_block(struct ktest_ctx *t, paddr_t pa, unsigned int order)
{
	u64 end = pa + (PAGE_SIZE << order);

	KTEST_EXPECT(t, pa != 0);
	KTEST_EXPECT(t, IS_ALIGNED(pa, PAGE_SIZE << order));
	KTEST_EXPECT(t, in_usable(pa, end));
	KTEST_EXPECT(t, !overlaps(pa, end, boot_info.kernel_phys,
				  boot_info.kernel_phys + boot_info.kernel_size));
	for (u32 i = 0; i < boot_info.module_count; i++) {
		const struct boot_module *m = &boot_info.modules[i];

		KTEST_EXPECT(t, !overlaps(pa, end, m->base, m->base + m->size));
	}
	for (u32 i = 0; i < boot_info.mmap_count; i++) {
		const struct boot_mmap_entry *e = &boot_info.mmap[i];

		if (e->type != BOOT_MEM_USABLE)
			KTEST_EXPECT(t, !overlaps(pa, end, e->base, e->base + e->length));
	}
}

KTEST(pmm_no_reserved_overlap)
{
	enum { N = 64 };
	paddr_t pages[N], big[4];

	for (int i = 0; i < N; i++) {
		pages[i] = pmm_alloc_pages(0);
		check_block(t, pages[i], 0);
	}
	for (int i = 0; i < 4; i++) {
		big[i] = pmm_alloc_pages(6);
		check_block(t, big[i], 6);
	}
	for (int i = 0; i < N; i++) {
		for (int j = i + 1; j < N; j++)
			KTEST_EXPECT(t, pages[i] != pages[j]);
	}
	for (int i = 0; i < N; i++) {
		if (pages[i])
			pmm_free_pages(pages[i], 0);
	}
	for (int i = 0; i < 4; i++) {
		if (big[i])
			pmm_free_pages(big[i], 6);
	}
}

KTEST(pmm_stats_and_zeroing)
{
	struct pmm_stats before, during, after;
	paddr_t pa;
	u8 *va;
	bool zero = true;

	pmm_get_stats(&before);
	KTEST_EXPECT(t, before.total_pages > 0);
	KTEST_EXPECT(t, before.free_pages <= before.total_pages);
	KTEST_EXPECT(t, before.reserved_pages >= boot_info.kernel_size / PAGE_SIZE);
	pa = pmm_alloc_pages(3);
	KTEST_EXPECT(t, pa != 0);
	if (!pa)
		return;
	pmm_get_stats(&during);
	KTEST_EXPECT_EQ(t, during.free_pages, before.free_pages - 8);
	KTEST_EXPECT_EQ(t, during.total_pages, before.total_pages);
	memset(phys_to_virt(pa), 0xff, 8 * PAGE_SIZE);
	pmm_free_pages(pa, 3);
	pa = pmm_alloc_pages(3);
	va = phys_to_virt(pa);
	for (u64 i = 0; i < 8 * PAGE_SIZE; i++)
		zero &= va[i] == 0;
	KTEST_EXPECT(t, zero);
	pmm_free_pages(pa, 3);
	pmm_get_stats(&after);
	KTEST_EXPECT_EQ(t, after.free_pages, before.free_pages);
	KTEST_EXPECT_EQ(t, pmm_check(), 0);
}
