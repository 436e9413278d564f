/* SPDX-License-Identifier: GPL-2.0-only */
/* Roots: choosing, loading, caching (per PCID) and dropping each vCPU's top-level shadow table. */
#include <arch/paging.h>

#include "internal.h"

/* MOV to CR3 with CR4.PCIDE and bit 63 set keeps the PCID's TLB entries (SDM Vol. 3A 4.10.4.1) */

static bool guest_has(const struct guest_paging_state *g, u64 reg, u64 bit)
{
	return reg & bit;
}

/* The role every page under the root shares with it, from the guest's current paging state. */
static union mmu_role shadow_root_role(const struct guest_paging_state *g)
{
	enum guest_paging_mode mode = guest_paging_mode(g->cr0, g->cr4, g->efer);
	union mmu_role r = { .word = 0 };
	bool wp = guest_has(g, g->cr0, X86_CR0_WP);

	r.access = ACC_ALL;
	r.cr0_wp = wp;
	r.efer_nx = guest_has(g, g->efer, EFER_NXE);
	r.smep_andnot_wp = guest_has(g, g->cr4, X86_CR4_SMEP) && !wp;
	r.smap_andnot_wp = guest_has(g, g->cr4, X86_CR4_SMAP) && !wp;
	switch (mode) {
	case GUEST_PAGING_OFF:
		/*
		 * Identity-mapped 4 GiB under a PAE-format root: the CPU runs such a guest with
		 * PAE paging and EFER.LMA clear, as protected mode (and virtual-8086 mode) need.
		 */
		r.direct = 1;
		r.level = 2;
		break;
	case GUEST_PAGING_32:
		r.guest_levels = 2;
		r.gpte_4byte = 1;
		r.level = 2;
		break;
	case GUEST_PAGING_PAE:
		r.guest_levels = 3;
		r.level = 2;
		break;
	case GUEST_PAGING_4LEVEL:
	case GUEST_PAGING_5LEVEL:
		r.guest_levels = mode == GUEST_PAGING_4LEVEL ? 4 : 5;
		r.level = r.guest_levels;
		r.pke = guest_has(g, g->cr4, X86_CR4_PKE);
		break;
	}
	return r;
}

static bool page_usable(struct mmu_vm *vm, struct mmu_page *sp)
{
	return sp && !mmu_page_obsolete(vm, sp);
}

static bool roots_valid(struct mmu_vcpu *vcpu)
{
	struct mmu_vm *vm = vcpu->vm;
	unsigned int i;

	if (!vcpu->root_pa || vcpu->root_slots_gen != vm->slots_gen)
		return false;
	if (vcpu->root)
		return page_usable(vm, vcpu->root);
	for (i = 0; i < MMU_PAE_ROOTS; i++)
		if (vcpu->pae_pages[i] && !page_usable(vm, vcpu->pae_pages[i]))
			return false;
	return true;
}

static struct mmu_page *get_root_page(struct mmu_vcpu *vcpu, gfn_t gfn, union mmu_role role)
{
	struct mmu_page *sp;

	if (vcpu->vm->mode == MMU_MODE_TDP || role.direct) {
		sp = mmu_page_find(vcpu->vm, gfn, role);
		if (!sp)
			sp = mmu_page_alloc(vcpu->vm, gfn, role);
	} else {
		sp = mmu_get_shadow_page(vcpu, gfn, role);
	}
	if (sp)
		sp->root_count++;
	return sp;
}

void mmu_drop_roots(struct mmu_vcpu *vcpu, bool keep_cached)
{
	struct mmu_vm *vm = vcpu->vm;
	unsigned int i;

	if (vcpu->root)
		mmu_put_root(vm, vcpu->root);
	vcpu->root = NULL;
	for (i = 0; i < MMU_PAE_ROOTS; i++) {
		if (vcpu->pae_pages[i])
			mmu_put_root(vm, vcpu->pae_pages[i]);
		vcpu->pae_pages[i] = NULL;
		if (vcpu->pae_root.va)
			vcpu->pae_root.va[i] = 0;
	}
	for (i = 0; !keep_cached && i < MMU_PREV_ROOTS; i++) {
		if (vcpu->prev[i].page)
			mmu_put_root(vm, vcpu->prev[i].page);
		vcpu->prev[i].page = NULL;
	}
	vcpu->root_pa = 0;
}

static int load_pae_roots(struct mmu_vcpu *vcpu, union mmu_role role)
{
	const struct guest_paging_state *g = vcpu->guest;
	unsigned int i;

	if (!vcpu->pae_root.va && !mmu_plat_table_alloc_low(&vcpu->pae_root, NULL))
		return MMU_ENOMEM;
	for (i = 0; i < MMU_PAE_ROOTS; i++) {
		gfn_t gfn;

		if (role.direct) {
			/* Paging off: quarter i maps guest-physical [i GiB, i + 1 GiB). */
			gfn = (gfn_t)i << (30 - 12);
			vcpu->pae_pages[i] = get_root_page(vcpu, gfn, role);
			if (!vcpu->pae_pages[i])
				return MMU_ENOMEM;
			vcpu->pae_root.va[i] = vcpu->pae_pages[i]->spt_pa | PTE_P;
			continue;
		}
		if (role.gpte_4byte) {
			role.quadrant = i;
			gfn = (g->cr3 & GPT32_ADDR_MASK) >> 12;
		} else {
			if (!(g->pdptes[i] & PTE_P))
				continue;
			gfn = (g->pdptes[i] & SPTE_ADDR_MASK) >> 12;
		}
		/* Not RAM: the walk stops there too (unbacked), so the quarter stays empty. */
		if (!memslot_find(vcpu->vm, gfn))
			continue;
		vcpu->pae_pages[i] = get_root_page(vcpu, gfn, role);
		if (!vcpu->pae_pages[i])
			return MMU_ENOMEM;
		/* A PAE PDPTE holds only P and the address (SDM Vol. 3A 4.4.1, table 4-8). */
		vcpu->pae_root.va[i] = vcpu->pae_pages[i]->spt_pa | PTE_P;
	}
	vcpu->root_pa = vcpu->pae_root.pa;
	return MMU_OK;
}

static gfn_t root_gfn(const struct guest_paging_state *g)
{
	return (g->cr3 & SPTE_ADDR_MASK & ~(u64)0xfff) >> 12;
}

/* PCID contexts: a root for @pgd kept from before is swapped in instead of being rebuilt. */
static bool take_cached_root(struct mmu_vcpu *vcpu, u64 pgd, union mmu_role role)
{
	unsigned int i;

	for (i = 0; i < MMU_PREV_ROOTS; i++) {
		struct mmu_cached_root *c = &vcpu->prev[i];

		if (!c->page || c->pgd != pgd || c->page->role.word != role.word ||
		    !page_usable(vcpu->vm, c->page))
			continue;
		vcpu->root = c->page;
		c->page = NULL;
		return true;
	}
	return false;
}

static void cache_current_root(struct mmu_vcpu *vcpu)
{
	struct mmu_cached_root *last = &vcpu->prev[MMU_PREV_ROOTS - 1];
	unsigned int i;

	if (!vcpu->root)
		return;
	if (last->page)
		mmu_put_root(vcpu->vm, last->page);
	for (i = MMU_PREV_ROOTS - 1; i > 0; i--)
		vcpu->prev[i] = vcpu->prev[i - 1];
	vcpu->prev[0].pgd = vcpu->root_pgd;
	vcpu->prev[0].page = vcpu->root;
	vcpu->root = NULL;
	vcpu->root_pa = 0;
}

/* Returns whether the new root came from the PCID cache (its TLB context survives). */
static int load_root(struct mmu_vcpu *vcpu, bool *cached)
{
	struct mmu_vm *vm = vcpu->vm;
	union mmu_role role = { .word = 0 };
	u64 pgd = 0;

	*cached = false;
	if (vm->mode == MMU_MODE_TDP) {
		role.direct = 1;
		role.level = 4;
		role.access = ACC_ALL;
	} else {
		role = shadow_root_role(vcpu->guest);
		pgd = role.direct ? 0 : vcpu->guest->cr3 & ~GPT_CR3_PCID_NOFLUSH;
	}
	vcpu->root_role = role;
	vcpu->root_pgd = pgd;
	vcpu->root_slots_gen = vm->slots_gen;
	vm->cpus_loaded |= BIT(vcpu->cpu);
	if (vm->mode == MMU_MODE_SHADOW && role.level == 2)
		return load_pae_roots(vcpu, role);
	if (vm->mode == MMU_MODE_SHADOW && !role.direct && take_cached_root(vcpu, pgd, role)) {
		*cached = true;
	} else if (!role.direct && !memslot_find(vm, root_gfn(vcpu->guest))) {
		/* The guest's top table is not RAM: every walk ends unbacked, nothing to shadow. */
		return MMU_EINVAL;
	} else {
		vcpu->root = get_root_page(vcpu, role.direct ? 0 : root_gfn(vcpu->guest), role);
		if (!vcpu->root)
			return MMU_ENOMEM;
	}
	vcpu->root_pa = vcpu->root->spt_pa;
	return MMU_OK;
}

