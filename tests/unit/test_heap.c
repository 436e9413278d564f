/* SPDX-License-Identifier: GPL-2.0-only */
/* Hosted tests for the kernel heap core, on a page source backed by aligned host memory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mm/heap.h"

struct fixture {
	struct heap h;
	long pages_out;	 /* pages the heap holds from the source */
	long page_limit; /* the source fails beyond this */
	int errors;
	char last_error[128];
};

static void *src_alloc(void *ctx, unsigned int order)
{
	struct fixture *f = ctx;
	void *p;

	if (f->pages_out + (1L << order) > f->page_limit)
		return NULL;
	p = aligned_alloc(PAGE_SIZE, PAGE_SIZE << order);
	memset(p, 0xa5, PAGE_SIZE << order); /* the heap must not rely on zeroed pages */
	f->pages_out += 1L << order;
	return p;
}

static void src_free(void *ctx, void *p, unsigned int order)
{
	struct fixture *f = ctx;

	f->pages_out -= 1L << order;
	free(p);
}

static void record_error(void *ctx, const char *msg, const void *ptr)
{
	struct fixture *f = ctx;

	f->errors++;
	snprintf(f->last_error, sizeof(f->last_error), "%s", msg);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct heap_page_source src = { src_alloc, src_free, f };

	f->page_limit = 1 << 20;
	heap_init(&f->h, &src, record_error, f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	heap_destroy(&f->h);
	assert_int_equal(f->pages_out, 0);
	free(f);
	return 0;
}

static void test_sizes_and_alignment(void **state)
{
	struct fixture *f = *state;
	static const size_t sizes[] = { 0,    1,    15,	  16,	17,   100,    512,
					1000, 2048, 2049, 4096, 4097, 100000, 4u << 20 };
	void *p[ARRAY_SIZE(sizes)];

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		p[i] = heap_alloc(&f->h, sizes[i]);
		assert_non_null(p[i]);
		assert_int_equal((uintptr_t)p[i] % 16, 0);
		assert_true(heap_usable_size(&f->h, p[i]) >= sizes[i]);
		memset(p[i], (int)i, sizes[i]);
	}
	assert_int_equal(heap_usable_size(&f->h, p[1]), 16);
	assert_int_equal(heap_usable_size(&f->h, p[5]), 128);
	assert_int_equal(heap_usable_size(&f->h, p[9]), 4096);
	assert_int_equal(heap_usable_size(&f->h, p[11]), 8192);
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		for (size_t j = 0; j < sizes[i]; j++)
			assert_int_equal(((unsigned char *)p[i])[j], (unsigned char)i);
		assert_int_equal(heap_free(&f->h, p[i]), 0);
	}
	assert_null(heap_alloc(&f->h, (4u << 20) + 1));
	assert_int_equal(f->h.stats.bytes_in_use, 0);
	assert_int_equal(f->errors, 0);
}

static void test_no_overlap_and_reuse(void **state)
{
	struct fixture *f = *state;
	enum { N = 3000 };
	unsigned char **p = calloc(N, sizeof(*p));
	void *again;

	for (int i = 0; i < N; i++) {
		p[i] = heap_alloc(&f->h, 24 + (i % 7) * 40);
		memset(p[i], i & 0xff, 24 + (i % 7) * 40);
	}
	for (int i = 0; i < N; i++) {
		for (int j = 0; j < 24 + (i % 7) * 40; j++)
			assert_int_equal(p[i][j], i & 0xff);
	}
	/* A freed object is handed out again for the same class. */
	assert_int_equal(heap_free(&f->h, p[10]), 0);
	again = heap_alloc(&f->h, 24 + (10 % 7) * 40);
	assert_ptr_equal(again, p[10]);
	for (int i = 0; i < N; i++)
		assert_int_equal(heap_free(&f->h, p[i]), 0);
	assert_int_equal(f->h.stats.allocs, N + 1);
	assert_int_equal(f->h.stats.frees, N + 1); /* p[10] went twice: once as again */
	/* All slabs but one empty slab per class went back to the source. */
	assert_true(f->h.stats.pages_backing <= HEAP_NCLASSES + 16);
	free(p);
}

static void test_stats(void **state)
{
	struct fixture *f = *state;
	void *a = heap_alloc(&f->h, 40), *b = heap_alloc(&f->h, 5000);

	assert_int_equal(f->h.stats.bytes_in_use, 64 + 8192);
	assert_int_equal(f->h.stats.allocs, 2);
	assert_int_equal(f->pages_out, f->h.stats.pages_backing);
	heap_free(&f->h, b);
	assert_int_equal(f->h.stats.bytes_in_use, 64);
	heap_free(&f->h, a);
	assert_int_equal(f->h.stats.bytes_in_use, 0);
	assert_int_equal(f->h.stats.frees, 2);
	assert_int_equal(f->pages_out, f->h.stats.pages_backing);
}

static void test_bad_frees_reported(void **state)
{
	struct fixture *f = *state;
	char *small = heap_alloc(&f->h, 64), *large = heap_alloc(&f->h, 10000);
	int on_stack;

	assert_int_equal(heap_free(&f->h, small), 0);
	assert_int_equal(heap_free(&f->h, small), -1);
	assert_non_null(strstr(f->last_error, "double free"));
	assert_int_equal(heap_free(&f->h, &on_stack), -1);
	assert_non_null(strstr(f->last_error, "not from the heap"));
	small = heap_alloc(&f->h, 64);
	assert_int_equal(heap_free(&f->h, small + 16), -1);
	assert_non_null(strstr(f->last_error, "inside an object"));
	assert_int_equal(heap_free(&f->h, large + 4096), -1);
	assert_non_null(strstr(f->last_error, "not from the heap"));
	assert_int_equal(heap_free(&f->h, large + 16), -1);
	assert_non_null(strstr(f->last_error, "inside a large block"));
	assert_int_equal(heap_free(&f->h, large), 0);
	assert_int_equal(heap_free(&f->h, large), -1);
	assert_int_equal(heap_usable_size(&f->h, large), 0);
	assert_int_equal(f->errors, 7);
	assert_int_equal(f->h.stats.errors, 7);
	assert_int_equal(heap_free(&f->h, NULL), 0);
	assert_int_equal(heap_free(&f->h, small), 0);
}

static void test_source_exhaustion(void **state)
{
	struct fixture *f = *state;
	int n = 0;

	f->page_limit = 4;
	while (heap_alloc(&f->h, 2048))
		n++;
	/* One descriptor page, three slab pages of two objects each. */
	assert_int_equal(n, 6);
	assert_null(heap_alloc(&f->h, 8192));
	assert_int_equal(f->errors, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sizes_and_alignment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_overlap_and_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_frees_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_source_exhaustion, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
