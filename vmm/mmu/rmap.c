/* SPDX-License-Identifier: GPL-2.0-only */
/* The reverse map: installing and dropping leaf SPTEs, and acting on every SPTE that maps a frame.
 */
#include "internal.h"

u64 *mmu_gfn_rmap(struct mmu_vm *vm, gfn_t gfn, unsigned int level)
{
	struct mmu_memslot *slot = memslot_find(vm, gfn);

	return slot ? memslot_rmap_head(slot, gfn, level) : NULL;
}

/*
 * Installs leaf @spte as entry @idx of @sp for @gfn of @slot (derived from guest entry @gpte in
 * an indirect page), keeping the rmap exact: an entry that mapped another frame leaves that
 * frame's rmap first. Returns false when no rmap block could be allocated; the entry is then
 * not present.
 */
bool mmu_set_leaf(struct mmu_vm *vm, struct mmu_page *sp, unsigned int idx,
		  struct mmu_memslot *slot, u64 spte, gfn_t gfn, u64 gpte, unsigned int level)
{
	u64 *sptep = &sp->spt[idx];
	u64 old = *sptep;

	KEEL_BUG_ON(!mmu_plat_lock_held(&vm->lock));
	KEEL_BUG_ON(gfn - slot->base_gfn >= slot->npages);
	if (spte_present(old)) {
		if (spte_is_leaf(old) && mmu_page_spte_gfn(sp, idx) == gfn) {
			if (sp->gptes)
				sp->gptes[idx] = gpte;
			__atomic_store_n(sptep, spte, __ATOMIC_RELEASE);
			return true;
		}
		mmu_drop_spte_in(vm, sp, idx);
	}
	if (!pte_list_add(&vm->desc_cache, memslot_rmap_head(slot, gfn, level), sptep))
		return false;
	if (sp->gptes)
		sp->gptes[idx] = gpte;
	__atomic_store_n(sptep, spte, __ATOMIC_RELEASE);
	return true;
}

/* Clears one SPTE: a leaf leaves its rmap, a table entry unlinks (or, in TDP, zaps) its child. */
void mmu_drop_spte_in(struct mmu_vm *vm, struct mmu_page *sp, unsigned int idx)
{
	u64 *sptep = &sp->spt[idx];
	u64 old = *sptep;
	struct mmu_page *child;

	if (!spte_present(old))
		return;
	if (spte_is_leaf(old)) {
		u64 *head = mmu_gfn_rmap(vm, mmu_page_spte_gfn(sp, idx), sp->role.level);

		KEEL_BUG_ON(!head);
		pte_list_remove(&vm->desc_cache, head, sptep);
		__atomic_store_n(sptep, 0, __ATOMIC_RELEASE);
		return;
	}
	child = spte_child(old);
	if (child->tdp_subtree) {
		mmu_zap_spte_subtree(vm, sptep);
		return;
	}
	mmu_unlink_parent(vm, child, sptep);
}

void mmu_drop_spte(struct mmu_vm *vm, u64 *sptep)
{
	if (spte_present(*sptep))
		mmu_drop_spte_in(vm, sptep_to_page(sptep), spte_index(sptep));
}

struct write_protect_args {
	const struct spte_format *fmt;
	bool keep_mmu_writable;
	bool changed;
};

/* Lock-free safe: a compare-and-exchange loop, idempotent when an entry is seen twice. */
static void write_protect_one(u64 *sptep, void *arg)
{
	struct write_protect_args *a = arg;
	u64 old = __atomic_load_n(sptep, __ATOMIC_ACQUIRE);

	for (;;) {
		u64 new;

		if (!spte_present(old))
			return;
		new = spte_write_protect(a->fmt, old, a->keep_mmu_writable);
		if (new == old)
			return;
		if (__atomic_compare_exchange_n(sptep, &old, new, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE)) {
			a->changed = true;
			return;
		}
	}
}

/*
 * Makes every leaf SPTE mapping @gfn read-only, at every level. Returns whether any changed
 * (the caller flushes). @keep_mmu_writable: dirty logging, where the next write fault may
 * simply restore the bit; write tracking clears it.
 */
bool mmu_write_protect_gfn(struct mmu_vm *vm, gfn_t gfn, bool keep_mmu_writable)
{
	struct write_protect_args a = { .fmt = vm->fmt, .keep_mmu_writable = keep_mmu_writable };
	unsigned int level;

	for (level = 1; level <= MMU_MAX_HUGE_LEVEL; level++) {
		u64 *head = mmu_gfn_rmap(vm, gfn, level);

		if (head)
			pte_list_walk(head, write_protect_one, &a);
	}
	return a.changed;
}

struct age_args {
	u64 accessed;
	bool young;
};

static void age_one(u64 *sptep, void *arg)
{
	struct age_args *a = arg;
	u64 old = __atomic_fetch_and(sptep, ~a->accessed, __ATOMIC_ACQ_REL);

	if (spte_present(old) && (old & a->accessed))
		a->young = true;
}

bool mmu_age_gfn(struct mmu_vm *vm, gfn_t gfn)
{
	struct age_args a = { .accessed = vm->fmt->accessed };
	unsigned int level;

	for (level = 1; level <= MMU_MAX_HUGE_LEVEL; level++) {
		u64 *head = mmu_gfn_rmap(vm, gfn, level);

		if (head)
			vm->stats.rmap_restarts +=
				pte_list_walk_lockless(head, age_one, &a, &vm->lock);
	}
	return a.young;
}

/* The dirty-log harvest's write-protect: lock-free over the rmap, as age is. */
bool mmu_write_protect_gfn_lockless(struct mmu_vm *vm, gfn_t gfn)
{
	struct write_protect_args a = { .fmt = vm->fmt, .keep_mmu_writable = true };
	unsigned int level;

	for (level = 1; level <= MMU_MAX_HUGE_LEVEL; level++) {
		u64 *head = mmu_gfn_rmap(vm, gfn, level);

		if (head)
			vm->stats.rmap_restarts +=
				pte_list_walk_lockless(head, write_protect_one, &a, &vm->lock);
	}
	return a.changed;
}
