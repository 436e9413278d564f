/* SPDX-License-Identifier: GPL-2.0-only */
/* Unit tests of the MMU's pte_list: inline entry, descriptor blocks, nulls markers, lock-free
 * walks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <vmm/mmu/pte_list.h>

#include "mmu/fake_platform.h"

static u64 slots[4096];

static int setup(void **state)
{
	fake_platform_reset();
	return 0;
}

static void add_remove_keeps_membership(void **state)
{
	struct pte_list_cache c = { 0 };
	u64 head = 0;
	unsigned int i;

	for (i = 0; i < 1000; i++) {
		assert_true(pte_list_add(&c, &head, &slots[i]));
		assert_int_equal(pte_list_count(&head), i + 1);
	}
	for (i = 0; i < 1000; i += 3)
		pte_list_remove(&c, &head, &slots[i]);
	for (i = 0; i < 1000; i++)
		assert_int_equal(pte_list_contains(&head, &slots[i]), i % 3 != 0);
	for (i = 0; i < 1000; i++)
		if (i % 3)
			pte_list_remove(&c, &head, &slots[i]);
	assert_int_equal(head, 0);
	assert_int_equal(c.in_use, 0);
	pte_list_cache_destroy(&c);
	assert_int_equal(fake.live_objects, 0);
}

static void single_entry_is_inline(void **state)
{
	struct pte_list_cache c = { 0 };
	u64 head = 0;

	assert_true(pte_list_add(&c, &head, &slots[7]));
	assert_int_equal(head, (u64)(uintptr_t)&slots[7]);
	assert_true(pte_list_add(&c, &head, &slots[8]));
	assert_int_equal(head & 1, 1);
	pte_list_remove(&c, &head, &slots[7]);
	/* back to one entry: inline again, the block returned to the cache */
	assert_int_equal(head, (u64)(uintptr_t)&slots[8]);
	assert_int_equal(c.in_use, 0);
	pte_list_remove(&c, &head, &slots[8]);
	pte_list_cache_destroy(&c);
}

static void removing_absent_entry_panics(void **state)
{
	struct pte_list_cache c = { 0 };
	u64 head = 0;
	unsigned int i;

	for (i = 0; i < 20; i++)
		assert_true(pte_list_add(&c, &head, &slots[i]));
	fake.expect_panic = true;
	if (!setjmp(fake.panic_jmp)) {
		pte_list_remove(&c, &head, &slots[100]);
		fail_msg("removing an absent entry did not panic");
	}
	for (i = 0; i < 20; i++)
		pte_list_remove(&c, &head, &slots[i]);
	pte_list_cache_destroy(&c);
}

#define MOVE_LISTS   8
#define MOVE_ENTRIES 30

struct mover {
	struct pte_list_cache *c;
	u64 *from;
	u64 to[MOVE_LISTS];
	unsigned int seen, moves;
};

/*
 * Plays a concurrent writer: on a visit it empties the list being walked into another list
 * (whose new blocks are the ones just freed: the cache is type-stable and LIFO) and refills the
 * first list from fresh blocks, so the reader ends on the other list's nulls marker.
 */
static void visit_and_move(u64 *sptep, void *arg)
{
	struct mover *m = arg;
	unsigned int i;

	m->seen++;
	if (m->moves == MOVE_LISTS || m->seen % MOVE_ENTRIES != 1)
		return;
	for (i = 0; i < MOVE_ENTRIES; i++)
		pte_list_remove(m->c, m->from, &slots[i]);
	for (i = 0; i < MOVE_ENTRIES; i++)
		assert_true(pte_list_add(m->c, &m->to[m->moves], &slots[1000 + i]));
	for (i = 0; i < MOVE_ENTRIES; i++)
		assert_true(pte_list_add(m->c, m->from, &slots[i]));
	m->moves++;
}

static void mover_cleanup(struct mover *m)
{
	unsigned int i, k;

	for (i = 0; i < MOVE_ENTRIES; i++)
		pte_list_remove(m->c, m->from, &slots[i]);
	for (k = 0; k < m->moves; k++)
		for (i = 0; i < MOVE_ENTRIES; i++)
			pte_list_remove(m->c, &m->to[k], &slots[1000 + i]);
	pte_list_cache_destroy(m->c);
	assert_int_equal(fake.live_objects, 0);
}

static void lockless_walk_restarts_on_foreign_marker(void **state)
{
	struct pte_list_cache c = { 0 };
	struct mmu_lock lock = { 0 };
	u64 a = 0;
	struct mover m = { .c = &c, .from = &a, .moves = MOVE_LISTS - 1 };
	unsigned int i;

	for (i = 0; i < MOVE_ENTRIES; i++)
		assert_true(pte_list_add(&c, &a, &slots[i]));
	assert_int_equal(pte_list_walk_lockless(&a, visit_and_move, &m, &lock), 1);
	assert_false(lock.held);
	assert_int_equal(fake.read_depth, 0);
	for (i = 0; i < MOVE_ENTRIES; i++)
		pte_list_remove(&c, &a, &slots[i]);
	for (i = 0; i < MOVE_ENTRIES; i++)
		pte_list_remove(&c, &m.to[MOVE_LISTS - 1], &slots[1000 + i]);
	pte_list_cache_destroy(&c);
	assert_int_equal(fake.live_objects, 0);
}

static void lockless_walk_falls_back_to_lock(void **state)
{
	struct pte_list_cache c = { 0 };
	struct mmu_lock lock = { 0 };
	u64 a = 0;
	struct mover m = { .c = &c, .from = &a };
	unsigned int i;

	for (i = 0; i < MOVE_ENTRIES; i++)
		assert_true(pte_list_add(&c, &a, &slots[i]));
	assert_int_equal(pte_list_walk_lockless(&a, visit_and_move, &m, &lock),
			 PTE_LIST_MAX_RESTARTS);
	assert_false(lock.held);
	mover_cleanup(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(add_remove_keeps_membership, setup),
		cmocka_unit_test_setup(single_entry_is_inline, setup),
		cmocka_unit_test_setup(removing_absent_entry_panics, setup),
		cmocka_unit_test_setup(lockless_walk_restarts_on_foreign_marker, setup),
		cmocka_unit_test_setup(lockless_walk_falls_back_to_lock, setup),
	};

	return cmocka_run_group_tests_name("mmu_pte_list", tests, NULL, NULL);
}
