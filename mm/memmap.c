/* SPDX-License-Identifier: GPL-2.0-only */
/* Boot memory map to usable ranges: pure C, shared by the kernel and the hosted unit tests. */
#include "mm/memmap.h"

#include <arch/layout.h>

static u64 end_of(u64 base, u64 len)
{
	return len > ~0ULL - base ? ~0ULL : base + len;
}

static int reserve(struct memrange_set *s, u64 base, u64 len)
{
	u64 end = end_of(base, len);

	return memrange_remove(s, ALIGN_DOWN(base, PAGE_SIZE),
			       end > ~0ULL - PAGE_SIZE ? ~0ULL : ALIGN_UP(end, PAGE_SIZE));
}

int memmap_usable(const struct boot_info *bi, struct memrange_set *usable)
{
	u32 n = MIN(bi->mmap_count, (u32)BOOT_MMAP_MAX);
	u32 nmod = MIN(bi->module_count, (u32)BOOT_MODULES_MAX);
	int err = 0;

	usable->count = 0;
	for (u32 i = 0; i < n; i++) {
		const struct boot_mmap_entry *e = &bi->mmap[i];
		u64 base = ALIGN_UP(e->base, PAGE_SIZE);
		u64 end = ALIGN_DOWN(end_of(e->base, e->length), PAGE_SIZE);

		if (e->type == BOOT_MEM_USABLE && e->base <= ~0ULL - PAGE_SIZE)
			err |= memrange_add(usable, base, end);
	}
	for (u32 i = 0; i < n; i++) {
		if (bi->mmap[i].type != BOOT_MEM_USABLE)
			err |= reserve(usable, bi->mmap[i].base, bi->mmap[i].length);
	}
	err |= reserve(usable, 0, PAGE_SIZE);
	err |= reserve(usable, KEEL_AP_TRAMPOLINE_PHYS, PAGE_SIZE);
	err |= reserve(usable, bi->kernel_phys, bi->kernel_size);
	for (u32 i = 0; i < nmod; i++)
		err |= reserve(usable, bi->modules[i].base, bi->modules[i].size);
	if (bi->acpi_rsdp)
		err |= reserve(usable, bi->acpi_rsdp, 1);
	if (bi->fb.base)
		err |= reserve(usable, bi->fb.base, (u64)bi->fb.pitch * bi->fb.height);
	return err ? -1 : 0;
}

static bool is_ram(u32 type)
{
	return type == BOOT_MEM_USABLE || type == BOOT_MEM_ACPI_RECLAIM ||
	       type == BOOT_MEM_ACPI_NVS || type == BOOT_MEM_LOADER;
}

u64 memmap_ram_bytes(const struct boot_info *bi, u64 lo, u64 hi)
{
	/* Static, not on the stack: the boot stack is small; callers run before SMP. */
	static struct memrange r[BOOT_MMAP_MAX];
	struct memrange_set s = { .r = r, .cap = BOOT_MMAP_MAX };
	u32 n = MIN(bi->mmap_count, (u32)BOOT_MMAP_MAX);

	for (u32 i = 0; i < n; i++) {
		const struct boot_mmap_entry *e = &bi->mmap[i];

		if (is_ram(e->type))
			memrange_add(&s, e->base, end_of(e->base, e->length));
	}
	return memrange_bytes_in(&s, lo, hi);
}
