/* SPDX-License-Identifier: GPL-2.0-only */
/* Parent-PTE tracking: linking a shadow page under an SPTE and unlinking it from its parents. */
#include "internal.h"

static bool child_has_unsync(const struct mmu_page *child)
{
	return child->unsync || child->unsync_children;
}

/*
 * Points SPTE @idx of @parent at @child and records the link in both pages. If the child carries
 * unsync state, the parent (and, through it, every ancestor that did not know yet) learns it.
 */
bool mmu_link_child(struct mmu_vm *vm, struct mmu_page *parent, unsigned int idx,
		    struct mmu_page *child)
{
	u64 *parent_sptep = &parent->spt[idx];

	KEEL_BUG_ON(spte_present(*parent_sptep));
	if (!pte_list_add(&vm->desc_cache, &child->parent_ptes, parent_sptep))
		return false;
	parent->children[idx] = child;
	__atomic_store_n(parent_sptep, spte_make_nonleaf(vm->fmt, child->spt_pa), __ATOMIC_RELEASE);
	if (child_has_unsync(child))
		propagate_unsync_to_parents_from(vm, parent_sptep);
	return true;
}

/* Clears one parent SPTE that points at @child. The caller flushes. */
void mmu_unlink_parent(struct mmu_vm *vm, struct mmu_page *child, u64 *parent_sptep)
{
	KEEL_BUG_ON(spte_child(*parent_sptep) != child);
	pte_list_remove(&vm->desc_cache, &child->parent_ptes, parent_sptep);
	__atomic_store_n(parent_sptep, 0, __ATOMIC_RELEASE);
	if (child_has_unsync(child))
		clear_unsync_child_bit(sptep_to_page(parent_sptep), spte_index(parent_sptep));
}

void mmu_unlink_all_parents(struct mmu_vm *vm, struct mmu_page *sp)
{
	u64 *sptep;

	while ((sptep = pte_list_first(&sp->parent_ptes)))
		mmu_unlink_parent(vm, sp, sptep);
}
