/* SPDX-License-Identifier: GPL-2.0-only */
/* Single 4 KiB mappings outside the direct map: uncached MMIO, scratch pages, the AP trampoline. */
#ifndef ARCH_KMAP_H
#define ARCH_KMAP_H

#include <arch/paging.h>
#include <keel/types.h>

/* The kmap window (arch/layout.h): kmap_init() checks that the direct map stops short of it. */
#define KEEL_KMAP_SIZE (_UL(1) << PML4_SHIFT)

void kmap_init(void);

/* Reserves npages of the window's address space (never reused); panics when it is used up. */
vaddr_t kmap_reserve(unsigned int npages);

/*
 * Maps the page at va (in the window, or in the lower half for the AP trampoline's identity
 * mapping) to pa in the kernel's page tables; false when va is mapped already. Flags are PTE_*
 * leaf bits; PTE_P is added.
 */
bool kmap_page(vaddr_t va, paddr_t pa, u64 flags);

/*
 * Points va's existing mapping at pa, flushing no TLB anywhere: the caller shoots it down.
 * Returns the frame it mapped before, or 0 (changing nothing) when va was not mapped.
 */
paddr_t kmap_replace(vaddr_t va, paddr_t pa, u64 flags);

/* Removes va's mapping and flushes it on this CPU only; returns the frame, or 0 if unmapped. */
paddr_t kunmap_page(vaddr_t va);

/* Clears the lower half's PML4 entry 0 and frees the tables under it (no leaves are freed). */
void kmap_drop_lower_half(void);

/* Uncached (PCD|PWT: PAT entry 3, UC, in the power-on PAT) mapping of one MMIO page. */
void *kmap_mmio(paddr_t pa);

#endif
