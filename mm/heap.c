/* SPDX-License-Identifier: GPL-2.0-only */
/* Kernel heap core: slabs with allocation bitmaps, large blocks, and descriptor lookup by hash. */
#include "mm/heap.h"

#include <stdio.h>
#include <string.h>

#define MAX_EMPTY_SLABS 1 /* empty slabs a class keeps before returning pages to the source */

static unsigned int class_size(unsigned int cls)
{
	return HEAP_MIN_SIZE << cls;
}

static unsigned int slab_objs(unsigned int cls)
{
	return PAGE_SIZE / class_size(cls);
}

static size_t block_bytes(const struct heap_block *d)
{
	return d->cls == HEAP_CLASS_LARGE ? PAGE_SIZE << d->order : class_size(d->cls);
}

static unsigned int hash_of(uintptr_t addr)
{
	u64 x = (u64)(addr >> PAGE_SHIFT) * 0x9e3779b97f4a7c15ULL;

	return (unsigned int)(x >> 40) % HEAP_HASH_BUCKETS;
}

static void report(struct heap *h, const char *what, const void *p)
{
	char msg[128];

	h->stats.errors++;
	snprintf(msg, sizeof(msg), "kheap: %s (%p)", what, p);
	if (h->error)
		h->error(h->error_ctx, msg, p);
}

void heap_init(struct heap *h, const struct heap_page_source *src,
	       void (*error)(void *ctx, const char *msg, const void *ptr), void *error_ctx)
{
	memset(h, 0, sizeof(*h));
	h->src = *src;
	h->error = error;
	h->error_ctx = error_ctx;
	for (unsigned int i = 0; i < HEAP_NCLASSES; i++)
		list_init(&h->slabs[i]);
	list_init(&h->free_desc);
}

/*
 * Descriptors are carved from whole source pages that stay until heap_destroy(). Slot 0 of each
 * such page is not a descriptor: its first word chains the descriptor pages together.
 */
static struct heap_block *desc_alloc(struct heap *h)
{
	struct heap_block *d;

	if (list_empty(&h->free_desc)) {
		struct heap_block *page = h->src.alloc(h->src.ctx, 0);

		if (!page)
			return NULL;
		h->stats.pages_backing++;
		*(void **)page = h->desc_pages;
		h->desc_pages = page;
		for (size_t i = 1; i < PAGE_SIZE / sizeof(*page); i++)
			list_add_tail(&page[i].link, &h->free_desc);
	}
	d = list_first_entry(&h->free_desc, struct heap_block, link);
	list_del(&d->link);
	memset(d, 0, sizeof(*d));
	list_init(&d->link);
	return d;
}

static void desc_free(struct heap *h, struct heap_block *d)
{
	list_add(&d->link, &h->free_desc);
}

static void hash_insert(struct heap *h, struct heap_block *d)
{
	unsigned int b = hash_of(d->addr);

	d->hash_next = h->hash[b];
	h->hash[b] = d;
}

static void hash_remove(struct heap *h, struct heap_block *d)
{
	struct heap_block **pp = &h->hash[hash_of(d->addr)];

	while (*pp != d)
		pp = &(*pp)->hash_next;
	*pp = d->hash_next;
}

static struct heap_block *lookup(struct heap *h, uintptr_t addr)
{
	uintptr_t page = ALIGN_DOWN(addr, (uintptr_t)PAGE_SIZE);

	for (struct heap_block *d = h->hash[hash_of(page)]; d; d = d->hash_next) {
		if (d->addr == page)
			return d;
	}
	return NULL;
}

/* A block of 2^order source pages with its descriptor registered, or NULL. */
static struct heap_block *block_new(struct heap *h, unsigned int cls, unsigned int order)
{
	struct heap_block *d = desc_alloc(h);
	void *mem;

	if (!d)
		return NULL;
	mem = h->src.alloc(h->src.ctx, order);
	if (!mem) {
		desc_free(h, d);
		return NULL;
	}
	d->addr = (uintptr_t)mem;
	d->cls = (u8)cls;
	d->order = (u8)order;
	hash_insert(h, d);
	h->stats.pages_backing += 1ULL << order;
	return d;
}

static void block_release(struct heap *h, struct heap_block *d)
{
	hash_remove(h, d);
	list_del(&d->link);
	h->src.free(h->src.ctx, (void *)d->addr, d->order);
	h->stats.pages_backing -= 1ULL << d->order;
	desc_free(h, d);
}

