/* SPDX-License-Identifier: GPL-2.0-only */
/* Buddy allocator core: split, merge and consistency checks over zones of page frames. */
#include "mm/buddy.h"

#include <stdio.h>
#include <string.h>

size_t buddy_meta_bytes(u64 npages)
{
	return (size_t)npages * sizeof(struct buddy_page);
}

static void report(struct buddy *b, u64 pfn, const char *what)
{
	char msg[128];

	snprintf(msg, sizeof(msg), "buddy: %s (pfn 0x%lx)", what, (unsigned long)pfn);
	if (b->error)
		b->error(b->error_ctx, msg, pfn);
}

static struct buddy_zone *zone_of(struct buddy *b, u64 pfn)
{
	for (unsigned int i = 0; i < b->nzones; i++) {
		struct buddy_zone *z = &b->zones[i];

		if (pfn >= z->base_pfn && pfn - z->base_pfn < z->npages)
			return z;
	}
	return NULL;
}

static void list_push(struct buddy_zone *z, u32 idx, unsigned int order)
{
	struct buddy_page *p = &z->pages[idx];
	u32 head = z->free_head[order];

	p->state = BUDDY_FREE;
	p->order = (u8)order;
	p->prev = BUDDY_NIL;
	p->next = head;
	if (head != BUDDY_NIL)
		z->pages[head].prev = idx;
	z->free_head[order] = idx;
	z->free_blocks[order]++;
}

static void list_remove(struct buddy_zone *z, u32 idx)
{
	struct buddy_page *p = &z->pages[idx];

	if (p->prev != BUDDY_NIL)
		z->pages[p->prev].next = p->next;
	else
		z->free_head[p->order] = p->next;
	if (p->next != BUDDY_NIL)
		z->pages[p->next].prev = p->prev;
	z->free_blocks[p->order]--;
	p->next = p->prev = BUDDY_NIL;
}

/* Put block idx of `order` on the free lists, merging it with free buddies as far as it goes. */
static void free_block(struct buddy_zone *z, u32 idx, unsigned int order)
{
	z->free_pages += 1ULL << order;
	while (order < PMM_MAX_ORDER) {
		u32 buddy = idx ^ (1U << order);
		struct buddy_page *bp = &z->pages[buddy];

		if (buddy >= z->npages || bp->state != BUDDY_FREE || bp->order != order)
			break;
		list_remove(z, buddy);
		/* The higher of the two heads is now inside the merged block. */
		z->pages[idx | (1U << order)].state = BUDDY_TAIL;
		idx &= ~(1U << order);
		order++;
	}
	list_push(z, idx, order);
}

int buddy_add_zone(struct buddy *b, u64 base_pfn, u64 npages, void *meta)
{
	struct buddy_zone *z;

	if (b->nzones == BUDDY_MAX_ZONES || !npages || npages >= BUDDY_NIL ||
	    base_pfn % BUDDY_BLOCK_PAGES || npages % BUDDY_BLOCK_PAGES)
		return -1;
	for (unsigned int i = 0; i < b->nzones; i++) {
		const struct buddy_zone *o = &b->zones[i];

		if (base_pfn < o->base_pfn + o->npages && o->base_pfn < base_pfn + npages)
			return -1;
	}
	z = &b->zones[b->nzones++];
	memset(z, 0, sizeof(*z));
	z->base_pfn = base_pfn;
	z->npages = npages;
	z->pages = meta;
	memset(meta, 0, buddy_meta_bytes(npages));
	for (unsigned int o = 0; o <= PMM_MAX_ORDER; o++)
		z->free_head[o] = BUDDY_NIL;
	return 0;
}

int buddy_add_free(struct buddy *b, u64 pfn, u64 npages)
{
	struct buddy_zone *z = zone_of(b, pfn);
	u64 idx, end;

	if (!npages)
		return 0;
	if (!z || npages > z->npages - (pfn - z->base_pfn))
		return -1;
	idx = pfn - z->base_pfn;
	end = idx + npages;
	for (u64 i = idx; i < end; i++) {
		if (z->pages[i].state != BUDDY_RESERVED)
			return -1;
	}
	/* Largest naturally aligned blocks first; free_block() merges across call boundaries. */
	while (idx < end) {
		unsigned int order = PMM_MAX_ORDER;

		while (order && ((idx & ((1ULL << order) - 1)) || idx + (1ULL << order) > end))
			order--;
		for (u64 i = idx + 1; i < idx + (1ULL << order); i++)
			z->pages[i].state = BUDDY_TAIL;
		z->managed_pages += 1ULL << order;
		free_block(z, (u32)idx, order);
		idx += 1ULL << order;
	}
	return 0;
}

