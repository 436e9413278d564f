// SPDX-License-Identifier: GPL-2.0-only
/* Page tables for every x86 paging format, built in a fixed pool of guest-physical pages. */
#include "guest.h"

/*
 * One walker for the four formats (SDM 4.3-4.5). Level 1 holds 4 KiB leaves; level 2 may hold
 * 2 MiB (4 MiB for 32-bit paging) leaves, level 3 1 GiB leaves (not in PAE, whose level 3 is
 * the four-entry PDPT: only P, PWT and PCD may be set there).
 *
 *   32-bit:  [31:22 PD][21:12 PT][11:0]          4-byte entries
 *   PAE:     [31:30 PDPT][29:21 PD][20:12 PT]    8-byte entries
 *   4-level: [47:39 PML4][38:30][29:21][20:12]
 *   5-level: [56:48 PML5] + 4-level
 */

static uintptr_t pool_next = POOL_BASE;

uintptr_t page_alloc(void)
{
	if (pool_next >= POOL_END)
		guest_panic("page pool exhausted");
	uintptr_t pa = pool_next;

	pool_next += PAGE_SIZE;
	memset((void *)pa, 0, PAGE_SIZE);
	return pa;
}

void page_pool_reset(void)
{
	pool_next = POOL_BASE;
}

const char *pt_format_name(enum pt_format fmt)
{
	static const char *const names[] = { "32-bit", "PAE", "4-level", "5-level" };

	return names[fmt];
}

static int entry_bits(const struct pt *pt)
{
	return pt->fmt == PT_32BIT ? 10 : 9;
}

static unsigned int level_shift(const struct pt *pt, int level)
{
	return 12 + (level - 1) * entry_bits(pt);
}

static u64 addr_mask(const struct pt *pt)
{
	return pt->fmt == PT_32BIT ? 0xfffff000ull : 0x000ffffffffff000ull;
}

static uintptr_t entry_at(const struct pt *pt, uintptr_t table, u64 va, int level)
{
	u64 index = (va >> level_shift(pt, level)) & ((1u << entry_bits(pt)) - 1);

	return table + index * (pt->fmt == PT_32BIT ? 4 : 8);
}

static bool is_pae_pdpt(const struct pt *pt, int level)
{
	return pt->fmt == PT_PAE && level == 3;
}

u64 pte_read(const struct pt *pt, uintptr_t entry)
{
	if (pt->fmt == PT_32BIT)
		return *(volatile u32 *)entry;
	return *(volatile u64 *)entry;
}

/* One store for the whole entry: the CPU must never see half of an update. */
void pte_write(const struct pt *pt, uintptr_t entry, u64 v)
{
	if (pt->fmt == PT_32BIT) {
		*(volatile u32 *)entry = (u32)v;
		return;
	}
#ifdef __x86_64__
	*(volatile u64 *)entry = v;
#else
	/* Clear P first, write the high half, then the low half with P. */
	volatile u32 *half = (volatile u32 *)entry;

	half[0] = 0;
	barrier();
	half[1] = (u32)(v >> 32);
	barrier();
	half[0] = (u32)v;
#endif
}

void pt_init(struct pt *pt, enum pt_format fmt)
{
	static const int levels[] = { 2, 3, 4, 5 };

	pt->fmt = fmt;
	pt->levels = levels[fmt];
	pt->root = page_alloc();
}

static int leaf_level(const struct pt *pt, u64 size)
{
	if (size == PAGE_SIZE)
		return 1;
	if (size == (pt->fmt == PT_32BIT ? LARGE_4M : LARGE_2M))
		return 2;
	if (size == LARGE_1G && pt->fmt >= PT_4LEVEL)
		return 3;
	guest_panic("%s paging has no 0x%llx-byte pages", pt_format_name(pt->fmt),
		    (unsigned long long)size);
}

void pt_map(struct pt *pt, u64 va, u64 pa, u64 size, u64 flags)
{
	int target = leaf_level(pt, size);
	uintptr_t table = pt->root;

	for (int level = pt->levels; level > target; level--) {
		uintptr_t e = entry_at(pt, table, va, level);
		u64 v = pte_read(pt, e);

		if (!(v & PTE_P)) {
			v = page_alloc() | PTE_P;
			if (!is_pae_pdpt(pt, level))
				v |= PTE_RW | PTE_US;
			pte_write(pt, e, v);
		} else if ((v & PTE_PS) && !is_pae_pdpt(pt, level)) {
			guest_panic("pt_map 0x%llx: a large page is in the way",
				    (unsigned long long)va);
		}
		table = (uintptr_t)(v & addr_mask(pt));
	}
	pte_write(pt, entry_at(pt, table, va, target),
		  (pa & ~(size - 1)) | flags | PTE_P | (target > 1 ? PTE_PS : 0));
}

void pt_map_identity(struct pt *pt)
{
	u64 step = pt->fmt == PT_32BIT ? LARGE_4M : LARGE_2M;

	for (u64 pa = 0; pa < IDENTITY_END; pa += step)
		pt_map(pt, pa, pa, step, PTE_RW);
}

void pt_map_user_probes(struct pt *pt)
{
	pt_map(pt, USER_VA, (uintptr_t)__user_start, PAGE_SIZE, PTE_US);
}

uintptr_t pt_leaf(struct pt *pt, u64 va, int *level_out)
{
	uintptr_t table = pt->root;

	for (int level = pt->levels;; level--) {
		uintptr_t e = entry_at(pt, table, va, level);
		u64 v = pte_read(pt, e);

		if (level == 1 || ((v & PTE_PS) && !is_pae_pdpt(pt, level))) {
			if (level_out)
				*level_out = level;
			return e;
		}
		if (!(v & PTE_P))
			return 0;
		table = (uintptr_t)(v & addr_mask(pt));
	}
}

uintptr_t pt_entry(struct pt *pt, u64 va, int level)
{
	uintptr_t table = pt->root;

	for (int l = pt->levels; l > level; l--) {
		u64 v = pte_read(pt, entry_at(pt, table, va, l));

		if (!(v & PTE_P) || ((v & PTE_PS) && !is_pae_pdpt(pt, l)))
			return 0;
		table = (uintptr_t)(v & addr_mask(pt));
	}
	return entry_at(pt, table, va, level);
}

int pt_formats(enum pt_format *out)
{
#ifdef __x86_64__
	out[0] = (read_cr4() & CR4_LA57) ? PT_5LEVEL : PT_4LEVEL;
	return 1;
#else
	out[0] = PT_PAE;
	out[1] = PT_32BIT;
	return 2;
#endif
}

void pt_activate(struct pt *pt)
{
#ifdef __x86_64__
	enum pt_format cur;

	pt_formats(&cur);
	if (pt->fmt != cur)
		guest_panic("a 64-bit guest cannot switch to %s paging", pt_format_name(pt->fmt));
	write_cr3(pt->root);
#else
	uintptr_t cr0 = read_cr0();
	uintptr_t cr4 = read_cr4() & ~(CR4_PAE | CR4_PSE | CR4_LA57);

	if (pt->fmt >= PT_4LEVEL)
		guest_panic("a 32-bit guest cannot activate %s paging", pt_format_name(pt->fmt));
	write_cr0(cr0 & ~CR0_PG);
	write_cr4(cr4 | (pt->fmt == PT_PAE ? CR4_PAE : CR4_PSE));
	write_cr3(pt->root);
	write_cr0(cr0 | CR0_PG);
#endif
}