static int first_free_obj(const struct heap_block *d)
{
	unsigned int n = slab_objs(d->cls);

	for (unsigned int w = 0; w * 64 < n; w++) {
		if (~d->used[w])
			return (int)(w * 64 + __builtin_ctzll(~d->used[w]));
	}
	return -1;
}

static void *slab_alloc(struct heap *h, unsigned int cls)
{
	struct heap_block *d;
	int obj;

	if (list_empty(&h->slabs[cls])) {
		d = block_new(h, cls, 0);
		if (!d)
			return NULL;
		list_add(&d->link, &h->slabs[cls]);
		h->empty_slabs[cls]++;
	}
	d = list_first_entry(&h->slabs[cls], struct heap_block, link);
	obj = first_free_obj(d);
	if (d->in_use++ == 0)
		h->empty_slabs[cls]--;
	d->used[obj / 64] |= 1ULL << (obj % 64);
	if (d->in_use == slab_objs(cls))
		list_del(&d->link);
	return (void *)(d->addr + (uintptr_t)obj * class_size(cls));
}

static unsigned int order_for(size_t size)
{
	unsigned int order = 0;

	while ((PAGE_SIZE << order) < size)
		order++;
	return order;
}

void *heap_alloc(struct heap *h, size_t size)
{
	struct heap_block *d;
	void *p;

	if (size > (PAGE_SIZE << PMM_MAX_ORDER))
		return NULL;
	if (size <= HEAP_SLAB_MAX) {
		unsigned int cls = 0;

		while (class_size(cls) < size)
			cls++;
		p = slab_alloc(h, cls);
		if (!p)
			return NULL;
		d = lookup(h, (uintptr_t)p);
	} else {
		d = block_new(h, HEAP_CLASS_LARGE, order_for(size));
		if (!d)
			return NULL;
		p = (void *)d->addr;
	}
	h->stats.allocs++;
	h->stats.bytes_in_use += block_bytes(d);
	return p;
}

/* The descriptor and object index of a live object, or NULL after reporting what is wrong. */
static struct heap_block *find_live(struct heap *h, const void *p, unsigned int *obj)
{
	struct heap_block *d = lookup(h, (uintptr_t)p);
	uintptr_t off;

	if (!d) {
		report(h, "pointer not from the heap", p);
		return NULL;
	}
	off = (uintptr_t)p - d->addr;
	if (d->cls == HEAP_CLASS_LARGE) {
		if (off) {
			report(h, "pointer inside a large block", p);
			return NULL;
		}
		*obj = 0;
		return d;
	}
	if (off % class_size(d->cls)) {
		report(h, "pointer inside an object", p);
		return NULL;
	}
	*obj = (unsigned int)(off / class_size(d->cls));
	if (!(d->used[*obj / 64] & (1ULL << (*obj % 64)))) {
		report(h, "double free or free of an unallocated object", p);
		return NULL;
	}
	return d;
}

int heap_free(struct heap *h, void *p)
{
	struct heap_block *d;
	unsigned int obj, cls;

	if (!p)
		return 0;
	d = find_live(h, p, &obj);
	if (!d)
		return -1;
	h->stats.frees++;
	h->stats.bytes_in_use -= block_bytes(d);
	if (d->cls == HEAP_CLASS_LARGE) {
		block_release(h, d);
		return 0;
	}
	cls = d->cls;
	d->used[obj / 64] &= ~(1ULL << (obj % 64));
	if (d->in_use-- == slab_objs(cls))
		list_add(&d->link, &h->slabs[cls]);
	if (d->in_use)
		return 0;
	if (h->empty_slabs[cls] >= MAX_EMPTY_SLABS) {
		block_release(h, d);
		return 0;
	}
	h->empty_slabs[cls]++;
	return 0;
}

size_t heap_usable_size(struct heap *h, const void *p)
{
	unsigned int obj;
	struct heap_block *d = find_live(h, p, &obj);

	return d ? block_bytes(d) : 0;
}

void heap_destroy(struct heap *h)
{
	for (unsigned int b = 0; b < HEAP_NCLASSES; b++) {
		while (!list_empty(&h->slabs[b]))
			list_del(h->slabs[b].next);
	}
	for (unsigned int b = 0; b < HEAP_HASH_BUCKETS; b++) {
		while (h->hash[b])
			block_release(h, h->hash[b]);
	}
	while (h->desc_pages) {
		void *page = h->desc_pages;

		h->desc_pages = *(void **)page;
		h->src.free(h->src.ctx, page, 0);
	}
	h->stats.pages_backing = 0;
	list_init(&h->free_desc);
}
