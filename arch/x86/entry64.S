/* SPDX-License-Identifier: GPL-2.0-only */
/* _start: the 64-bit entry the UEFI loader jumps to, and the boot CPU's kernel stack. */
#include <arch/layout.h>

#define BOOT_STACK_SIZE (4 * PAGE_SIZE)

/*
 * State on entry is the boot_info contract (include/keel/bootinfo.h): long mode, loader page
 * tables, RDI = physical address of struct boot_info. The loader's stack lies in the lower half,
 * which Keel's own page tables leave empty, so move to a stack in the kernel image first.
 */
	.text
	.globl _start
_start:
	cli
	cld
	movq $boot_stack_top, %rsp
	xorl %ebp, %ebp
	call uefi_boot_main
	ud2

	.bss
	.balign 16
	.globl boot_stack, boot_stack_top
boot_stack:
	.skip BOOT_STACK_SIZE
boot_stack_top:
