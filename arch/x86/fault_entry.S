/* SPDX-License-Identifier: GPL-2.0-only */
/* arch_try_call_asm: call a function so that a fault in it returns here instead of panicking. */
#include "arch/x86/fault_record.h"

/*
 * int arch_try_call_asm(fn %rdi, arg %rsi, rec %rdx)
 *
 * Like setjmp: the callee-saved registers go on the stack, and rec remembers that stack pointer
 * and the resume address. A fault in fn makes the trap handler iret to the resume address on that
 * stack, which pops the registers back and returns 0.
 */
	.text
	.globl arch_try_call_asm
arch_try_call_asm:
	pushq %rbp
	movq %rsp, %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	subq $8, %rsp /* keep the call below 16-byte aligned */
	movq %rsp, FAULT_REC_RSP(%rdx)
	leaq .Lfaulted(%rip), %rax
	movq %rax, FAULT_REC_RIP(%rdx)
	movq %rdx, %r12
	movq $1, FAULT_REC_ACTIVE(%rdx)
	movq %rdi, %rax
	movq %rsi, %rdi
	call *%rax
	movq $0, FAULT_REC_ACTIVE(%r12)
	movl $1, %eax
	jmp .Lout
.Lfaulted:
	xorl %eax, %eax /* the handler has disarmed the record */
.Lout:
	addq $8, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
