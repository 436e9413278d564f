/* SPDX-License-Identifier: GPL-2.0-only */
/* Functions the MMU's files share with each other and with the hosted tests, not with callers. */
#ifndef KEEL_VMM_MMU_INTERNAL_H
#define KEEL_VMM_MMU_INTERNAL_H

#include "mmu.h"

/* page.c: allocation, the gfn hash, identity */
struct mmu_page *mmu_page_alloc(struct mmu_vm *vm, gfn_t gfn, union mmu_role role);
void mmu_page_unhash(struct mmu_vm *vm, struct mmu_page *sp);
struct mmu_page *mmu_page_find(struct mmu_vm *vm, gfn_t gfn, union mmu_role role);
struct mmu_page **mmu_hash_bucket(struct mmu_vm *vm, gfn_t gfn);
unsigned int spte_index(const u64 *sptep);

static inline struct mmu_page *sptep_to_page(const u64 *sptep)
{
	return mmu_plat_table_owner(sptep);
}

static inline bool mmu_page_obsolete(const struct mmu_vm *vm, const struct mmu_page *sp)
{
	return sp->invalid || sp->gen != vm->gen;
}

static inline struct mmu_page *spte_child(u64 spte)
{
	return mmu_plat_table_owner(mmu_plat_table_va(spte_addr(spte)));
}

/* The page that present table SPTE @idx of @sp links: spte_child() without an owner lookup. */
static inline struct mmu_page *mmu_page_child(const struct mmu_page *sp, unsigned int idx)
{
	return sp->children[idx];
}

/* The guest frame leaf SPTE @idx of @sp maps. */
gfn_t mmu_page_spte_gfn(const struct mmu_page *sp, unsigned int idx);

#define for_each_gfn_page(vm, sp, gfn_)                               \
	for (sp = *mmu_hash_bucket(vm, gfn_); sp; sp = sp->hash_next) \
		if (sp->gfn != (gfn_)) {                              \
		} else

/* parent.c: links between shadow pages */
bool mmu_link_child(struct mmu_vm *vm, struct mmu_page *parent, unsigned int idx,
		    struct mmu_page *child);
void mmu_unlink_parent(struct mmu_vm *vm, struct mmu_page *child, u64 *parent_sptep);
void mmu_unlink_all_parents(struct mmu_vm *vm, struct mmu_page *sp);

/* rmap.c: leaf SPTEs and the reverse map */
bool mmu_set_leaf(struct mmu_vm *vm, struct mmu_page *sp, unsigned int idx,
		  struct mmu_memslot *slot, u64 spte, gfn_t gfn, u64 gpte, unsigned int level);
void mmu_drop_spte(struct mmu_vm *vm, u64 *sptep);
void mmu_drop_spte_in(struct mmu_vm *vm, struct mmu_page *sp, unsigned int idx);
bool mmu_write_protect_gfn(struct mmu_vm *vm, gfn_t gfn, bool keep_mmu_writable);
u64 *mmu_gfn_rmap(struct mmu_vm *vm, gfn_t gfn, unsigned int level);
bool mmu_write_protect_gfn_lockless(struct mmu_vm *vm, gfn_t gfn);

/* unsync.c */
void propagate_unsync_to_parents(struct mmu_vm *vm, struct mmu_page *sp);
void propagate_unsync_to_parents_from(struct mmu_vm *vm, u64 *parent_sptep);
void clear_unsync_child_bit(struct mmu_page *parent, unsigned int idx);
void mmu_mark_unsync(struct mmu_vm *vm, struct mmu_page *sp);
void mmu_clear_unsync(struct mmu_vm *vm, struct mmu_page *sp);
/* Whether a write to @gfn may be allowed by unsyncing its shadow pages (unsyncing them). */
bool mmu_try_unsync_gfn(struct mmu_vm *vm, gfn_t gfn, bool can_unsync);

static inline unsigned int shadow_index(u64 addr, unsigned int level)
{
	return (addr >> SPTE_LEVEL_SHIFT(level)) & (SPTE_ENTRIES - 1);
}

/* The page at the top of @vcpu's shadow for @addr: the root, or the PAE root's quarter. */
struct mmu_page *mmu_top_page(struct mmu_vcpu *vcpu, u64 addr);

/* sync.c */
bool mmu_sync_page(struct mmu_vcpu *vcpu, struct mmu_page *sp);
void mmu_sync_children(struct mmu_vcpu *vcpu, struct mmu_page *parent);

/* zap.c */
void mmu_prepare_zap(struct mmu_vm *vm, struct mmu_page *sp);
void mmu_commit_zap(struct mmu_vm *vm);
void mmu_put_root(struct mmu_vm *vm, struct mmu_page *sp);
void mmu_zap_spte_subtree(struct mmu_vm *vm, u64 *sptep);

/* write_track.c */
void mmu_track_gfn(struct mmu_vm *vm, gfn_t gfn);
void mmu_untrack_gfn(struct mmu_vm *vm, gfn_t gfn);

/* write_window.c */
void write_window_destroy_locked(struct mmu_vcpu *vcpu);

/* root.c */
void mmu_drop_roots(struct mmu_vcpu *vcpu, bool keep_cached);

/* tdp.c and shadow.c: the two fault paths */
enum mmu_fault_result mmu_tdp_fault(struct mmu_vcpu *vcpu, struct mmu_fault *f);
enum mmu_fault_result mmu_shadow_fault(struct mmu_vcpu *vcpu, struct mmu_fault *f);
struct mmu_page *mmu_get_shadow_page(struct mmu_vcpu *vcpu, gfn_t gfn, union mmu_role role);
bool mmu_prefetch_leaf(struct mmu_vcpu *vcpu, struct mmu_page *sp, unsigned int idx, u64 gpte);

static inline struct mmu_cpu_state *this_cpu_state(struct mmu_vm *vm)
{
	return &vm->cpu[mmu_plat_cpu_id()];
}

/* The bodies of the public calls in mmu.h, for callers that hold vm->lock. */
int load_root_locked(struct mmu_vcpu *vcpu);
void cr3_load_locked(struct mmu_vcpu *vcpu, u64 new_cr3);
void invlpg_locked(struct mmu_vcpu *vcpu, u64 gva);
void flush_guest_tlb_locked(struct mmu_vcpu *vcpu, bool all_contexts);
void paging_changed_locked(struct mmu_vcpu *vcpu);
void track_write_locked(struct mmu_vcpu *vcpu, u64 gpa, unsigned int len);
bool unprotect_gfn_locked(struct mmu_vm *vm, gfn_t gfn);
void invalidate_all_locked(struct mmu_vm *vm);
u64 reclaim_obsolete_locked(struct mmu_vm *vm, u64 budget);
int memslot_add_locked(struct mmu_vm *vm, unsigned int id, gfn_t base_gfn, u64 npages,
		       paddr_t host_pa, u32 flags);
int memslot_delete_locked(struct mmu_vm *vm, unsigned int id);
int memslot_move_locked(struct mmu_vm *vm, unsigned int id, gfn_t new_base_gfn);
int dirty_log_start_locked(struct mmu_vm *vm, unsigned int id);
int dirty_log_stop_locked(struct mmu_vm *vm, unsigned int id);

#endif
