/* SPDX-License-Identifier: GPL-2.0-only */
/* Unit tests of the TDP (EPT) MMU: large pages, split and collapse, dirty logging, zaps,
 * generations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <vmm/mmu/ept.h>

#include "mmu/fake_platform.h"
#include "mmu/fixture.h"
#include "mmu/mmu_check.h"

#define SLOT_PAGES (1ULL << 19) /* 2 GiB */
#define HOST_BASE  0x100000000ULL

static int setup(void **state)
{
	fixture_start_tdp(SLOT_PAGES, HOST_BASE);
	return 0;
}

static enum mmu_fault_result fault(u64 gpa, enum guest_access_kind kind)
{
	struct mmu_fault f = { .addr = gpa, .kind = kind };

	return mmu_page_fault(&env.vcpu, &f);
}

/* The leaf SPTE for @gpa and its level, by walking the EPT tables as the CPU does. */
static u64 lookup(u64 gpa, unsigned int *level)
{
	u64 *table = mmu_plat_table_va(env.vcpu.root_pa);
	unsigned int l;

	for (l = 4; l >= 1; l--) {
		u64 spte = table[(gpa >> SPTE_LEVEL_SHIFT(l)) & 511];

		if (!(spte & EPT_READ))
			return 0;
		if (l == 1 || (spte & EPT_LARGE)) {
			*level = l;
			return spte;
		}
		table = mmu_plat_table_va(spte & SPTE_ADDR_MASK);
	}
	return 0;
}

static void fault_maps_largest_page(void **state)
{
	unsigned int level = 0;
	u64 spte;

	assert_int_equal(fault(0x40123000, GUEST_ACCESS_READ), MMU_FAULT_FIXED);
	spte = lookup(0x40123000, &level);
	assert_int_equal(level, 3);
	assert_int_equal(spte & SPTE_ADDR_MASK, HOST_BASE + 0x40000000);
	assert_true(spte & EPT_WRITE);
	assert_int_equal(mmu_check_vm(&env.vm), 0);
	assert_int_equal(fault(0x40123000, GUEST_ACCESS_WRITE), MMU_FAULT_RETRY);
}

static void small_slot_gets_small_pages(void **state)
{
	unsigned int level = 0;
	u64 spte;

	/* 3 frames at an odd base: nothing larger than 4 KiB fits */
	assert_int_equal(mmu_memslot_add(&env.vm, 1, SLOT_PAGES + 1, 3, 0x7000000, 0), MMU_OK);
	assert_int_equal(fault((SLOT_PAGES + 2) << 12, GUEST_ACCESS_FETCH), MMU_FAULT_FIXED);
	spte = lookup((SLOT_PAGES + 2) << 12, &level);
	assert_int_equal(level, 1);
	assert_int_equal(spte & SPTE_ADDR_MASK, 0x7001000);
	assert_int_equal(fault((SLOT_PAGES + 9) << 12, GUEST_ACCESS_READ), MMU_FAULT_EMULATE);
}

static void dirty_logging_splits_and_harvests(void **state)
{
	u64 bitmap[SLOT_PAGES / 64];
	unsigned int level = 0;

	assert_int_equal(fault(0x200000, GUEST_ACCESS_WRITE), MMU_FAULT_FIXED);
	assert_int_equal(mmu_dirty_log_start(&env.vm, 0), MMU_OK);
	assert_false(lookup(0x200000, &level) & EPT_WRITE);
	assert_int_equal(fault(0x205000, GUEST_ACCESS_WRITE), MMU_FAULT_FIXED);
	assert_true(lookup(0x205000, &level) & EPT_WRITE);
	assert_int_equal(level, 1);
	assert_false(lookup(0x206000, &level) & EPT_WRITE);
	assert_true(env.vm.stats.splits >= 1);
	assert_int_equal(mmu_check_vm(&env.vm), 0);

	memset(bitmap, 0, sizeof(bitmap));
	assert_int_equal(mmu_dirty_log_harvest(&env.vm, 0, bitmap), MMU_OK);
	assert_int_equal(bitmap[0x205 / 64], BIT(0x205 % 64));
	assert_false(lookup(0x205000, &level) & EPT_WRITE);
	assert_int_equal(mmu_dirty_log_harvest(&env.vm, 0, bitmap), MMU_OK);
	assert_int_equal(bitmap[0x205 / 64], 0);

	assert_int_equal(mmu_dirty_log_stop(&env.vm, 0), MMU_OK);
	assert_true(env.vm.stats.collapses >= 1);
	assert_int_equal(fault(0x205000, GUEST_ACCESS_WRITE), MMU_FAULT_FIXED);
	lookup(0x205000, &level);
	assert_int_equal(level, 3);
	fake_grace_period();
	assert_int_equal(mmu_check_vm(&env.vm), 0);
}