int load_root_locked(struct mmu_vcpu *vcpu)
{
	bool cached;
	int ret;

	if (roots_valid(vcpu))
		return MMU_OK;
	mmu_drop_roots(vcpu, true);
	ret = load_root(vcpu, &cached);
	mmu_commit_zap(vcpu->vm);
	if (ret)
		mmu_drop_roots(vcpu, true);
	return ret;
}

static void sync_roots(struct mmu_vcpu *vcpu)
{
	unsigned int i;

	if (vcpu->root) {
		mmu_sync_children(vcpu, vcpu->root);
		return;
	}
	for (i = 0; i < MMU_PAE_ROOTS; i++)
		if (vcpu->pae_pages[i])
			mmu_sync_children(vcpu, vcpu->pae_pages[i]);
}

/*
 * MOV to CR3 (the caller has stored the new value in vcpu->guest->cr3). With CR4.PCIDE and bit
 * 63 set, the guest keeps the TLB context of the new PCID: a cached root for it is reused as it
 * is. Otherwise the new context is flushed, so its unsync pages are synced first.
 */
void cr3_load_locked(struct mmu_vcpu *vcpu, u64 new_cr3)
{
	bool noflush = (vcpu->guest->cr4 & X86_CR4_PCIDE) && (new_cr3 & GPT_CR3_PCID_NOFLUSH);
	bool cached = false;

	if (vcpu->vm->mode == MMU_MODE_TDP)
		return;
	vcpu->guest->cr3 = new_cr3 & ~GPT_CR3_PCID_NOFLUSH;
	cache_current_root(vcpu);
	mmu_drop_roots(vcpu, true);
	if (load_root(vcpu, &cached)) {
		mmu_drop_roots(vcpu, true);
		return;
	}
	if (!noflush || !cached)
		sync_roots(vcpu);
	vcpu->vm->stats.flush_requests++;
	mmu_plat_flush_tlbs(BIT(vcpu->cpu));
	mmu_commit_zap(vcpu->vm);
}

/* CR0, CR4 or EFER changed how the guest pages: every root is rebuilt for the new role. */
void paging_changed_locked(struct mmu_vcpu *vcpu)
{
	bool cached;

	if (vcpu->vm->mode == MMU_MODE_TDP)
		return;
	mmu_drop_roots(vcpu, false);
	if (load_root(vcpu, &cached))
		mmu_drop_roots(vcpu, true);
	else
		sync_roots(vcpu);
	vcpu->vm->stats.flush_requests++;
	mmu_plat_flush_tlbs(BIT(vcpu->cpu));
	mmu_commit_zap(vcpu->vm);
}

/*
 * A full guest TLB flush (CR4 write, INVPCID single context) syncs what the current root
 * reaches; an all-context flush (INVPCID all, or global) also syncs every page in the per-CPU
 * unsync records, which covers the cached PCID roots without walking them.
 */
void flush_guest_tlb_locked(struct mmu_vcpu *vcpu, bool all_contexts)
{
	struct mmu_vm *vm = vcpu->vm;
	unsigned int cpu;

	if (vm->mode == MMU_MODE_TDP)
		return;
	if (load_root_locked(vcpu))
		return;
	sync_roots(vcpu);
	for (cpu = 0; all_contexts && cpu < MMU_MAX_CPUS; cpu++) {
		struct mmu_cpu_state *cs = &vm->cpu[cpu];

		while (!list_empty(&cs->unsync_list))
			mmu_sync_page(vcpu, list_first_entry(&cs->unsync_list, struct mmu_page,
							     unsync_link));
	}
	vm->stats.flush_requests++;
	mmu_plat_flush_tlbs(BIT(vcpu->cpu));
	mmu_commit_zap(vm);
}
