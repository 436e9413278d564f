/* SPDX-License-Identifier: GPL-2.0-only */
/* Write windows: a tracked frame written natively by one guest instruction, then diffed. */
#include "internal.h"

/*
 * Keel has no instruction emulator. A write that would need one (a guest page-table edit the
 * shadow cannot leave to unsync: an upper-level table, a live root, a VM with unsync off) runs
 * natively instead, alone: the one leaf SPTE that maps the written address in the vCPU's root
 * becomes writable, the vCPU runs one instruction (the caller arranges a single step where
 * it can) and the window closes at the next exit, whatever that exit is. Closing puts the SPTE
 * back to read-only and flushes every CPU that may cache it before the frame is compared with the
 * snapshot taken at opening: nothing can write the frame any more while it is compared, and
 * every entry that differs, whoever wrote it and however (string instructions, CMPXCHG8B,
 * misaligned stores, an instruction that faulted half-way), goes to the write tracking exactly
 * as an emulated write of that entry would.
 *
 * A window makes an SPTE writable without its MMU_WRITABLE bit, a combination nothing else
 * creates: closing restores every such SPTE of the frame through its rmap, so it finds the
 * window's SPTE even when the root it was reached from has been zapped and reloaded since.
 */

#define FRAME_WORDS (4096 / sizeof(u64))

static bool window_on_frame(struct mmu_vm *vm, gfn_t gfn)
{
	struct list_head *pos;

	list_for_each (pos, &vm->windows) {
		if (list_entry(pos, struct mmu_write_window, link)->gfn == gfn)
			return true;
	}
	return false;
}

/* The present leaf SPTE that translates @gva in @vcpu's current shadow, or NULL. */
static u64 *leaf_sptep(struct mmu_vcpu *vcpu, u64 gva)
{
	struct mmu_page *sp = mmu_top_page(vcpu, gva);

	if (!sp || mmu_page_obsolete(vcpu->vm, sp))
		return NULL;
	for (;;) {
		u64 *sptep = &sp->spt[shadow_index(gva, sp->role.level)];

		if (!spte_present(*sptep))
			return NULL;
		if (spte_is_leaf(*sptep))
			return sptep;
		sp = spte_child(*sptep);
	}
}

/* The guest memory interface reads naturally aligned 8-byte words only. */
static bool read_frame(struct mmu_vcpu *vcpu, gfn_t gfn, u64 *buf)
{
	unsigned int i;

	for (i = 0; i < FRAME_WORDS; i++)
		if (vcpu->mem.ops->read(vcpu->mem.ctx, (gfn << 12) + i * sizeof(u64), &buf[i],
					sizeof(u64)))
			return false;
	return true;
}

static enum mmu_window_result open_locked(struct mmu_vcpu *vcpu, u64 gva, gfn_t gfn)
{
	struct mmu_vm *vm = vcpu->vm;
	struct mmu_write_window *w = &vcpu->window;
	struct mmu_memslot *slot = memslot_find(vm, gfn);
	u64 *sptep;

	KEEL_BUG_ON(w->open);
	if (vm->mode != MMU_MODE_SHADOW || !slot)
		return MMU_WINDOW_REFUSED;
	/* Two snapshots of one frame could each miss what the other's instruction wrote. */
	if (window_on_frame(vm, gfn))
		return MMU_WINDOW_BUSY;
	sptep = leaf_sptep(vcpu, gva);
	if (!sptep || (slot->flags & MEMSLOT_READONLY) ||
	    mmu_page_spte_gfn(sptep_to_page(sptep), spte_index(sptep)) != gfn)
		return MMU_WINDOW_REFUSED;
	if (!w->snapshot.va && !mmu_plat_table_alloc(&w->snapshot, NULL))
		return MMU_WINDOW_NOMEM;
	if (!read_frame(vcpu, gfn, w->snapshot.va))
		return MMU_WINDOW_REFUSED;
	/* More rights than the TLB may hold: no flush (a stale entry faults and is refetched). */
	__atomic_fetch_or(sptep, vm->fmt->writable | vm->fmt->dirty, __ATOMIC_ACQ_REL);
	memslot_mark_dirty(slot, gfn);
	w->gfn = gfn;
	w->gva = gva;
	w->open = true;
	list_add(&w->link, &vm->windows);
	vm->stats.windows++;
	return MMU_WINDOW_OPEN;
}

