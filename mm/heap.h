/* SPDX-License-Identifier: GPL-2.0-only */
/* Kernel heap core: size-class slabs and whole-page blocks over a pluggable page source. */
#ifndef MM_HEAP_H
#define MM_HEAP_H

#include <keel/list.h>
#include <keel/mm.h>
#include <keel/types.h>

/*
 * Requests up to HEAP_SLAB_MAX bytes come from one of eight size classes (16, 32, ..., 2048),
 * each backed by 4 KiB slab pages; larger ones get 2^order whole pages. Nothing is stored inside
 * the memory handed out: every slab or large block has an out-of-line descriptor, found through a
 * hash on the page address, with a bitmap of the slab's allocated objects. So a free of a pointer
 * the heap never handed out, of the middle of an object, or of a free object is always recognised
 * (never a guess from bytes that the caller may have overwritten) and reported through the
 * error hook: the kernel panics, tests record.
 *
 * No locks here: the kernel glue (mm/kmalloc.c) serialises calls.
 */
#define HEAP_MIN_SHIFT	   4
#define HEAP_MIN_SIZE	   (1U << HEAP_MIN_SHIFT) /* also the alignment of every object */
#define HEAP_SLAB_MAX	   2048U
#define HEAP_NCLASSES	   8
#define HEAP_CLASS_LARGE   0xff
#define HEAP_SLAB_OBJS_MAX (PAGE_SIZE / HEAP_MIN_SIZE)
#define HEAP_HASH_BUCKETS  512

struct heap_page_source {
	void *(*alloc)(void *ctx, unsigned int order); /* 2^order pages, page aligned, or NULL */
	void (*free)(void *ctx, void *p, unsigned int order);
	void *ctx;
};

struct heap_block {
	struct heap_block *hash_next;
	struct list_head link; /* class's slab list, or the free-descriptor list */
	uintptr_t addr;
	u8 cls; /* size class, or HEAP_CLASS_LARGE */
	u8 order;
	u16 in_use; /* objects allocated from this slab */
	u64 used[HEAP_SLAB_OBJS_MAX / 64];
};

struct heap_stats {
	u64 bytes_in_use; /* rounded to the class or page size actually consumed */
	u64 allocs;
	u64 frees;
	u64 pages_backing; /* slab, large-block and descriptor pages held from the source */
	u64 errors;
};

struct heap {
	struct heap_page_source src;
	void (*error)(void *ctx, const char *msg, const void *ptr);
	void *error_ctx;
	struct list_head slabs[HEAP_NCLASSES]; /* slabs with at least one free object */
	unsigned int empty_slabs[HEAP_NCLASSES];
	struct list_head free_desc;
	void *desc_pages; /* pages holding descriptors, chained through their first word */
	struct heap_block *hash[HEAP_HASH_BUCKETS];
	struct heap_stats stats;
};

void heap_init(struct heap *h, const struct heap_page_source *src,
	       void (*error)(void *ctx, const char *msg, const void *ptr), void *error_ctx);

/* 16-byte aligned, NULL when the size is too big or the source is exhausted. */
void *heap_alloc(struct heap *h, size_t size);

/* Returns -1 after reporting through the error hook when p is not a live heap object. */
int heap_free(struct heap *h, void *p);

/* Usable bytes of a live object, 0 (after reporting) when p is not one. */
size_t heap_usable_size(struct heap *h, const void *p);

/* Give every page back to the source; objects still allocated become invalid. */
void heap_destroy(struct heap *h);

#endif
