/* SPDX-License-Identifier: GPL-2.0-only */
/* Keel's UEFI loader: reads keel.cfg, loads keel.elf and its modules, and starts the kernel. */
#include <arch/layout.h>
#include "console.h"
#include "loader.h"

static struct loader ld;

int load_config(struct loader *ld)
{
	struct boot_cfg_error err;
	EFI_FILE_HANDLE fh;
	EFI_STATUS status;
	void *text;
	u64 size;
	int ret;

	if (fs_open(ld, LOADER_CFG_PATH, &fh, &size))
		return -1;
	if (size > BOOT_CFG_FILE_MAX) {
		con_error("%s: %llu bytes, at most %d", LOADER_CFG_PATH, (unsigned long long)size,
			  BOOT_CFG_FILE_MAX);
		fs_close(fh);
		return -1;
	}
	status = ld->bs->AllocatePool(EfiLoaderData, size ? size : 1, &text);
	if (EFI_ERROR(status)) {
		con_error("%s: no memory to read it: %s", LOADER_CFG_PATH, efi_status_str(status));
		fs_close(fh);
		return -1;
	}
	ret = fs_read_at(fh, LOADER_CFG_PATH, 0, text, size);
	fs_close(fh);
	if (!ret) {
		ret = cfg_parse(text, size, &ld->cfg, &err);
		if (ret)
			con_error("%s line %u: %s", LOADER_CFG_PATH, err.line, err.msg);
	}
	ld->bs->FreePool(text);
	if (ret)
		return ret;
	ld->bs->CopyMem(ld->bi->cmdline, ld->cfg.cmdline, sizeof(ld->bi->cmdline));
	con_info("%s: cmdline '%s', %u modules", LOADER_CFG_PATH, ld->cfg.cmdline,
		 ld->cfg.module_count);
	return 0;
}

static int alloc_boot_info(struct loader *ld)
{
	u64 pages = ALIGN_UP(sizeof(struct boot_info), PAGE_SIZE) / PAGE_SIZE;
	u64 addr = LOADER_BELOW_4G;
	EFI_STATUS status;

	status = alloc_pages(ld, AllocateMaxAddress, EfiLoaderData, pages, &addr);
	if (EFI_ERROR(status)) {
		con_error("cannot allocate boot_info below 4 GiB: %s", efi_status_str(status));
		return -1;
	}
	ld->bi = (struct boot_info *)addr;
	ld->bs->SetMem(ld->bi, pages * PAGE_SIZE, 0);
	ld->bi->magic = BOOT_INFO_MAGIC;
	ld->bi->version = BOOT_INFO_VERSION;
	ld->bi->size = sizeof(struct boot_info);
	ld->bi->source = BOOT_SOURCE_UEFI;
	return 0;
}

static int prepare(struct loader *ld)
{
	if (alloc_boot_info(ld) || fs_open_root(ld) || load_config(ld) || load_kernel(ld) ||
	    load_modules(ld))
		return -1;
	find_firmware_tables(ld);
	return build_page_tables(ld) || prepare_handoff(ld);
}

/* Called by gnu-efi's crt0 (System V convention) after it has applied the relocations. */
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
	ld.image = image;
	ld.st = st;
	ld.bs = st->BootServices;
	con_init(st);
	con_info("Keel UEFI loader");

	if (prepare(&ld) || exit_boot_services(&ld)) {
		if (ld.root)
			ld.root->Close(ld.root);
		free_all_pages(&ld);
		ld.bs->Stall(LOADER_ERROR_STALL_US);
		return EFI_LOAD_ERROR;
	}
	convert_memory_map(&ld);
	start_kernel(&ld);
}