static void zap_all_is_generation_bump(void **state)
{
	u64 pages, i;

	for (i = 0; i < 64; i++)
		assert_int_equal(mmu_memslot_add(&env.vm, 0, 0, 0, 0, 0), MMU_EINVAL);
	assert_int_equal(mmu_memslot_delete(&env.vm, 0), MMU_OK);
	assert_int_equal(mmu_memslot_add(&env.vm, 0, 0, SLOT_PAGES, HOST_BASE + 4096, 0), MMU_OK);
	for (i = 0; i < 200; i++)
		assert_int_equal(fault(i << 21, GUEST_ACCESS_READ), MMU_FAULT_FIXED);
	pages = env.vm.nr_active;
	assert_true(pages > 200);
	mmu_zap_all(&env.vm);
	assert_int_equal(env.vm.nr_obsolete, pages);
	assert_int_equal(env.vm.nr_active, pages);
	/* the next fault reloads the root and reclaims one bounded batch */
	assert_int_equal(fault(0, GUEST_ACCESS_READ), MMU_FAULT_FIXED);
	assert_true(env.vm.nr_obsolete > 0);
	assert_int_equal(mmu_check_vcpu(&env.vcpu), 0);
	while (mmu_reclaim_obsolete(&env.vm, MMU_RECLAIM_BATCH))
		;
	assert_int_equal(mmu_check_vm(&env.vm), 0);
	assert_int_equal(env.vm.nr_active, 4);
}

static void zapped_pages_wait_for_grace_period(void **state)
{
	u64 before;

	assert_int_equal(fault(0x1000, GUEST_ACCESS_READ), MMU_FAULT_FIXED);
	assert_int_equal(mmu_memslot_delete(&env.vm, 0), MMU_OK);
	before = fake.live_tables;
	assert_true(fake.pending_deferred > 0);
	assert_int_equal(fake.live_tables, before);
	assert_true(fake_grace_period() > 0);
	assert_true(fake.live_tables < before);
	assert_true(fake.flush_requests > 0);
}

static void memslot_move_remaps(void **state)
{
	unsigned int level = 0;

	assert_int_equal(fault(0x3000, GUEST_ACCESS_READ), MMU_FAULT_FIXED);
	assert_int_equal(mmu_memslot_move(&env.vm, 0, SLOT_PAGES), MMU_OK);
	assert_int_equal(fault(0x3000, GUEST_ACCESS_READ), MMU_FAULT_EMULATE);
	assert_int_equal(fault((SLOT_PAGES << 12) + 0x3000, GUEST_ACCESS_READ), MMU_FAULT_FIXED);
	assert_int_equal(lookup((SLOT_PAGES << 12) + 0x3000, &level) & SPTE_ADDR_MASK,
			 HOST_BASE + (level == 3 ? 0 : 0x3000));
}

static void age_clears_accessed(void **state)
{
	assert_int_equal(mmu_memslot_add(&env.vm, 1, SLOT_PAGES, 1, 0x9000, 0), MMU_OK);
	assert_int_equal(fault(SLOT_PAGES << 12, GUEST_ACCESS_READ), MMU_FAULT_FIXED);
	assert_true(mmu_age_gfn(&env.vm, SLOT_PAGES));
	assert_false(mmu_age_gfn(&env.vm, SLOT_PAGES));
}

