/* SPDX-License-Identifier: GPL-2.0-only */
/* Host memory: physical page allocator, kernel heap, and the direct map. */
#ifndef KEEL_MM_H
#define KEEL_MM_H

#include <arch/layout.h>
#include <keel/bootinfo.h>
#include <keel/types.h>

static inline void *phys_to_virt(paddr_t pa)
{
	return (void *)(pa + KEEL_DIRECT_MAP_BASE);
}

/* Valid for direct-map addresses and for addresses inside the kernel image. */
paddr_t virt_to_phys(const void *va);

#define PMM_MAX_ORDER 10 /* largest block: 2^10 pages = 4 MiB */

/*
 * Phase 1 (before arch_paging_init): the usable ranges below 4 GiB, reachable through the
 * loader's direct map. Phase 2 (after): the rest. The kernel image, modules, boot_info, the
 * command line, ACPI tables and page 0 are never handed out.
 */
void pmm_init(const struct boot_info *bi);
void pmm_init_late(const struct boot_info *bi);

/* 2^order contiguous, naturally aligned, zeroed pages; returns 0 when memory is exhausted. */
paddr_t pmm_alloc_pages(unsigned int order);
/* The same, below 4 GiB: for structures a 32-bit register must name (a PAE guest's CR3). */
paddr_t pmm_alloc_pages_low(unsigned int order);
void pmm_free_pages(paddr_t pa, unsigned int order);

/* free_pages includes the order-0 pages parked in per-CPU caches; cached_pages counts those. */
struct pmm_stats {
	u64 total_pages;
	u64 free_pages;
	u64 reserved_pages;
	u64 cached_pages;
};
void pmm_get_stats(struct pmm_stats *st);

void *kmalloc(size_t size); /* 16-byte aligned; NULL when out of memory */
void *kzalloc(size_t size);
void kfree(void *p); /* a double or foreign free panics */

struct kheap_stats {
	u64 bytes_in_use;
	u64 allocs;
	u64 frees;
	u64 pages_backing;
};
void kheap_get_stats(struct kheap_stats *st);

#endif
