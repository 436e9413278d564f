/* SPDX-License-Identifier: GPL-2.0-only */
/* The multiboot2 header: asks GRUB to enter at the 32-bit trampoline with page-aligned modules. */
#include "arch/x86/boot/mb2.h"

#define MB2_HEADER_LENGTH (mb2_header_end - mb2_header)

	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long MB2_HEADER_MAGIC
	.long MB2_HEADER_ARCH_I386
	.long MB2_HEADER_LENGTH
	.long 0x100000000 - (MB2_HEADER_MAGIC + MB2_HEADER_ARCH_I386 + MB2_HEADER_LENGTH)

	/* keel.elf's e_entry is the 64-bit UEFI entry; GRUB must start the trampoline instead. */
	.balign 8
	.short MB2_HEADER_TAG_ENTRY_ADDRESS
	.short 0
	.long 12
	.long mb2_entry32

	/* boot_info promises page-aligned modules. */
	.balign 8
	.short MB2_HEADER_TAG_MODULE_ALIGN
	.short 0
	.long 8

	.balign 8
	.short MB2_HEADER_TAG_END
	.short 0
	.long 8
mb2_header_end:
