/* SPDX-License-Identifier: GPL-2.0-only */
/* kmalloc/kfree: the heap core on pages from the page allocator, behind one lock. */
#include <keel/mm.h>
#include <keel/panic.h>
#include <keel/spinlock.h>

#include <string.h>

#include "mm/kmalloc.h"

static struct heap kheap;
static struct spinlock kheap_lock = SPINLOCK_INIT;
static bool kheap_ready;

static void *pmm_source_alloc(void *ctx, unsigned int order)
{
	paddr_t pa = pmm_alloc_pages(order);

	return pa ? phys_to_virt(pa) : NULL;
}

static void pmm_source_free(void *ctx, void *p, unsigned int order)
{
	pmm_free_pages(virt_to_phys(p), order);
}

const struct heap_page_source kheap_pmm_source = {
	.alloc = pmm_source_alloc,
	.free = pmm_source_free,
};

static void kheap_error(void *ctx, const char *msg, const void *p)
{
	panic("%s", msg);
}

void kheap_init(void)
{
	heap_init(&kheap, &kheap_pmm_source, kheap_error, NULL);
	kheap_ready = true;
}

void *kmalloc(size_t size)
{
	void *p;

	KEEL_BUG_ON(!kheap_ready);
	spin_lock(&kheap_lock);
	p = heap_alloc(&kheap, size);
	spin_unlock(&kheap_lock);
	return p;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);

	if (p)
		memset(p, 0, size);
	return p;
}

void kfree(void *p)
{
	if (!p)
		return;
	KEEL_BUG_ON(!kheap_ready);
	spin_lock(&kheap_lock);
	heap_free(&kheap, p);
	spin_unlock(&kheap_lock);
}

size_t ksize(const void *p)
{
	size_t n;

	spin_lock(&kheap_lock);
	n = heap_usable_size(&kheap, p);
	spin_unlock(&kheap_lock);
	return n;
}

void kheap_get_stats(struct kheap_stats *st)
{
	spin_lock(&kheap_lock);
	st->bytes_in_use = kheap.stats.bytes_in_use;
	st->allocs = kheap.stats.allocs;
	st->frees = kheap.stats.frees;
	st->pages_backing = kheap.stats.pages_backing;
	spin_unlock(&kheap_lock);
}
