/* SPDX-License-Identifier: GPL-2.0-only */
/* Memslots: guest-physical ranges backed by contiguous host memory, with their rmaps and bitmaps.
 */
#ifndef KEEL_VMM_MMU_MEMSLOT_H
#define KEEL_VMM_MMU_MEMSLOT_H

#include <keel/types.h>

#include "page.h"

#define MMU_MAX_MEMSLOTS   16
#define MMU_MAX_HUGE_LEVEL 3 /* 1 GiB */

#define MEMSLOT_READONLY   BIT(0)
#define MEMSLOT_DIRTY_LOG  BIT(1)

/*
 * rmap[l - 1][i]: the leaf SPTEs of level l that map the frame (or the 2 MiB / 1 GiB region) i
 * of the slot. write_track[i]: how many indirect shadow pages shadow frame i (non-zero keeps
 * every SPTE mapping it read-only). dirty_bitmap: one bit per frame, set on the first write
 * after the bit was last harvested.
 */
struct mmu_memslot {
	bool used;
	u32 flags;
	gfn_t base_gfn;
	u64 npages;
	paddr_t host_pa;
	u64 *rmap[MMU_MAX_HUGE_LEVEL];
	u16 *write_track;
	u64 *dirty_bitmap;
};

struct mmu_memslots {
	struct mmu_memslot slot[MMU_MAX_MEMSLOTS];
	unsigned int last_hit; /* lookups come in runs on one slot: try it first */
};

struct mmu_vm;

struct mmu_memslot *memslot_find(struct mmu_vm *vm, gfn_t gfn);
u64 memslot_rmap_index(const struct mmu_memslot *slot, gfn_t gfn, unsigned int level);
u64 *memslot_rmap_head(struct mmu_memslot *slot, gfn_t gfn, unsigned int level);
paddr_t memslot_host_pa(const struct mmu_memslot *slot, gfn_t gfn);
/* Whether one leaf of @level at @gfn fits the slot, backed contiguously and aligned alike. */
bool memslot_allows_level(const struct mmu_memslot *slot, gfn_t gfn, unsigned int level);
void memslot_mark_dirty(struct mmu_memslot *slot, gfn_t gfn);

/* Whether an indirect shadow page shadows @gfn of @slot (mmu_gfn_write_tracked() without a lookup).
 */
static inline bool memslot_gfn_tracked(const struct mmu_memslot *slot, gfn_t gfn)
{
	return slot->write_track[gfn - slot->base_gfn];
}
int memslot_alloc_dirty_bitmap(struct mmu_memslot *slot);

#endif
