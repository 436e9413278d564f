/* SPDX-License-Identifier: GPL-2.0-only */
/* The kernel's first page tables: [0, 4 GiB) identity and direct-mapped, the image at p_vaddr. */
#include <arch/cpu.h>
#include <arch/layout.h>
#include <arch/paging.h>
#include "console.h"
#include "loader.h"

/*
 * Layout, all from one pool of zeroed pages below 4 GiB:
 *   PML4[0]   -> PDPT_ID[0..3]  -> PD0..PD3 (2 MiB pages covering [0, 4 GiB))
 *   PML4[256] -> PDPT_DM[0..3]  -> the same PD0..PD3
 *   PML4[511] -> ...            -> 4 KiB pages for every segment linked above 4 GiB
 * The pool is sized for the worst case ELF_SPAN_MAX allows, and the walker checks it anyway.
 */
#define LOW_GIB		    4
#define POOL_PAGES	    128
#define PT_INDEX(va, shift) (((va) >> (shift)) & (PT_ENTRIES - 1))

struct pt_pool {
	u64 *pages;
	u32 used;
};

static u64 *pool_take(struct pt_pool *pool)
{
	if (pool->used == POOL_PAGES)
		return NULL;
	return pool->pages + (u64)pool->used++ * PT_ENTRIES;
}

/* The table an entry points to, made when absent; NULL when the entry is a large page. */
static u64 *next_table(struct pt_pool *pool, u64 *entry)
{
	u64 *t;

	if (*entry & PTE_P)
		return *entry & PTE_PS ? NULL : (u64 *)(*entry & PTE_ADDR_MASK);
	t = pool_take(pool);
	if (t)
		*entry = (u64)t | PTE_P | PTE_W;
	return t;
}

static int map_page(struct pt_pool *pool, u64 *pml4, u64 va, u64 pa)
{
	static const u8 shifts[] = { PML4_SHIFT, PDPT_SHIFT, PD_SHIFT };
	u64 *t = pml4;

	for (size_t i = 0; i < ARRAY_SIZE(shifts) && t; i++)
		t = next_table(pool, &t[PT_INDEX(va, shifts[i])]);
	if (!t)
		return -1;
	t[PT_INDEX(va, PT_SHIFT)] = pa | PTE_P | PTE_W;
	return 0;
}

static int map_segment(struct pt_pool *pool, u64 *pml4, const struct loader *ld,
		       const struct elf_load *l)
{
	u64 va = ALIGN_DOWN(l->vaddr, PAGE_SIZE);
	u64 end = ALIGN_UP(l->vaddr + l->memsz, PAGE_SIZE);
	u64 pa = ALIGN_DOWN(ld->kernel_base + (l->paddr - ld->plan.span_base), PAGE_SIZE);

	for (; va < end; va += PAGE_SIZE, pa += PAGE_SIZE) {
		if (map_page(pool, pml4, va, pa)) {
			con_error("%s: segment %u: cannot map 0x%llx (%s)", LOADER_KERNEL_PATH,
				  l->index, (unsigned long long)va,
				  pool->used == POOL_PAGES ? "page-table pool exhausted"
							   : "collides with the direct map");
			return -1;
		}
	}
	return 0;
}

int build_page_tables(struct loader *ld)
{
	struct pt_pool pool = { 0 };
	u64 *pml4, *pdpt_id, *pdpt_dm, *pd;
	u64 base = LOADER_BELOW_4G;
	EFI_STATUS status;

	if (read_cr4() & X86_CR4_LA57) {
		con_error("the firmware runs with 5-level paging, which Keel does not support");
		return -1;
	}
	status = alloc_pages(ld, AllocateMaxAddress, EfiLoaderData, POOL_PAGES, &base);
	if (EFI_ERROR(status)) {
		con_error("cannot allocate page tables below 4 GiB: %s", efi_status_str(status));
		return -1;
	}
	pool.pages = (u64 *)base;
	ld->bs->SetMem(pool.pages, POOL_PAGES * PAGE_SIZE, 0);
	pml4 = pool_take(&pool);
	pdpt_id = pool_take(&pool);
	pdpt_dm = pool_take(&pool);
	pml4[0] = (u64)pdpt_id | PTE_P | PTE_W;
	pml4[PT_INDEX(KEEL_DIRECT_MAP_BASE, PML4_SHIFT)] = (u64)pdpt_dm | PTE_P | PTE_W;
	for (u64 gib = 0; gib < LOW_GIB; gib++) {
		pd = pool_take(&pool);
		for (u64 i = 0; i < PT_ENTRIES; i++)
			pd[i] = ((gib << PDPT_SHIFT) + (i << PD_SHIFT)) | PTE_P | PTE_W | PTE_PS;
		pdpt_id[gib] = (u64)pd | PTE_P | PTE_W;
		pdpt_dm[PT_INDEX(KEEL_DIRECT_MAP_BASE, PDPT_SHIFT) + gib] = pdpt_id[gib];
	}
	for (u32 i = 0; i < ld->plan.load_count; i++) {
		const struct elf_load *l = &ld->plan.loads[i];

		if (l->vaddr >= LOADER_4G && map_segment(&pool, pml4, ld, l))
			return -1;
	}
	ld->cr3 = (u64)pml4;
	return 0;
}
