/* SPDX-License-Identifier: GPL-2.0-only */
/* Unit tests of shadow paging: faults, roles, write tracking, unsync and sync, zaps, known bugs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <arch/paging.h>

#include "mmu/fake_platform.h"
#include "mmu/fixture.h"
#include "mmu/mmu_check.h"

#define RAM_FRAMES 512
#define HOST_BASE  0x1000000000ULL

static void load_pdptes(void)
{
	if (env.gpt.mode == GUEST_PAGING_PAE)
		gpt_load_pdptes(&env.gpt, env.st.pdptes);
}

static int setup_4level(void **state)
{
	fixture_start_shadow(GUEST_PAGING_4LEVEL, RAM_FRAMES, HOST_BASE);
	return 0;
}

static enum mmu_fault_result access(u64 gva, enum guest_access_kind kind, u8 cpl)
{
	struct mmu_fault f = { .addr = gva, .kind = kind };
	enum mmu_fault_result r;

	env.st.cpl = cpl;
	r = mmu_page_fault(&env.vcpu, &f);
	assert_int_equal(mmu_check_vm(&env.vm), 0);
	assert_int_equal(mmu_check_vcpu(&env.vcpu), 0);
	return r;
}

static u64 shadow(u64 gva, unsigned int *acc)
{
	return mmu_shadow_lookup(&env.vcpu, gva, acc);
}

static void fault_maps_guest_frame(void **state)
{
	unsigned int acc;
	u64 pte_gpa = fixture_map(0x400000, 100, PTE_P | PTE_U);

	assert_int_equal(access(0x400123, GUEST_ACCESS_READ, 3), MMU_FAULT_FIXED);
	assert_int_equal(shadow(0x400000, &acc) & SPTE_ADDR_MASK, HOST_BASE + (100 << 12));
	assert_int_equal(acc, ACC_USER | ACC_EXEC);
	/* the walker set A on the way */
	assert_true(gpt_get(&env.gpt, pte_gpa) & PTE_A);
	assert_int_equal(access(0x400000, GUEST_ACCESS_WRITE, 3), MMU_FAULT_INJECT_PF);
	assert_int_equal(access(0x900000, GUEST_ACCESS_READ, 0), MMU_FAULT_INJECT_PF);
}

static void clean_page_is_mapped_read_only_until_written(void **state)
{
	unsigned int acc;
	u64 pte_gpa = fixture_map(0x400000, 100, PTE_P | PTE_W | PTE_U | PTE_A);

	assert_int_equal(access(0x400000, GUEST_ACCESS_READ, 3), MMU_FAULT_FIXED);
	assert_false(shadow(0x400000, &acc) & PTE_W);
	assert_int_equal(access(0x400000, GUEST_ACCESS_WRITE, 3), MMU_FAULT_FIXED);
	assert_true(shadow(0x400000, &acc) & PTE_W);
	assert_true(gpt_get(&env.gpt, pte_gpa) & PTE_D);
}

/* Maps the guest table that holds @gva's PTE at @alias, so the guest can write it. */
static u64 alias_table(u64 gva, int level, u64 alias)
{
	u64 table_gfn = gpt_entry_gpa(&env.gpt, gva, level) >> 12;

	fixture_map(alias, table_gfn, DATA_FLAGS);
	return table_gfn;
}

static void pt_write_makes_leaf_unsync_and_parents_know(void **state)
{
	struct mmu_page *root;
	unsigned int acc;
	u64 pte_gpa = fixture_map(0x400000, 100, DATA_FLAGS);

	alias_table(0x400000, 1, 0x800000);
	assert_int_equal(access(0x400000, GUEST_ACCESS_READ, 3), MMU_FAULT_FIXED);
	/* the PT frame is shadowed: its alias maps read-only */
	assert_int_equal(access(0x800000, GUEST_ACCESS_READ, 3), MMU_FAULT_FIXED);
	assert_false(shadow(0x800000, &acc) & PTE_W);
	assert_int_equal(access(0x800000, GUEST_ACCESS_WRITE, 3), MMU_FAULT_FIXED);
	assert_true(shadow(0x800000, &acc) & PTE_W);
	root = env.vcpu.root;
	assert_int_equal(root->unsync_children, 1);
	assert_int_equal(env.vm.stats.unsync, 1);
	assert_int_equal(env.vm.cpu[0].nr_unsync, 1);

	/* the guest rewrites the PTE freely; the shadow keeps the old frame until a flush */
	gpt_set(&env.gpt, pte_gpa, (200 << 12) | DATA_FLAGS);
	assert_int_equal(shadow(0x400000, &acc) & SPTE_ADDR_MASK, HOST_BASE + (100 << 12));
	mmu_cr3_load(&env.vcpu, env.st.cr3);
	assert_int_equal(mmu_check_vm(&env.vm), 0);
	assert_int_equal(root->unsync_children, 0);
	assert_int_equal(env.vm.cpu[0].nr_unsync, 0);
	/* the sync derived the changed entry again in place: no fault needed */
	assert_int_equal(shadow(0x400000, &acc) & SPTE_ADDR_MASK, HOST_BASE + (200 << 12));
	assert_int_equal(env.vm.stats.sync_updated, 1);
	/* synced again: the alias is read-only once more */
	assert_false(shadow(0x800000, &acc) & PTE_W);
}

/* unsync=off: a guest PTE write to a shadowed leaf table needs the emulator, as upper levels do. */
static void unsync_off_keeps_leaf_table_protected(void **state)
{
	unsigned int acc;

	fixture_map(0x400000, 100, DATA_FLAGS);
	alias_table(0x400000, 1, 0x800000);
	mmu_vm_set_unsync(&env.vm, false);
	assert_int_equal(access(0x400000, GUEST_ACCESS_READ, 3), MMU_FAULT_FIXED);
	assert_int_equal(access(0x800000, GUEST_ACCESS_WRITE, 3), MMU_FAULT_EMULATE);
	assert_false(shadow(0x800000, &acc) & PTE_W);
	assert_int_equal(env.vm.stats.unsync, 0);
	mmu_vm_set_unsync(&env.vm, true);
	assert_int_equal(access(0x800000, GUEST_ACCESS_WRITE, 3), MMU_FAULT_FIXED);
	assert_int_equal(env.vm.stats.unsync, 1);
}

static void invlpg_drops_unsync_spte(void **state)
{
	unsigned int acc;
	u64 pte_gpa = fixture_map(0x400000, 100, DATA_FLAGS);

	alias_table(0x400000, 1, 0x800000);
	assert_int_equal(access(0x400000, GUEST_ACCESS_READ, 3), MMU_FAULT_FIXED);
	assert_int_equal(access(0x800000, GUEST_ACCESS_WRITE, 3), MMU_FAULT_FIXED);
	gpt_set(&env.gpt, pte_gpa, (300 << 12) | DATA_FLAGS);
	mmu_invlpg(&env.vcpu, 0x400000);
	assert_int_equal(shadow(0x400000, &acc), 0);
	assert_int_equal(access(0x400000, GUEST_ACCESS_READ, 3), MMU_FAULT_FIXED);
	assert_int_equal(shadow(0x400000, &acc) & SPTE_ADDR_MASK, HOST_BASE + (300 << 12));
}

#define SYNC_GVA   0x400000
#define SYNC_ALIAS 0x800000

/*
 * Maps SYNC_GVA to frame 100 with @old_flags and lets an access of @kind fault it in; makes
 * its page table unsync through a writable alias; the guest stores @new_gpte in the PTE and
 * reloads CR3, which syncs. Returns the new SPTE (0 if none) and its rights in *acc.
 */
static u64 sync_after_rewrite(u64 old_flags, enum guest_access_kind kind, u64 new_gpte,
			      unsigned int *acc)
{
	u64 pte_gpa = fixture_map(SYNC_GVA, 100, old_flags);

	alias_table(SYNC_GVA, 1, SYNC_ALIAS);
	assert_int_equal(access(SYNC_GVA, kind, 3), MMU_FAULT_FIXED);
	assert_int_equal(access(SYNC_ALIAS, GUEST_ACCESS_WRITE, 3), MMU_FAULT_FIXED);
	assert_int_equal(env.vm.stats.unsync, 1);
	gpt_set(&env.gpt, pte_gpa, new_gpte);
	mmu_cr3_load(&env.vcpu, env.st.cr3);
	assert_int_equal(mmu_check_vm(&env.vm), 0);
	assert_int_equal(mmu_check_vcpu(&env.vcpu), 0);
	assert_int_equal(env.vm.stats.syncs, 1);
	return shadow(SYNC_GVA, acc);
}

static void sync_rederives_changed_frame(void **state)
{
	unsigned int acc;
	u64 faults = env.vm.stats.faults;
	u64 spte =
		sync_after_rewrite(DATA_FLAGS, GUEST_ACCESS_WRITE, (200 << 12) | DATA_FLAGS, &acc);

	assert_int_equal(spte & SPTE_ADDR_MASK, HOST_BASE + (200 << 12));
	assert_int_equal(acc, ACC_USER | ACC_WRITE | ACC_EXEC);
	assert_int_equal(env.vm.stats.sync_updated, 1);
	assert_int_equal(env.vm.stats.sync_zapped, 0);
	/* the old frame left its rmap (teardown's check), the new one needs no fault */
	assert_int_equal(env.vm.stats.faults, faults + 2);
}

static void sync_rw_to_ro_drops_write(void **state)
{
	unsigned int acc;
	u64 spte = sync_after_rewrite(DATA_FLAGS, GUEST_ACCESS_WRITE,
				      (100 << 12) | PTE_P | PTE_U | PTE_A | PTE_D, &acc);

	assert_int_equal(spte & SPTE_ADDR_MASK, HOST_BASE + (100 << 12));
	assert_int_equal(acc, ACC_USER | ACC_EXEC);
	assert_false(spte & SPTE_X86_SW_MMU_WRITABLE);
	assert_int_equal(access(SYNC_GVA, GUEST_ACCESS_WRITE, 3), MMU_FAULT_INJECT_PF);
}

/* Read-only to read-write without D: mapped, but a write must fault so the walker sets D. */
static void sync_ro_to_rw_clean_stays_read_only(void **state)
{
	unsigned int acc;
	u64 spte = sync_after_rewrite(PTE_P | PTE_U | PTE_A, GUEST_ACCESS_READ,
				      (100 << 12) | PTE_P | PTE_W | PTE_U | PTE_A, &acc);
	u64 pte_gpa;

	assert_int_equal(acc, ACC_USER | ACC_EXEC);
	assert_true(spte & SPTE_X86_SW_MMU_WRITABLE);
	assert_int_equal(env.vm.stats.sync_updated, 1);
	pte_gpa = gpt_entry_gpa(&env.gpt, SYNC_GVA, 1);
	assert_int_equal(access(SYNC_GVA, GUEST_ACCESS_WRITE, 3), MMU_FAULT_FIXED);
	assert_true(gpt_get(&env.gpt, pte_gpa) & PTE_D);
	assert_true(shadow(SYNC_GVA, &acc) & PTE_W);
}

static void sync_ro_to_rw_dirty_is_writable(void **state)
{
	unsigned int acc;
	u64 spte = sync_after_rewrite(PTE_P | PTE_U | PTE_A, GUEST_ACCESS_READ,
				      (100 << 12) | DATA_FLAGS, &acc);

	assert_true(spte & PTE_W);
	assert_int_equal(acc, ACC_USER | ACC_WRITE | ACC_EXEC);
}

