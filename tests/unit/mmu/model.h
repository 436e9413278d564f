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

/*
 * The TDP half: a VM in EPT mode with several memslots, whose reference is the memslots
 * themselves (guest frame to host frame, read-only slots, dirty-logging state).
 */
enum model_tdp_op_type {
	TOP_ACCESS,	  /* a guest access through the EPT, faulting into the MMU until done */
	TOP_ACCESS_NOMEM, /* the same, with one allocation failing during the first fault */
	TOP_SLOT_ADD,
	TOP_SLOT_DELETE,
	TOP_SLOT_MOVE,
	TOP_DIRTY_START,
	TOP_DIRTY_STOP,
	TOP_DIRTY_HARVEST,
	TOP_AGE,
	TOP_ZAP_ALL,
	TOP_RECLAIM,	/* reclaim obsolete pages with a random budget */
	TOP_GRACE,	/* every CPU passes a quiescent state */
	TOP_SWITCH_CPU, /* the physical CPU VM-wide calls run on */
	TOP_NR,
};

enum model_mode {
	MODEL_SHADOW,
	MODEL_TDP,
	MODEL_NR_MODES,
};

struct model_op {
	u8 type;
	u8 vcpu;
	u64 arg;
};

struct model;

const char *model_mode_name(enum model_mode mode);

struct model *model_create(enum model_mode mode, u64 seed);
/* Runs one operation and every check after it; returns the number of violations so far. */
unsigned int model_step(struct model *m, const struct model_op *op);
const char *model_violation(const struct model *m);
const struct mmu_stats *model_stats(const struct model *m);
/* One line on what the run exercised beyond the MMU's counters ("" when nothing to add). */
void model_coverage(const struct model *m, char *buf, size_t len);
/* Tears down the MMU and checks that every page went back (a leak is a violation). */
unsigned int model_destroy(struct model *m);

/* Draws a random operation of @mode with the default mix. */
void model_random_op(enum model_mode mode, u64 *rng_state, struct model_op *op);
const char *model_op_name(enum model_mode mode, unsigned int type);

/*
 * Replays @ops[0..n) on a fresh model from @seed; returns the index of the first operation after
 * which a violation showed, or n when none did.
 */
u64 model_replay(enum model_mode mode, u64 seed, const struct model_op *ops, u64 n, char *msg,
		 size_t msg_len);
/* Delta-reduces a failing sequence in place within about @budget_s seconds; returns its length. */
u64 model_shrink(enum model_mode mode, u64 seed, struct model_op *ops, u64 n, double budget_s);

#endif
