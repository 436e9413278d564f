/* SPDX-License-Identifier: GPL-2.0-only */
/* Loads keel.elf: checks it, places its segments in one region below 4 GiB, zeroes its .bss. */
#include <arch/layout.h>
#include "console.h"
#include "loader.h"

#define KERNEL_HEAD_MAX 65536 /* the ELF header and program headers must lie in these bytes */

static int read_head(struct loader *ld, EFI_FILE_HANDLE fh, u64 size)
{
	size_t head_len = (size_t)MIN(size, (u64)KERNEL_HEAD_MAX);
	char err[ELF_ERROR_MAX];
	EFI_STATUS status;
	void *head;
	int ret;

	status = ld->bs->AllocatePool(EfiLoaderData, head_len ? head_len : 1, &head);
	if (EFI_ERROR(status)) {
		con_error("%s: no memory for its headers: %s", LOADER_KERNEL_PATH,
			  efi_status_str(status));
		return -1;
	}
	ret = fs_read_at(fh, LOADER_KERNEL_PATH, 0, head, head_len);
	if (!ret) {
		ret = elf_plan(head, head_len, size, &ld->plan, err, sizeof(err));
		if (ret)
			con_error("%s: %s", LOADER_KERNEL_PATH, err);
	}
	ld->bs->FreePool(head);
	return ret;
}

/*
 * Segments linked below 4 GiB (the multiboot2 trampoline) are reached through the identity map
 * and get no mapping of their own; every other one is mapped at p_vaddr, which must be canonical
 * and lie wholly on one side of the 4 GiB line.
 */
static int check_virtual_layout(const struct elf_plan *plan)
{
	for (u32 i = 0; i < plan->load_count; i++) {
		const struct elf_load *l = &plan->loads[i];
		u64 last = l->vaddr + l->memsz - 1;

		if (l->vaddr < LOADER_4G && last >= LOADER_4G) {
			con_error("%s: segment %u crosses the 4 GiB line", LOADER_KERNEL_PATH,
				  l->index);
			return -1;
		}
		if ((u64)((s64)(l->vaddr << 16) >> 16) != l->vaddr ||
		    (u64)((s64)(last << 16) >> 16) != last) {
			con_error("%s: segment %u: p_vaddr 0x%llx is not canonical",
				  LOADER_KERNEL_PATH, l->index, (unsigned long long)l->vaddr);
			return -1;
		}
	}
	return 0;
}

/* At the linked p_paddr if that is free, else anywhere below 4 GiB with the same 2 MiB offset. */
static int allocate_region(struct loader *ld)
{
	u64 pages = ALIGN_UP(ld->plan.span_size, PAGE_SIZE) / PAGE_SIZE;
	u64 base = ld->plan.span_base;
	EFI_STATUS status = EFI_NOT_FOUND;

	if (base + pages * PAGE_SIZE <= LOADER_4G)
		status = alloc_pages(ld, AllocateAddress, EfiLoaderCode, pages, &base);
	if (EFI_ERROR(status))
		status = alloc_aligned_below_4g(ld, EfiLoaderCode, pages, LARGE_PAGE_SIZE,
						ld->plan.span_base, &base);
	if (EFI_ERROR(status)) {
		con_error("%s: cannot allocate %llu KiB below 4 GiB: %s", LOADER_KERNEL_PATH,
			  (unsigned long long)(pages * PAGE_SIZE / 1024), efi_status_str(status));
		return -1;
	}
	ld->kernel_base = base;
	ld->bs->SetMem((void *)base, pages * PAGE_SIZE, 0);
	return 0;
}

static int copy_segments(struct loader *ld, EFI_FILE_HANDLE fh)
{
	for (u32 i = 0; i < ld->plan.load_count; i++) {
		const struct elf_load *l = &ld->plan.loads[i];
		u64 dst = ld->kernel_base + (l->paddr - ld->plan.span_base);

		if (l->filesz &&
		    fs_read_at(fh, LOADER_KERNEL_PATH, l->offset, (void *)dst, l->filesz))
			return -1;
	}
	return 0;
}

/* The entry's address under the loader's tables: low segments run where they were placed. */
static u64 jump_target(const struct loader *ld)
{
	const struct elf_load *l = elf_find_load(&ld->plan, ld->plan.entry, 1);

	if (l->vaddr >= LOADER_4G)
		return ld->plan.entry;
	return ld->kernel_base + (l->paddr - ld->plan.span_base) + (ld->plan.entry - l->vaddr);
}

int load_kernel(struct loader *ld)
{
	EFI_FILE_HANDLE fh;
	u64 size;
	int ret;

	if (fs_open(ld, LOADER_KERNEL_PATH, &fh, &size))
		return -1;
	ret = read_head(ld, fh, size);
	if (!ret)
		ret = check_virtual_layout(&ld->plan);
	if (!ret)
		ret = allocate_region(ld);
	if (!ret)
		ret = copy_segments(ld, fh);
	fs_close(fh);
	if (ret)
		return ret;
	ld->kernel_jump = jump_target(ld);
	ld->bi->kernel_phys = ld->kernel_base;
	ld->bi->kernel_size = ld->plan.span_size;
	con_info("%s: %u segments at 0x%llx (linked at 0x%llx), %llu KiB, entry 0x%llx",
		 LOADER_KERNEL_PATH, ld->plan.load_count, (unsigned long long)ld->kernel_base,
		 (unsigned long long)ld->plan.span_base,
		 (unsigned long long)(ld->plan.span_size / 1024),
		 (unsigned long long)ld->plan.entry);
	return 0;
}
