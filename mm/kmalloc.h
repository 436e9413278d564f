/* SPDX-License-Identifier: GPL-2.0-only */
/* Kernel heap extras beyond keel/mm.h: usable size, and page-allocator backing for private heaps.
 */
#ifndef MM_KMALLOC_H
#define MM_KMALLOC_H

#include "mm/heap.h"

/* Bytes usable at p, a live kmalloc() object (its size class or page count); panics otherwise. */
size_t ksize(const void *p);

/* A heap_page_source backed by the page allocator, for heaps other than the kernel's own. */
extern const struct heap_page_source kheap_pmm_source;

void kheap_init(void);

#endif
