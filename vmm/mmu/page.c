/* SPDX-License-Identifier: GPL-2.0-only */
/* Shadow page lifetime and identity: allocation, the gfn hash, lookup by (gfn, role). */
#include "internal.h"

struct mmu_page **mmu_hash_bucket(struct mmu_vm *vm, gfn_t gfn)
{
	u64 h = gfn * 0x9e3779b97f4a7c15ULL;

	return &vm->hash[h >> (64 - MMU_HASH_BITS)];
}

unsigned int spte_index(const u64 *sptep)
{
	return ((uintptr_t)sptep & 0xfff) / sizeof(u64);
}

gfn_t mmu_page_spte_gfn(const struct mmu_page *sp, unsigned int idx)
{
	if (sp->gptes)
		return (sp->gptes[idx] & SPTE_ADDR_MASK) >> 12;
	return sp->gfn + idx * SPTE_LEVEL_PAGES(sp->role.level);
}

struct mmu_page *mmu_page_alloc(struct mmu_vm *vm, gfn_t gfn, union mmu_role role)
{
	struct mmu_page **bucket = mmu_hash_bucket(vm, gfn);
	struct mmu_table_page tp;
	struct mmu_page *sp;

	sp = mmu_plat_zalloc(sizeof(*sp));
	if (!sp)
		return NULL;
	if (!role.direct && role.level == 1) {
		sp->gptes = mmu_plat_zalloc(SPTE_ENTRIES * sizeof(u64));
		if (!sp->gptes)
			goto fail;
	}
	if (role.level > 1) {
		sp->children = mmu_plat_zalloc(SPTE_ENTRIES * sizeof(*sp->children));
		if (!sp->children)
			goto fail;
	}
	if (!mmu_plat_table_alloc(&tp, sp))
		goto fail;
	sp->spt = tp.va;
	sp->spt_pa = tp.pa;
	sp->gfn = gfn;
	sp->role = role;
	sp->gen = vm->gen;
	sp->unsync_cpu = MMU_NO_CPU;
	list_init(&sp->unsync_link);
	sp->hash_next = *bucket;
	if (sp->hash_next)
		sp->hash_next->hash_pprev = &sp->hash_next;
	sp->hash_pprev = bucket;
	*bucket = sp;
	list_add(&sp->link, &vm->active);
	vm->nr_active++;
	vm->stats.pages_created++;
	vm->stats.pages_live++;
	return sp;
fail:
	mmu_plat_free(sp->gptes);
	mmu_plat_free(sp->children);
	mmu_plat_free(sp);
	return NULL;
}

void mmu_page_unhash(struct mmu_vm *vm, struct mmu_page *sp)
{
	if (!sp->hash_pprev)
		return;
	*sp->hash_pprev = sp->hash_next;
	if (sp->hash_next)
		sp->hash_next->hash_pprev = sp->hash_pprev;
	sp->hash_next = NULL;
	sp->hash_pprev = NULL;
}

struct mmu_page *mmu_page_find(struct mmu_vm *vm, gfn_t gfn, union mmu_role role)
{
	struct mmu_page *sp;

	for_each_gfn_page(vm, sp, gfn)
	{
		if (sp->role.word == role.word && !mmu_page_obsolete(vm, sp))
			return sp;
	}
	return NULL;
}
