/* SPDX-License-Identifier: GPL-2.0-only */
/* Sync: re-reading unsync pages from the guest at its TLB flushes, along the marked paths only. */
#include "internal.h"

/* Where the guest entry behind SPTE @idx of the 4 KiB-level page @sp lives. */
static u64 gpte_gpa(const struct mmu_page *sp, unsigned int idx, unsigned int *size)
{
	u64 table = sp->gfn << 12;

	if (sp->role.gpte_4byte) {
		*size = GPT32_ENTRY_SIZE;
		return table + ((sp->role.quadrant << 9) + idx) * GPT32_ENTRY_SIZE;
	}
	*size = GPT64_ENTRY_SIZE;
	return table + idx * GPT64_ENTRY_SIZE;
}

/*
 * Whether replacing SPTE @old by @new (0: dropped) can leave a CPU writing a frame through a
 * stale TLB entry that no rmap names any more: write tracking would then miss its writes.
 */
static bool leaves_stale_writable(const struct spte_format *fmt, u64 old, u64 new)
{
	if (!spte_writable(fmt, old))
		return false;
	return !spte_writable(fmt, new) || spte_addr(new) != spte_addr(old);
}

/*
 * Each present SPTE was derived from the guest entry recorded in sp->gptes. An entry the guest
 * has changed since is derived again in place, as a read fault would (mmu_prefetch_leaf()), so
 * the next access does not fault; one that cannot be (not present, reserved bits, A clear, no
 * memslot, unreadable) is dropped and refaults through the walker. Other CPUs may still cache a
 * changed entry, which the guest's own TLB rules allow, except for a writable one: those CPUs
 * are flushed with the batch. Then the page is write-protected again and is no longer unsync.
 */
bool mmu_sync_page(struct mmu_vcpu *vcpu, struct mmu_page *sp)
{
	struct mmu_vm *vm = vcpu->vm;
	unsigned int i, size;
	bool flush = false;

	KEEL_BUG_ON(!sp->unsync || sp->role.level != 1);
	for (i = 0; i < SPTE_ENTRIES; i++) {
		u64 old = sp->spt[i];
		u64 gpte = 0;

		if (!spte_present(old))
			continue;
		if (vcpu->mem.ops->read(vcpu->mem.ctx, gpte_gpa(sp, i, &size), &gpte, size)) {
			gpte = 0;
		} else if (gpte == sp->gptes[i]) {
			continue;
		}
		if (mmu_prefetch_leaf(vcpu, sp, i, gpte)) {
			vm->stats.sync_updated++;
		} else {
			mmu_drop_spte_in(vm, sp, i);
			vm->stats.sync_zapped++;
		}
		flush |= leaves_stale_writable(vm->fmt, old, sp->spt[i]);
	}
	mmu_clear_unsync(vm, sp);
	if (mmu_write_protect_gfn(vm, sp->gfn, false) || flush)
		this_cpu_state(vm)->zap_flush |= vm->cpus_loaded;
	vm->stats.syncs++;
	return true;
}

static unsigned int first_marked(const struct mmu_page *sp)
{
	unsigned int w;

	for (w = 0; w < SPTE_BITMAP_WORDS; w++)
		if (sp->unsync_child_bitmap[w])
			return w * 64 + __builtin_ctzll(sp->unsync_child_bitmap[w]);
	KEEL_BUG();
}

/* Syncs every unsync page below @parent, visiting only slots whose bit is set. */
void mmu_sync_children(struct mmu_vcpu *vcpu, struct mmu_page *parent)
{
	/* Only 4 KiB pages are ever unsync; a root or any table above them never is. */
	KEEL_BUG_ON(parent->unsync);
	while (parent->unsync_children) {
		struct mmu_page *child = mmu_page_child(parent, first_marked(parent));

		if (child->unsync)
			mmu_sync_page(vcpu, child);
		else
			mmu_sync_children(vcpu, child);
	}
}

struct mmu_page *mmu_top_page(struct mmu_vcpu *vcpu, u64 addr)
{
	if (vcpu->root)
		return vcpu->root;
	if (!vcpu->root_pa)
		return NULL;
	return vcpu->pae_pages[(addr >> 30) & (MMU_PAE_ROOTS - 1)];
}

/* INVLPG: the one SPTE for @gva in an unsync page is dropped; it refaults from the guest. */
void invlpg_locked(struct mmu_vcpu *vcpu, u64 gva)
{
	struct mmu_page *sp = mmu_top_page(vcpu, gva);

	if (vcpu->vm->mode == MMU_MODE_TDP)
		return;
	while (sp) {
		unsigned int idx = shadow_index(gva, sp->role.level);
		u64 *sptep = &sp->spt[idx];

		if (!spte_present(*sptep))
			break;
		if (spte_is_leaf(*sptep)) {
			if (sp->unsync)
				mmu_drop_spte_in(vcpu->vm, sp, idx);
			break;
		}
		sp = mmu_page_child(sp, idx);
	}
	vcpu->vm->stats.flush_requests++;
	mmu_plat_flush_tlbs(BIT(vcpu->cpu));
}
