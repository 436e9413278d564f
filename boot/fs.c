/* SPDX-License-Identifier: GPL-2.0-only */
/* Files on the EFI system partition the loader itself was started from. */
#include <efi.h>
#include <efilib.h>
#include "console.h"
#include "loader.h"

int fs_open_root(struct loader *ld)
{
	EFI_LOADED_IMAGE *image;
	EFI_FILE_IO_INTERFACE *volume;
	EFI_STATUS status;

	status = ld->bs->HandleProtocol(ld->image, &gEfiLoadedImageProtocolGuid, (void **)&image);
	if (EFI_ERROR(status)) {
		con_error("no loaded-image protocol on the loader's handle: %s",
			  efi_status_str(status));
		return -1;
	}
	status = ld->bs->HandleProtocol(image->DeviceHandle, &gEfiSimpleFileSystemProtocolGuid,
					(void **)&volume);
	if (EFI_ERROR(status)) {
		con_error("the loader's boot device has no file system: %s",
			  efi_status_str(status));
		return -1;
	}
	status = volume->OpenVolume(volume, &ld->root);
	if (EFI_ERROR(status)) {
		con_error("cannot open the boot partition: %s", efi_status_str(status));
		return -1;
	}
	return 0;
}

/* An ASCII path as UCS-2; paths come from cfg.c, which admits printable ASCII only. */
static void path_to_ucs2(const char *path, CHAR16 *out, size_t max)
{
	size_t i;

	for (i = 0; path[i] && i + 1 < max; i++)
		out[i] = (CHAR16)(unsigned char)path[i];
	out[i] = 0;
}

static int file_size(EFI_BOOT_SERVICES *bs, EFI_FILE_HANDLE fh, const char *path, u64 *size)
{
	EFI_FILE_INFO *info = NULL;
	UINTN len = 0;
	EFI_STATUS status;

	status = fh->GetInfo(fh, &gEfiFileInfoGuid, &len, NULL);
	if (status == EFI_BUFFER_TOO_SMALL) {
		status = bs->AllocatePool(EfiLoaderData, len, (void **)&info);
		if (!EFI_ERROR(status))
			status = fh->GetInfo(fh, &gEfiFileInfoGuid, &len, info);
	}
	if (EFI_ERROR(status)) {
		con_error("%s: cannot read its size: %s", path, efi_status_str(status));
		if (info)
			bs->FreePool(info);
		return -1;
	}
	if (info->Attribute & EFI_FILE_DIRECTORY) {
		con_error("%s: is a directory", path);
		bs->FreePool(info);
		return -1;
	}
	*size = info->FileSize;
	bs->FreePool(info);
	return 0;
}

int fs_open(struct loader *ld, const char *path, EFI_FILE_HANDLE *fh, u64 *size)
{
	CHAR16 wpath[BOOT_CFG_PATH_MAX];
	EFI_STATUS status;

	path_to_ucs2(path, wpath, ARRAY_SIZE(wpath));
	status = ld->root->Open(ld->root, fh, wpath, EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(status)) {
		con_error("%s: %s", path, efi_status_str(status));
		return -1;
	}
	if (file_size(ld->bs, *fh, path, size)) {
		fs_close(*fh);
		return -1;
	}
	return 0;
}

int fs_read_at(EFI_FILE_HANDLE fh, const char *path, u64 offset, void *buf, u64 len)
{
	EFI_STATUS status;
	u8 *p = buf;

	status = fh->SetPosition(fh, offset);
	while (!EFI_ERROR(status) && len) {
		UINTN chunk = len;

		status = fh->Read(fh, &chunk, p);
		if (!EFI_ERROR(status) && !chunk) {
			con_error("%s: file ended early at byte %llu", path,
				  (unsigned long long)(offset + (u64)(p - (u8 *)buf)));
			return -1;
		}
		p += chunk;
		len -= chunk;
	}
	if (EFI_ERROR(status)) {
		con_error("%s: read error: %s", path, efi_status_str(status));
		return -1;
	}
	return 0;
}

void fs_close(EFI_FILE_HANDLE fh)
{
	fh->Close(fh);
}
