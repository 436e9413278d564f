/* SPDX-License-Identifier: GPL-2.0-only */
/* The shadow page (struct mmu_page): one table of SPTEs, identified by (gfn, role). */
#ifndef KEEL_VMM_MMU_PAGE_H
#define KEEL_VMM_MMU_PAGE_H

#include <keel/list.h>
#include <keel/types.h>

#include "platform.h"

#define SPTE_BITMAP_WORDS (512 / 64)

typedef u64 gfn_t;

/*
 * What a shadow page translates, beyond its gfn. Two pages with the same gfn and the same role
 * word are interchangeable; anything that changes the SPTEs derived from the same guest table
 * must be in here, or a page built for one context is reused in another (the classic case: the
 * same guest page table reached once through a read-only and once through a writable upper
 * entry must get two shadow pages, told apart by @access).
 */
union mmu_role {
	u32 word;
	struct {
		u32 level : 3;	      /* 1 maps 4 KiB pages ... 5 is a PML5 */
		u32 guest_levels : 3; /* guest paging levels (2, 3, 4, 5); 0 for TDP */
		u32 gpte_4byte : 1;   /* the guest table has 4-byte entries (32-bit paging) */
		u32 quadrant : 2;     /* which part of a 4-byte guest table this page covers */
		u32 direct : 1;	      /* maps guest-physical directly: TDP, or a guest large page */
		u32 access : 3;	      /* ACC_* the guest grants on the path above this page */
		u32 cr0_wp : 1;	      /* guest CR0.WP: supervisor writes to read-only pages fault */
		u32 smep_andnot_wp : 1;
		u32 smap_andnot_wp : 1;
		u32 efer_nx : 1; /* guest EFER.NXE: XD is honoured */
		u32 pke : 1;	 /* guest CR4.PKE in 4/5-level paging: leaves carry keys */
	};
};

/* Per-CPU unsync record entry: which CPU's list the page is on. */
#define MMU_NO_CPU 0xffffu

/*
 * Field by field:
 *   hash_link      chain in the VM's gfn hash; unhashed once the page is zapped
 *   link           on the VM's active list (newest first) or on a CPU's zap list
 *   unsync_link    on the per-CPU unsync record of the CPU that made the page unsync
 *   gfn            the guest frame shadowed (the guest table), or for a direct page the first
 *                  guest frame it maps
 *   role           see union mmu_role
 *   gen            the VM generation at creation; older than the VM's means obsolete
 *   spt, spt_pa    the table: host-virtual and host-physical
 *   gptes          indirect 4 KiB-level pages: gptes[i] is the guest entry leaf SPTE i was
 *                  derived from, as the walk left it (A/D included): it names the frame (and so
 *                  the rmap) and lets a sync spot any change; NULL for direct pages, whose
 *                  frames are computed, and above 4 KiB, where indirect pages hold no leaves
 *   children       pages above 4 KiB: children[i] is the page table SPTE i links, valid while
 *                  SPTE i is a present table entry, so that a walk down the shadow needs no
 *                  mmu_plat_table_owner() lookup; NULL for 4 KiB-level pages
 *   parent_ptes    pte_list of the SPTEs that point at this page
 *   unsync_child_bitmap  bit i: SPTE i leads to a page that is unsync or has unsync children
 *   unsync_children      population of unsync_child_bitmap (never negative: checked)
 *   root_count     vCPU root references (current and cached roots)
 *   write_flood    guest writes emulated into this page since a fault last used it
 *   unsync_cpu     the CPU whose unsync record holds the page, or MMU_NO_CPU
 *   unsync         a 4 KiB-level page the guest may write without trapping
 *   invalid        zapped while still a root: unreachable from the hash, freed at last put
 *   tdp_subtree    a TDP page that owns its children: freed with them as one subtree
 *   defer          storage for the deferred free after the grace period
 */
struct mmu_page {
	struct mmu_page *hash_next;
	struct mmu_page **hash_pprev;
	struct list_head link;
	struct list_head unsync_link;
	gfn_t gfn;
	union mmu_role role;
	u64 gen;
	u64 *spt;
	paddr_t spt_pa;
	u64 *gptes;
	struct mmu_page **children;
	u64 parent_ptes;
	u64 unsync_child_bitmap[SPTE_BITMAP_WORDS];
	u32 unsync_children;
	u32 root_count;
	u16 write_flood;
	u16 unsync_cpu;
	bool unsync;
	bool invalid;
	bool tdp_subtree;
	struct mmu_deferred defer;
};

#endif