enum mmu_window_result mmu_write_window_open(struct mmu_vcpu *vcpu, u64 gva, u64 gpa)
{
	enum mmu_window_result r;

	mmu_plat_lock(&vcpu->vm->lock);
	r = open_locked(vcpu, gva, gpa >> 12);
	mmu_plat_unlock(&vcpu->vm->lock);
	return r;
}

/* Lock-held, but the CPU may set A or D in the entry meanwhile: a compare-and-exchange loop. */
static void unwind_one(u64 *sptep, void *arg)
{
	const struct spte_format *fmt = arg;
	u64 old = __atomic_load_n(sptep, __ATOMIC_ACQUIRE);

	while (spte_present(old) && spte_writable(fmt, old) && !(old & fmt->sw_mmu_writable)) {
		if (__atomic_compare_exchange_n(sptep, &old, old & ~fmt->writable, false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return;
	}
}

static void unwind_sptes(struct mmu_vm *vm, gfn_t gfn)
{
	unsigned int level;

	for (level = 1; level <= MMU_MAX_HUGE_LEVEL; level++) {
		u64 *head = mmu_gfn_rmap(vm, gfn, level);

		if (head)
			pte_list_walk(head, unwind_one, (void *)vm->fmt);
	}
}

/* Entry sizes (bit 4: 4-byte, bit 8: 8-byte) of the valid shadow pages of @gfn. */
static unsigned int entry_sizes(struct mmu_vm *vm, gfn_t gfn)
{
	unsigned int sizes = 0;
	struct mmu_page *sp;

	for_each_gfn_page(vm, sp, gfn)
	{
		if (sp->role.direct || mmu_page_obsolete(vm, sp))
			continue;
		sizes |= sp->role.gpte_4byte ? GPT32_ENTRY_SIZE : GPT64_ENTRY_SIZE;
	}
	return sizes;
}

/*
 * One 8-byte word at @gpa changed by @diff: each changed entry is written, for the write
 * tracking, in the entry size of the pages that shadow the frame (a frame shadowed in both
 * formats gets both, and write_track.c zaps the pages the other size is partial to).
 */
static void track_word(struct mmu_vcpu *vcpu, u64 gpa, u64 diff, unsigned int sizes)
{
	if (sizes & GPT64_ENTRY_SIZE)
		track_write_locked(vcpu, gpa, GPT64_ENTRY_SIZE);
	if (!(sizes & GPT32_ENTRY_SIZE))
		return;
	if ((u32)diff)
		track_write_locked(vcpu, gpa, GPT32_ENTRY_SIZE);
	if (diff >> 32)
		track_write_locked(vcpu, gpa + GPT32_ENTRY_SIZE, GPT32_ENTRY_SIZE);
}

static unsigned int close_locked(struct mmu_vcpu *vcpu)
{
	struct mmu_vm *vm = vcpu->vm;
	struct mmu_write_window *w = &vcpu->window;
	const u64 *before = w->snapshot.va;
	unsigned int i, changed = 0, sizes;

	if (!w->open)
		return 0;
	unwind_sptes(vm, w->gfn);
	this_cpu_state(vm)->zap_flush |= vm->cpus_loaded | BIT(vcpu->cpu);
	mmu_commit_zap(vm);
	list_del(&w->link);
	w->open = false;
	sizes = entry_sizes(vm, w->gfn);
	for (i = 0; i < FRAME_WORDS; i++) {
		u64 gpa = (w->gfn << 12) + i * sizeof(u64), now;

		if (vcpu->mem.ops->read(vcpu->mem.ctx, gpa, &now, sizeof(now)) || now == before[i])
			continue;
		changed++;
		track_word(vcpu, gpa, now ^ before[i], sizes);
	}
	vm->stats.window_words += changed;
	return changed;
}

unsigned int mmu_write_window_close(struct mmu_vcpu *vcpu)
{
	unsigned int changed;

	mmu_plat_lock(&vcpu->vm->lock);
	changed = close_locked(vcpu);
	mmu_plat_unlock(&vcpu->vm->lock);
	return changed;
}

/* The vCPU goes away (its VM stopped, perhaps with a window open): close it, free the snapshot. */
void write_window_destroy_locked(struct mmu_vcpu *vcpu)
{
	close_locked(vcpu);
	if (vcpu->window.snapshot.va)
		mmu_plat_table_free(&vcpu->window.snapshot);
	vcpu->window.snapshot.va = NULL;
}
