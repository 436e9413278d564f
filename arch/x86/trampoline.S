/* SPDX-License-Identifier: GPL-2.0-only */
/* AP startup: real mode at AP_TRAMPOLINE_PHYS to long mode on the kernel's tables, then ap_main. */
#include <arch/cpu.h>
#include <arch/desc.h>
#include <arch/msr.h>
#include <arch/smp.h>

/*
 * A STARTUP IPI starts the AP in real mode at CS = AP_TRAMPOLINE_PHYS >> 4, IP = 0 (SDM Vol. 3A,
 * 9.4.4.2). This blob is copied there, so everything in it is addressed by its offset from
 * trampoline_start: through DS = CS in real mode, as AP_TRAMPOLINE_PHYS + offset once paging is
 * on (the boot CPU maps the page at its own address while APs start).
 *
 * The AP goes from real mode to long mode in one step: PAE, CR3 and EFER.LME first, then PE and
 * PG together, which activates IA-32e mode (SDM Vol. 3A, 10.8.5); the far jump to a 64-bit code
 * segment then leaves compatibility mode. Caching is enabled by the same CR0 write (CD and NW
 * are set after INIT).
 */
#define REL(sym) ((sym) - trampoline_start)
#define ABS(sym) (AP_TRAMPOLINE_PHYS + REL(sym))

	.section .rodata
	.balign 16
	.globl trampoline_start, trampoline_params, trampoline_end
	.code16
trampoline_start:
	cli
	cld
	movw %cs, %ax
	movw %ax, %ds
	movl $1, REL(trampoline_params) + TRAMP_OFF_ENTERED
	lgdtl REL(tramp_gdt_ptr)
	movl REL(trampoline_params) + TRAMP_OFF_CR4, %eax
	movl %eax, %cr4
	movl REL(trampoline_params) + TRAMP_OFF_CR3, %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	movl REL(trampoline_params) + TRAMP_OFF_EFER, %eax
	xorl %edx, %edx
	wrmsr
	movl $(X86_CR0_PE | X86_CR0_ET | X86_CR0_PG), %eax
	movl %eax, %cr0
	ljmpl $GDT_KERNEL_CS, $ABS(tramp64)

	.code64
tramp64:
	movl $GDT_KERNEL_DS, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movq ABS(trampoline_params) + TRAMP_OFF_STACK, %rsp
	movq ABS(trampoline_params) + TRAMP_OFF_PERCPU, %rdi
	movq ABS(trampoline_params) + TRAMP_OFF_ENTRY, %rax
	xorl %ebp, %ebp
	call *%rax
	ud2

	.balign 8
tramp_gdt:
	.quad 0
	.quad SEG_DESC_KERNEL_CODE64
	.quad SEG_DESC_KERNEL_DATA
tramp_gdt_end:
tramp_gdt_ptr:
	.short tramp_gdt_end - tramp_gdt - 1
	.long ABS(tramp_gdt)

	.balign 8
trampoline_params:
	.skip TRAMP_OFF_ENTERED + 8
trampoline_end:
