/* SPDX-License-Identifier: GPL-2.0-only */
/* What the firmware knows that the kernel needs: the ACPI RSDP and the GOP framebuffer. */
#include <efi.h>
#include <efilib.h>
#include "console.h"
#include "loader.h"

/* UEFI spec 4.6 "EFI Configuration Table": the ACPI 2.0+ RSDP is preferred over the 1.0 one. */
static const EFI_GUID acpi20_guid = ACPI_20_TABLE_GUID;
static const EFI_GUID acpi10_guid = ACPI_TABLE_GUID;

#define GOP_BYTES_PER_PIXEL 4 /* every GOP pixel format with a framebuffer uses 32 bits */

static bool guid_equal(const EFI_GUID *a, const EFI_GUID *b)
{
	const u8 *x = (const u8 *)a, *y = (const u8 *)b;

	for (size_t i = 0; i < sizeof(EFI_GUID); i++)
		if (x[i] != y[i])
			return false;
	return true;
}

static u64 find_config_table(const EFI_SYSTEM_TABLE *st, const EFI_GUID *guid)
{
	for (UINTN i = 0; i < st->NumberOfTableEntries; i++)
		if (guid_equal(&st->ConfigurationTable[i].VendorGuid, guid))
			return (u64)st->ConfigurationTable[i].VendorTable;
	return 0;
}

/* Position and width of the set bits in a GOP colour mask. */
static void mask_to_field(u32 mask, u8 *pos, u8 *size)
{
	*pos = mask ? (u8)__builtin_ctz(mask) : 0;
	*size = (u8)__builtin_popcount(mask);
}

static void fill_framebuffer(const EFI_GRAPHICS_OUTPUT_PROTOCOL_MODE *mode,
			     struct boot_framebuffer *fb)
{
	const EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *info = mode->Info;

	switch (info->PixelFormat) {
	case PixelRedGreenBlueReserved8BitPerColor:
		*fb = (struct boot_framebuffer){ .red_pos = 0, .green_pos = 8, .blue_pos = 16 };
		break;
	case PixelBlueGreenRedReserved8BitPerColor:
		*fb = (struct boot_framebuffer){ .red_pos = 16, .green_pos = 8, .blue_pos = 0 };
		break;
	case PixelBitMask:
		mask_to_field(info->PixelInformation.RedMask, &fb->red_pos, &fb->red_size);
		mask_to_field(info->PixelInformation.GreenMask, &fb->green_pos, &fb->green_size);
		mask_to_field(info->PixelInformation.BlueMask, &fb->blue_pos, &fb->blue_size);
		break;
	default:
		return; /* blt-only: no framebuffer the kernel could draw in */
	}
	if (info->PixelFormat != PixelBitMask)
		fb->red_size = fb->green_size = fb->blue_size = 8;
	fb->base = mode->FrameBufferBase;
	fb->width = info->HorizontalResolution;
	fb->height = info->VerticalResolution;
	fb->pitch = info->PixelsPerScanLine * GOP_BYTES_PER_PIXEL;
	fb->bpp = GOP_BYTES_PER_PIXEL * 8;
}

void find_firmware_tables(struct loader *ld)
{
	EFI_GRAPHICS_OUTPUT_PROTOCOL *gop;
	struct boot_framebuffer *fb = &ld->bi->fb;

	ld->bi->acpi_rsdp = find_config_table(ld->st, &acpi20_guid);
	if (!ld->bi->acpi_rsdp)
		ld->bi->acpi_rsdp = find_config_table(ld->st, &acpi10_guid);
	if (ld->bi->acpi_rsdp)
		con_info("ACPI RSDP at 0x%llx", (unsigned long long)ld->bi->acpi_rsdp);
	else
		con_info("no ACPI RSDP in the firmware's configuration tables");

	if (EFI_ERROR(
		    ld->bs->LocateProtocol(&gEfiGraphicsOutputProtocolGuid, NULL, (void **)&gop)) ||
	    !gop->Mode || !gop->Mode->Info) {
		con_info("no GOP framebuffer");
		return;
	}
	fill_framebuffer(gop->Mode, fb);
	if (fb->base)
		con_info("framebuffer %ux%u at 0x%llx, pitch %u", fb->width, fb->height,
			 (unsigned long long)fb->base, fb->pitch);
	else
		con_info("GOP has no linear framebuffer");
}