/* An entry whose A is clear must refault: the walk that maps it sets A in the guest. */
static void sync_drops_entry_without_accessed(void **state)
{
	unsigned int acc;
	u64 pte_gpa;

	assert_int_equal(sync_after_rewrite(DATA_FLAGS, GUEST_ACCESS_READ,
					    (200 << 12) | (DATA_FLAGS & ~PTE_A), &acc),
			 0);
	assert_int_equal(env.vm.stats.sync_zapped, 1);
	pte_gpa = gpt_entry_gpa(&env.gpt, SYNC_GVA, 1);
	assert_int_equal(access(SYNC_GVA, GUEST_ACCESS_READ, 3), MMU_FAULT_FIXED);
	assert_true(gpt_get(&env.gpt, pte_gpa) & PTE_A);
}

static void sync_drops_entry_with_reserved_bit(void **state)
{
	unsigned int acc;

	/* MAXPHYADDR is 46: bit 50 of the address is reserved */
	assert_int_equal(sync_after_rewrite(DATA_FLAGS, GUEST_ACCESS_READ,
					    BIT(50) | (200 << 12) | DATA_FLAGS, &acc),
			 0);
	assert_int_equal(env.vm.stats.sync_zapped, 1);
	assert_int_equal(access(SYNC_GVA, GUEST_ACCESS_READ, 3), MMU_FAULT_INJECT_PF);
}

static void sync_drops_entry_outside_memslots(void **state)
{
	unsigned int acc;

	assert_int_equal(sync_after_rewrite(DATA_FLAGS, GUEST_ACCESS_READ,
					    ((RAM_FRAMES + 8ULL) << 12) | DATA_FLAGS, &acc),
			 0);
	assert_int_equal(env.vm.stats.sync_zapped, 1);
	assert_int_equal(access(SYNC_GVA, GUEST_ACCESS_READ, 3), MMU_FAULT_EMULATE);
}

static void sync_drops_entry_not_present(void **state)
{
	unsigned int acc;

	assert_int_equal(sync_after_rewrite(DATA_FLAGS, GUEST_ACCESS_READ, 200 << 12, &acc), 0);
	assert_int_equal(env.vm.stats.sync_zapped, 1);
}

/* A dirty, writable entry that now names a guest page table maps it read-only. */
static void sync_maps_tracked_frame_read_only(void **state)
{
	unsigned int acc;
	u64 pd_gfn, spte;

	fixture_map(SYNC_GVA, 100, DATA_FLAGS);
	pd_gfn = gpt_entry_gpa(&env.gpt, SYNC_GVA, 2) >> 12;
	spte = sync_after_rewrite(DATA_FLAGS, GUEST_ACCESS_WRITE, (pd_gfn << 12) | DATA_FLAGS,
				  &acc);
	assert_true(mmu_gfn_write_tracked(&env.vm, pd_gfn));
	assert_int_equal(spte & SPTE_ADDR_MASK, HOST_BASE + (pd_gfn << 12));
	assert_false(spte & PTE_W);
	assert_false(spte & SPTE_X86_SW_MMU_WRITABLE);
	/* a write to it needs the emulator, as any write to an upper-level table does */
	assert_int_equal(access(SYNC_GVA, GUEST_ACCESS_WRITE, 3), MMU_FAULT_EMULATE);
}

/* A dirty-logged slot: the re-derived entry waits for the first write to fault, to log it. */
static void sync_keeps_dirty_logged_frame_read_only(void **state)
{
	unsigned int acc;
	u64 bitmap[RAM_FRAMES / 64];
	u64 spte;

	fixture_map(SYNC_GVA, 100, DATA_FLAGS);
	assert_int_equal(mmu_dirty_log_start(&env.vm, 0), MMU_OK);
	spte = sync_after_rewrite(DATA_FLAGS, GUEST_ACCESS_READ, (200 << 12) | DATA_FLAGS, &acc);
	assert_false(spte & PTE_W);
	assert_true(spte & SPTE_X86_SW_MMU_WRITABLE);
	assert_int_equal(mmu_dirty_log_harvest(&env.vm, 0, bitmap), MMU_OK);
	assert_false(bitmap[200 / 64] & BIT(200 % 64));
	assert_int_equal(access(SYNC_GVA, GUEST_ACCESS_WRITE, 3), MMU_FAULT_FIXED);
	assert_int_equal(mmu_dirty_log_harvest(&env.vm, 0, bitmap), MMU_OK);
	assert_true(bitmap[200 / 64] & BIT(200 % 64));
}

/* The guest turned EFER.NXE off and has not told the MMU yet: the page's role no longer fits. */
static void sync_drops_entry_when_paging_mode_changed(void **state)
{
	u64 pte_gpa = fixture_map(SYNC_GVA, 100, DATA_FLAGS);
	unsigned int acc;

	alias_table(SYNC_GVA, 1, SYNC_ALIAS);
	assert_int_equal(access(SYNC_GVA, GUEST_ACCESS_READ, 3), MMU_FAULT_FIXED);
	assert_int_equal(access(SYNC_ALIAS, GUEST_ACCESS_WRITE, 3), MMU_FAULT_FIXED);
	gpt_set(&env.gpt, pte_gpa, (200 << 12) | DATA_FLAGS);
	env.st.efer &= ~EFER_NXE;
	mmu_flush_guest_tlb(&env.vcpu, false);
	assert_int_equal(env.vm.stats.sync_zapped, 1);
	assert_int_equal(shadow(SYNC_GVA, &acc), 0);
	env.st.efer |= EFER_NXE;
}

/* An emulated write of one whole PTE updates the SPTE in place; a partial one drops nothing. */
static void emulated_pte_write_updates_spte(void **state)
{
	unsigned int acc;
	u64 pte_gpa = fixture_map(SYNC_GVA, 100, DATA_FLAGS);

	assert_int_equal(access(SYNC_GVA, GUEST_ACCESS_READ, 3), MMU_FAULT_FIXED);
	guest_mem_store(env.gm, pte_gpa, (300 << 12) | PTE_P | PTE_U | PTE_A, 8);
	mmu_track_write(&env.vcpu, pte_gpa, 8);
	assert_int_equal(mmu_check_vm(&env.vm), 0);
	assert_int_equal(env.vm.stats.write_updated, 1);
	assert_int_equal(shadow(SYNC_GVA, &acc) & SPTE_ADDR_MASK, HOST_BASE + (300 << 12));
	assert_int_equal(acc, ACC_USER | ACC_EXEC);
	/* A clear: dropped, as before */
	guest_mem_store(env.gm, pte_gpa, (300 << 12) | PTE_P | PTE_U, 8);
	mmu_track_write(&env.vcpu, pte_gpa, 8);
	assert_int_equal(env.vm.stats.write_updated, 1);
	assert_int_equal(shadow(SYNC_GVA, &acc), 0);
	assert_int_equal(mmu_check_vm(&env.vm), 0);
}

static void upper_level_write_is_emulated(void **state)
{
	unsigned int acc;
	u64 pde_gpa;

	fixture_map(0x400000, 100, DATA_FLAGS);
	alias_table(0x400000, 2, 0x800000);
	pde_gpa = gpt_entry_gpa(&env.gpt, 0x400000, 2);
	assert_int_equal(access(0x400000, GUEST_ACCESS_READ, 3), MMU_FAULT_FIXED);
	assert_int_equal(access(0x800000, GUEST_ACCESS_WRITE, 3), MMU_FAULT_EMULATE);
	assert_false(shadow(0x800000, &acc) & PTE_W);
	assert_int_equal(env.vm.stats.unsync, 0);
	/* the emulator writes the PDE; the shadow drops what it fed */
	guest_mem_store(env.gm, pde_gpa, 0, 8);
	mmu_track_write(&env.vcpu, pde_gpa, 8);
	assert_int_equal(mmu_check_vm(&env.vm), 0);
	assert_int_equal(shadow(0x400000, &acc), 0);
	assert_int_equal(access(0x400000, GUEST_ACCESS_READ, 3), MMU_FAULT_INJECT_PF);
}

/*
 * Without an emulator: the frame's shadow pages go, and the retried write maps it writable. The
 * alias lies outside the 1 GiB the table maps, so the retry's own walk does not track it again.
 */
