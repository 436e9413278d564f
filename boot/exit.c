/* SPDX-License-Identifier: GPL-2.0-only */
/* Leaving the firmware: stack and hand-off page, ExitBootServices, memory map, the jump. */
#include <arch/layout.h>
#include "console.h"
#include "loader.h"
#include "mmap.h"

/* Descriptors of slack in the map buffer: our own allocations after sizing it add a few. */
#define MAP_SLACK_DESCS 64
/* Ranges kept free in boot_info.mmap when checking the map before exit, for late changes. */
#define MMAP_SPARE_ENTRIES 32
#define EXIT_TRIES	   8

typedef void handoff_fn(u64 cr3, u64 entry, u64 boot_info, u64 stack_top);
extern const u8 handoff_start[], handoff_end[];

int prepare_handoff(struct loader *ld)
{
	u64 stack = LOADER_BELOW_4G, page = LOADER_BELOW_4G;
	EFI_STATUS status;

	status = alloc_pages(ld, AllocateMaxAddress, EfiLoaderData, LOADER_STACK_SIZE / PAGE_SIZE,
			     &stack);
	if (!EFI_ERROR(status))
		status = alloc_pages(ld, AllocateMaxAddress, EfiLoaderCode, 1, &page);
	if (EFI_ERROR(status)) {
		con_error("cannot allocate the kernel's stack below 4 GiB: %s",
			  efi_status_str(status));
		return -1;
	}
	ld->stack_top = stack + LOADER_STACK_SIZE;
	ld->handoff_page = page;
	ld->bs->CopyMem((void *)page, (void *)handoff_start, (UINTN)(handoff_end - handoff_start));
	return 0;
}

/* UEFI spec 7.2 "EFI_BOOT_SERVICES.GetMemoryMap()" types, as boot_info sees them. */
static u32 boot_mem_type(u32 efi_type)
{
	switch (efi_type) {
	case EfiConventionalMemory:
	case EfiBootServicesCode:
	case EfiBootServicesData:
		return BOOT_MEM_USABLE;
	case EfiLoaderCode:
	case EfiLoaderData:
		return BOOT_MEM_LOADER;
	case EfiACPIReclaimMemory:
		return BOOT_MEM_ACPI_RECLAIM;
	case EfiACPIMemoryNVS:
		return BOOT_MEM_ACPI_NVS;
	case EfiUnusableMemory:
		return BOOT_MEM_BAD;
	default:
		return BOOT_MEM_RESERVED;
	}
}

/* Converts the EFI map in ld->efi_map into the scratch array; returns the merged count. */
static size_t convert_to_scratch(struct loader *ld)
{
	size_t n = ld->efi_map_size / ld->efi_desc_size;
	const u8 *p = (const u8 *)ld->efi_map;

	n = MIN(n, ld->mmap_scratch_cap);
	for (size_t i = 0; i < n; i++) {
		const EFI_MEMORY_DESCRIPTOR *d = (const void *)(p + i * ld->efi_desc_size);

		ld->mmap_scratch[i] = (struct boot_mmap_entry){
			.base = d->PhysicalStart,
			.length = d->NumberOfPages * PAGE_SIZE,
			.type = boot_mem_type(d->Type),
		};
	}
	return mmap_sort_merge(ld->mmap_scratch, n);
}

static EFI_STATUS get_map(struct loader *ld, UINTN *key)
{
	UINT32 version;

	ld->efi_map_size = ld->efi_map_cap;
	return ld->bs->GetMemoryMap(&ld->efi_map_size, ld->efi_map, key, &ld->efi_desc_size,
				    &version);
}

