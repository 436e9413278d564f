/* SPDX-License-Identifier: GPL-2.0-only */
/* Buddy allocator core: page-frame bookkeeping only, no locks, no memory access of its own. */
#ifndef MM_BUDDY_H
#define MM_BUDDY_H

#include <keel/mm.h>
#include <keel/types.h>

/*
 * Frames are grouped into zones: contiguous spans of page frames whose base and length are
 * multiples of the largest block (2^PMM_MAX_ORDER pages), so a block's buddy, found by flipping
 * one bit of its index, always lies in the same zone. Each frame has a struct buddy_page in a
 * metadata array the caller provides (buddy_meta_bytes()); a frame starts RESERVED and becomes
 * allocatable only through buddy_add_free(), so holes and reserved ranges are never handed out.
 *
 * Frame states, kept on the first frame of each block:
 *   FREE      first frame of a free block of `order`, on free_head[order]
 *   ALLOCATED first frame of an allocated block of `order`
 *   TAIL      any other frame of a free or allocated block
 *   RESERVED  never managed
 * Freeing checks the state, so a double free, a free of the middle of a block, of a reserved
 * frame or with the wrong order is caught and reported through the error hook.
 *
 * Locking is the caller's: the kernel glue (mm/pmm.c) holds one lock around each call; per-CPU
 * caches of order-0 pages sit in front of buddy_alloc()/buddy_free() without changing this core.
 */
#define BUDDY_MAX_ZONES	  8
#define BUDDY_BLOCK_PAGES (1ULL << PMM_MAX_ORDER)
#define BUDDY_NIL	  0xffffffffU

enum buddy_state {
	BUDDY_RESERVED = 0,
	BUDDY_FREE = 1,
	BUDDY_ALLOCATED = 2,
	BUDDY_TAIL = 3,
};

struct buddy_page {
	u32 next; /* free-list links, zone-relative frame indices or BUDDY_NIL */
	u32 prev;
	u8 order;
	u8 state; /* enum buddy_state */
	u16 unused;
};

struct buddy_zone {
	u64 base_pfn;
	u64 npages;
	struct buddy_page *pages;
	u32 free_head[PMM_MAX_ORDER + 1];
	u64 free_blocks[PMM_MAX_ORDER + 1];
	u64 managed_pages; /* handed in through buddy_add_free() */
	u64 free_pages;
};

struct buddy {
	struct buddy_zone zones[BUDDY_MAX_ZONES];
	unsigned int nzones;
	/* Called on a bad free (message names the frame); the kernel panics, tests record. */
	void (*error)(void *ctx, const char *msg, u64 pfn);
	void *error_ctx;
};

/* Bytes of metadata a zone of npages frames needs. */
size_t buddy_meta_bytes(u64 npages);

/* A zone of reserved frames; base_pfn and npages are multiples of BUDDY_BLOCK_PAGES. */
int buddy_add_zone(struct buddy *b, u64 base_pfn, u64 npages, void *meta);

/* Make frames [pfn, pfn + npages) allocatable; they must lie in one zone and be RESERVED. */
int buddy_add_free(struct buddy *b, u64 pfn, u64 npages);

/* Allocate 2^order frames; returns false when no block is large enough. */
bool buddy_alloc(struct buddy *b, unsigned int order, u64 *pfn);
/* The same, from zones that end at or below frame @end_pfn only. */
bool buddy_alloc_below(struct buddy *b, unsigned int order, u64 end_pfn, u64 *pfn);

/* Free a block from buddy_alloc(); returns -1 after reporting through b->error when invalid. */
int buddy_free(struct buddy *b, u64 pfn, unsigned int order);

u64 buddy_managed_pages(const struct buddy *b);
u64 buddy_free_pages(const struct buddy *b);

/* Recount every free list and frame state; returns 0 when all counters and links agree. */
int buddy_check(const struct buddy *b);

#endif
