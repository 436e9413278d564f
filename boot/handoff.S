/* SPDX-License-Identifier: GPL-2.0-only */
/* The last loader code: switch to Keel's page tables and stack, and jump to the kernel. */

/*
 * void handoff(u64 cr3, u64 entry, u64 boot_info, u64 stack_top)   (System V: rdi, rsi, rdx, rcx)
 *
 * Position independent and self-contained: start_kernel() copies it to a page below 4 GiB, so it
 * keeps running when CR3 switches to tables that map only [0, 4 GiB) and the kernel. The
 * firmware's stack may lie above 4 GiB, so nothing touches the stack between the CR3 load and
 * the RSP load.
 */
	.text
	.globl handoff_start
	.globl handoff_end
handoff_start:
	cli
	cld
	mov	%rdi, %cr3
	mov	%rcx, %rsp
	mov	%rdx, %rdi
	xor	%ebp, %ebp
	jmp	*%rsi
handoff_end:

	.section .note.GNU-stack, "", @progbits