static void unprotect_lets_upper_level_write_retry(void **state)
{
	unsigned int acc;
	u64 pde_gpa;

	fixture_map(0x400000, 100, DATA_FLAGS);
	alias_table(0x400000, 2, 0x40000000);
	pde_gpa = gpt_entry_gpa(&env.gpt, 0x400000, 2);
	assert_int_equal(access(0x400000, GUEST_ACCESS_READ, 3), MMU_FAULT_FIXED);
	assert_int_equal(access(0x40000000, GUEST_ACCESS_WRITE, 3), MMU_FAULT_EMULATE);
	assert_true(mmu_gfn_write_tracked(&env.vm, pde_gpa >> 12));
	assert_true(mmu_unprotect_gfn(&env.vm, pde_gpa >> 12));
	assert_int_equal(mmu_check_vm(&env.vm), 0);
	assert_false(mmu_gfn_write_tracked(&env.vm, pde_gpa >> 12));
	/* the page that fed 0x400000 went with its table: the translation is gone too */
	assert_int_equal(shadow(0x400000, &acc), 0);
	assert_int_equal(access(0x40000000, GUEST_ACCESS_WRITE, 3), MMU_FAULT_FIXED);
	assert_true(shadow(0x40000000, &acc) & PTE_W);
	/* the guest's new PDE is seen at the next walk, which tracks the frame again */
	gpt_set(&env.gpt, pde_gpa, 0);
	assert_int_equal(access(0x400000, GUEST_ACCESS_READ, 3), MMU_FAULT_INJECT_PF);
	assert_false(mmu_unprotect_gfn(&env.vm, 100));
	fake_grace_period();
}

static void write_flood_zaps_page(void **state)
{
	u64 pte_gpa = fixture_map(0x400000, 100, DATA_FLAGS);
	u64 zaps = env.vm.stats.zaps;
	unsigned int i;

	assert_int_equal(access(0x400000, GUEST_ACCESS_READ, 3), MMU_FAULT_FIXED);
	for (i = 0; i < MMU_WRITE_FLOOD_LIMIT; i++) {
		gpt_set(&env.gpt, pte_gpa + 8, i);
		mmu_track_write(&env.vcpu, pte_gpa + 8, 8);
	}
	assert_int_equal(env.vm.stats.write_floods, 1);
	assert_true(env.vm.stats.zaps > zaps);
	/* rmap entries went with the page */
	assert_int_equal(mmu_check_vm(&env.vm), 0);
	assert_int_equal(access(0x400000, GUEST_ACCESS_READ, 3), MMU_FAULT_FIXED);
}

static void same_table_through_ro_and_rw_paths_gets_two_pages(void **state)
{
	unsigned int acc;
	u64 pdpt_gva_ro = 0x40000000, pd_slot;
	u64 pt_gfn;

	fixture_map(0x400000, 100, DATA_FLAGS);
	/* a second PDE, read-only, pointing at the same page table */
	pt_gfn = gpt_entry_gpa(&env.gpt, 0x400000, 1) >> 12;
	assert_true(gpt_map(&env.gpt, pdpt_gva_ro, 2, (pt_gfn << 12) | PTE_P | PTE_U, TABLE_FLAGS));
	pd_slot = gpt_entry_gpa(&env.gpt, pdpt_gva_ro, 2);
	assert_true(pd_slot);
	assert_int_equal(access(pdpt_gva_ro, GUEST_ACCESS_READ, 3), MMU_FAULT_FIXED);
	assert_false(shadow(pdpt_gva_ro, &acc) & PTE_W);
	assert_int_equal(access(0x400000, GUEST_ACCESS_WRITE, 3), MMU_FAULT_FIXED);
	assert_true(acc & ACC_USER);
	assert_true(shadow(0x400000, &acc) & PTE_W);
	/* the read-only path still refuses the write */
	assert_int_equal(access(pdpt_gva_ro, GUEST_ACCESS_WRITE, 3), MMU_FAULT_INJECT_PF);
	assert_false(shadow(pdpt_gva_ro, &acc) & PTE_W);
}

