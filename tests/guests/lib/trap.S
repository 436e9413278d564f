/* SPDX-License-Identifier: GPL-2.0-only */
/* Exception entry stubs, catch_enter/catch_resume (a setjmp for faults) and the drop to CPL3. */
#include "x86.h"

/* Vectors for which the CPU pushes an error code (SDM 6.13). */
#define HAS_ERROR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || \
		      (v) == 29 || (v) == 30)

	.text
.macro stub vec
	.balign 16
trap_stub_\vec:
	.if !HAS_ERROR(\vec)
	push	$0
	.endif
	push	$\vec
	jmp	trap_common
.endm

	.globl trap_stubs_start
trap_stubs_start:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	stub \v
	.endr
	/* Stubs are 16 bytes apart: trap_stubs_start + 16 * vector. */
	stub VEC_USER_DONE

#ifdef __x86_64__
trap_common:
	push	%rax
	push	%rbx
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%rbp
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	movq	%rsp, %rdi
	call	trap_dispatch
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rbp
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rbx
	pop	%rax
	addq	$16, %rsp
	iretq

/* int catch_enter(uintptr_t *slot, void (*fn)(uintptr_t), uintptr_t arg) */
	.globl catch_enter
catch_enter:
	pushfq
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	movq	%rsp, (%rdi)
	movq	%rdx, %rdi
	call	*%rsi
	xorl	%eax, %eax
	jmp	1f
/* void catch_resume(uintptr_t sp): back into catch_enter's frame, returning 1. */
	.globl catch_resume
catch_resume:
	movq	%rdi, %rsp
	movw	$SEL_KDATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movl	$1, %eax
1:	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbp
	pop	%rbx
	popfq
	ret

/* void enter_user(uintptr_t rip, uintptr_t arg): IRET to CPL3 at rip with RCX = arg. */
	.globl enter_user
enter_user:
	movq	%rsi, %rcx
	pushq	$(SEL_UDATA | SEL_RPL3)
	pushq	$0
	pushq	$EFLAGS_FIXED
	pushq	$(SEL_UCODE64 | SEL_RPL3)
	pushq	%rdi
	iretq
#else
trap_common:
	pusha
	push	%esp
	call	trap_dispatch
	addl	$4, %esp
	popa
	addl	$8, %esp
	iret

	.globl catch_enter
catch_enter:
	movl	4(%esp), %eax		/* slot */
	movl	8(%esp), %ecx		/* fn */
	movl	12(%esp), %edx		/* arg */
	pushfl
	push	%ebx
	push	%ebp
	push	%esi
	push	%edi
	movl	%esp, (%eax)
	push	%edx
	call	*%ecx
	addl	$4, %esp
	xorl	%eax, %eax
	jmp	1f
	.globl catch_resume
catch_resume:
	movl	4(%esp), %esp
	movw	$SEL_KDATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movl	$1, %eax
1:	pop	%edi
	pop	%esi
	pop	%ebp
	pop	%ebx
	popfl
	ret

	.globl enter_user
enter_user:
	movl	4(%esp), %edx		/* eip */
	movl	8(%esp), %ecx		/* arg */
	movw	$(SEL_UDATA | SEL_RPL3), %ax
	movw	%ax, %ds
	movw	%ax, %es
	pushl	$(SEL_UDATA | SEL_RPL3)
	pushl	$0
	pushl	$EFLAGS_FIXED
	pushl	$(SEL_UCODE32 | SEL_RPL3)
	pushl	%edx
	iret
#endif
