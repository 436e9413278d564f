/* SPDX-License-Identifier: GPL-2.0-only */
/* Memslots: lookup, per-slot rmap arrays and bitmaps, add, delete and move. */
#include "internal.h"
#include <string.h>

static bool slot_has(const struct mmu_memslot *s, gfn_t gfn)
{
	return s->used && gfn >= s->base_gfn && gfn - s->base_gfn < s->npages;
}

struct mmu_memslot *memslot_find(struct mmu_vm *vm, gfn_t gfn)
{
	struct mmu_memslots *slots = &vm->slots;
	unsigned int i;

	if (slot_has(&slots->slot[slots->last_hit], gfn))
		return &slots->slot[slots->last_hit];
	for (i = 0; i < MMU_MAX_MEMSLOTS; i++) {
		if (slot_has(&slots->slot[i], gfn)) {
			WRITE_ONCE(slots->last_hit, i);
			return &slots->slot[i];
		}
	}
	return NULL;
}

static unsigned int level_shift(unsigned int level)
{
	return 9 * (level - 1);
}

static u64 rmap_entries(gfn_t base, u64 npages, unsigned int level)
{
	unsigned int s = level_shift(level);

	return ((base + npages - 1) >> s) - (base >> s) + 1;
}

u64 memslot_rmap_index(const struct mmu_memslot *slot, gfn_t gfn, unsigned int level)
{
	unsigned int s = level_shift(level);

	return (gfn >> s) - (slot->base_gfn >> s);
}

u64 *memslot_rmap_head(struct mmu_memslot *slot, gfn_t gfn, unsigned int level)
{
	return &slot->rmap[level - 1][memslot_rmap_index(slot, gfn, level)];
}

paddr_t memslot_host_pa(const struct mmu_memslot *slot, gfn_t gfn)
{
	return slot->host_pa + ((gfn - slot->base_gfn) << 12);
}

bool memslot_allows_level(const struct mmu_memslot *slot, gfn_t gfn, unsigned int level)
{
	u64 pages = SPTE_LEVEL_PAGES(level);
	gfn_t base = gfn & ~(pages - 1);

	if (level == 1)
		return true;
	if (slot->flags & MEMSLOT_DIRTY_LOG)
		return false;
	if (base < slot->base_gfn || base + pages > slot->base_gfn + slot->npages)
		return false;
	return IS_ALIGNED(memslot_host_pa(slot, base), pages << 12);
}

static void slot_free(struct mmu_memslot *s)
{
	unsigned int l;

	for (l = 0; l < MMU_MAX_HUGE_LEVEL; l++)
		mmu_plat_free(s->rmap[l]);
	mmu_plat_free(s->write_track);
	mmu_plat_free(s->dirty_bitmap);
	memset(s, 0, sizeof(*s));
}

static bool overlaps(struct mmu_vm *vm, gfn_t base, u64 npages)
{
	unsigned int i;

	for (i = 0; i < MMU_MAX_MEMSLOTS; i++) {
		const struct mmu_memslot *s = &vm->slots.slot[i];

		if (s->used && base < s->base_gfn + s->npages && s->base_gfn < base + npages)
			return true;
	}
	return false;
}

/*
 * Whether a slot of @npages frames at @base_gfn, backed from @host_pa, can be mapped: its guest
 * frames must be ones the tables can name (TDP: a 4-level EPT translates 48-bit guest-physical
 * addresses, SDM Vol. 3C 29.3.2, and the index bits of a frame beyond wrap onto a lower one;
 * shadow: guest paging entries hold at most 52-bit addresses), and its host frames must fit an
 * SPTE's address field. Also keeps base + npages from wrapping.
 */
static bool range_ok(const struct mmu_vm *vm, gfn_t base_gfn, u64 npages, paddr_t host_pa)
{
	gfn_t limit = vm->mode == MMU_MODE_TDP ? 1ULL << (9 * 4) : 1ULL << (52 - 12);
	paddr_t host_limit = SPTE_ADDR_MASK + 0x1000;

	return npages && base_gfn < limit && npages <= limit - base_gfn && host_pa < host_limit &&
	       npages <= (host_limit - host_pa) >> 12;
}

