/* SPDX-License-Identifier: GPL-2.0-only */
/* Counters of the kernel's MMU platform glue (vmm/mmu_glue.c), per physical CPU. */
#ifndef KEEL_VMM_MMU_GLUE_H
#define KEEL_VMM_MMU_GLUE_H

#include <keel/types.h>

/* A table page freed by the MMU is filled with this before it goes back to the allocator. */
#define MMU_GLUE_POISON 0x6b6b6b6b6b6b6b6bull

/* Each counter is kept by the CPU it belongs to; another CPU reads a recent value. */
struct mmu_glue_stats {
	u64 tables_allocated; /* table pages handed to the MMU */
	u64 tables_freed;     /* table pages it gave back (poisoned, then freed) */
	u64 deferred_queued;  /* mmu_plat_defer_free() calls */
	u64 deferred_run;     /* their callbacks, run after a grace period */
	u64 flush_requests;   /* mmu_plat_flush_tlbs() calls: one per zap commit batch */
	u64 flush_rounds;     /* cross-CPU call rounds those issued (at most one per request) */
	u64 flush_targets;    /* CPUs those rounds asked to flush */
	u64 flushes_served;   /* guest TLB flushes this CPU performed for any CPU's request */
};

void mmu_glue_get_stats(unsigned int cpu, struct mmu_glue_stats *st);

#endif
