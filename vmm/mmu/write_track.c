/* SPDX-License-Identifier: GPL-2.0-only */
/* Write tracking of guest page-table frames, write emulation into the shadow, write-flood
 * detection. */
#include "internal.h"

static u16 *track_count(struct mmu_vm *vm, gfn_t gfn)
{
	struct mmu_memslot *slot = memslot_find(vm, gfn);

	KEEL_BUG_ON(!slot);
	return &slot->write_track[gfn - slot->base_gfn];
}

/*
 * A new indirect page shadows @gfn: from now on every SPTE mapping it is read-only. The frame
 * is write-protected even when already tracked, since unsync pages of it left it writable.
 */
void mmu_track_gfn(struct mmu_vm *vm, gfn_t gfn)
{
	u16 *n = track_count(vm, gfn);

	KEEL_BUG_ON(*n == 0xffff);
	(*n)++;
	if (mmu_write_protect_gfn(vm, gfn, false))
		this_cpu_state(vm)->zap_flush |= vm->cpus_loaded;
}

void mmu_untrack_gfn(struct mmu_vm *vm, gfn_t gfn)
{
	u16 *n = track_count(vm, gfn);

	KEEL_BUG_ON(*n == 0);
	(*n)--;
}

bool mmu_gfn_write_tracked(struct mmu_vm *vm, gfn_t gfn)
{
	struct mmu_memslot *slot = memslot_find(vm, gfn);

	return slot && memslot_gfn_tracked(slot, gfn);
}

/* The SPTEs of @sp that the guest entry at byte @offset of its table feeds; returns how many. */
static unsigned int affected_sptes(const struct mmu_page *sp, unsigned int offset,
				   unsigned int *first)
{
	unsigned int g;

	if (!sp->role.gpte_4byte) {
		*first = offset / GPT64_ENTRY_SIZE;
		return 1;
	}
	g = offset / GPT32_ENTRY_SIZE;
	if (sp->role.level == 1) {
		*first = g & (SPTE_ENTRIES - 1);
		return (g >> 9) == sp->role.quadrant;
	}
	/* A 4-byte PDE maps 4 MiB: two 2 MiB slots of the quarter of the table it falls in. */
	*first = (g & 255) * 2;
	return (g >> 8) == sp->role.quadrant ? 2 : 0;
}

static bool write_is_partial(const struct mmu_page *sp, u64 gpa, unsigned int len)
{
	unsigned int size = sp->role.gpte_4byte ? GPT32_ENTRY_SIZE : GPT64_ENTRY_SIZE;

	return (gpa & (size - 1)) || len != size;
}

/*
 * The guest wrote a tracked frame through the emulator. Every valid shadow page of the frame
 * updates the SPTEs the written entry fed: a 4 KiB-level page derives its entry again from the
 * new value where mmu_prefetch_leaf() can, else (and at upper levels, where the entry links a
 * child) the SPTE is dropped and the next access refaults it. A write that is not one whole
 * entry, or the MMU_WRITE_FLOOD_LIMIT-th write with no fault using the page in between, means
 * the guest is using the frame for something else: the page goes.
 */
static struct mmu_page *find_flooded(struct mmu_vm *vm, gfn_t gfn)
{
	struct mmu_page *sp;

	for_each_gfn_page(vm, sp, gfn)
	{
		if (!sp->role.direct && sp->write_flood >= MMU_WRITE_FLOOD_LIMIT)
			return sp;
	}
	return NULL;
}

/* The whole guest entry at @gpa, @len bytes, was written: SPTE @idx of @sp follows it. */
static void written_entry_changed(struct mmu_vcpu *vcpu, struct mmu_page *sp, unsigned int idx,
				  u64 gpa, unsigned int len)
{
	struct mmu_vm *vm = vcpu->vm;
	u64 gpte = 0;

	if (!spte_present(sp->spt[idx]))
		return;
	if (sp->role.level == 1 && !vcpu->mem.ops->read(vcpu->mem.ctx, gpa, &gpte, len) &&
	    mmu_prefetch_leaf(vcpu, sp, idx, gpte))
		vm->stats.write_updated++;
	else
		mmu_drop_spte_in(vm, sp, idx);
	this_cpu_state(vm)->zap_flush |= vm->cpus_loaded;
}

void track_write_locked(struct mmu_vcpu *vcpu, u64 gpa, unsigned int len)
{
	struct mmu_vm *vm = vcpu->vm;
	gfn_t gfn = gpa >> 12;
	struct mmu_page *sp;

	if (vm->mode == MMU_MODE_TDP)
		return;
	vm->stats.emulated_writes++;
	for_each_gfn_page(vm, sp, gfn)
	{
		unsigned int first, n, i;

		if (sp->role.direct || mmu_page_obsolete(vm, sp))
			continue;
		if (write_is_partial(sp, gpa, len) || ++sp->write_flood >= MMU_WRITE_FLOOD_LIMIT) {
			sp->write_flood = MMU_WRITE_FLOOD_LIMIT;
			continue;
		}
		n = affected_sptes(sp, gpa & 0xfff, &first);
		for (i = 0; i < n; i++)
			written_entry_changed(vcpu, sp, first + i, gpa, len);
	}
	/* Zapping one page may zap others of the frame: look the next one up afresh each time. */
	while ((sp = find_flooded(vm, gfn))) {
		vm->stats.write_floods++;
		mmu_prepare_zap(vm, sp);
	}
	mmu_commit_zap(vm);
}

/*
 * Keel has no instruction emulator: a write that needs one instead stops being tracked. Every
 * valid shadow page of the frame is zapped (the guest has stopped using it as a table, or will
 * see its edit refaulted in), so the next attempt of the write finds the frame untracked and
 * maps it writable; a later walk through the frame tracks it again. Returns whether any page
 * went, which is what makes a retry worthwhile.
 */
bool unprotect_gfn_locked(struct mmu_vm *vm, gfn_t gfn)
{
	struct mmu_page *sp;
	bool zapped = false;

	if (vm->mode == MMU_MODE_TDP)
		return false;
again:
	for_each_gfn_page(vm, sp, gfn)
	{
		if (sp->role.direct || mmu_page_obsolete(vm, sp))
			continue;
		mmu_prepare_zap(vm, sp);
		vm->stats.unprotects++;
		zapped = true;
		goto again;
	}
	mmu_commit_zap(vm);
	return zapped;
}
