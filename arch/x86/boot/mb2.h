/* SPDX-License-Identifier: GPL-2.0-only */
/* Multiboot2: header and information-structure formats, and the tag parser's interface. */
#ifndef ARCH_X86_BOOT_MB2_H
#define ARCH_X86_BOOT_MB2_H

/* The Multiboot2 specification (version 2.0), sections 3.1 (OS image) and 3.6 (boot info). */
#define MB2_HEADER_MAGIC	     0xe85250d6
#define MB2_HEADER_ARCH_I386	     0
#define MB2_BOOTLOADER_MAGIC	     0x36d76289
#define MB2_HEADER_TAG_END	     0
#define MB2_HEADER_TAG_ENTRY_ADDRESS 3
#define MB2_HEADER_TAG_MODULE_ALIGN  6
#define MB2_TAG_ALIGN		     8

#define MB2_TAG_END		     0
#define MB2_TAG_CMDLINE		     1
#define MB2_TAG_MODULE		     3
#define MB2_TAG_MMAP		     6
#define MB2_TAG_FRAMEBUFFER	     8
#define MB2_TAG_ACPI_OLD	     14
#define MB2_TAG_ACPI_NEW	     15

#define MB2_MEM_AVAILABLE	     1
#define MB2_MEM_RESERVED	     2
#define MB2_MEM_ACPI_RECLAIMABLE     3
#define MB2_MEM_NVS		     4
#define MB2_MEM_BADRAM		     5

#define MB2_FRAMEBUFFER_TYPE_RGB     1

#ifndef __ASSEMBLER__
#include <keel/bootinfo.h>
#include <keel/types.h>

struct mb2_info_header {
	u32 total_size;
	u32 reserved;
};

struct mb2_tag {
	u32 type;
	u32 size;
};

struct mb2_tag_module {
	u32 type, size;
	u32 mod_start, mod_end;
	char string[]; /* NUL-terminated */
};

struct mb2_tag_mmap {
	u32 type, size;
	u32 entry_size, entry_version;
	/* struct mb2_mmap_entry entries[], entry_size bytes apart */
};

struct mb2_mmap_entry {
	u64 base_addr;
	u64 length;
	u32 type;
	u32 reserved;
};

struct mb2_tag_framebuffer {
	u32 type, size;
	u64 addr;
	u32 pitch, width, height;
	u8 bpp, fb_type;
	u16 reserved;
	/* colour information for fb_type RGB */
	u8 red_pos, red_size, green_pos, green_size, blue_pos, blue_size;
};

/* An RSDP is 20 bytes (ACPI 1.0) or 36 (2.0+); multiboot2 hands over a copy, not its address. */
#define MB2_RSDP_MAX 36

struct mb2_parse_in {
	const void *mbi;  /* the information structure, 8-byte aligned */
	size_t mbi_avail; /* how many bytes from mbi may be read at most */
	u64 kernel_phys;  /* the kernel image, which no module may overlap */
	u64 kernel_size;
};

struct mb2_parse_out {
	struct boot_info *bi;  /* filled in completely except acpi_rsdp */
	u8 rsdp[MB2_RSDP_MAX]; /* the RSDP copy, rsdp_len bytes; 0 when the loader gave none */
	u32 rsdp_len;
	const char *error; /* on failure: what was wrong, as one line */
};

/* Builds a boot_info from a multiboot2 information structure; returns 0 or -1 (out->error set). */
int mb2_parse(const struct mb2_parse_in *in, struct mb2_parse_out *out);

#endif /* !__ASSEMBLER__ */
#endif
