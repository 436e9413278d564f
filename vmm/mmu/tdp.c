/* SPDX-License-Identifier: GPL-2.0-only */
/* The TDP (EPT) fault path: guest-physical to host-physical with 4 KiB, 2 MiB and 1 GiB pages. */
#include "internal.h"

#define TDP_ROOT_LEVEL 4

/* The largest leaf the memslot can back at @gfn: whole, contiguous, aligned, not dirty-logged. */
static unsigned int max_level(const struct mmu_memslot *slot, gfn_t gfn)
{
	unsigned int level;

	for (level = MMU_MAX_HUGE_LEVEL; level > 1; level--)
		if (memslot_allows_level(slot, gfn, level))
			return level;
	return 1;
}

static u64 make_tdp_leaf(struct mmu_vm *vm, struct mmu_memslot *slot, gfn_t base,
			 unsigned int level, unsigned int access, bool mmu_writable, bool writable)
{
	struct spte_leaf_args a = {
		.host_pa = memslot_host_pa(slot, base),
		.level = level,
		.access = access,
		.host_writable = !(slot->flags & MEMSLOT_READONLY),
		.mmu_writable = mmu_writable,
		.dirty = writable,
	};

	return spte_make_leaf(vm->fmt, &a);
}

static struct mmu_page *alloc_child(struct mmu_vm *vm, gfn_t gfn, unsigned int level)
{
	union mmu_role role = { .word = 0 };
	struct mmu_page *sp;

	role.direct = 1;
	role.level = level;
	role.access = ACC_ALL;
	sp = mmu_page_alloc(vm, gfn & ~(SPTE_LEVEL_PAGES(level + 1) - 1), role);
	if (sp)
		sp->tdp_subtree = true;
	return sp;
}

/*
 * Replaces the large leaf @idx of @sp (level @level) by a table of 512 leaves one level down with
 * the same rights, so that one part of the range can change (dirty logging, a write fault).
 */
static bool split_large(struct mmu_vm *vm, struct mmu_memslot *slot, struct mmu_page *sp,
			unsigned int idx, unsigned int level)
{
	u64 old = sp->spt[idx];
	gfn_t base = mmu_page_spte_gfn(sp, idx);
	struct mmu_page *child = alloc_child(vm, base, level - 1);
	unsigned int i, acc = spte_access(vm->fmt, old);
	bool mmu_writable = old & vm->fmt->sw_mmu_writable;

	if (!child)
		return false;
	if (mmu_writable)
		acc |= ACC_WRITE;
	for (i = 0; i < SPTE_ENTRIES; i++) {
		gfn_t gfn = base + i * SPTE_LEVEL_PAGES(level - 1);
		u64 spte = make_tdp_leaf(vm, slot, gfn, level - 1, acc, mmu_writable,
					 spte_writable(vm->fmt, old));

		if (!mmu_set_leaf(vm, child, i, slot, spte, gfn, 0, level - 1)) {
			mmu_prepare_zap(vm, child);
			return false;
		}
	}
	mmu_drop_spte_in(vm, sp, idx);
	vm->stats.splits++;
	return mmu_link_child(vm, sp, idx, child);
}

/* Write to a present read-only leaf that only dirty logging made read-only: just allow it. */
static bool fast_write_fault(struct mmu_vm *vm, struct mmu_memslot *slot, u64 *sptep, gfn_t gfn)
{
	u64 old = *sptep;

	if (!(old & vm->fmt->sw_mmu_writable) || !(old & vm->fmt->sw_host_writable))
		return false;
	__atomic_store_n(sptep, old | vm->fmt->writable | vm->fmt->dirty, __ATOMIC_RELEASE);
	memslot_mark_dirty(slot, gfn);
	return true;
}

enum mmu_fault_result mmu_tdp_fault(struct mmu_vcpu *vcpu, struct mmu_fault *f)
{
	struct mmu_vm *vm = vcpu->vm;
	gfn_t gfn = f->addr >> 12;
	bool write = f->kind == GUEST_ACCESS_WRITE;
	struct mmu_memslot *slot = memslot_find(vm, gfn);
	struct mmu_page *sp = vcpu->root;
	unsigned int target, idx, level = TDP_ROOT_LEVEL;
	u64 *sptep;
	gfn_t base;

	f->gpa = f->addr;
	if (!slot || (write && (slot->flags & MEMSLOT_READONLY)))
		return MMU_FAULT_EMULATE;
	target = max_level(slot, gfn);
	for (;; level--) {
		idx = shadow_index(f->addr, level);
		sptep = &sp->spt[idx];
		if (level == target)
			break;
		if (!spte_present(*sptep)) {
			struct mmu_page *child = alloc_child(vm, gfn, level - 1);

			if (!child || !mmu_link_child(vm, sp, idx, child))
				return MMU_FAULT_NOMEM;
		} else if (spte_is_leaf(*sptep) && !split_large(vm, slot, sp, idx, level)) {
			return MMU_FAULT_NOMEM;
		}
		sp = mmu_page_child(sp, idx);
	}
	if (spte_present(*sptep) && !spte_is_leaf(*sptep)) {
		vm->stats.collapses++;
		mmu_zap_spte_subtree(vm, sptep);
	}
	if (spte_present(*sptep)) {
		if (!write || spte_writable(vm->fmt, *sptep))
			return MMU_FAULT_RETRY;
		if (fast_write_fault(vm, slot, sptep, gfn))
			goto fixed;
	}
	base = gfn & ~(SPTE_LEVEL_PAGES(target) - 1);
	if (!mmu_set_leaf(vm, sp, idx, slot,
			  make_tdp_leaf(vm, slot, base, target, ACC_ALL, true,
					write || !(slot->flags & MEMSLOT_DIRTY_LOG)),
			  base, 0, target))
		return MMU_FAULT_NOMEM;
	if (spte_writable(vm->fmt, *sptep))
		memslot_mark_dirty(slot, gfn);
fixed:
	vm->stats.faults_fixed++;
	return MMU_FAULT_FIXED;
}
