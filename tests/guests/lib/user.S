/* SPDX-License-Identifier: GPL-2.0-only */
/* The CPL3 probes: one page, mapped user-accessible at USER_VA, argument in (E/R)CX. */
#include "x86.h"

	.section .user, "ax"
	.balign 4096
	.globl __user_start
__user_start:
	.globl user_read8
user_read8:
#ifdef __x86_64__
	movb	(%rcx), %al
#else
	movb	(%ecx), %al
#endif
	int	$VEC_USER_DONE

	.globl user_write8
user_write8:
#ifdef __x86_64__
	movb	$0x5a, (%rcx)
#else
	movb	$0x5a, (%ecx)
#endif
	int	$VEC_USER_DONE

/* A jump, not a call: the probes run without a usable stack. */
	.globl user_call
user_call:
#ifdef __x86_64__
	jmp	*%rcx
#else
	jmp	*%ecx
#endif
	.globl __user_end
__user_end:
	.balign 4096
