/* SPDX-License-Identifier: GPL-2.0-only */
/* Multiboot2 trampoline: 32-bit protected mode in, long mode on the boot_info contract out. */
#include <arch/cpu.h>
#include <arch/desc.h>
#include <arch/layout.h>
#include <arch/msr.h>
#include <arch/paging.h>

#include "arch/x86/boot/mb2.h"
#include "drivers/uart16550.h"

/* Polls of LSR before a character is sent anyway: no UART must never mean a hang. */
#define EARLY_UART_SPIN 100000

/* The physical address of a symbol linked in the kernel's high half. */
#define PHYS(sym) ((sym) - KEEL_KERNEL_VIRT_BASE)

#define DIRECT_MAP_PD_PAGES 4 /* 4 page directories of 2 MiB pages: [0, 4 GiB) */
#define PML4_SLOT(va) (((va) >> PML4_SHIFT) & (PT_ENTRIES - 1))
#define PDPT_SLOT(va) (((va) >> PDPT_SHIFT) & (PT_ENTRIES - 1))
#define TABLE_FLAGS (PTE_P | PTE_W)
#define LARGE_FLAGS (PTE_P | PTE_W | PTE_PS)

/*
 * GRUB's state on entry (multiboot2 spec, 3.3 "I386 machine state"): 32-bit protected mode, flat
 * segments, paging off, interrupts off, EAX = magic, EBX = physical address of the information
 * structure. Nothing here may assume a stack or a GDT of GRUB's.
 */
	.section .boot.text, "ax"
	.code32
	.globl mb2_entry32
mb2_entry32:
	cli
	cld
	movl $boot32_stack_top, %esp
	cmpl $MB2_BOOTLOADER_MAGIC, %eax
	jne bad_magic
	movl %ebx, mb2_info_phys

	/* Long mode is the one CPU feature that cannot be reported after the switch. */
	movl $CPUID_LEAF_EXT_BASE, %eax
	cpuid
	cmpl $(CPUID_LEAF_EXT_BASE + 1), %eax
	jb no_long_mode
	movl $(CPUID_LEAF_EXT_BASE + 1), %eax
	cpuid
	testl $CPUID_80000001_EDX_LM, %edx
	jz no_long_mode

	/* GRUB zeroes .bss; do it again so nothing depends on a loader's diligence. */
	movl $PHYS(__bss_start), %edi
	movl $PHYS(__bss_end), %ecx
	subl %edi, %ecx
	xorl %eax, %eax
	rep stosb

	call build_page_tables

	movl %cr4, %eax
	orl $X86_CR4_PAE, %eax
	movl %eax, %cr4
	movl $boot_pml4, %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	wrmsr
	movl %cr0, %eax
	orl $(X86_CR0_PG | X86_CR0_PE), %eax
	movl %eax, %cr0

	lgdt boot_gdt_ptr
	ljmp $GDT_KERNEL_CS, $mb2_entry64_low

/*
 * The boot_info contract's mapping: [0, 4 GiB) 1:1 and at KEEL_DIRECT_MAP_BASE with 2 MiB pages
 * (both through one PDPT), and the kernel image at KEEL_KERNEL_VIRT_BASE + physical (the first
 * GiB's page directory again, under the top PDPT).
 */
build_page_tables:
	movl $boot_pt_start, %edi
	movl $boot_pt_end, %ecx
	subl %edi, %ecx
	xorl %eax, %eax
	rep stosb

	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $PD_SHIFT, %eax
	orl $LARGE_FLAGS, %eax
	movl %eax, boot_pd(, %ecx, 8)
	incl %ecx
	cmpl $(DIRECT_MAP_PD_PAGES * PT_ENTRIES), %ecx
	jne 1b

	xorl %ecx, %ecx
2:	movl %ecx, %eax
	shll $PAGE_SHIFT, %eax
	addl $(boot_pd + TABLE_FLAGS), %eax
	movl %eax, boot_pdpt_low(, %ecx, 8)
	incl %ecx
	cmpl $DIRECT_MAP_PD_PAGES, %ecx
	jne 2b

	movl $(boot_pdpt_low + TABLE_FLAGS), %eax
	movl %eax, boot_pml4
	movl %eax, boot_pml4 + 8 * PML4_SLOT(KEEL_DIRECT_MAP_BASE)
	movl $(boot_pdpt_high + TABLE_FLAGS), %eax
	movl %eax, boot_pml4 + 8 * PML4_SLOT(KEEL_KERNEL_VIRT_BASE)
	movl $(boot_pd + TABLE_FLAGS), %eax
	movl %eax, boot_pdpt_high + 8 * PDPT_SLOT(KEEL_KERNEL_VIRT_BASE)
	ret

