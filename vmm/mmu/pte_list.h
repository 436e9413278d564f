/* SPDX-License-Identifier: GPL-2.0-only */
/* Lists of SPTE pointers (rmaps, parent PTEs): one inline entry, then pte_list_desc blocks. */
#ifndef KEEL_VMM_MMU_PTE_LIST_H
#define KEEL_VMM_MMU_PTE_LIST_H

#include <keel/types.h>

#include "platform.h"

/*
 * A list head is one word:
 *   0              empty
 *   bit 0 clear    the address of the only SPTE on the list
 *   bit 0 set      the address of the first pte_list_desc, plus 1
 *
 *   head -> [desc 0] -> [desc 1] -> ... -> [desc n] -> nulls(head)
 *
 * The last block's `more` is the "nulls" marker: the head's own address with bit 0 set. Blocks
 * come from a type-stable cache and are reused at once, so a lock-free reader may follow a block
 * that has meanwhile moved to another list; reaching a marker that names a different head tells
 * it so, and it restarts. New entries go into the first block, and a removal refills its hole
 * from the first block (writing the hole before clearing the source), so a concurrent reader
 * sees every entry that stays on the list at least once.
 */
#define PTE_LIST_DESC_ENTRIES 14
#define PTE_LIST_MAX_RESTARTS 4

struct pte_list_desc {
	u64 *sptes[PTE_LIST_DESC_ENTRIES];
	u64 more; /* next block, or the nulls marker of the list this block ends */
	u32 count;
};

/* Type-stable block cache: blocks go back to the platform only when the cache is destroyed. */
struct pte_list_cache {
	struct pte_list_desc *free;
	u64 allocated;
	u64 in_use;
};

typedef void (*pte_list_fn)(u64 *sptep, void *arg);

static inline u64 pte_list_nulls(const u64 *head)
{
	return (u64)(uintptr_t)head | 1;
}

bool pte_list_add(struct pte_list_cache *c, u64 *head, u64 *sptep);
void pte_list_remove(struct pte_list_cache *c, u64 *head, u64 *sptep);
bool pte_list_contains(const u64 *head, const u64 *sptep);
u64 pte_list_count(const u64 *head);
/* The first entry, or NULL when the list is empty (for "drain the list" loops). */
u64 *pte_list_first(const u64 *head);

/* Walks under the list owner's lock; @fn must not change the list. */
void pte_list_walk(const u64 *head, pte_list_fn fn, void *arg);

/*
 * Walks with no lock held: @fn may see an entry twice and must be idempotent. After
 * PTE_LIST_MAX_RESTARTS restarts it takes @lock and walks the list under it. Returns the number
 * of restarts.
 */
u32 pte_list_walk_lockless(const u64 *head, pte_list_fn fn, void *arg, struct mmu_lock *lock);

void pte_list_cache_destroy(struct pte_list_cache *c);

#endif
