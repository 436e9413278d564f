/* SPDX-License-Identifier: GPL-2.0-only */
/* `modes` entry: real mode first (directly from Keel, or dropped into from multiboot), and the
 * long-mode excursion the 32-bit C code makes for its 4- and 5-level checks. */
#include <keel/guest_abi.h>

#include "x86.h"

/* The multiboot header's a.out fields: load the file as it is, enter at mb_entry (SDM-free:
 * Multiboot 1 spec 3.1.1); Keel ignores them and enters _start (the ELF entry) in real mode. */
#define MB1_AOUT_KLUDGE (1 << 16)
#define MB1_FLAGS	(MB1_AOUT_KLUDGE | (1 << 1))
#define FILE_START	(GUEST_BASE_ADDR - 0x1000)
#define GUEST_BASE_ADDR 0x8000

/* Real-mode results, read by modes.c. Scratch at linear 0x7000-0x7fff. */
#define RM_SCRATCH_SEG 0x0700
/* The software interrupt real mode takes through the IVT (an otherwise unused vector). */
#define RM_INT_VEC     0x42
#define RM_VEC_UD      6
#define IVT_ENTRY_SIZE 4
#define UD2_LEN	       2
#define RM_CR2_VALUE   0x00c2c2c2

	.section .multiboot, "a"
	.balign 4
mb_header:
	.long MB1_HEADER_MAGIC
	.long MB1_FLAGS
	.long -(MB1_HEADER_MAGIC + MB1_FLAGS)
	.long mb_header
	.long FILE_START
	.long __data_end
	.long __bss_end
	.long mb_entry

	.section .text.entry, "ax"
	.code16
/* Keel, entry=real: CS:IP = 0:_start, EBX = the command line. */
	.globl _start
_start:
	cli
	movl	%ebx, %edi
	xorl	%esi, %esi
	jmp	real_common

	.code32
/* Multiboot: 32-bit protected mode; drop to real mode through a 16-bit segment. */
mb_entry:
	cli
	movl	%eax, %esi
	movl	%ebx, %edi
	lgdt	gdt_desc
	ljmp	$SEL_KCODE16, $1f
	.code16
1:	movw	$SEL_KDATA16, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movl	%cr0, %eax
	andl	$~(CR0_PE | CR0_PG), %eax
	movl	%eax, %cr0
	ljmp	$0, $real_common

/* Real mode, ESI = loader magic (0 from Keel), EDI = EBX as the loader left it. */
real_common:
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %ss
	movw	$rm_stack_top, %sp
	lidt	rm_idt
	movl	%cr0, %eax
	movl	%eax, rm_cr0
	/* Segment arithmetic: 0x0700:0x0010 and 0x0701:0x0000 are one linear address. */
	movw	$RM_SCRATCH_SEG, %ax
	movw	%ax, %es
	movw	$0xbeef, %es:0x10
	movw	$RM_SCRATCH_SEG + 1, %ax
	movw	%ax, %fs
	movw	%fs:0, %ax
	movw	%ax, rm_alias_read
	/* A marker the protected-mode code finds at linear 0x7020. */
	movl	$0x52eA1000, %es:0x20
	/* INT n through the IVT and back with IRET. */
	movw	$rm_int_handler, RM_INT_VEC * IVT_ENTRY_SIZE
	movw	$0, RM_INT_VEC * IVT_ENTRY_SIZE + 2
	int	$RM_INT_VEC
	/* An exception through the IVT: #UD, whose handler steps over the UD2. */
	movw	$rm_ud_handler, RM_VEC_UD * IVT_ENTRY_SIZE
	movw	$0, RM_VEC_UD * IVT_ENTRY_SIZE + 2
	ud2
	/* Port I/O (no HLT): COM1's line status. RDMSR at real mode's CPL 0. */
	movw	$KEEL_GUEST_COM1_PORT + UART_LSR, %dx
	inb	%dx, %al
	movb	%al, rm_lsr
	movl	$MSR_IA32_EFER, %ecx
	rdmsr
	movl	%eax, rm_efer
	/* More of what real mode allows at CPL 0: CLTS, WBINVD, MOV to and from CR2. */
	clts
	wbinvd
	movl	$RM_CR2_VALUE, %eax
	movl	%eax, %cr2
	movl	%cr2, %ebx
	movl	%ebx, rm_cr2
	movl	$1, rm_ran
	movl	%esi, rm_magic
	lgdtl	gdt_desc
	movl	%cr0, %eax
	orl	$CR0_PE, %eax
	movl	%eax, %cr0
	ljmpl	$SEL_KCODE32, $2f
	.code32
2:	movl	%esi, %eax
	movl	%edi, %ebx
	jmp	start32

	.code16
rm_int_handler:
	incl	rm_int_count
	iret

