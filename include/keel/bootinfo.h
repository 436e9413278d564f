/* SPDX-License-Identifier: GPL-2.0-only */
/* The boot contract: what the UEFI loader and the multiboot2 entry hand to kernel_main(). */
#ifndef KEEL_BOOTINFO_H
#define KEEL_BOOTINFO_H

#include <keel/types.h>

/*
 * struct boot_info is self-contained (no pointers), so it can be copied and checked as a whole.
 * Every address in it is host-physical. The kernel copies it into its own memory first thing and
 * checks magic, version and size before it trusts anything else.
 *
 * State at the kernel's 64-bit entry (ELF e_entry, symbol _start), for the UEFI loader:
 *   - long mode, paging on, interrupts off (RFLAGS.IF = 0), direction flag clear;
 *   - CR3 holds loader-built tables that map physical [0, 4 GiB) both 1:1 and at
 *     KEEL_DIRECT_MAP_BASE, and every PT_LOAD segment of keel.elf at its link (virtual) address;
 *   - RDI = physical address of struct boot_info; RSP = a valid 16-byte-aligned stack of at least
 *     16 KiB inside [0, 4 GiB);
 *   - boot_info, the kernel image, every module and the command line lie below 4 GiB.
 * The multiboot2 entry reaches the same state by itself (arch/x86/boot/) and then calls
 * kernel_main() with a boot_info built from the multiboot2 tags.
 */

#define BOOT_INFO_MAGIC 0x544f4f424c45454bULL /* "KEELBOOT" read as little-endian bytes */
#define BOOT_INFO_VERSION 1

#define BOOT_MMAP_MAX 512
#define BOOT_MODULES_MAX 16
#define BOOT_MODULE_NAME_MAX 32
#define BOOT_MODULE_CMDLINE_MAX 224
#define BOOT_CMDLINE_MAX 1024

enum boot_source {
	BOOT_SOURCE_UEFI = 1,
	BOOT_SOURCE_MULTIBOOT2 = 2,
};

enum boot_mem_type {
	BOOT_MEM_USABLE = 1,       /* free for the kernel once it has reserved what is listed below */
	BOOT_MEM_RESERVED = 2,     /* firmware, MMIO, anything unknown */
	BOOT_MEM_ACPI_RECLAIM = 3, /* ACPI tables: keep until ACPI is parsed; Keel never reclaims it */
	BOOT_MEM_ACPI_NVS = 4,
	BOOT_MEM_BAD = 5,
	BOOT_MEM_LOADER = 6, /* the loader's own page tables, stack and data: treated as reserved */
};

struct boot_mmap_entry {
	u64 base;
	u64 length;
	u32 type; /* enum boot_mem_type */
	u32 reserved;
};

struct boot_module {
	u64 base; /* physical, page aligned */
	u64 size; /* bytes */
	char name[BOOT_MODULE_NAME_MAX];       /* NUL-terminated */
	char cmdline[BOOT_MODULE_CMDLINE_MAX]; /* NUL-terminated, may be empty */
};

struct boot_framebuffer {
	u64 base; /* physical; 0 when there is no framebuffer */
	u32 width;
	u32 height;
	u32 pitch; /* bytes per scan line */
	u8 bpp;
	u8 red_pos, red_size;
	u8 green_pos, green_size;
	u8 blue_pos, blue_size;
	u8 reserved;
};

struct boot_info {
	u64 magic;   /* BOOT_INFO_MAGIC */
	u32 version; /* BOOT_INFO_VERSION */
	u32 size;    /* sizeof(struct boot_info) as the producer knew it */
	u32 source;  /* enum boot_source */
	u32 mmap_count;
	u32 module_count;
	u32 reserved;
	u64 kernel_phys; /* where keel.elf's lowest PT_LOAD segment (p_paddr KEEL_LOAD_PHYS) lies */
	u64 kernel_size; /* bytes from kernel_phys to the end of the highest segment (incl. .bss) */
	u64 acpi_rsdp;   /* physical address of the RSDP; 0 when none was found */
	struct boot_framebuffer fb;
	struct boot_mmap_entry mmap[BOOT_MMAP_MAX]; /* sorted by base, non-overlapping */
	struct boot_module modules[BOOT_MODULES_MAX];
	char cmdline[BOOT_CMDLINE_MAX]; /* kernel command line, NUL-terminated */
};

#endif
