/* SPDX-License-Identifier: GPL-2.0-only */
/* Page allocations, remembered so that a failed boot gives every page back to the firmware. */
#include <arch/layout.h>
#include "loader.h"

#define ALLOC_RECORDS_MAX 64

struct alloc_record {
	u64 base;
	u64 pages;
};

static struct alloc_record records[ALLOC_RECORDS_MAX];
static u32 record_count;

static EFI_STATUS remember(struct loader *ld, u64 base, u64 pages)
{
	if (record_count == ALLOC_RECORDS_MAX) {
		ld->bs->FreePages(base, pages);
		return EFI_OUT_OF_RESOURCES;
	}
	records[record_count++] = (struct alloc_record){ .base = base, .pages = pages };
	return EFI_SUCCESS;
}

EFI_STATUS alloc_pages(struct loader *ld, EFI_ALLOCATE_TYPE how, EFI_MEMORY_TYPE type, u64 pages,
		       u64 *addr)
{
	EFI_PHYSICAL_ADDRESS a = how == AllocateAnyPages ? 0 : *addr;
	EFI_STATUS status;

	status = ld->bs->AllocatePages(how, type, pages, &a);
	if (EFI_ERROR(status))
		return status;
	status = remember(ld, a, pages);
	if (EFI_ERROR(status))
		return status;
	*addr = a;
	return EFI_SUCCESS;
}

/*
 * pages below 4 GiB at an address congruent to offset modulo align: allocate align bytes more
 * than needed, then give back the head and the tail around the part that is kept.
 */
EFI_STATUS alloc_aligned_below_4g(struct loader *ld, EFI_MEMORY_TYPE type, u64 pages, u64 align,
				  u64 offset, u64 *addr)
{
	u64 extra = align / PAGE_SIZE;
	EFI_PHYSICAL_ADDRESS a = LOADER_BELOW_4G;
	EFI_STATUS status;
	u64 keep, head, tail;

	status = ld->bs->AllocatePages(AllocateMaxAddress, type, pages + extra, &a);
	if (EFI_ERROR(status))
		return status;
	keep = ALIGN_DOWN(a, align) + (offset & (align - 1));
	if (keep < a)
		keep += align;
	head = (keep - a) / PAGE_SIZE;
	tail = extra - head;
	if (head)
		ld->bs->FreePages(a, head);
	if (tail)
		ld->bs->FreePages(keep + pages * PAGE_SIZE, tail);
	status = remember(ld, keep, pages);
	if (EFI_ERROR(status))
		return status;
	*addr = keep;
	return EFI_SUCCESS;
}

void free_all_pages(struct loader *ld)
{
	while (record_count) {
		record_count--;
		ld->bs->FreePages(records[record_count].base, records[record_count].pages);
	}
}
