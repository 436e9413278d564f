/* SPDX-License-Identifier: GPL-2.0-only */
/* The MMU unit tests' fixture: one VM with one vCPU and a memslot, guest RAM and tables if shadow.
 */
#ifndef KEEL_TESTS_MMU_FIXTURE_H
#define KEEL_TESTS_MMU_FIXTURE_H

#include <arch/paging.h>
#include <vmm/mmu/mmu.h>

#include "guest_mem.h"

/* How fixture_map() links the guest tables it adds, and the rights of a plain data page. */
#define TABLE_FLAGS (PTE_W | PTE_U)
#define DATA_FLAGS  (PTE_P | PTE_W | PTE_U | PTE_A | PTE_D)

/*
 * The test program's VM, built afresh by each test's setup. Memslot 0 maps GPA 0 onwards to
 * host_base. With shadow paging, gm holds that much guest RAM, gpt empty guest page tables in
 * it, and st the vCPU's paging state: CR0.PG/PE/WP, the CR4 and EFER bits of gpt's mode, CR3 on
 * gpt's root, MAXPHYADDR 46. With TDP, gm is NULL and the vCPU has no paging state.
 */
struct mmu_fixture {
	struct guest_mem *gm;
	struct gpt gpt;
	struct guest_paging_state st;
	struct mmu_vm vm;
	struct mmu_vcpu vcpu;
};

extern struct mmu_fixture env;

/* Each resets the fake platform, then builds env for one mode (asserting on failure). */
void fixture_start_tdp(u64 slot_pages, u64 host_base);
void fixture_start_shadow(enum guest_paging_mode mode, u64 ram_frames, u64 host_base);
/*
 * The tests' cmocka teardown: checks the MMU's invariants, destroys the vCPU and the VM, runs a
 * grace period, and asserts that no table page or object is left allocated; then frees the
 * guest RAM, if any.
 */
int fixture_teardown(void **state);

/* Maps @gva to frame @gfn with @flags by a 4 KiB guest PTE; returns the PTE's GPA. */
u64 fixture_map(u64 gva, u64 gfn, u64 flags);

#endif
