/* SPDX-License-Identifier: GPL-2.0-only */
/* Page allocator internals that the in-kernel tests inspect. */
#ifndef MM_PMM_H
#define MM_PMM_H

#include <keel/types.h>

/* Per-CPU caches of order-0 pages: at most PMM_PCP_MAX each, moved to and from the buddy in
 * batches of PMM_PCP_BATCH. */
#define PMM_PCP_MAX   64
#define PMM_PCP_BATCH 16

/*
 * Walk the global allocator's free lists and frame states and every per-CPU cache; 0 when
 * everything agrees. Other CPUs must not allocate or free pages meanwhile.
 */
int pmm_check(void);

#endif