static bool alloc_in_zone(struct buddy_zone *z, unsigned int order, u64 *pfn)
{
	unsigned int o = order;
	u32 idx;

	while (o <= PMM_MAX_ORDER && z->free_head[o] == BUDDY_NIL)
		o++;
	if (o > PMM_MAX_ORDER)
		return false;
	idx = z->free_head[o];
	list_remove(z, idx);
	while (o > order) {
		o--;
		list_push(z, idx + (1U << o), o);
	}
	z->pages[idx].state = BUDDY_ALLOCATED;
	z->pages[idx].order = (u8)order;
	z->free_pages -= 1ULL << order;
	*pfn = z->base_pfn + idx;
	return true;
}

bool buddy_alloc(struct buddy *b, unsigned int order, u64 *pfn)
{
	return buddy_alloc_below(b, order, ~0ULL, pfn);
}

bool buddy_alloc_below(struct buddy *b, unsigned int order, u64 end_pfn, u64 *pfn)
{
	if (order > PMM_MAX_ORDER)
		return false;
	for (unsigned int i = 0; i < b->nzones; i++) {
		const struct buddy_zone *z = &b->zones[i];

		if (z->base_pfn + z->npages <= end_pfn && alloc_in_zone(&b->zones[i], order, pfn))
			return true;
	}
	return false;
}

int buddy_free(struct buddy *b, u64 pfn, unsigned int order)
{
	struct buddy_zone *z = zone_of(b, pfn);
	struct buddy_page *p;
	u64 idx;

	if (!z) {
		report(b, pfn, "free of a frame outside every zone");
		return -1;
	}
	idx = pfn - z->base_pfn;
	p = &z->pages[idx];
	switch (p->state) {
	case BUDDY_FREE:
		report(b, pfn, "double free");
		return -1;
	case BUDDY_TAIL:
		report(b, pfn, "free of a frame inside a block");
		return -1;
	case BUDDY_RESERVED:
		report(b, pfn, "free of a reserved frame that was never allocated");
		return -1;
	default:
		break;
	}
	if (order != p->order) {
		report(b, pfn, "free with an order other than the allocation's");
		return -1;
	}
	free_block(z, (u32)idx, order);
	return 0;
}

u64 buddy_managed_pages(const struct buddy *b)
{
	u64 n = 0;

	for (unsigned int i = 0; i < b->nzones; i++)
		n += b->zones[i].managed_pages;
	return n;
}

u64 buddy_free_pages(const struct buddy *b)
{
	u64 n = 0;

	for (unsigned int i = 0; i < b->nzones; i++)
		n += b->zones[i].free_pages;
	return n;
}

static int check_zone(const struct buddy_zone *z)
{
	u64 free_pages = 0;

	for (unsigned int o = 0; o <= PMM_MAX_ORDER; o++) {
		u64 blocks = 0;
		u32 prev = BUDDY_NIL;

		for (u32 i = z->free_head[o]; i != BUDDY_NIL; i = z->pages[i].next) {
			const struct buddy_page *p = &z->pages[i];

			if (i >= z->npages || p->state != BUDDY_FREE || p->order != o ||
			    p->prev != prev || (i & ((1U << o) - 1)) || ++blocks > z->npages)
				return -1;
			for (u32 t = i + 1; t < i + (1U << o); t++) {
				if (z->pages[t].state != BUDDY_TAIL)
					return -1;
			}
			prev = i;
		}
		if (blocks != z->free_blocks[o])
			return -1;
		free_pages += blocks << o;
	}
	return free_pages == z->free_pages && z->free_pages <= z->managed_pages ? 0 : -1;
}

int buddy_check(const struct buddy *b)
{
	for (unsigned int i = 0; i < b->nzones; i++) {
		if (check_zone(&b->zones[i]))
			return -1;
	}
	return 0;
}
