/* SPDX-License-Identifier: GPL-2.0-only */
/* The UEFI loader's shared state and the steps efi_main() runs in order. */
#ifndef BOOT_LOADER_H
#define BOOT_LOADER_H

#include <efi.h>
#include <keel/bootinfo.h>
#include <keel/types.h>
#include "cfg.h"
#include "elf.h"

#define LOADER_CFG_PATH	      "\\keel\\keel.cfg"
#define LOADER_KERNEL_PATH    "\\keel\\keel.elf"
#define LOADER_BELOW_4G	      0xffffffffULL /* AllocateMaxAddress: highest byte address allowed */
#define LOADER_4G	      0x100000000ULL
#define LOADER_STACK_SIZE     (64 * 1024)
#define LOADER_ERROR_STALL_US 3000000 /* how long an error stays on screen */

struct loader {
	EFI_HANDLE image;
	EFI_SYSTEM_TABLE *st;
	EFI_BOOT_SERVICES *bs;
	EFI_FILE_HANDLE root;
	struct boot_info *bi;
	struct boot_cfg cfg;
	struct elf_plan plan;
	u64 kernel_base; /* physical address of the lowest segment (plan.span_base's copy) */
	u64 kernel_jump; /* where execution starts under the loader's page tables */
	u64 cr3;
	u64 stack_top;
	u64 handoff_page;
	/* EFI memory map buffer and conversion scratch, both allocated before ExitBootServices. */
	EFI_MEMORY_DESCRIPTOR *efi_map;
	UINTN efi_map_cap;
	UINTN efi_map_size;
	UINTN efi_desc_size;
	struct boot_mmap_entry *mmap_scratch;
	size_t mmap_scratch_cap;
};

/* alloc.c: page allocations, remembered so that a failure can give them all back. */
EFI_STATUS alloc_pages(struct loader *ld, EFI_ALLOCATE_TYPE how, EFI_MEMORY_TYPE type, u64 pages,
		       u64 *addr);
EFI_STATUS alloc_aligned_below_4g(struct loader *ld, EFI_MEMORY_TYPE type, u64 pages, u64 align,
				  u64 offset, u64 *addr);
void free_all_pages(struct loader *ld);

/* fs.c: files on the ESP the loader was started from. Each prints its own error line. */
int fs_open_root(struct loader *ld);
int fs_open(struct loader *ld, const char *path, EFI_FILE_HANDLE *fh, u64 *size);
int fs_read_at(EFI_FILE_HANDLE fh, const char *path, u64 offset, void *buf, u64 len);
void fs_close(EFI_FILE_HANDLE fh);

/* The steps, in the order efi_main() runs them; each returns 0 or prints one error line. */
int load_config(struct loader *ld);
int load_kernel(struct loader *ld);
int load_modules(struct loader *ld);
void find_firmware_tables(struct loader *ld);
int build_page_tables(struct loader *ld);
int prepare_handoff(struct loader *ld);
int exit_boot_services(struct loader *ld);
void convert_memory_map(struct loader *ld);
__noreturn void start_kernel(struct loader *ld);

#endif
