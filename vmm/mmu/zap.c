/* SPDX-License-Identifier: GPL-2.0-only */
/* Two-phase zap: prepare unlinks pages onto this CPU's zap list; commit flushes once, then frees.
 */
#include "internal.h"

static unsigned int first_bit(const u64 *map)
{
	unsigned int w;

	for (w = 0; w < SPTE_BITMAP_WORDS; w++)
		if (map[w])
			return w * 64 + __builtin_ctzll(map[w]);
	KEEL_BUG();
}

/* Zaps every unsync page below @sp, following only the marked paths. */
static void zap_unsync_children(struct mmu_vm *vm, struct mmu_page *sp)
{
	while (sp->unsync_children) {
		struct mmu_page *child = mmu_page_child(sp, first_bit(sp->unsync_child_bitmap));

		if (child->unsync)
			mmu_prepare_zap(vm, child);
		else
			zap_unsync_children(vm, child);
	}
}

/* Takes @sp off the active list and the hash; its memory is still in place. */
static void retire(struct mmu_vm *vm, struct mmu_page *sp)
{
	mmu_page_unhash(vm, sp);
	if (!sp->role.direct)
		mmu_untrack_gfn(vm, sp->gfn);
	if (sp->gen != vm->gen)
		vm->nr_obsolete--;
	list_del(&sp->link);
	vm->nr_active--;
	vm->stats.zaps++;
	vm->stats.pages_live--;
}

static void queue_free(struct mmu_vm *vm, struct mmu_page *sp)
{
	struct mmu_cpu_state *cs = this_cpu_state(vm);

	list_add(&sp->link, &cs->zap_list);
	cs->zap_flush |= vm->cpus_loaded;
}

void mmu_prepare_zap(struct mmu_vm *vm, struct mmu_page *sp)
{
	unsigned int i;

	KEEL_BUG_ON(!mmu_plat_lock_held(&vm->lock));
	if (!sp->hash_pprev)
		return; /* already zapped */
	if (sp->tdp_subtree && sp->parent_ptes) {
		mmu_zap_spte_subtree(vm, pte_list_first(&sp->parent_ptes));
		return;
	}
	zap_unsync_children(vm, sp);
	for (i = 0; i < SPTE_ENTRIES; i++)
		mmu_drop_spte(vm, &sp->spt[i]);
	mmu_unlink_all_parents(vm, sp);
	if (sp->unsync)
		mmu_clear_unsync(vm, sp);
	if (sp->gen != vm->gen)
		vm->stats.obsolete_zaps++;
	retire(vm, sp);
	if (sp->root_count) {
		sp->invalid = true; /* the last mmu_put_root() queues it */
		list_init(&sp->link);
		this_cpu_state(vm)->zap_flush |= vm->cpus_loaded;
		return;
	}
	queue_free(vm, sp);
}

/* Takes the leaves of a detached TDP subtree off their rmaps and its pages off every list. */
static void detach_subtree(struct mmu_vm *vm, struct mmu_page *sp)
{
	unsigned int i;

	for (i = 0; i < SPTE_ENTRIES; i++) {
		u64 spte = sp->spt[i];

		if (!spte_present(spte))
			continue;
		if (!spte_is_leaf(spte)) {
			detach_subtree(vm, spte_child(spte));
			continue;
		}
		pte_list_remove(&vm->desc_cache,
				mmu_gfn_rmap(vm, mmu_page_spte_gfn(sp, i), sp->role.level),
				&sp->spt[i]);
	}
	if (sp->gen != vm->gen)
		vm->stats.obsolete_zaps++;
	retire(vm, sp);
}

/*
 * Replaces the table @sptep references by nothing and frees the subtree whole after a grace
 * period: lock-free walkers may still be inside it, so its entries are left as they are (only
 * read here, to take its leaves off the rmaps) and nothing below is touched again until the
 * deferred free walks it.
 */
void mmu_zap_spte_subtree(struct mmu_vm *vm, u64 *sptep)
{
	struct mmu_page *child = spte_child(*sptep);

	KEEL_BUG_ON(!child->tdp_subtree);
	pte_list_remove(&vm->desc_cache, &child->parent_ptes, sptep);
	__atomic_store_n(sptep, 0, __ATOMIC_RELEASE);
	detach_subtree(vm, child);
	queue_free(vm, child);
}

static void free_tree(struct mmu_page *sp)
{
	struct mmu_table_page tp = { .va = sp->spt, .pa = sp->spt_pa };
	unsigned int i;

	for (i = 0; sp->tdp_subtree && i < SPTE_ENTRIES; i++)
		if (spte_present(sp->spt[i]) && !spte_is_leaf(sp->spt[i]))
			free_tree(spte_child(sp->spt[i]));
	mmu_plat_table_free(&tp);
	mmu_plat_free(sp->gptes);
	mmu_plat_free(sp->children);
	mmu_plat_free(sp);
}

static void free_after_grace(struct mmu_deferred *d)
{
	free_tree(container_of(d, struct mmu_page, defer));
}

/* One flush request for the whole batch, then every page goes to the grace period. */
void mmu_commit_zap(struct mmu_vm *vm)
{
	struct mmu_cpu_state *cs = this_cpu_state(vm);

	if (cs->zap_flush) {
		mmu_plat_flush_tlbs(cs->zap_flush);
		vm->stats.flush_requests++;
		cs->zap_flush = 0;
	}
	if (list_empty(&cs->zap_list))
		return;
	vm->stats.zap_commits++;
	while (!list_empty(&cs->zap_list)) {
		struct mmu_page *sp = list_first_entry(&cs->zap_list, struct mmu_page, link);

		list_del(&sp->link);
		vm->stats.deferred_frees++;
		mmu_plat_defer_free(&sp->defer, free_after_grace);
	}
}

void mmu_put_root(struct mmu_vm *vm, struct mmu_page *sp)
{
	KEEL_BUG_ON(!sp->root_count);
	if (--sp->root_count || !sp->invalid)
		return;
	queue_free(vm, sp);
}
