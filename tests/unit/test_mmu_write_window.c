/* SPDX-License-Identifier: GPL-2.0-only */
/* Unit tests of write windows: one native write to a tracked frame, found by a snapshot diff. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arch/paging.h>

#include "mmu/fake_platform.h"
#include "mmu/fixture.h"
#include "mmu/mmu_check.h"

#define RAM_FRAMES 512
#define HOST_BASE  0x1000000000ULL
/* Where the tests map the guest tables they write: outside the 1 GiB the data lives in. */
#define ALIAS 0x40000000ULL

static int setup_4level(void **state)
{
	fixture_start_shadow(GUEST_PAGING_4LEVEL, RAM_FRAMES, HOST_BASE);
	return 0;
}

static int setup_32bit(void **state)
{
	fixture_start_shadow(GUEST_PAGING_32, RAM_FRAMES, HOST_BASE);
	return 0;
}

/* A fault with no invariant check: a window may be open, and its SPTE is writable. */
static enum mmu_fault_result fault(struct mmu_vcpu *vcpu, u64 gva, enum guest_access_kind kind,
				   struct mmu_fault *f)
{
	*f = (struct mmu_fault){ .addr = gva, .kind = kind };
	env.st.cpl = 0;
	return mmu_page_fault(vcpu, f);
}

static enum mmu_fault_result access(u64 gva, enum guest_access_kind kind)
{
	struct mmu_fault f;
	enum mmu_fault_result r = fault(&env.vcpu, gva, kind, &f);

	assert_int_equal(mmu_check_vm(&env.vm), 0);
	assert_int_equal(mmu_check_vcpu(&env.vcpu), 0);
	return r;
}

static u64 shadow(u64 gva)
{
	unsigned int acc;

	return mmu_shadow_lookup(&env.vcpu, gva, &acc);
}

/* Maps the guest table that holds @gva's entry at @level at ALIAS; returns the entry's GPA. */
static u64 alias_table(u64 gva, int level)
{
	u64 entry = gpt_entry_gpa(&env.gpt, gva, level);

	fixture_map(ALIAS, entry >> 12, DATA_FLAGS);
	return entry;
}

/* 0x400000 mapped and faulted in, the table holding its PDE at ALIAS; returns the PDE's GPA. */
static u64 map_with_pde_aliased(void)
{
	u64 pde_gpa;

	fixture_map(0x400000, 100, DATA_FLAGS);
	pde_gpa = alias_table(0x400000, 2);
	assert_int_equal(access(0x400000, GUEST_ACCESS_READ), MMU_FAULT_FIXED);
	return pde_gpa;
}

/* The write at @gva faults for emulation, and a window opens on it. */
static void open_window_at(u64 gva)
{
	struct mmu_fault f;

	assert_int_equal(fault(&env.vcpu, gva, GUEST_ACCESS_WRITE, &f), MMU_FAULT_EMULATE);
	assert_int_equal(mmu_write_window_open(&env.vcpu, gva, f.gpa), MMU_WINDOW_OPEN);
	assert_true(mmu_write_window_is_open(&env.vcpu));
	assert_true(shadow(gva) & PTE_W);
}

static void close_window(unsigned int changed)
{
	fake.flushed_cpus = 0;
	assert_int_equal(mmu_write_window_close(&env.vcpu), changed);
	assert_false(mmu_write_window_is_open(&env.vcpu));
	assert_true(fake.flushed_cpus & BIT(0));
	assert_int_equal(mmu_check_vm(&env.vm), 0);
	assert_int_equal(mmu_check_vcpu(&env.vcpu), 0);
}

/* A PDE rewritten in a window: the SPTE it fed goes, the alias is read-only again. */
static void upper_level_write_goes_through_window(void **state)
{
	u64 pde_gpa = map_with_pde_aliased();

	open_window_at(ALIAS + (pde_gpa & 0xfff));
	/* the guest's instruction runs natively: it clears the PDE */
	guest_mem_store(env.gm, pde_gpa, 0, 8);
	close_window(1);
	assert_false(shadow(ALIAS) & PTE_W);
	assert_int_equal(shadow(0x400000), 0);
	assert_true(mmu_gfn_write_tracked(&env.vm, pde_gpa >> 12));
	assert_int_equal(env.vm.stats.windows, 1);
	assert_int_equal(env.vm.stats.emulated_writes, 1);
	assert_int_equal(access(0x400000, GUEST_ACCESS_READ), MMU_FAULT_INJECT_PF);
}

