/* SPDX-License-Identifier: GPL-2.0-only */
/* Unsync tracking: which leaf shadow pages the guest may write freely, and which ancestors know. */
#include "internal.h"

static bool test_bit64(const u64 *map, unsigned int i)
{
	return map[i / 64] & BIT(i % 64);
}

/*
 * Records in the page holding @parent_sptep that this slot leads to unsync state. Only when
 * that page had no unsync descendant before do its own parents need telling; an ancestor that
 * already knew stops the propagation. The child-to-parent graph has no cycles, so each call
 * runs up at most the height of the tree.
 */
void propagate_unsync_to_parents_from(struct mmu_vm *vm, u64 *parent_sptep)
{
	struct mmu_page *sp = sptep_to_page(parent_sptep);
	unsigned int i = spte_index(parent_sptep);

	if (test_bit64(sp->unsync_child_bitmap, i))
		return;
	sp->unsync_child_bitmap[i / 64] |= BIT(i % 64);
	if (sp->unsync_children++)
		return;
	propagate_unsync_to_parents(vm, sp);
}

static void propagate_one(u64 *parent_sptep, void *vm)
{
	propagate_unsync_to_parents_from(vm, parent_sptep);
}

void propagate_unsync_to_parents(struct mmu_vm *vm, struct mmu_page *sp)
{
	pte_list_walk(&sp->parent_ptes, propagate_one, vm);
}

static void clear_parent_bit(u64 *parent_sptep, void *arg)
{
	clear_unsync_child_bit(sptep_to_page(parent_sptep), spte_index(parent_sptep));
}

/*
 * The slot @idx of @parent no longer leads to unsync state. When that was the parent's last
 * such slot, its own parents are told in turn, so that every set bit always leads to work.
 */
void clear_unsync_child_bit(struct mmu_page *parent, unsigned int idx)
{
	KEEL_BUG_ON(!test_bit64(parent->unsync_child_bitmap, idx));
	KEEL_BUG_ON(parent->unsync_children == 0);
	parent->unsync_child_bitmap[idx / 64] &= ~BIT(idx % 64);
	if (--parent->unsync_children)
		return;
	pte_list_walk(&parent->parent_ptes, clear_parent_bit, NULL);
}

void mmu_mark_unsync(struct mmu_vm *vm, struct mmu_page *sp)
{
	unsigned int cpu = mmu_plat_cpu_id();

	/* Only a 4 KiB-level page may go unsync; a root never does. */
	KEEL_BUG_ON(sp->role.level != 1);
	KEEL_BUG_ON(sp->root_count);
	KEEL_BUG_ON(sp->unsync || sp->role.direct);
	sp->unsync = true;
	sp->unsync_cpu = cpu;
	list_add(&sp->unsync_link, &vm->cpu[cpu].unsync_list);
	vm->cpu[cpu].nr_unsync++;
	vm->stats.unsync++;
	propagate_unsync_to_parents(vm, sp);
}

void mmu_clear_unsync(struct mmu_vm *vm, struct mmu_page *sp)
{
	KEEL_BUG_ON(!sp->unsync || sp->unsync_cpu == MMU_NO_CPU);
	sp->unsync = false;
	list_del(&sp->unsync_link);
	list_init(&sp->unsync_link);
	vm->cpu[sp->unsync_cpu].nr_unsync--;
	sp->unsync_cpu = MMU_NO_CPU;
	pte_list_walk(&sp->parent_ptes, clear_parent_bit, NULL);
}

/*
 * A write to @gfn hit a read-only SPTE. The write may proceed without emulation only if every
 * valid page shadowing @gfn is a 4 KiB-level page: those become unsync (the guest now edits
 * them freely until its next TLB flush). Any upper-level shadow of the frame forbids it, and so
 * does a VM with unsync switched off.
 */
bool mmu_try_unsync_gfn(struct mmu_vm *vm, gfn_t gfn, bool can_unsync)
{
	struct mmu_page *sp;

	if (vm->no_unsync)
		can_unsync = false;
	for_each_gfn_page(vm, sp, gfn)
	{
		if (sp->role.direct || mmu_page_obsolete(vm, sp))
			continue;
		if (!can_unsync || sp->role.level != 1)
			return false;
	}
	for_each_gfn_page(vm, sp, gfn)
	{
		if (sp->role.direct || mmu_page_obsolete(vm, sp) || sp->unsync)
			continue;
		mmu_mark_unsync(vm, sp);
	}
	return true;
}