static void upper_level_unsync_panics(void **state)
{
	fixture_map(0x400000, 100, DATA_FLAGS);
	assert_int_equal(access(0x400000, GUEST_ACCESS_READ, 3), MMU_FAULT_FIXED);
	fake.expect_panic = true;
	if (!setjmp(fake.panic_jmp)) {
		mmu_mark_unsync(&env.vm, env.vcpu.root);
		fail_msg("a root was made unsync");
	}
	assert_non_null(strstr(fake.panic_msg, "level"));
}

static void negative_unsync_children_panics(void **state)
{
	fixture_map(0x400000, 100, DATA_FLAGS);
	assert_int_equal(access(0x400000, GUEST_ACCESS_READ, 3), MMU_FAULT_FIXED);
	fake.expect_panic = true;
	if (!setjmp(fake.panic_jmp)) {
		clear_unsync_child_bit(env.vcpu.root, 0);
		fail_msg("unsync_children went below zero");
	}
	assert_int_equal(env.vcpu.root->unsync_children, 0);
}

static void zap_all_reloads_root_and_frees_after_grace(void **state)
{
	struct mmu_page *old_root;
	u64 tables;

	fixture_map(0x400000, 100, DATA_FLAGS);
	assert_int_equal(access(0x400000, GUEST_ACCESS_READ, 3), MMU_FAULT_FIXED);
	old_root = env.vcpu.root;
	mmu_zap_all(&env.vm);
	assert_int_equal(access(0x400000, GUEST_ACCESS_READ, 3), MMU_FAULT_FIXED);
	assert_ptr_not_equal(env.vcpu.root, old_root);
	while (mmu_reclaim_obsolete(&env.vm, 1))
		;
	tables = fake.live_tables;
	assert_true(fake_grace_period() > 0);
	assert_true(fake.live_tables < tables);
	/* the freed pages are gone for good: more work touches only live ones (ASan watches) */
	assert_int_equal(access(0x400000, GUEST_ACCESS_WRITE, 3), MMU_FAULT_FIXED);
	mmu_cr3_load(&env.vcpu, env.st.cr3);
}

static void pcid_switch_keeps_cached_root(void **state)
{
	struct mmu_page *first;
	struct gpt other;

	env.st.cr4 |= X86_CR4_PCIDE;
	mmu_paging_changed(&env.vcpu);
	fixture_map(0x400000, 100, DATA_FLAGS);
	assert_int_equal(access(0x400000, GUEST_ACCESS_READ, 3), MMU_FAULT_FIXED);
	first = env.vcpu.root;
	assert_true(gpt_init(&other, env.gm, GUEST_PAGING_4LEVEL));
	mmu_cr3_load(&env.vcpu, gpt_cr3(&other, 1));
	assert_ptr_not_equal(env.vcpu.root, first);
	mmu_cr3_load(&env.vcpu, gpt_cr3(&env.gpt, 0) | BIT(63));
	assert_ptr_equal(env.vcpu.root, first);
}

static void legacy_modes_fault(void **state)
{
	static const enum guest_paging_mode modes[] = {
		GUEST_PAGING_32,
		GUEST_PAGING_PAE,
		GUEST_PAGING_5LEVEL,
	};
	unsigned int i, acc;

	fixture_teardown(state);
	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		fixture_start_shadow(modes[i], RAM_FRAMES, HOST_BASE);
		fixture_map(0x00c01000, 100, DATA_FLAGS);
		fixture_map(0x80000000, 101, PTE_P | PTE_A);
		load_pdptes();
		mmu_paging_changed(&env.vcpu);
		assert_int_equal(access(0x00c01000, GUEST_ACCESS_WRITE, 3), MMU_FAULT_FIXED);
		assert_int_equal(shadow(0x00c01000, &acc) & SPTE_ADDR_MASK,
				 HOST_BASE + (100 << 12));
		assert_int_equal(access(0x80000000, GUEST_ACCESS_READ, 0), MMU_FAULT_FIXED);
		assert_int_equal(access(0x80000000, GUEST_ACCESS_READ, 3), MMU_FAULT_INJECT_PF);
		if (i + 1 < ARRAY_SIZE(modes))
			fixture_teardown(state);
	}
}

