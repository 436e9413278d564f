/* SPDX-License-Identifier: GPL-2.0-only */
/* The MMU's public entry points: VM and vCPU lifetime, and the locked wrappers of every call. */
#include "internal.h"
#include <string.h>

int mmu_vm_init(struct mmu_vm *vm, enum mmu_mode mode)
{
	unsigned int cpu;

	if (mmu_plat_cpu_count() > MMU_MAX_CPUS)
		return MMU_EINVAL;
	memset(vm, 0, sizeof(*vm));
	vm->mode = mode;
	vm->fmt = mode == MMU_MODE_TDP ? &spte_format_ept : &spte_format_x86;
	list_init(&vm->active);
	list_init(&vm->windows);
	for (cpu = 0; cpu < MMU_MAX_CPUS; cpu++) {
		list_init(&vm->cpu[cpu].zap_list);
		list_init(&vm->cpu[cpu].unsync_list);
	}
	return MMU_OK;
}

void mmu_vm_set_unsync(struct mmu_vm *vm, bool allowed)
{
	mmu_plat_lock(&vm->lock);
	vm->no_unsync = !allowed;
	mmu_plat_unlock(&vm->lock);
}

/* Zaps every page (roots are gone with their vCPUs), frees the slots and the block cache. */
void mmu_vm_destroy(struct mmu_vm *vm)
{
	unsigned int id;

	mmu_plat_lock(&vm->lock);
	while (!list_empty(&vm->active))
		mmu_prepare_zap(vm, list_entry(vm->active.prev, struct mmu_page, link));
	mmu_commit_zap(vm);
	for (id = 0; id < MMU_MAX_MEMSLOTS; id++)
		if (vm->slots.slot[id].used)
			memslot_delete_locked(vm, id);
	pte_list_cache_destroy(&vm->desc_cache);
	mmu_plat_unlock(&vm->lock);
}

void mmu_vcpu_init(struct mmu_vcpu *vcpu, struct mmu_vm *vm, unsigned int cpu,
		   struct guest_paging_state *guest, const struct guest_mem_access *mem)
{
	memset(vcpu, 0, sizeof(*vcpu));
	vcpu->vm = vm;
	vcpu->cpu = cpu;
	vcpu->guest = guest;
	if (mem)
		vcpu->mem = *mem;
}

void mmu_vcpu_destroy(struct mmu_vcpu *vcpu)
{
	struct mmu_vm *vm = vcpu->vm;

	mmu_plat_lock(&vm->lock);
	write_window_destroy_locked(vcpu);
	mmu_drop_roots(vcpu, false);
	mmu_commit_zap(vm);
	if (vcpu->pae_root.va)
		mmu_plat_table_free(&vcpu->pae_root);
	vcpu->pae_root.va = NULL;
	mmu_plat_unlock(&vm->lock);
}

int mmu_load_root(struct mmu_vcpu *vcpu)
{
	int ret;

	mmu_plat_lock(&vcpu->vm->lock);
	ret = load_root_locked(vcpu);
	mmu_plat_unlock(&vcpu->vm->lock);
	return ret;
}

enum mmu_fault_result mmu_page_fault(struct mmu_vcpu *vcpu, struct mmu_fault *f)
{
	struct mmu_vm *vm = vcpu->vm;
	enum mmu_fault_result ret;

	mmu_plat_lock(&vm->lock);
	vm->stats.faults++;
	if (vm->nr_obsolete)
		reclaim_obsolete_locked(vm, MMU_RECLAIM_BATCH);
	if (load_root_locked(vcpu) == MMU_ENOMEM) {
		ret = MMU_FAULT_NOMEM;
	} else if (vm->mode == MMU_MODE_TDP) {
		ret = mmu_tdp_fault(vcpu, f);
	} else {
		ret = mmu_shadow_fault(vcpu, f);
	}
	mmu_commit_zap(vm);
	mmu_plat_unlock(&vm->lock);
	return ret;
}

void mmu_cr3_load(struct mmu_vcpu *vcpu, u64 new_cr3)
{
	mmu_plat_lock(&vcpu->vm->lock);
	cr3_load_locked(vcpu, new_cr3);
	mmu_plat_unlock(&vcpu->vm->lock);
}

void mmu_invlpg(struct mmu_vcpu *vcpu, u64 gva)
{
	mmu_plat_lock(&vcpu->vm->lock);
	invlpg_locked(vcpu, gva);
	mmu_plat_unlock(&vcpu->vm->lock);
}

void mmu_flush_guest_tlb(struct mmu_vcpu *vcpu, bool all_contexts)
{
	mmu_plat_lock(&vcpu->vm->lock);
	flush_guest_tlb_locked(vcpu, all_contexts);
	mmu_plat_unlock(&vcpu->vm->lock);
}

void mmu_paging_changed(struct mmu_vcpu *vcpu)
{
	mmu_plat_lock(&vcpu->vm->lock);
	paging_changed_locked(vcpu);
	mmu_plat_unlock(&vcpu->vm->lock);
}

void mmu_track_write(struct mmu_vcpu *vcpu, u64 gpa, unsigned int len)
{
	mmu_plat_lock(&vcpu->vm->lock);
	track_write_locked(vcpu, gpa, len);
	mmu_plat_unlock(&vcpu->vm->lock);
}

bool mmu_unprotect_gfn(struct mmu_vm *vm, gfn_t gfn)
{
	bool zapped;

	mmu_plat_lock(&vm->lock);
	zapped = unprotect_gfn_locked(vm, gfn);
	mmu_plat_unlock(&vm->lock);
	return zapped;
}

void mmu_zap_all(struct mmu_vm *vm)
{
	mmu_plat_lock(&vm->lock);
	invalidate_all_locked(vm);
	mmu_plat_unlock(&vm->lock);
}

u64 mmu_reclaim_obsolete(struct mmu_vm *vm, u64 budget)
{
	u64 left;

	mmu_plat_lock(&vm->lock);
	left = reclaim_obsolete_locked(vm, budget);
	mmu_plat_unlock(&vm->lock);
	return left;
}

int mmu_memslot_add(struct mmu_vm *vm, unsigned int id, gfn_t base_gfn, u64 npages, paddr_t host_pa,
		    u32 flags)
{
	int ret;

	mmu_plat_lock(&vm->lock);
	ret = memslot_add_locked(vm, id, base_gfn, npages, host_pa, flags);
	mmu_plat_unlock(&vm->lock);
	return ret;
}

int mmu_memslot_delete(struct mmu_vm *vm, unsigned int id)
{
	int ret;

	mmu_plat_lock(&vm->lock);
	ret = memslot_delete_locked(vm, id);
	mmu_plat_unlock(&vm->lock);
	return ret;
}

int mmu_memslot_move(struct mmu_vm *vm, unsigned int id, gfn_t new_base_gfn)
{
	int ret;

	mmu_plat_lock(&vm->lock);
	ret = memslot_move_locked(vm, id, new_base_gfn);
	mmu_plat_unlock(&vm->lock);
	return ret;
}

int mmu_dirty_log_start(struct mmu_vm *vm, unsigned int id)
{
	int ret;

	mmu_plat_lock(&vm->lock);
	ret = dirty_log_start_locked(vm, id);
	mmu_plat_unlock(&vm->lock);
	return ret;
}

int mmu_dirty_log_stop(struct mmu_vm *vm, unsigned int id)
{
	int ret;

	mmu_plat_lock(&vm->lock);
	ret = dirty_log_stop_locked(vm, id);
	mmu_plat_unlock(&vm->lock);
	return ret;
}
