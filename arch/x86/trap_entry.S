/* SPDX-License-Identifier: GPL-2.0-only */
/* Exception entry: one stub per vector, then a common path that builds a struct trap_frame. */
#include <arch/trap.h>

/* Vectors for which the CPU pushes an error code (SDM Vol. 3A, 7.3, table 7-1). */
#define HAS_ERROR_CODE(v)                                                                 \
	((v) == X86_TRAP_DF || (v) == X86_TRAP_TS || (v) == X86_TRAP_NP || (v) == X86_TRAP_SS || \
	 (v) == X86_TRAP_GP || (v) == X86_TRAP_PF || (v) == X86_TRAP_AC || (v) == X86_TRAP_CP || \
	 (v) == X86_TRAP_VC || (v) == X86_TRAP_SX)

	.text
.macro trap_stub vector
	.balign 16
trap_stub_\vector:
	.if HAS_ERROR_CODE(\vector) == 0
	pushq $0
	.endif
	pushq $\vector
	jmp trap_common
.endm

	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	trap_stub \v
	.endr

/*
 * The stack now holds the CPU's frame, an error code and the vector; save the GPRs under them.
 * Global: irq_entry.S's interrupt stubs come here too.
 */
	.globl trap_common
trap_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	cld
	movq %rsp, %rdi
	call trap_handler
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp
	iretq

	.section .rodata
	.balign 8
	.globl trap_stubs
trap_stubs:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad trap_stub_\v
	.endr
