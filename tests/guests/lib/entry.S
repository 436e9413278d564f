/* SPDX-License-Identifier: GPL-2.0-only */
/* Multiboot 1 header, the 32-bit entry of both flavours, the shared GDT, the switch to 64-bit. */
#include "x86.h"

/* Header flag: the loader must fill in the memory sizes. */
#define MB1_INFO_MEM_REQUEST (1 << 1)

	.section .multiboot, "a"
	.balign 4
	.long MB1_HEADER_MAGIC
	.long MB1_INFO_MEM_REQUEST
	.long -(MB1_HEADER_MAGIC + MB1_INFO_MEM_REQUEST)

	.code32
	.section .text.entry, "ax"
/*
 * Keel starts here in 32-bit protected mode with EBX = the command line; a multiboot loader
 * with EAX = MB1_BOOT_MAGIC and EBX = its information structure. `modes` has its own _start
 * (real mode) and comes to start32 once it is in protected mode.
 */
	.weak _start
_start:
	.globl start32
start32:
	cli
	movl	%eax, boot_magic
	movl	%ebx, boot_info
	lgdt	gdt_desc
	movw	$SEL_KDATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	%ax, %fs
	movw	%ax, %gs
	ljmp	$SEL_KCODE32, $1f
1:	movl	$stack_top, %esp
	cld
	movl	$__bss_start, %edi
	movl	$__bss_end, %ecx
	subl	%edi, %ecx
	xorl	%eax, %eax
	rep stosb
#ifdef __x86_64__
	/* Identity-map the low 4 GiB with 2 MiB pages: PML4[0] -> PDPT[0..3] -> 4 PDs. */
	movl	$boot_pdpt + (PTE_P | PTE_RW), boot_pml4
	xorl	%ecx, %ecx
2:	movl	%ecx, %eax
	shll	$12, %eax
	addl	$boot_pd + (PTE_P | PTE_RW), %eax
	movl	%eax, boot_pdpt(, %ecx, 8)
	incl	%ecx
	cmpl	$4, %ecx
	jb	2b
	xorl	%ecx, %ecx
3:	movl	%ecx, %eax
	shll	$21, %eax
	orl	$(PTE_P | PTE_RW | PTE_PS), %eax
	movl	%eax, boot_pd(, %ecx, 8)
	incl	%ecx
	cmpl	$2048, %ecx
	jb	3b
	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$boot_pml4, %eax
	movl	%eax, %cr3
	movl	$MSR_IA32_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$(CR0_PG | CR0_PE), %eax
	movl	%eax, %cr0
	ljmp	$SEL_KCODE64, $4f
	.code64
4:	movq	$stack_top, %rsp
	call	lib_start
5:	hlt
	jmp	5b
#else
	call	lib_start
5:	hlt
	jmp	5b
#endif

	.data
	.balign 8
	.globl boot_magic, boot_info
boot_magic:
	.long 0
boot_info:
	.long 0
	.globl gdt
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* SEL_KCODE32 */
	.quad 0x00cf92000000ffff	/* SEL_KDATA */
	.quad 0x00af9a000000ffff	/* SEL_KCODE64 */
	.quad 0x00cffa000000ffff	/* SEL_UCODE32 */
	.quad 0x00cff2000000ffff	/* SEL_UDATA */
	.quad 0x00affa000000ffff	/* SEL_UCODE64 */
	.quad 0x00009a000000ffff	/* SEL_KCODE16 */
	.quad 0x000092000000ffff	/* SEL_KDATA16 */
	.quad 0, 0			/* SEL_TSS, filled in by lib.c */
	.quad 0
gdt_end:
	.globl gdt_desc
gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt, 0

	.bss
	.balign 4096
#ifdef __x86_64__
boot_pml4:
	.skip 4096
boot_pdpt:
	.skip 4096
boot_pd:
	.skip 4 * 4096
#endif
	.globl stack_top
stack:
	.skip 16384
stack_top:
