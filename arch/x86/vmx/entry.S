/* SPDX-License-Identifier: GPL-2.0-only */
/* VM entry and exit: host callee-saved state on the stack, every guest GPR from/to the vCPU. */
#include <arch/vmcs_fields.h>

/* Offsets in the vCPU's GPR array, in the x86 encoding order of vmm/vmm.h's enum vcpu_reg. */
#define G_RAX 0
#define G_RCX 8
#define G_RDX 16
#define G_RBX 24
#define G_RBP 40
#define G_RSI 48
#define G_RDI 56
#define G_R8  64
#define G_R9  72
#define G_R10 80
#define G_R11 88
#define G_R12 96
#define G_R13 104
#define G_R14 112
#define G_R15 120

/* enum vmx_enter_result */
#define ENTER_FAIL_INVALID 1
#define ENTER_FAIL_VALID   2

	.text

/*
 * vmx_enter: RDI the GPR array, ESI nonzero when the VMCS is launched; returns an enum
 * vmx_enter_result in EAX. Keeps RBP and RSP for the caller and clobbers every other GPR: its
 * caller (vcpu.h's vmx_enter_guest()) says so to the compiler, which then saves only the
 * registers it needs live across the entry, instead of this saving all callee-saved ones.
 *
 * Pushes RBP and the GPR array pointer, points the VMCS host RSP at them, loads the guest GPRs
 * and enters with VMLAUNCH or VMRESUME. A failed entry falls through with the guest's values in
 * the registers: CF set is VMfailInvalid, ZF set VMfailValid (SDM Vol. 3C, 31.2). A VM exit
 * lands in vmx_exit_stub with RSP as written here. The VMWRITE of host RSP is not checked: it
 * fails only without a current VMCS, and then so does the entry. RBP is saved as a plain
 * register, not made a frame pointer: nothing between here and the entry calls or faults.
 */
	.globl vmx_enter
	.type vmx_enter, @function
vmx_enter:
	push %rbp
	push %rdi
	mov $VMCS_HOST_RSP, %eax
	vmwrite %rsp, %rax
	test %esi, %esi
	mov G_RAX(%rdi), %rax
	mov G_RCX(%rdi), %rcx
	mov G_RDX(%rdi), %rdx
	mov G_RBX(%rdi), %rbx
	mov G_RBP(%rdi), %rbp
	mov G_RSI(%rdi), %rsi
	mov G_R8(%rdi), %r8
	mov G_R9(%rdi), %r9
	mov G_R10(%rdi), %r10
	mov G_R11(%rdi), %r11
	mov G_R12(%rdi), %r12
	mov G_R13(%rdi), %r13
	mov G_R14(%rdi), %r14
	mov G_R15(%rdi), %r15
	mov G_RDI(%rdi), %rdi
	jnz .Lresume
	vmlaunch
	jmp .Lentry_failed
.Lresume:
	vmresume
.Lentry_failed:
	mov $ENTER_FAIL_VALID, %eax
	jnc 1f
	mov $ENTER_FAIL_INVALID, %eax
1:	add $8, %rsp
	pop %rbp
	ret
	.size vmx_enter, . - vmx_enter

/* VMCS host RIP: RSP is what vmx_enter wrote, the GPR array pointer on top. */
	.globl vmx_exit_stub
	.type vmx_exit_stub, @function
vmx_exit_stub:
	push %rdi
	mov 8(%rsp), %rdi
	mov %rax, G_RAX(%rdi)
	mov %rcx, G_RCX(%rdi)
	mov %rdx, G_RDX(%rdi)
	mov %rbx, G_RBX(%rdi)
	mov %rbp, G_RBP(%rdi)
	mov %rsi, G_RSI(%rdi)
	mov %r8, G_R8(%rdi)
	mov %r9, G_R9(%rdi)
	mov %r10, G_R10(%rdi)
	mov %r11, G_R11(%rdi)
	mov %r12, G_R12(%rdi)
	mov %r13, G_R13(%rdi)
	mov %r14, G_R14(%rdi)
	mov %r15, G_R15(%rdi)
	pop G_RDI(%rdi)
	add $8, %rsp
	xor %eax, %eax
	pop %rbp
	ret
	.size vmx_exit_stub, . - vmx_exit_stub

