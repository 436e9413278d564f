/* SPDX-License-Identifier: GPL-2.0-only */
/* A plain reference guest page-table walker, for differential tests of vmm/mmu/walk.c. */
#ifndef KEEL_TESTS_MMU_REF_WALK_H
#define KEEL_TESTS_MMU_REF_WALK_H

#include <vmm/mmu/walk.h>

/*
 * Same contract and result as guest_walk(), written separately and plainly: one function per
 * paging mode, reserved bits and access rights spelled out case by case from SDM Vol. 3A
 * chapter 4. It assumes a single-threaded guest memory (a failed cmpxchg is reported as
 * GUEST_WALK_RETRY, which guest_walk() would only return after repeated changes).
 */
enum guest_walk_status ref_walk(struct guest_walk *w, const struct guest_mem_access *mem,
				const struct guest_paging_state *st, u64 gva,
				enum guest_access_kind kind, unsigned int flags);

#endif
