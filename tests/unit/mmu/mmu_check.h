/* SPDX-License-Identifier: GPL-2.0-only */
/* Structural invariant checks over a live MMU, shared by the unit tests and the model test. */
#ifndef KEEL_TESTS_MMU_MMU_CHECK_H
#define KEEL_TESTS_MMU_MMU_CHECK_H

#include <vmm/mmu/internal.h>

/*
 * Each returns the number of violations found and, for the first one, a description in
 * mmu_check_msg. Checked: unsync_children equals the population of unsync_child_bitmap and
 * every set bit leads to unsync state; only 4 KiB-level, non-root, indirect pages are unsync,
 * each on exactly one CPU's record; parent PTE lists and table SPTEs agree both ways; rmaps and
 * present leaf SPTEs are in bijection; frames shadowed by a synced page are mapped read-only;
 * no obsolete page is reachable from a vCPU's valid root.
 */
extern char mmu_check_msg[256];

unsigned int mmu_check_vm(struct mmu_vm *vm);
/*
 * Walks @vcpu's shadow tables for @addr as the CPU would (through the PAE root if any). Returns
 * the leaf SPTE, or 0 when the CPU would fault on a not-present entry; *access gets the rights
 * combined over every level (ACC_*).
 */
u64 mmu_shadow_lookup(struct mmu_vcpu *vcpu, u64 addr, unsigned int *access);
unsigned int mmu_check_vcpu(struct mmu_vcpu *vcpu);

#endif
