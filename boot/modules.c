/* SPDX-License-Identifier: GPL-2.0-only */
/* Loads the modules keel.cfg names into page-aligned memory below 4 GiB. */
#include <arch/layout.h>
#include "console.h"
#include "loader.h"

static int load_module(struct loader *ld, const struct boot_cfg_module *m, struct boot_module *out)
{
	EFI_FILE_HANDLE fh;
	EFI_STATUS status;
	u64 size, pages, base;
	int ret;

	if (fs_open(ld, m->path, &fh, &size))
		return -1;
	if (size > LOADER_4G) {
		con_error("%s: %llu bytes is too large for a module", m->path,
			  (unsigned long long)size);
		fs_close(fh);
		return -1;
	}
	/* An empty module still gets a page, so that its base is a real address. */
	pages = MAX(ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE, 1ULL);
	base = LOADER_BELOW_4G;
	status = alloc_pages(ld, AllocateMaxAddress, EfiLoaderData, pages, &base);
	if (EFI_ERROR(status)) {
		con_error("%s: cannot allocate %llu KiB below 4 GiB: %s", m->path,
			  (unsigned long long)(pages * PAGE_SIZE / 1024), efi_status_str(status));
		fs_close(fh);
		return -1;
	}
	ret = fs_read_at(fh, m->path, 0, (void *)base, size);
	fs_close(fh);
	if (ret)
		return ret;
	out->base = base;
	out->size = size;
	ld->bs->CopyMem(out->name, (void *)m->name, sizeof(out->name));
	ld->bs->CopyMem(out->cmdline, (void *)m->cmdline, sizeof(out->cmdline));
	con_info("module %s: %s, %llu bytes at 0x%llx", m->name, m->path, (unsigned long long)size,
		 (unsigned long long)base);
	return 0;
}

int load_modules(struct loader *ld)
{
	for (u32 i = 0; i < ld->cfg.module_count; i++) {
		if (load_module(ld, &ld->cfg.modules[i], &ld->bi->modules[i]))
			return -1;
		ld->bi->module_count = i + 1;
	}
	return 0;
}
