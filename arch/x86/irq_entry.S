/* SPDX-License-Identifier: GPL-2.0-only */
/* Interrupt entry stubs for Keel's own vectors; they share the exception path's trap_common. */
#include <arch/apic.h>

	.text
.macro irq_stub name, vector
	.balign 16
	.globl irq_stub_\name
irq_stub_\name:
	pushq $0
	pushq $\vector
	jmp trap_common
.endm

	irq_stub call, IRQ_VECTOR_CALL
	irq_stub spurious, IRQ_VECTOR_SPURIOUS