bad_magic:
	movl %eax, %ebp /* serial_init32 and puts32 clobber the others */
	call serial_init32
	movl $msg_bad_magic, %esi
	call puts32
	movl %ebp, %edx
	call puthex32
	movl $msg_bad_magic_tail, %esi
	call puts32
	jmp halt32

no_long_mode:
	call serial_init32
	movl $msg_no_long_mode, %esi
	call puts32
halt32:
	cli
	hlt
	jmp halt32

/* Program COM1 for 115200 8N1; clobbers %eax, %edx. */
serial_init32:
	movw $(UART_COM1_PORT + UART_IER), %dx
	movb $0, %al
	outb %al, %dx
	movw $(UART_COM1_PORT + UART_LCR), %dx
	movb $UART_LCR_DLAB, %al
	outb %al, %dx
	movw $(UART_COM1_PORT + UART_DLL), %dx
	movb $(UART_CLOCK_HZ / 16 / 115200), %al
	outb %al, %dx
	movw $(UART_COM1_PORT + UART_DLM), %dx
	movb $0, %al
	outb %al, %dx
	movw $(UART_COM1_PORT + UART_LCR), %dx
	movb $UART_LCR_8N1, %al
	outb %al, %dx
	movw $(UART_COM1_PORT + UART_FCR), %dx
	movb $(UART_FCR_ENABLE | UART_FCR_CLEAR_RX | UART_FCR_CLEAR_TX), %al
	outb %al, %dx
	movw $(UART_COM1_PORT + UART_MCR), %dx
	movb $(UART_MCR_DTR | UART_MCR_RTS), %al
	outb %al, %dx
	ret

/* Print the NUL-terminated string at %esi; clobbers %eax, %ecx, %esi. */
puts32:
	pushl %edx
1:	lodsb
	testb %al, %al
	jz 4f
	movb %al, %ah
	movl $EARLY_UART_SPIN, %ecx
	movw $(UART_COM1_PORT + UART_LSR), %dx
2:	inb %dx, %al
	testb $UART_LSR_THRE, %al
	jnz 3f
	loop 2b
3:	movb %ah, %al
	movw $(UART_COM1_PORT + UART_THR), %dx
	outb %al, %dx
	jmp 1b
4:	popl %edx
	ret

/* Print %edx as eight hex digits; clobbers %eax, %ecx, %edx, %esi, %edi. */
puthex32:
	movl $hex_buf + 7, %edi
	movl $8, %ecx
1:	movl %edx, %eax
	andl $0xf, %eax
	movb hex_digits(%eax), %al
	movb %al, (%edi)
	decl %edi
	shrl $4, %edx
	loop 1b
	movl $hex_buf, %esi
	jmp puts32

	.code64
mb2_entry64_low:
	movl $GDT_KERNEL_DS, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
	movabsq $mb2_entry64, %rax
	jmp *%rax

	.section .boot.data, "aw"
	.balign 16
boot_gdt:
	.quad 0
	.quad SEG_DESC_KERNEL_CODE64
	.quad SEG_DESC_KERNEL_DATA
boot_gdt_end:
boot_gdt_ptr:
	.short boot_gdt_end - boot_gdt - 1
	.long boot_gdt
mb2_info_phys:
	.long 0
hex_digits:
	.ascii "0123456789abcdef"
hex_buf:
	.asciz "00000000"
msg_bad_magic:
	.asciz "keel: not started by a multiboot2 boot loader: EAX=0x"
msg_bad_magic_tail:
	.asciz ", expected 0x36d76289; halting\r\n"
msg_no_long_mode:
	.asciz "keel: this CPU has no long mode (x86-64); halting\r\n"

	.section .boot.bss, "aw", @nobits
	.balign 4096
boot_pt_start:
boot_pml4:
	.skip 4096
boot_pdpt_low:
	.skip 4096
boot_pdpt_high:
	.skip 4096
boot_pd:
	.skip 4096 * DIRECT_MAP_PD_PAGES
boot_pt_end:
	.balign 16
	.skip 1024
boot32_stack_top:

/* Now in long mode on the high kernel mapping: switch to the kernel's boot stack and go to C. */
	.text
	.code64
mb2_entry64:
	movq $boot_stack_top, %rsp
	xorl %ebp, %ebp
	movl mb2_info_phys, %edi
	call mb2_boot_main
	ud2