static void paging_off_maps_identity(void **state)
{
	unsigned int acc;

	env.st.cr0 = X86_CR0_PE;
	env.st.cr4 = 0;
	env.st.efer = 0;
	mmu_paging_changed(&env.vcpu);
	assert_int_equal(access(0x5000, GUEST_ACCESS_WRITE, 0), MMU_FAULT_FIXED);
	assert_int_equal(shadow(0x5000, &acc) & SPTE_ADDR_MASK, HOST_BASE + 0x5000);
	assert_int_equal(access(RAM_FRAMES << 12, GUEST_ACCESS_READ, 0), MMU_FAULT_EMULATE);
}

static void cr0_wp_clear_lets_supervisor_write(void **state)
{
	unsigned int acc;

	env.st.cr0 &= ~X86_CR0_WP;
	mmu_paging_changed(&env.vcpu);
	fixture_map(0x400000, 100, PTE_P | PTE_U | PTE_A | PTE_D);
	assert_int_equal(access(0x400000, GUEST_ACCESS_WRITE, 0), MMU_FAULT_FIXED);
	assert_true(shadow(0x400000, &acc) & PTE_W);
	assert_false(acc & ACC_USER);
	assert_int_equal(access(0x400000, GUEST_ACCESS_READ, 3), MMU_FAULT_FIXED);
	assert_true(shadow(0x400000, &acc));
	assert_true(acc & ACC_USER);
	assert_false(acc & ACC_WRITE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(fault_maps_guest_frame, setup_4level,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(clean_page_is_mapped_read_only_until_written,
						setup_4level, fixture_teardown),
		cmocka_unit_test_setup_teardown(pt_write_makes_leaf_unsync_and_parents_know,
						setup_4level, fixture_teardown),
		cmocka_unit_test_setup_teardown(unsync_off_keeps_leaf_table_protected, setup_4level,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(invlpg_drops_unsync_spte, setup_4level,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(sync_rederives_changed_frame, setup_4level,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(sync_rw_to_ro_drops_write, setup_4level,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(sync_ro_to_rw_clean_stays_read_only, setup_4level,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(sync_ro_to_rw_dirty_is_writable, setup_4level,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(sync_drops_entry_without_accessed, setup_4level,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(sync_drops_entry_with_reserved_bit, setup_4level,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(sync_drops_entry_outside_memslots, setup_4level,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(sync_drops_entry_not_present, setup_4level,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(sync_maps_tracked_frame_read_only, setup_4level,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(sync_keeps_dirty_logged_frame_read_only,
						setup_4level, fixture_teardown),
		cmocka_unit_test_setup_teardown(sync_drops_entry_when_paging_mode_changed,
						setup_4level, fixture_teardown),
		cmocka_unit_test_setup_teardown(emulated_pte_write_updates_spte, setup_4level,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(upper_level_write_is_emulated, setup_4level,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(unprotect_lets_upper_level_write_retry,
						setup_4level, fixture_teardown),
		cmocka_unit_test_setup_teardown(write_flood_zaps_page, setup_4level,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(same_table_through_ro_and_rw_paths_gets_two_pages,
						setup_4level, fixture_teardown),
		cmocka_unit_test_setup_teardown(upper_level_unsync_panics, setup_4level,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(negative_unsync_children_panics, setup_4level,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(zap_all_reloads_root_and_frees_after_grace,
						setup_4level, fixture_teardown),
		cmocka_unit_test_setup_teardown(pcid_switch_keeps_cached_root, setup_4level,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(legacy_modes_fault, setup_4level, fixture_teardown),
		cmocka_unit_test_setup_teardown(paging_off_maps_identity, setup_4level,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(cr0_wp_clear_lets_supervisor_write, setup_4level,
						fixture_teardown),
	};

	return cmocka_run_group_tests_name("mmu_shadow", tests, NULL, NULL);
}
