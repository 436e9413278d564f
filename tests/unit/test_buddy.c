/* SPDX-License-Identifier: GPL-2.0-only */
/* Hosted tests for the buddy allocator core, range sets and the boot memory-map reduction. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mm/buddy.h"
#include "mm/memmap.h"
#include "mm/memrange.h"

#define ZONE_BASE  BUDDY_BLOCK_PAGES /* pfn */
#define ZONE_PAGES (4 * BUDDY_BLOCK_PAGES)

struct fixture {
	struct buddy b;
	void *meta;
	int errors;
	u64 last_error_pfn;
	char last_error[128];
};

static void record_error(void *ctx, const char *msg, u64 pfn)
{
	struct fixture *f = ctx;

	f->errors++;
	f->last_error_pfn = pfn;
	snprintf(f->last_error, sizeof(f->last_error), "%s", msg);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->meta = malloc(buddy_meta_bytes(ZONE_PAGES));
	f->b.error = record_error;
	f->b.error_ctx = f;
	assert_int_equal(buddy_add_zone(&f->b, ZONE_BASE, ZONE_PAGES, f->meta), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->meta);
	free(f);
	return 0;
}

static void test_zone_rules(void **state)
{
	struct fixture *f = *state;
	static struct buddy_page meta[2 * BUDDY_BLOCK_PAGES];

	assert_int_equal(buddy_add_zone(&f->b, 3, BUDDY_BLOCK_PAGES, meta), -1);
	assert_int_equal(buddy_add_zone(&f->b, 0, 100, meta), -1);
	assert_int_equal(
		buddy_add_zone(&f->b, ZONE_BASE + BUDDY_BLOCK_PAGES, BUDDY_BLOCK_PAGES, meta), -1);
	/* Frames must be added once, inside a zone. */
	assert_int_equal(buddy_add_free(&f->b, ZONE_BASE, 8), 0);
	assert_int_equal(buddy_add_free(&f->b, ZONE_BASE + 4, 8), -1);
	assert_int_equal(buddy_add_free(&f->b, 5, 1), -1);
	assert_int_equal(buddy_add_free(&f->b, ZONE_BASE + ZONE_PAGES - 1, 2), -1);
	assert_int_equal(buddy_check(&f->b), 0);
}

/* An allocation bounded by a frame limit takes only from zones that end at or below it. */
static void test_alloc_below(void **state)
{
	struct fixture *f = *state;
	u64 high_base = ZONE_BASE + ZONE_PAGES + BUDDY_BLOCK_PAGES;
	void *meta = malloc(buddy_meta_bytes(BUDDY_BLOCK_PAGES));
	u64 pfn;

	assert_int_equal(buddy_add_zone(&f->b, high_base, BUDDY_BLOCK_PAGES, meta), 0);
	assert_int_equal(buddy_add_free(&f->b, high_base, BUDDY_BLOCK_PAGES), 0);
	assert_false(buddy_alloc_below(&f->b, 0, high_base, &pfn));
	assert_int_equal(buddy_add_free(&f->b, ZONE_BASE, 1), 0);
	assert_false(buddy_alloc_below(&f->b, 0, ZONE_BASE + ZONE_PAGES - 1, &pfn));
	assert_true(buddy_alloc_below(&f->b, 0, ZONE_BASE + ZONE_PAGES, &pfn));
	assert_int_equal(pfn, ZONE_BASE);
	assert_false(buddy_alloc_below(&f->b, 0, high_base, &pfn));
	assert_true(buddy_alloc(&f->b, 0, &pfn));
	assert_int_equal(pfn, high_base);
	assert_int_equal(buddy_check(&f->b), 0);
	free(meta);
}

static void test_split_and_merge(void **state)
{
	struct fixture *f = *state;
	struct buddy_zone *z = &f->b.zones[0];
	u64 pfn;

	assert_int_equal(buddy_add_free(&f->b, ZONE_BASE, ZONE_PAGES), 0);
	assert_int_equal(z->free_blocks[PMM_MAX_ORDER], 4);
	assert_true(buddy_alloc(&f->b, 0, &pfn));
	assert_int_equal(pfn % BUDDY_BLOCK_PAGES, 0);
	/* One max block split all the way down: one free block left at every lower order. */
	for (unsigned int o = 0; o < PMM_MAX_ORDER; o++)
		assert_int_equal(z->free_blocks[o], 1);
	assert_int_equal(z->free_blocks[PMM_MAX_ORDER], 3);
	assert_int_equal(buddy_free_pages(&f->b), ZONE_PAGES - 1);
	assert_int_equal(buddy_check(&f->b), 0);

	assert_int_equal(buddy_free(&f->b, pfn, 0), 0);
	for (unsigned int o = 0; o < PMM_MAX_ORDER; o++)
		assert_int_equal(z->free_blocks[o], 0);
	assert_int_equal(z->free_blocks[PMM_MAX_ORDER], 4);
	assert_int_equal(buddy_free_pages(&f->b), ZONE_PAGES);
	assert_int_equal(buddy_check(&f->b), 0);
	assert_int_equal(f->errors, 0);
}

static void test_unaligned_free_range(void **state)
{
	struct fixture *f = *state;
	u64 pfn;

	/* 3 + 1021 + 5 frames starting at an odd frame: blocks must stay naturally aligned. */
	assert_int_equal(buddy_add_free(&f->b, ZONE_BASE + 3, 1029), 0);
	assert_int_equal(buddy_managed_pages(&f->b), 1029);
	assert_false(buddy_alloc(&f->b, PMM_MAX_ORDER, &pfn));
	assert_true(buddy_alloc(&f->b, 9, &pfn));
	assert_int_equal(pfn % 512, 0);
	assert_true(pfn >= ZONE_BASE + 3 && pfn + 512 <= ZONE_BASE + 3 + 1029);
	assert_int_equal(buddy_check(&f->b), 0);
}

static void test_exhaustion(void **state)
{
	struct fixture *f = *state;
	u64 n = 0, pfn;
	u64 *all = malloc(ZONE_PAGES * sizeof(u64));

	assert_int_equal(buddy_add_free(&f->b, ZONE_BASE, ZONE_PAGES), 0);
	while (buddy_alloc(&f->b, 0, &pfn))
		all[n++] = pfn;
	assert_int_equal(n, ZONE_PAGES);
	assert_int_equal(buddy_free_pages(&f->b), 0);
	assert_false(buddy_alloc(&f->b, 0, &pfn));
	assert_false(buddy_alloc(&f->b, PMM_MAX_ORDER + 1, &pfn));
	for (u64 i = 0; i < n; i++)
		assert_int_equal(buddy_free(&f->b, all[i], 0), 0);
	assert_int_equal(f->b.zones[0].free_blocks[PMM_MAX_ORDER], 4);
	assert_int_equal(buddy_check(&f->b), 0);
	free(all);
}

static void test_fragmentation(void **state)
{
	struct fixture *f = *state;
	u64 pfn, *all = malloc(ZONE_PAGES * sizeof(u64));
	u64 n = 0;

	assert_int_equal(buddy_add_free(&f->b, ZONE_BASE, ZONE_PAGES), 0);
	while (buddy_alloc(&f->b, 0, &pfn))
		all[n++] = pfn;
	/* Free every frame with an even pfn: half the memory is free, but no two frames adjoin. */
	for (u64 i = 0; i < n; i++) {
		if (all[i] % 2 == 0)
			assert_int_equal(buddy_free(&f->b, all[i], 0), 0);
	}
	assert_int_equal(buddy_free_pages(&f->b), ZONE_PAGES / 2);
	assert_false(buddy_alloc(&f->b, 1, &pfn));
	assert_true(buddy_alloc(&f->b, 0, &pfn));
	assert_int_equal(buddy_free(&f->b, pfn, 0), 0);
	for (u64 i = 0; i < n; i++) {
		if (all[i] % 2)
			assert_int_equal(buddy_free(&f->b, all[i], 0), 0);
	}
	assert_int_equal(f->b.zones[0].free_blocks[PMM_MAX_ORDER], 4);
	assert_int_equal(buddy_check(&f->b), 0);
	free(all);
}

static void test_bad_frees_caught(void **state)
{
	struct fixture *f = *state;
	u64 pfn, big;

	assert_int_equal(buddy_add_free(&f->b, ZONE_BASE, BUDDY_BLOCK_PAGES), 0);
	assert_true(buddy_alloc(&f->b, 0, &pfn));
	assert_true(buddy_alloc(&f->b, 3, &big));
	assert_int_equal(buddy_free(&f->b, pfn, 0), 0);

	assert_int_equal(buddy_free(&f->b, pfn, 0), -1);
	assert_non_null(strstr(f->last_error, "double free"));
	assert_int_equal(f->last_error_pfn, pfn);
	assert_int_equal(buddy_free(&f->b, big + 1, 0), -1);
	assert_non_null(strstr(f->last_error, "inside a block"));
	assert_int_equal(buddy_free(&f->b, big, 2), -1);
	assert_non_null(strstr(f->last_error, "order"));
	assert_int_equal(buddy_free(&f->b, ZONE_BASE + BUDDY_BLOCK_PAGES, 0), -1);
	assert_non_null(strstr(f->last_error, "reserved"));
	assert_int_equal(buddy_free(&f->b, 1, 0), -1);
	assert_non_null(strstr(f->last_error, "outside"));
	assert_int_equal(f->errors, 5);
	/* None of the bad frees changed anything. */
	assert_int_equal(buddy_check(&f->b), 0);
	assert_int_equal(buddy_free_pages(&f->b), BUDDY_BLOCK_PAGES - 8);
	assert_int_equal(buddy_free(&f->b, big, 3), 0);
	assert_int_equal(buddy_free_pages(&f->b), BUDDY_BLOCK_PAGES);
}

/* Random allocations and frees checked against a bitmap of the frames handed out. */
static void test_random_against_model(void **state)
{
	struct fixture *f = *state;
	enum { SLOTS = 256 };
	struct {
		u64 pfn;
		unsigned int order;
		bool used;
	} slot[SLOTS] = { 0 };
	unsigned char *taken = calloc(ZONE_PAGES, 1);
	u64 model_free = ZONE_PAGES - 64;

	srand(12345);
	/* Keep a hole in the middle reserved to make zone-internal boundaries matter. */
	assert_int_equal(buddy_add_free(&f->b, ZONE_BASE, 1000), 0);
	assert_int_equal(buddy_add_free(&f->b, ZONE_BASE + 1064, ZONE_PAGES - 1064), 0);
	for (int step = 0; step < 20000; step++) {
		int s = rand() % SLOTS;

		if (slot[s].used) {
			assert_int_equal(buddy_free(&f->b, slot[s].pfn, slot[s].order), 0);
			for (u64 i = 0; i < (1ULL << slot[s].order); i++)
				taken[slot[s].pfn - ZONE_BASE + i] = 0;
			model_free += 1ULL << slot[s].order;
			slot[s].used = false;
		} else {
			unsigned int order = rand() % 6;
			u64 pfn;

			if (!buddy_alloc(&f->b, order, &pfn))
				continue;
			assert_int_equal(pfn % (1ULL << order), 0);
			assert_true(pfn >= ZONE_BASE &&
				    pfn + (1ULL << order) <= ZONE_BASE + ZONE_PAGES);
			for (u64 i = 0; i < (1ULL << order); i++) {
				u64 idx = pfn - ZONE_BASE + i;

				assert_false(taken[idx]);
				assert_false(idx >= 1000 && idx < 1064);
				taken[idx] = 1;
			}
			model_free -= 1ULL << order;
			slot[s] = (typeof(slot[s])){ pfn, order, true };
		}
		assert_int_equal(buddy_free_pages(&f->b), model_free);
		if (step % 1000 == 0)
			assert_int_equal(buddy_check(&f->b), 0);
	}
	for (int s = 0; s < SLOTS; s++) {
		if (slot[s].used)
			assert_int_equal(buddy_free(&f->b, slot[s].pfn, slot[s].order), 0);
	}
	assert_int_equal(buddy_free_pages(&f->b), ZONE_PAGES - 64);
	assert_int_equal(buddy_check(&f->b), 0);
	assert_int_equal(f->errors, 0);
	free(taken);
}

static void test_memrange_ops(void **state)
{
	struct memrange r[4];
	struct memrange_set s = { .r = r, .cap = 4 };

	assert_int_equal(memrange_add(&s, 100, 200), 0);
	assert_int_equal(memrange_add(&s, 300, 400), 0);
	assert_int_equal(memrange_add(&s, 150, 300), 0); /* bridges both */
	assert_int_equal(s.count, 1);
	assert_int_equal(r[0].base, 100);
	assert_int_equal(r[0].end, 400);
	assert_int_equal(memrange_remove(&s, 200, 250), 0);
	assert_int_equal(s.count, 2);
	assert_int_equal(memrange_remove(&s, 0, 120), 0);
	assert_int_equal(memrange_remove(&s, 380, 1000), 0);
	assert_int_equal(r[0].base, 120);
	assert_int_equal(r[0].end, 200);
	assert_int_equal(r[1].base, 250);
	assert_int_equal(r[1].end, 380);
	assert_int_equal(memrange_bytes_in(&s, 0, ~0ULL), 80 + 130);
	assert_int_equal(memrange_bytes_in(&s, 190, 260), 20);
	assert_int_equal(memrange_remove(&s, 0, ~0ULL), 0);
	assert_int_equal(s.count, 0);
	for (u64 i = 0; i < 4; i++)
		assert_int_equal(memrange_add(&s, i * 10, i * 10 + 5), 0);
	assert_int_equal(memrange_add(&s, 100, 105), -1);
	assert_int_equal(memrange_remove(&s, 1, 2), -1);
}

static void add_entry(struct boot_info *bi, u64 base, u64 len, u32 type)
{
	bi->mmap[bi->mmap_count++] = (struct boot_mmap_entry){ base, len, type, 0 };
}

static bool overlaps(u64 b1, u64 e1, u64 b2, u64 e2)
{
	return b1 < e2 && b2 < e1;
}

/*
 * A messy map (unaligned edges, a usable range overlapping a reserved one, a kernel and modules
 * inside usable RAM) reduced to usable ranges, handed to the buddy, and then every page the buddy
 * hands out is checked against the reservations.
 */
static void test_no_overlap_with_reserved(void **state)
{
	struct boot_info *bi = calloc(1, sizeof(*bi));
	struct memrange r[MEMMAP_RANGES_MAX];
	struct memrange_set usable = { .r = r, .cap = MEMMAP_RANGES_MAX };
	const u64 mib = 1 << 20;
	struct buddy b = { 0 };
	void *meta = malloc(buddy_meta_bytes(64 * mib / PAGE_SIZE));
	u64 pfn, handed = 0;

	add_entry(bi, 0, 0x9fc00, BOOT_MEM_USABLE);
	add_entry(bi, 0x9fc00, 0x400, BOOT_MEM_RESERVED);
	add_entry(bi, 0x100123, 40 * mib, BOOT_MEM_USABLE);
	add_entry(bi, 20 * mib + 0x800, 0x1000, BOOT_MEM_ACPI_RECLAIM); /* inside usable */
	add_entry(bi, 41 * mib, 8 * mib, BOOT_MEM_LOADER);
	add_entry(bi, 48 * mib, 16 * mib, BOOT_MEM_USABLE); /* overlaps the loader range */
	bi->kernel_phys = 2 * mib;
	bi->kernel_size = 3 * mib + 5;
	bi->module_count = 1;
	bi->modules[0].base = 30 * mib;
	bi->modules[0].size = 4097;
	bi->acpi_rsdp = 0xe0010;

	assert_int_equal(memmap_usable(bi, &usable), 0);
	for (unsigned int i = 0; i < usable.count; i++) {
		assert_true(IS_ALIGNED(r[i].base, PAGE_SIZE) && IS_ALIGNED(r[i].end, PAGE_SIZE));
		assert_true(i == 0 || r[i - 1].end < r[i].base);
	}
	assert_int_equal(memmap_ram_bytes(bi, 0, ~0ULL), 0x9fc00 + (64 * mib - 0x100123));

	assert_int_equal(buddy_add_zone(&b, 0, 64 * mib / PAGE_SIZE, meta), 0);
	for (unsigned int i = 0; i < usable.count; i++)
		assert_int_equal(buddy_add_free(&b, r[i].base / PAGE_SIZE,
						(r[i].end - r[i].base) / PAGE_SIZE),
				 0);
	while (buddy_alloc(&b, 0, &pfn)) {
		u64 pa = pfn * PAGE_SIZE, pe = pa + PAGE_SIZE;

		handed++;
		assert_true(pa != 0);
		assert_false(overlaps(pa, pe, 0x9f000, 0x101000));
		assert_false(overlaps(pa, pe, 20 * mib, 20 * mib + 0x1800));
		assert_false(overlaps(pa, pe, 41 * mib, 49 * mib));
		assert_false(overlaps(pa, pe, 2 * mib, 5 * mib + 5));
		assert_false(overlaps(pa, pe, 30 * mib, 30 * mib + 4097));
		assert_false(overlaps(pa, pe, 0xe0000, 0xe1000));
		assert_true(pe <= 64 * mib);
	}
	assert_int_equal(handed, buddy_managed_pages(&b));
	assert_int_equal(handed * PAGE_SIZE, memrange_bytes_in(&usable, 0, ~0ULL));
	free(meta);
	free(bi);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_zone_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_and_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unaligned_free_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exhaustion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fragmentation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_frees_caught, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_against_model, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_below, setup, teardown),
		cmocka_unit_test(test_memrange_ops),
		cmocka_unit_test(test_no_overlap_with_reserved),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
