/* SPDX-License-Identifier: GPL-2.0-only */
/* The MMU model test: random guest operations against the MMU, checked against the reference
 * walker. */
#ifndef KEEL_TESTS_MMU_MODEL_H
#define KEEL_TESTS_MMU_MODEL_H

#include <keel/types.h>
#include <vmm/mmu/stats.h>

/*
 * An operation is a type and 64 bits of arguments; everything it does follows from those and
 * the model's state, so a sequence replays exactly (and can be shrunk by dropping operations).
 */
enum model_op_type {
	MOP_ACCESS,    /* a guest access through the shadow, faulting into the MMU until done */
	MOP_WRITE_PTE, /* the guest rewrites one of its paging-structure entries */
	MOP_INVLPG,
	MOP_CR3,     /* MOV to CR3: another context, with or without PCID no-flush */
	MOP_FLUSH,   /* full guest TLB flush (single context or all) */
	MOP_CR_BITS, /* CR0.WP, CR4.SMEP/SMAP/PKE/PCIDE, EFER.NXE, PKRU, RFLAGS.AC */
	MOP_ZAP_ALL,
	MOP_MEMSLOT,   /* delete or re-add the upper memslot */
	MOP_DIRTY_LOG, /* dirty logging on, off, or a harvest */
	MOP_AGE,
	MOP_SWITCH_CPU, /* the physical CPU VM-wide calls run on */
	MOP_GRACE,	/* every CPU passes a quiescent state */
	MOP_REBOOT,	/* new page tables in new paging modes (after a zap-all) */
	MOP_NR,
};

struct model_op {
	u8 type;
	u8 vcpu;
	u64 arg;
};

struct model;

struct model *model_create(u64 seed);
/* Runs one operation and every check after it; returns the number of violations so far. */
unsigned int model_step(struct model *m, const struct model_op *op);
const char *model_violation(const struct model *m);
const struct mmu_stats *model_stats(const struct model *m);
/* Tears down the MMU and checks that every page went back (a leak is a violation). */
unsigned int model_destroy(struct model *m);

/* Draws a random operation with the default mix. */
void model_random_op(u64 *rng_state, struct model_op *op);
const char *model_op_name(unsigned int type);

/*
 * Replays @ops[0..n) on a fresh model from @seed; returns the index of the first operation after
 * which a violation showed, or n when none did.
 */
u64 model_replay(u64 seed, const struct model_op *ops, u64 n, char *msg, size_t msg_len);
/* Delta-reduces a failing sequence in place within about @budget_s seconds; returns its length. */
u64 model_shrink(u64 seed, struct model_op *ops, u64 n, double budget_s);

#endif
