/* SPDX-License-Identifier: GPL-2.0-only */
/* Per-VM MMU counters, for `make bench` and the console. */
#ifndef KEEL_VMM_MMU_STATS_H
#define KEEL_VMM_MMU_STATS_H

#include <keel/types.h>

struct mmu_stats {
	u64 faults;	     /* page faults handled by the MMU */
	u64 faults_fixed;    /* ... that installed or upgraded an SPTE */
	u64 pages_created;   /* shadow pages allocated */
	u64 pages_live;	     /* shadow pages allocated and not yet freed */
	u64 unsync;	     /* pages made unsync */
	u64 syncs;	     /* unsync pages synced */
	u64 sync_zapped;     /* SPTEs dropped by a sync because the guest entry changed */
	u64 sync_updated;    /* SPTEs a sync derived again in place from a changed guest entry */
	u64 zaps;	     /* pages zapped (prepare) */
	u64 obsolete_zaps;   /* of those, obsolete pages reclaimed after an invalidate-all */
	u64 zap_commits;     /* zap-list commits (one flush request each) */
	u64 flush_requests;  /* TLB flush requests sent to the platform */
	u64 rmap_restarts;   /* lock-free rmap walks restarted by a nulls mismatch */
	u64 emulated_writes; /* guest writes to tracked page tables emulated into the shadow */
	u64 write_updated;   /* SPTEs an emulated write derived again in place from the new entry */
	u64 write_floods;    /* pages zapped because the guest kept writing them */
	u64 unprotects;	     /* pages zapped so a write needing emulation could run natively */
	u64 windows;	     /* write windows opened (one native guest instruction each) */
	u64 window_words;    /* 8-byte words of tracked frames that windows found changed */
	u64 invalidate_all;  /* generation bumps */
	u64 splits;	     /* large SPTEs split into tables */
	u64 collapses;	     /* tables replaced by large SPTEs */
	u64 deferred_frees;  /* subtrees handed to the grace period */
};

#endif
