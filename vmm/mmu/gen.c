/* SPDX-License-Identifier: GPL-2.0-only */
/* Fast invalidate-all: a generation bump makes every page obsolete; reclaim zaps them in batches.
 */
#include "internal.h"

/*
 * O(1) whatever the number of pages: lookups skip pages of an older generation and every vCPU
 * reloads its root (load_root_locked() compares generations) before it next runs. The obsolete
 * pages stay linked to each other, unreachable from any new root, until reclaimed.
 */
void invalidate_all_locked(struct mmu_vm *vm)
{
	vm->gen++;
	vm->nr_obsolete = vm->nr_active;
	vm->stats.invalidate_all++;
}

/* A TDP page owns its subtree; zapping the bottom of it first keeps each step one page. */
static struct mmu_page *lowest_owned_table(struct mmu_page *sp)
{
	unsigned int i;

again:
	for (i = 0; sp->role.level > 1 && i < SPTE_ENTRIES; i++) {
		u64 spte = sp->spt[i];

		if (spte_present(spte) && !spte_is_leaf(spte) && spte_child(spte)->tdp_subtree) {
			sp = spte_child(spte);
			goto again;
		}
	}
	return sp;
}

/*
 * The active list is newest first, so every obsolete page sits behind every current one:
 * reclaim takes pages from the tail. Each call zaps at most @budget pages and commits them.
 */
u64 reclaim_obsolete_locked(struct mmu_vm *vm, u64 budget)
{
	while (budget-- && vm->nr_obsolete) {
		struct mmu_page *sp = list_entry(vm->active.prev, struct mmu_page, link);

		KEEL_BUG_ON(sp->gen == vm->gen);
		mmu_prepare_zap(vm, lowest_owned_table(sp));
	}
	mmu_commit_zap(vm);
	return vm->nr_obsolete;
}