static void readonly_slot_write_is_emulated(void **state)
{
	unsigned int level = 0;

	assert_int_equal(mmu_memslot_add(&env.vm, 2, SLOT_PAGES, 16, 0x8000000, MEMSLOT_READONLY),
			 MMU_OK);
	assert_int_equal(fault(SLOT_PAGES << 12, GUEST_ACCESS_WRITE), MMU_FAULT_EMULATE);
	assert_int_equal(fault(SLOT_PAGES << 12, GUEST_ACCESS_READ), MMU_FAULT_FIXED);
	assert_false(lookup(SLOT_PAGES << 12, &level) & EPT_WRITE);
}

/*
 * Found by the model (slot-add past the EPT's reach): a 4-level EPT translates 48-bit
 * guest-physical addresses, and the MMU indexes its tables with bits 47:12 only, so a slot at
 * gfn 2^36 + n was accepted and shared its EPT entries with gfn n: a fault there installed the
 * other slot's host frame at the place gfn n is looked up. Such slots (and ones whose range
 * wraps, or whose host range does not fit an SPTE) are refused, and a move there leaves the
 * slot where it was.
 */
static void memslot_beyond_ept_reach_is_refused(void **state)
{
	const u64 top = 1ULL << 36; /* first frame past a 48-bit guest-physical address */
	unsigned int level = 0;

	assert_int_equal(mmu_memslot_add(&env.vm, 1, top + 5, 1, 0x9000, 0), MMU_EINVAL);
	assert_int_equal(fault(((top + 5) << 12), GUEST_ACCESS_READ), MMU_FAULT_EMULATE);
	assert_int_equal(fault(5 << 12, GUEST_ACCESS_READ), MMU_FAULT_FIXED);
	assert_int_equal(lookup(5 << 12, &level) & SPTE_ADDR_MASK, HOST_BASE);
	assert_int_equal(level, 3);
	assert_int_equal(mmu_memslot_add(&env.vm, 1, top - 2, 4, 0x9000, 0), MMU_EINVAL);
	assert_int_equal(mmu_memslot_add(&env.vm, 1, ~0ULL - 1, 4, 0x9000, 0), MMU_EINVAL);
	assert_int_equal(mmu_memslot_add(&env.vm, 1, top - 2, 1, 1ULL << 52, 0), MMU_EINVAL);
	assert_int_equal(mmu_memslot_add(&env.vm, 1, top - 2, 2, (1ULL << 52) - 0x1000, 0),
			 MMU_EINVAL);
	assert_int_equal(mmu_memslot_move(&env.vm, 0, top - 1), MMU_EINVAL);
	assert_int_equal(fault(5 << 12, GUEST_ACCESS_WRITE), MMU_FAULT_RETRY);

	/* the last frames below the limit are fine, and map where they should */
	assert_int_equal(mmu_memslot_add(&env.vm, 1, top - 2, 2, 0x9000, 0), MMU_OK);
	assert_int_equal(fault((top - 1) << 12, GUEST_ACCESS_WRITE), MMU_FAULT_FIXED);
	assert_int_equal(lookup((top - 1) << 12, &level) & SPTE_ADDR_MASK, 0xa000);
	assert_int_equal(level, 1);
	assert_int_equal(lookup(5 << 12, &level) & SPTE_ADDR_MASK, HOST_BASE);
	assert_int_equal(mmu_check_vm(&env.vm), 0);
}

static void allocation_failure_leaves_no_trace(void **state)
{
	unsigned int i;

	for (i = 1; i < 8; i++) {
		fake.fail_allocs_after = i;
		fault((u64)i << 30 | 0x5000, GUEST_ACCESS_READ);
		fake.fail_allocs_after = 0;
		assert_int_equal(mmu_check_vm(&env.vm), 0);
	}
	assert_int_equal(fault(0x5000, GUEST_ACCESS_READ), MMU_FAULT_FIXED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(fault_maps_largest_page, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(small_slot_gets_small_pages, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(dirty_logging_splits_and_harvests, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(zap_all_is_generation_bump, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(zapped_pages_wait_for_grace_period, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(memslot_move_remaps, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(age_clears_accessed, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(readonly_slot_write_is_emulated, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(allocation_failure_leaves_no_trace, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(memslot_beyond_ept_reach_is_refused, setup,
						fixture_teardown),
	};

	return cmocka_run_group_tests_name("mmu_tdp", tests, NULL, NULL);
}