/* unsync=off: a PTE rewrite lands in the shadow through the window, the SPTE updated in place. */
static void leaf_write_with_unsync_off(void **state)
{
	u64 pte_gpa = fixture_map(0x400000, 100, DATA_FLAGS);

	mmu_vm_set_unsync(&env.vm, false);
	alias_table(0x400000, 1);
	assert_int_equal(access(0x400000, GUEST_ACCESS_READ), MMU_FAULT_FIXED);
	open_window_at(ALIAS + (pte_gpa & 0xfff));
	guest_mem_store(env.gm, pte_gpa, (200 << 12) | DATA_FLAGS, 8);
	close_window(1);
	assert_int_equal(shadow(0x400000) & SPTE_ADDR_MASK, HOST_BASE + (200 << 12));
	assert_int_equal(env.vm.stats.unsync, 0);
}

/* The live root's own frame: the changed entry's SPTE goes, the root stays and keeps working. */
static void live_root_write_keeps_root(void **state)
{
	u64 pml4e_gpa;
	struct mmu_page *root;

	fixture_map(0x400000, 100, DATA_FLAGS);
	fixture_map(0x8000000000ULL, 101, DATA_FLAGS); /* PML4 slot 1 */
	pml4e_gpa = alias_table(0x8000000000ULL, 4);
	assert_int_equal(access(0x400000, GUEST_ACCESS_READ), MMU_FAULT_FIXED);
	assert_int_equal(access(0x8000000000ULL, GUEST_ACCESS_READ), MMU_FAULT_FIXED);
	root = env.vcpu.root;
	assert_int_equal(root->gfn, pml4e_gpa >> 12);
	open_window_at(ALIAS + (pml4e_gpa & 0xfff));
	guest_mem_store(env.gm, pml4e_gpa, 0, 8);
	close_window(1);
	assert_ptr_equal(env.vcpu.root, root);
	assert_false(root->invalid);
	assert_int_equal(shadow(0x8000000000ULL), 0);
	assert_int_equal(shadow(0x400000) & SPTE_ADDR_MASK, HOST_BASE + (100 << 12));
	assert_int_equal(access(0x8000000000ULL, GUEST_ACCESS_READ), MMU_FAULT_INJECT_PF);
	assert_int_equal(mmu_load_root(&env.vcpu), MMU_OK);
	assert_ptr_equal(env.vcpu.root, root);
}

/* An instruction that wrote nothing (it faulted elsewhere, or an interrupt came first). */
static void window_without_write_changes_nothing(void **state)
{
	u64 pde_gpa = map_with_pde_aliased();

	open_window_at(ALIAS + (pde_gpa & 0xfff));
	close_window(0);
	assert_false(shadow(ALIAS) & PTE_W);
	assert_true(shadow(0x400000));
	assert_int_equal(env.vm.stats.emulated_writes, 0);
	/* closing twice is harmless */
	assert_int_equal(mmu_write_window_close(&env.vcpu), 0);
}

/* A string instruction writing two entries and a misaligned store across two: each is seen. */
static void every_changed_entry_is_tracked(void **state)
{
	u64 pte0 = fixture_map(0x400000, 100, DATA_FLAGS);
	u64 pte1 = fixture_map(0x401000, 101, DATA_FLAGS);
	u64 pte2 = fixture_map(0x402000, 102, DATA_FLAGS);

	mmu_vm_set_unsync(&env.vm, false);
	alias_table(0x400000, 1);
	assert_int_equal(access(0x400000, GUEST_ACCESS_READ), MMU_FAULT_FIXED);
	assert_int_equal(access(0x401000, GUEST_ACCESS_READ), MMU_FAULT_FIXED);
	assert_int_equal(access(0x402000, GUEST_ACCESS_READ), MMU_FAULT_FIXED);
	open_window_at(ALIAS + (pte0 & 0xfff));
	guest_mem_store(env.gm, pte0, 0, 8);
	guest_mem_store(env.gm, pte1, 0, 8);
	close_window(2);
	assert_int_equal(shadow(0x400000), 0);
	assert_int_equal(shadow(0x401000), 0);
	assert_true(shadow(0x402000));
	assert_int_equal(env.vm.stats.emulated_writes, 2);
	assert_int_equal(env.vm.stats.window_words, 2);
	/* a fault through the page ends the run of writes before the flood limit */
	assert_int_equal(access(0x402000, GUEST_ACCESS_READ), MMU_FAULT_FIXED);
	/* a misaligned 8-byte store: the high half of one entry, the low half of the next */
	open_window_at(ALIAS + (pte2 & 0xfff) - 4);
	guest_mem_store(env.gm, pte2 - 4, 0xdead, 4);
	guest_mem_store(env.gm, pte2, 0, 4);
	close_window(2);
	assert_int_equal(shadow(0x402000), 0);
	assert_int_equal(env.vm.stats.write_floods, 0);
}