/* The map buffer and the scratch array, sized from a first look at the map plus slack. */
static int allocate_map_buffers(struct loader *ld)
{
	UINTN size = 0, key, desc_size = 0;
	UINT32 version;
	u64 map = 0, scratch = 0;
	EFI_STATUS status;
	size_t descs;

	status = ld->bs->GetMemoryMap(&size, NULL, &key, &desc_size, &version);
	if (status != EFI_BUFFER_TOO_SMALL || !desc_size) {
		con_error("GetMemoryMap cannot size the memory map: %s", efi_status_str(status));
		return -1;
	}
	descs = size / desc_size + MAP_SLACK_DESCS;
	ld->efi_map_cap = ALIGN_UP(descs * desc_size, PAGE_SIZE);
	status =
		alloc_pages(ld, AllocateAnyPages, EfiLoaderData, ld->efi_map_cap / PAGE_SIZE, &map);
	if (!EFI_ERROR(status))
		status = alloc_pages(ld, AllocateAnyPages, EfiLoaderData,
				     ALIGN_UP(descs * sizeof(struct boot_mmap_entry), PAGE_SIZE) /
					     PAGE_SIZE,
				     &scratch);
	if (EFI_ERROR(status)) {
		con_error("cannot allocate the memory map: %s", efi_status_str(status));
		return -1;
	}
	ld->efi_map = (EFI_MEMORY_DESCRIPTOR *)map;
	ld->mmap_scratch = (struct boot_mmap_entry *)scratch;
	ld->mmap_scratch_cap = descs;
	return 0;
}

/* A dry run of the conversion, so an oversized map fails while the firmware can still report. */
static int check_map_fits(struct loader *ld)
{
	UINTN key;
	EFI_STATUS status = get_map(ld, &key);
	size_t n;

	if (EFI_ERROR(status)) {
		con_error("GetMemoryMap failed: %s", efi_status_str(status));
		return -1;
	}
	n = convert_to_scratch(ld);
	if (n > BOOT_MMAP_MAX - MMAP_SPARE_ENTRIES) {
		con_error("the memory map has %zu ranges, at most %d fit in boot_info", n,
			  BOOT_MMAP_MAX - MMAP_SPARE_ENTRIES);
		return -1;
	}
	con_info("memory map: %zu ranges; starting the kernel at 0x%llx", n,
		 (unsigned long long)ld->kernel_jump);
	return 0;
}

/*
 * Nothing may print or allocate between the last GetMemoryMap() and ExitBootServices(): either
 * would change the map and make the key stale. A stale key fails with EFI_INVALID_PARAMETER
 * (UEFI spec 7.4 "EFI_BOOT_SERVICES.ExitBootServices()"); fetching the map again and retrying
 * is the documented recovery.
 */
int exit_boot_services(struct loader *ld)
{
	EFI_STATUS status = EFI_SUCCESS;
	UINTN key;

	if (allocate_map_buffers(ld) || check_map_fits(ld))
		return -1;
	for (int tries = 0; tries < EXIT_TRIES; tries++) {
		status = get_map(ld, &key);
		if (EFI_ERROR(status))
			break;
		status = ld->bs->ExitBootServices(ld->image, key);
		if (status != EFI_INVALID_PARAMETER)
			break;
	}
	if (EFI_ERROR(status)) {
		con_error("ExitBootServices failed: %s", efi_status_str(status));
		return -1;
	}
	/* The firmware's interrupt handlers are no longer ours to run. */
	__asm__ volatile("cli");
	con_detach();
	return 0;
}

/*
 * After ExitBootServices: the map was checked to fit with room to spare, so truncation cannot
 * happen in practice; were it to, only the highest ranges would be lost and the kernel would
 * simply not use that memory.
 */
void convert_memory_map(struct loader *ld)
{
	size_t n = MIN(convert_to_scratch(ld), (size_t)BOOT_MMAP_MAX);

	for (size_t i = 0; i < n; i++)
		ld->bi->mmap[i] = ld->mmap_scratch[i];
	ld->bi->mmap_count = (u32)n;
}

void start_kernel(struct loader *ld)
{
	handoff_fn *handoff = (handoff_fn *)ld->handoff_page;

	handoff(ld->cr3, ld->kernel_jump, (u64)ld->bi, ld->stack_top);
	__builtin_unreachable();
}