rm_ud_handler:
	push	%bp
	movw	%sp, %bp
	addw	$UD2_LEN, 2(%bp)	/* the pushed IP: past the UD2 */
	pop	%bp
	incl	rm_ud_count
	iret

/*
 * u32 real_mode_roundtrip(void): from 32-bit protected mode (paging off, interrupts off) back
 * to real mode through a 16-bit segment, INT RM_INT_VEC there, and back to protected mode
 * (LMSW).
 * Returns the INT handler's count. Lives in .text.entry: real mode runs it at CS = 0.
 */
	.code32
	.globl real_mode_roundtrip
real_mode_roundtrip:
	push	%ebx
	push	%esi
	push	%edi
	push	%ebp
	movl	%esp, rt_esp
	sidt	rt_idt
	ljmp	$SEL_KCODE16, $1f
	.code16
1:	movw	$SEL_KDATA16, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %fs
	movw	%ax, %gs
	movw	%ax, %ss
	movl	%cr0, %eax
	andl	$~CR0_PE, %eax
	movl	%eax, %cr0
	ljmp	$0, $2f
2:	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	$rm_stack_top, %sp
	lidt	rm_idt
	movl	%cr0, %eax
	movl	%eax, rt_cr0
	int	$RM_INT_VEC
	/* Back through LMSW this time (SMSW reads the low 16 bits of CR0). */
	smsw	%ax
	orw	$CR0_PE, %ax
	lmsw	%ax
	ljmpl	$SEL_KCODE32, $3f
	.code32
3:	movw	$SEL_KDATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %fs
	movw	%ax, %gs
	movw	%ax, %ss
	movl	rt_esp, %esp
	lidt	rt_idt
	pop	%ebp
	pop	%edi
	pop	%esi
	pop	%ebx
	movl	rm_int_count, %eax
	ret

/*
 * u64 long_mode_swap64(u32 cr3, u32 la57, u64 va): from 32-bit protected mode (paging off)
 * into long mode on cr3, read the qword at va, store its complement there, and come back to
 * protected mode with paging, PAE, LA57 and LME off. Interrupts are off; nothing may fault.
 */
	.text
	.globl long_mode_swap64
long_mode_swap64:
	push	%ebp
	movl	%esp, %ebp
	push	%ebx
	push	%esi
	push	%edi
	movl	%cr0, %eax
	andl	$~CR0_PG, %eax
	movl	%eax, %cr0
	movl	%cr4, %eax
	andl	$~CR4_LA57, %eax
	orl	$CR4_PAE, %eax
	cmpl	$0, 12(%ebp)
	je	1f
	orl	$CR4_LA57, %eax
1:	movl	%eax, %cr4
	movl	8(%ebp), %eax
	movl	%eax, %cr3
	movl	16(%ebp), %esi
	movl	20(%ebp), %edi
	movl	$MSR_IA32_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$CR0_PG, %eax
	movl	%eax, %cr0
	ljmp	$SEL_KCODE64, $2f
	.code64
2:	shlq	$32, %rdi
	movl	%esi, %esi
	orq	%rsi, %rdi
	movq	(%rdi), %rax
	movq	%rax, lm_result
	notq	%rax
	movq	%rax, (%rdi)
	movl	$MSR_IA32_EFER, %ecx
	rdmsr
	movl	%eax, lm_efer
	pushq	$SEL_KCODE32
	pushq	$3f
	lretq
	.code32
3:	movl	%cr0, %eax
	andl	$~CR0_PG, %eax
	movl	%eax, %cr0
	movl	$MSR_IA32_EFER, %ecx
	rdmsr
	andl	$~EFER_LME, %eax
	wrmsr
	movl	%cr4, %eax
	andl	$~(CR4_PAE | CR4_LA57), %eax
	movl	%eax, %cr4
	movl	lm_result, %eax
	movl	lm_result + 4, %edx
	pop	%edi
	pop	%esi
	pop	%ebx
	pop	%ebp
	ret

	.data
	.balign 8
	.globl rm_ran, rm_magic, rm_cr0, rm_alias_read, lm_efer
	.globl rm_int_count, rm_ud_count, rm_lsr, rm_efer, rm_cr2, rt_cr0
lm_result:
	.quad 0
lm_efer:
	.long 0
rm_ran:
	.long 0
rm_magic:
	.long 0
rm_cr0:
	.long 0
rm_alias_read:
	.long 0
rm_int_count:
	.long 0
rm_ud_count:
	.long 0
rm_lsr:
	.long 0
rm_efer:
	.long 0
rm_cr2:
	.long 0
rt_cr0:
	.long 0
rt_esp:
	.long 0
rt_idt:
	.word 0
	.long 0
rm_idt:
	.word 0x3ff
	.long 0
	.balign 16
rm_stack:
	.skip 512
rm_stack_top:
