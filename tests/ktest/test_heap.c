/* SPDX-License-Identifier: GPL-2.0-only */
/* In-kernel tests of the kernel heap: sizes, alignment, reuse, statistics, bad-free detection. */
#include <keel/ktest.h>
#include <keel/mm.h>

#include <string.h>

#include "mm/heap.h"
#include "mm/kmalloc.h"

KTEST(heap_sizes_alignment)
{
	static const size_t sizes[] = { 1,   8,	   16,	 17,   33,   100,   256,
					513, 1500, 2048, 2049, 4096, 20000, 1 << 20 };
	void *p[ARRAY_SIZE(sizes)];

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		p[i] = kmalloc(sizes[i]);
		KTEST_EXPECT(t, p[i] != NULL);
		if (!p[i])
			continue;
		KTEST_EXPECT_EQ(t, (uintptr_t)p[i] % 16, 0);
		KTEST_EXPECT(t, ksize(p[i]) >= sizes[i]);
		memset(p[i], (int)i + 1, sizes[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		const u8 *b = p[i];
		bool intact = true;

		for (size_t j = 0; b && j < sizes[i]; j++)
			intact &= b[j] == (u8)(i + 1);
		KTEST_EXPECT(t, intact);
		kfree(p[i]);
	}
	KTEST_EXPECT(t, kmalloc((PAGE_SIZE << PMM_MAX_ORDER) + 1) == NULL);
}

KTEST(heap_reuse_and_zeroing)
{
	u8 *a = kmalloc(200), *b;
	bool zero = true;

	KTEST_EXPECT(t, a != NULL);
	memset(a, 0xee, 200);
	kfree(a);
	b = kmalloc(200);
	KTEST_EXPECT(t, b == a); /* the freed object is the first free one in its slab */
	kfree(b);
	b = kzalloc(200);
	for (int i = 0; b && i < 200; i++)
		zero &= b[i] == 0;
	KTEST_EXPECT(t, b && zero);
	kfree(b);
}

KTEST(heap_stats)
{
	struct kheap_stats s0, s1, s2;
	void *a, *b;

	kheap_get_stats(&s0);
	a = kmalloc(40);
	b = kmalloc(3 * PAGE_SIZE);
	kheap_get_stats(&s1);
	KTEST_EXPECT_EQ(t, s1.allocs - s0.allocs, 2);
	KTEST_EXPECT_EQ(t, s1.bytes_in_use - s0.bytes_in_use, 64 + 4 * PAGE_SIZE);
	KTEST_EXPECT(t, s1.pages_backing >= s0.pages_backing + 4);
	kfree(b);
	kfree(a);
	kheap_get_stats(&s2);
	KTEST_EXPECT_EQ(t, s2.frees - s0.frees, 2);
	KTEST_EXPECT_EQ(t, s2.bytes_in_use, s0.bytes_in_use);
}

struct heap_errors {
	int count;
	char last[128];
};

static void record(void *ctx, const char *msg, const void *p)
{
	struct heap_errors *e = ctx;

	e->count++;
	strlcpy(e->last, msg, sizeof(e->last));
}

/* A private heap whose error hook records instead of panicking. */
KTEST(heap_bad_free_detected)
{
	struct heap *h = kzalloc(sizeof(*h));
	struct heap_errors e = { 0 };
	char *p, *big;
	int local;

	KTEST_EXPECT(t, h != NULL);
	if (!h)
		return;
	heap_init(h, &kheap_pmm_source, record, &e);
	p = heap_alloc(h, 48);
	big = heap_alloc(h, 3000);
	KTEST_EXPECT(t, p && big);
	KTEST_EXPECT_EQ(t, heap_free(h, p), 0);
	KTEST_EXPECT_EQ(t, heap_free(h, p), -1);
	KTEST_EXPECT(t, strstr(e.last, "double free") != NULL);
	KTEST_EXPECT_EQ(t, heap_free(h, &local), -1);
	KTEST_EXPECT(t, strstr(e.last, "not from the heap") != NULL);
	KTEST_EXPECT_EQ(t, heap_free(h, big + 16), -1);
	KTEST_EXPECT(t, strstr(e.last, "inside a large block") != NULL);
	KTEST_EXPECT_EQ(t, e.count, 3);
	KTEST_EXPECT_EQ(t, heap_free(h, big), 0);
	heap_destroy(h);
	kfree(h);
}
