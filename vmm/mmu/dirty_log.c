/* SPDX-License-Identifier: GPL-2.0-only */
/* Dirty logging: write-protect a memslot, record first writes in its bitmap, harvest, collapse
 * back. */
#include "internal.h"

void memslot_mark_dirty(struct mmu_memslot *slot, gfn_t gfn)
{
	u64 i = gfn - slot->base_gfn;

	if (slot->dirty_bitmap)
		__atomic_fetch_or(&slot->dirty_bitmap[i / 64], BIT(i % 64), __ATOMIC_RELAXED);
}

int dirty_log_start_locked(struct mmu_vm *vm, unsigned int id)
{
	struct mmu_memslot *s;
	u64 i;

	if (id >= MMU_MAX_MEMSLOTS || !vm->slots.slot[id].used)
		return MMU_EINVAL;
	s = &vm->slots.slot[id];
	if (s->flags & MEMSLOT_DIRTY_LOG)
		return MMU_OK;
	if (memslot_alloc_dirty_bitmap(s))
		return MMU_ENOMEM;
	s->flags |= MEMSLOT_DIRTY_LOG;
	for (i = 0; i < s->npages; i++)
		if (mmu_write_protect_gfn(vm, s->base_gfn + i, true))
			this_cpu_state(vm)->zap_flush |= vm->cpus_loaded;
	mmu_commit_zap(vm);
	return MMU_OK;
}

/* Zaps the tables under every region that could map a large page again; faults collapse them. */
int dirty_log_stop_locked(struct mmu_vm *vm, unsigned int id)
{
	struct mmu_memslot *s;
	struct mmu_page *sp;
	struct list_head *pos;

	if (id >= MMU_MAX_MEMSLOTS || !vm->slots.slot[id].used)
		return MMU_EINVAL;
	s = &vm->slots.slot[id];
	if (!(s->flags & MEMSLOT_DIRTY_LOG))
		return MMU_OK;
	s->flags &= ~MEMSLOT_DIRTY_LOG;
	mmu_plat_free(s->dirty_bitmap);
	s->dirty_bitmap = NULL;
again:
	list_for_each (pos, &vm->active) {
		sp = list_entry(pos, struct mmu_page, link);
		if (vm->mode != MMU_MODE_TDP || sp->role.level >= MMU_MAX_HUGE_LEVEL ||
		    mmu_page_obsolete(vm, sp) || !sp->parent_ptes || memslot_find(vm, sp->gfn) != s)
			continue;
		if (memslot_allows_level(s, sp->gfn, sp->role.level + 1)) {
			vm->stats.collapses++;
			mmu_zap_spte_subtree(vm, pte_list_first(&sp->parent_ptes));
			goto again;
		}
	}
	mmu_commit_zap(vm);
	return MMU_OK;
}

int mmu_dirty_log_harvest(struct mmu_vm *vm, unsigned int id, u64 *bitmap)
{
	struct mmu_memslot *s;
	u64 w, words;
	bool flush = false;

	if (id >= MMU_MAX_MEMSLOTS || !vm->slots.slot[id].used)
		return MMU_EINVAL;
	s = &vm->slots.slot[id];
	if (!s->dirty_bitmap)
		return MMU_EINVAL;
	words = ALIGN_UP(s->npages, 64) / 64;
	for (w = 0; w < words; w++) {
		u64 bits = __atomic_exchange_n(&s->dirty_bitmap[w], 0, __ATOMIC_ACQ_REL);

		bitmap[w] = bits;
		while (bits) {
			unsigned int b = __builtin_ctzll(bits);

			bits &= bits - 1;
			flush |= mmu_write_protect_gfn_lockless(vm, s->base_gfn + w * 64 + b);
		}
	}
	if (flush) {
		vm->stats.flush_requests++;
		mmu_plat_flush_tlbs(vm->cpus_loaded);
	}
	return MMU_OK;
}
