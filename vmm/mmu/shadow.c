/* SPDX-License-Identifier: GPL-2.0-only */
/* The shadow-paging fault path: walk the guest's tables, then build the shadow down to a 4 KiB
 * SPTE. */
#include <arch/paging.h>

#include "internal.h"

/* The rights one guest entry grants (its own R/W, U/S and XD bits). */
static unsigned int gpte_access(u64 gpte, bool efer_nx)
{
	unsigned int acc = ACC_EXEC;

	if (gpte & PTE_W)
		acc |= ACC_WRITE;
	if (gpte & PTE_U)
		acc |= ACC_USER;
	if (efer_nx && (gpte & PTE_NX))
		acc &= ~ACC_EXEC;
	return acc;
}

static u64 gpte_table_gfn(u64 gpte, bool four_byte)
{
	return (gpte & (four_byte ? GPT32_ADDR_MASK : SPTE_ADDR_MASK)) >> 12;
}

static void zap_unsync_pages_of(struct mmu_vm *vm, gfn_t gfn)
{
	struct mmu_page *sp;

again:
	for_each_gfn_page(vm, sp, gfn)
	{
		if (sp->unsync) {
			mmu_prepare_zap(vm, sp);
			goto again;
		}
	}
}

/*
 * The shadow page for guest table @gfn in context @role. An existing unsync page is synced
 * before it gets another path to it. A new page write-protects the frame; unsync pages of the
 * same frame go first, since the frame is about to be read-only under them.
 */
struct mmu_page *mmu_get_shadow_page(struct mmu_vcpu *vcpu, gfn_t gfn, union mmu_role role)
{
	struct mmu_vm *vm = vcpu->vm;
	struct mmu_page *sp = mmu_page_find(vm, gfn, role);

	if (sp) {
		if (sp->unsync)
			mmu_sync_page(vcpu, sp);
		return sp;
	}
	if (!role.direct)
		zap_unsync_pages_of(vm, gfn);
	sp = mmu_page_alloc(vm, gfn, role);
	if (sp && !role.direct)
		mmu_track_gfn(vm, gfn);
	return sp;
}

/* The page to link under the level-@level SPTE of @parent on the way to the walk's leaf. */
static struct mmu_page *get_child(struct mmu_vcpu *vcpu, struct mmu_page *parent,
				  const struct guest_walk *w)
{
	unsigned int level = parent->role.level;
	union mmu_role role = parent->role;
	u64 gpte;

	role.level = level - 1;
	role.quadrant = 0;
	if (parent->role.direct || w->level >= (int)level) {
		/* Paging off, or a guest large page: map its frames directly. */
		role.direct = 1;
		role.access = w->access & ACC_ALL;
		role.gpte_4byte = 0;
		return mmu_get_shadow_page(vcpu, (w->gpa >> 12) & ~(SPTE_LEVEL_PAGES(level) - 1),
					   role);
	}
	gpte = w->pte[level - 1];
	role.access &= gpte_access(gpte, role.efer_nx);
	if (role.gpte_4byte)
		role.quadrant = (w->gva >> 21) & 1;
	return mmu_get_shadow_page(vcpu, gpte_table_gfn(gpte, role.gpte_4byte), role);
}

struct leaf_plan {
	unsigned int access;
	bool writable_now;
	bool mmu_writable;
};

/*
 * CR0.WP = 0 lets supervisor code write read-only pages. The shadow runs with WP = 1, so such a
 * write gets a writable SPTE without U (user code still may not write; with SMEP the page also
 * loses X, since without U the CPU would let the supervisor execute it). A user page that SMAP
 * or a protection key guards cannot lose its U: the guest flips RFLAGS.AC and PKRU without an
 * exit, and a U-less SPTE would let supervisor reads through that the guest then forbids. Such
 * a write is emulated instead.
 */
static bool plan_wp0_write(struct mmu_vcpu *vcpu, const struct mmu_page *sp, struct leaf_plan *p)
{
	const struct guest_paging_state *g = vcpu->guest;

	if ((p->access & ACC_USER) && ((g->cr4 & X86_CR4_SMAP) || sp->role.pke))
		return false;
	if ((p->access & ACC_USER) && (g->cr4 & X86_CR4_SMEP))
		p->access &= ~ACC_EXEC;
	p->access = (p->access | ACC_WRITE) & ~ACC_USER;
	return true;
}

/*
 * A supervisor write the guest allows only because CR0.WP = 0: to a read-only page, or to a
 * user page whose protection key forbids writes (PKRU.WD binds supervisor writes only with WP).
 */
static bool needs_wp0_plan(const struct mmu_vcpu *vcpu, const struct mmu_fault *f,
			   const struct mmu_page *sp, u64 leaf, unsigned int access)
{
	const struct guest_paging_state *g = vcpu->guest;
	unsigned int pkey = (leaf & SPTE_PKEY_MASK) >> GPT_PKEY_SHIFT;

	if (sp->role.cr0_wp || (vcpu->guest->cpl == 3 && !(f->walk_flags & GUEST_WALK_IMPLICIT)))
		return false;
	if (!(access & ACC_WRITE))
		return true;
	return sp->role.pke && (access & ACC_USER) && (g->pkru & PKRU_WD(pkey));
}

/*
 * What a 4 KiB shadow leaf is derived from: the guest frame and its memslot, the guest leaf
 * entry (its D bit and protection key; PTE_D when the guest does not page), which an indirect
 * page records in gptes[], and the rights the guest grants, combined over every level.
 */
struct shadow_leaf {
	gfn_t gfn;
	struct mmu_memslot *slot;
	u64 gpte;
	unsigned int access;
};

/*
 * Computes and installs entry @idx of the 4 KiB-level page @sp for access @f: the fault path,
 * and a read when sync or an emulated write re-derives an entry. The SPTE grants @l's rights,
 * writable only once the guest entry is dirty, while no write tracking forbids it (or the write
 * unsyncs the frame's pages) and, in a dirty-logged slot, only for a write; a supervisor write
 * the guest allows only through CR0.WP = 0 follows plan_wp0_write().
 */
static enum mmu_fault_result set_shadow_leaf(struct mmu_vcpu *vcpu, struct mmu_page *sp,
					     unsigned int idx, const struct shadow_leaf *l,
					     const struct mmu_fault *f)
{
	struct mmu_vm *vm = vcpu->vm;
	struct mmu_memslot *slot = l->slot;
	bool write = f->kind == GUEST_ACCESS_WRITE;
	struct leaf_plan p = { .access = l->access, .mmu_writable = true };
	struct spte_leaf_args a;

	if (write && needs_wp0_plan(vcpu, f, sp, l->gpte, p.access) &&
	    !plan_wp0_write(vcpu, sp, &p))
		return MMU_FAULT_EMULATE;
	p.writable_now = (p.access & ACC_WRITE) && (l->gpte & PTE_D);
	if ((slot->flags & MEMSLOT_DIRTY_LOG) && !write)
		p.writable_now = false;
	if ((p.access & ACC_WRITE) && memslot_gfn_tracked(slot, l->gfn) &&
	    !mmu_try_unsync_gfn(vm, l->gfn, write)) {
		p.mmu_writable = false;
		p.writable_now = false;
	}
	a = (struct spte_leaf_args){
		.host_pa = memslot_host_pa(slot, l->gfn),
		.level = 1,
		.access = p.access,
		.pkey_bits = sp->role.pke ? l->gpte & SPTE_PKEY_MASK : 0,
		.host_writable = !(slot->flags & MEMSLOT_READONLY),
		.mmu_writable = p.mmu_writable,
		.dirty = p.writable_now,
	};
	if (!mmu_set_leaf(vm, sp, idx, slot, spte_make_leaf(vm->fmt, &a), l->gfn,
			  sp->role.direct ? 0 : l->gpte, 1))
		return MMU_FAULT_NOMEM;
	if (!spte_writable(vm->fmt, sp->spt[idx]))
		return write ? MMU_FAULT_EMULATE : MMU_FAULT_FIXED;
	memslot_mark_dirty(slot, l->gfn);
	return MMU_FAULT_FIXED;
}

static enum mmu_fault_result map_leaf(struct mmu_vcpu *vcpu, struct mmu_fault *f,
				      const struct guest_walk *w, struct mmu_memslot *slot,
				      struct mmu_page *sp, unsigned int idx)
{
	const struct shadow_leaf l = {
		.gfn = w->gpa >> 12,
		.slot = slot,
		.gpte = w->level ? w->pte[w->level - 1] : PTE_D,
		.access = w->access & ACC_ALL,
	};
	enum mmu_fault_result r = set_shadow_leaf(vcpu, sp, idx, &l, f);

	if (r == MMU_FAULT_FIXED)
		vcpu->vm->stats.faults_fixed++;
	return r;
}

/* Whether the vCPU pages in the mode and with the EFER.NXE that @sp was built for. */
static bool guest_pages_as(const struct mmu_vcpu *vcpu, const struct mmu_page *sp)
{
	static const u8 levels[] = {
		[GUEST_PAGING_OFF] = 0,	   [GUEST_PAGING_32] = 2,     [GUEST_PAGING_PAE] = 3,
		[GUEST_PAGING_4LEVEL] = 4, [GUEST_PAGING_5LEVEL] = 5,
	};
	const struct guest_paging_state *g = vcpu->guest;

	return levels[guest_paging_mode(g->cr0, g->cr4, g->efer)] == sp->role.guest_levels &&
	       !!(g->efer & EFER_NXE) == sp->role.efer_nx;
}

/*
 * Sync and emulated writes: re-derives the present entry @idx of the 4 KiB-level indirect page
 * @sp from the guest's new entry @gpte, as a read fault through it would, when @gpte alone
 * decides the result: present, no reserved bit (the vCPU must page as @sp was built for, since
 * its state gives the reserved bits), accessed (else the walk must set A first), and naming a
 * frame in a memslot. The rest of the path is what @sp's role says: its upper guest entries
 * are write-tracked, so a change there would have unlinked @sp. Returns false otherwise, or
 * when memory ran out: the caller drops the entry and the next access walks afresh.
 */
bool mmu_prefetch_leaf(struct mmu_vcpu *vcpu, struct mmu_page *sp, unsigned int idx, u64 gpte)
{
	const struct mmu_fault read = { .kind = GUEST_ACCESS_READ };
	struct shadow_leaf l;

	KEEL_BUG_ON(sp->role.level != 1 || sp->role.direct);
	if (!(gpte & PTE_P) || !(gpte & PTE_A) || mmu_page_obsolete(vcpu->vm, sp) ||
	    !guest_pages_as(vcpu, sp) || guest_pte_reserved(vcpu->guest, 1, gpte))
		return false;
	l.gfn = gpte_table_gfn(gpte, sp->role.gpte_4byte);
	l.slot = memslot_find(vcpu->vm, l.gfn);
	if (!l.slot)
		return false;
	l.gpte = gpte;
	l.access = sp->role.access & gpte_access(gpte, sp->role.efer_nx);
	return set_shadow_leaf(vcpu, sp, idx, &l, &read) == MMU_FAULT_FIXED;
}

/* Builds (or reuses) the shadow from the root down to the 4 KiB SPTE for the walk's address. */
static enum mmu_fault_result shadow_map(struct mmu_vcpu *vcpu, struct mmu_fault *f,
					const struct guest_walk *w, struct mmu_memslot *slot)
{
	struct mmu_page *sp = mmu_top_page(vcpu, w->gva);
	unsigned int idx;
	u64 *sptep;

	/* The guest's tables became RAM after the root was chosen: load it next time. */
	if (!sp)
		return MMU_FAULT_RETRY;
	for (;;) {
		sp->write_flood = 0;
		idx = shadow_index(w->gva, sp->role.level);
		sptep = &sp->spt[idx];
		if (sp->role.level == 1)
			return map_leaf(vcpu, f, w, slot, sp, idx);
		if (!spte_present(*sptep)) {
			struct mmu_page *child = get_child(vcpu, sp, w);

			if (!child || !mmu_link_child(vcpu->vm, sp, idx, child))
				return MMU_FAULT_NOMEM;
		}
		sp = mmu_page_child(sp, idx);
	}
}

enum mmu_fault_result mmu_shadow_fault(struct mmu_vcpu *vcpu, struct mmu_fault *f)
{
	struct guest_walk w;
	struct mmu_memslot *slot;

	switch (guest_walk(&w, &vcpu->mem, vcpu->guest, f->addr, f->kind, f->walk_flags)) {
	case GUEST_WALK_OK:
		break;
	case GUEST_WALK_FAULT:
		f->error_code = w.error_code;
		return MMU_FAULT_INJECT_PF;
	case GUEST_WALK_UNBACKED:
		return MMU_FAULT_EMULATE;
	case GUEST_WALK_RETRY:
		return MMU_FAULT_RETRY;
	}
	f->gpa = w.gpa;
	slot = memslot_find(vcpu->vm, w.gpa >> 12);
	if (!slot)
		return MMU_FAULT_EMULATE;
	return shadow_map(vcpu, f, &w, slot);
}