int memslot_alloc_dirty_bitmap(struct mmu_memslot *s)
{
	s->dirty_bitmap = mmu_plat_zalloc(ALIGN_UP(s->npages, 64) / 8);
	return s->dirty_bitmap ? MMU_OK : MMU_ENOMEM;
}

int memslot_add_locked(struct mmu_vm *vm, unsigned int id, gfn_t base_gfn, u64 npages,
		       paddr_t host_pa, u32 flags)
{
	struct mmu_memslot *s;
	unsigned int l;

	if (id >= MMU_MAX_MEMSLOTS || !IS_ALIGNED(host_pa, 4096) ||
	    !range_ok(vm, base_gfn, npages, host_pa))
		return MMU_EINVAL;
	s = &vm->slots.slot[id];
	if (s->used || overlaps(vm, base_gfn, npages))
		return MMU_EEXIST;
	s->base_gfn = base_gfn;
	s->npages = npages;
	s->host_pa = host_pa;
	s->flags = flags;
	for (l = 1; l <= MMU_MAX_HUGE_LEVEL; l++) {
		s->rmap[l - 1] = mmu_plat_zalloc(rmap_entries(base_gfn, npages, l) * sizeof(u64));
		if (!s->rmap[l - 1])
			goto nomem;
	}
	s->write_track = mmu_plat_zalloc(npages * sizeof(u16));
	if (!s->write_track)
		goto nomem;
	if ((flags & MEMSLOT_DIRTY_LOG) && memslot_alloc_dirty_bitmap(s))
		goto nomem;
	s->used = true;
	vm->slots_gen++;
	return MMU_OK;
nomem:
	slot_free(s);
	return MMU_ENOMEM;
}

/*
 * Deleting a slot frees its rmaps, so no SPTE may stay on them: bump the generation (every
 * root reloads) and reclaim all obsolete pages, batch by batch, before the arrays go.
 */
int memslot_delete_locked(struct mmu_vm *vm, unsigned int id)
{
	struct mmu_memslot *s;
	unsigned int l;

	if (id >= MMU_MAX_MEMSLOTS || !vm->slots.slot[id].used)
		return MMU_EINVAL;
	s = &vm->slots.slot[id];
	invalidate_all_locked(vm);
	while (reclaim_obsolete_locked(vm, MMU_RECLAIM_BATCH))
		;
	for (l = 1; l <= MMU_MAX_HUGE_LEVEL; l++) {
		u64 i, n = rmap_entries(s->base_gfn, s->npages, l);

		for (i = 0; i < n; i++)
			KEEL_BUG_ON(s->rmap[l - 1][i]);
	}
	slot_free(s);
	return MMU_OK;
}

int memslot_move_locked(struct mmu_vm *vm, unsigned int id, gfn_t new_base_gfn)
{
	struct mmu_memslot old;
	int ret;

	if (id >= MMU_MAX_MEMSLOTS || !vm->slots.slot[id].used)
		return MMU_EINVAL;
	old = vm->slots.slot[id];
	/* checked before the delete: a move the add would refuse must leave the slot as it was */
	if (!range_ok(vm, new_base_gfn, old.npages, old.host_pa))
		return MMU_EINVAL;
	vm->slots.slot[id].used = false;
	if (overlaps(vm, new_base_gfn, old.npages)) {
		vm->slots.slot[id].used = true;
		return MMU_EEXIST;
	}
	vm->slots.slot[id].used = true;
	ret = memslot_delete_locked(vm, id);
	if (ret)
		return ret;
	return memslot_add_locked(vm, id, new_base_gfn, old.npages, old.host_pa,
				  old.flags & ~MEMSLOT_DIRTY_LOG);
}
