/* SPDX-License-Identifier: GPL-2.0-only */
/* Runs guest_walk() and ref_walk() on the same state and compares results and memory effects. */
#ifndef KEEL_TESTS_MMU_WALK_CHECK_H
#define KEEL_TESTS_MMU_WALK_CHECK_H

#include "guest_mem.h"

/*
 * Walks @gva with both walkers from the same memory and compares every field of the results,
 * and the memory each left behind (only the entries the walk used may change). Memory is left
 * as the reference walker left it. Returns true when they agree, else prints both results.
 */
bool walk_check(struct guest_mem *gm, const struct guest_paging_state *st, u64 gva,
		enum guest_access_kind kind, unsigned int flags, struct guest_walk *out);

/* A random vCPU state in @mode (CR4/EFER bits, CPL, PKRU, AC, MAXPHYADDR, 1 GiB pages). */
void walk_random_state(struct gm_rng *rng, enum guest_paging_mode mode,
		       struct guest_paging_state *st);

/* The registers that select @mode with CR0.WP and EFER.NXE set and nothing else optional. */
void walk_basic_state(enum guest_paging_mode mode, struct guest_paging_state *st);

#endif