/* MMU_WRITE_FLOOD_LIMIT windows changing the table with no fault using it: the page goes. */
static void window_writes_count_toward_flood(void **state)
{
	u64 pte_gpa = fixture_map(0x400000, 100, DATA_FLAGS);
	unsigned int i;

	mmu_vm_set_unsync(&env.vm, false);
	alias_table(0x400000, 1);
	assert_int_equal(access(0x400000, GUEST_ACCESS_READ), MMU_FAULT_FIXED);
	for (i = 0; i < MMU_WRITE_FLOOD_LIMIT; i++) {
		open_window_at(ALIAS + ((pte_gpa + 8) & 0xfff));
		guest_mem_store(env.gm, pte_gpa + 8, i + 1, 8);
		close_window(1);
	}
	assert_int_equal(env.vm.stats.write_floods, 1);
	assert_false(mmu_gfn_write_tracked(&env.vm, pte_gpa >> 12));
	assert_int_equal(access(ALIAS, GUEST_ACCESS_WRITE), MMU_FAULT_FIXED);
}

/* 32-bit paging: 4-byte entries are tracked one by one, as whole entries (no flood). */
static void four_byte_entries(void **state)
{
	u64 pte_gpa = fixture_map(0x400000, 100, DATA_FLAGS);

	mmu_vm_set_unsync(&env.vm, false);
	alias_table(0x400000, 1);
	fixture_map(0x401000, 101, DATA_FLAGS);
	assert_int_equal(access(0x400000, GUEST_ACCESS_READ), MMU_FAULT_FIXED);
	assert_int_equal(access(0x401000, GUEST_ACCESS_READ), MMU_FAULT_FIXED);
	open_window_at(ALIAS + (pte_gpa & 0xfff));
	guest_mem_store(env.gm, pte_gpa, (200 << 12) | DATA_FLAGS, 4);
	close_window(1);
	assert_int_equal(env.vm.stats.emulated_writes, 1);
	assert_int_equal(env.vm.stats.write_floods, 0);
	assert_int_equal(shadow(0x400000) & SPTE_ADDR_MASK, HOST_BASE + (200 << 12));
	assert_int_equal(shadow(0x401000) & SPTE_ADDR_MASK, HOST_BASE + (101 << 12));
}

/* A second vCPU on another CPU retries while the frame has a window; then it gets its own. */
static void second_vcpu_waits_for_the_window(void **state)
{
	struct guest_mem_access mem = guest_mem_access_of(env.gm);
	struct mmu_vcpu other;
	struct mmu_fault f;
	u64 pde_gpa;

	fixture_map(0x400000, 100, DATA_FLAGS);
	pde_gpa = alias_table(0x400000, 2);
	mmu_vcpu_init(&other, &env.vm, 1, &env.st, &mem);
	assert_int_equal(access(0x400000, GUEST_ACCESS_READ), MMU_FAULT_FIXED);
	open_window_at(ALIAS + (pde_gpa & 0xfff));
	fake.cpu = 1;
	/* the root is shared: its fault re-derives the window's SPTE read-only (the window's own
	 * instruction would fault again and close it) */
	assert_int_equal(fault(&other, ALIAS, GUEST_ACCESS_WRITE, &f), MMU_FAULT_EMULATE);
	assert_false(shadow(ALIAS) & PTE_W);
	assert_int_equal(mmu_write_window_open(&other, ALIAS, f.gpa), MMU_WINDOW_BUSY);
	fake.cpu = 0;
	guest_mem_store(env.gm, pde_gpa, 0, 8);
	fake.flushed_cpus = 0;
	assert_int_equal(mmu_write_window_close(&env.vcpu), 1);
	assert_int_equal(fake.flushed_cpus, BIT(0) | BIT(1));
	fake.cpu = 1;
	assert_int_equal(fault(&other, ALIAS, GUEST_ACCESS_WRITE, &f), MMU_FAULT_EMULATE);
	assert_int_equal(mmu_write_window_open(&other, ALIAS, f.gpa), MMU_WINDOW_OPEN);
	assert_int_equal(mmu_write_window_close(&other), 0);
	mmu_vcpu_destroy(&other);
	fake.cpu = 0;
}

static void refused_without_a_matching_leaf(void **state)
{
	u64 pde_gpa = map_with_pde_aliased();

	/* no SPTE for the alias yet */
	assert_int_equal(mmu_write_window_open(&env.vcpu, ALIAS, pde_gpa), MMU_WINDOW_REFUSED);
	/* an SPTE that maps another frame */
	assert_int_equal(mmu_write_window_open(&env.vcpu, 0x400000, pde_gpa), MMU_WINDOW_REFUSED);
	/* not guest RAM */
	assert_int_equal(mmu_write_window_open(&env.vcpu, 0x400000, (u64)RAM_FRAMES << 12),
			 MMU_WINDOW_REFUSED);
	assert_false(mmu_write_window_is_open(&env.vcpu));
	assert_int_equal(env.vm.stats.windows, 0);
}

static void snapshot_allocation_failure(void **state)
{
	struct mmu_fault f;
	u64 pde_gpa = map_with_pde_aliased();

	assert_int_equal(fault(&env.vcpu, ALIAS, GUEST_ACCESS_WRITE, &f), MMU_FAULT_EMULATE);
	fake.fail_allocs_after = 1;
	assert_int_equal(mmu_write_window_open(&env.vcpu, ALIAS, f.gpa), MMU_WINDOW_NOMEM);
	fake.fail_allocs_after = 0;
	assert_false(shadow(ALIAS) & PTE_W);
	assert_false(mmu_write_window_is_open(&env.vcpu));
	assert_int_equal(f.gpa, pde_gpa & ~0xfffULL);
}

/* The VM stops with a window open: destroying the vCPU closes it and frees the snapshot. */
static void destroy_with_window_open(void **state)
{
	u64 pde_gpa = map_with_pde_aliased();

	open_window_at(ALIAS + (pde_gpa & 0xfff));
	guest_mem_store(env.gm, pde_gpa, 0, 8);
	mmu_vcpu_destroy(&env.vcpu);
	assert_false(mmu_write_window_is_open(&env.vcpu));
	assert_null(env.vcpu.window.snapshot.va);
	assert_true(list_empty(&env.vm.windows));
}

static void tdp_has_no_windows(void **state)
{
	struct mmu_vm vm;
	struct mmu_vcpu vcpu;

	assert_int_equal(mmu_vm_init(&vm, MMU_MODE_TDP), MMU_OK);
	assert_int_equal(mmu_memslot_add(&vm, 0, 0, RAM_FRAMES, HOST_BASE, 0), MMU_OK);
	mmu_vcpu_init(&vcpu, &vm, 0, NULL, NULL);
	assert_int_equal(mmu_write_window_open(&vcpu, 0x1000, 0x1000), MMU_WINDOW_REFUSED);
	mmu_vcpu_destroy(&vcpu);
	mmu_vm_destroy(&vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(upper_level_write_goes_through_window, setup_4level,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(leaf_write_with_unsync_off, setup_4level,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(live_root_write_keeps_root, setup_4level,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(window_without_write_changes_nothing, setup_4level,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(every_changed_entry_is_tracked, setup_4level,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(window_writes_count_toward_flood, setup_4level,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(four_byte_entries, setup_32bit, fixture_teardown),
		cmocka_unit_test_setup_teardown(second_vcpu_waits_for_the_window, setup_4level,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(refused_without_a_matching_leaf, setup_4level,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(snapshot_allocation_failure, setup_4level,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(destroy_with_window_open, setup_4level,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(tdp_has_no_windows, setup_4level, fixture_teardown),
	};

	return cmocka_run_group_tests_name("mmu_write_window", tests, NULL, NULL);
}
