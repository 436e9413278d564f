/* SPDX-License-Identifier: GPL-2.0-only */
/* The IDT: interrupt gates for the 32 exception vectors and Keel's IPIs, shared by every CPU. */
#include <arch/apic.h>
#include <arch/desc.h>
#include <arch/trap.h>

#define IDT_ENTRIES 256

/* Entry points in trap_entry.S, one per exception vector. */
extern const u64 trap_stubs[X86_NR_EXCEPTIONS];
/* Entry points in irq_entry.S for Keel's interrupt vectors. */
extern const char irq_stub_call[], irq_stub_spurious[];

static struct idt_gate idt[IDT_ENTRIES] __aligned(16);

static unsigned int ist_for_vector(unsigned int vector)
{
	switch (vector) {
	case X86_TRAP_DF:
		return IST_DF;
	case X86_TRAP_NMI:
		return IST_NMI;
	case X86_TRAP_MC:
		return IST_MC;
	default:
		return 0;
	}
}

static void set_gate(unsigned int vector, u64 handler, unsigned int ist)
{
	struct idt_gate *g = &idt[vector];

	g->offset_lo = handler & 0xffff;
	g->selector = GDT_KERNEL_CS;
	g->ist = ist;
	g->type_attr = SYS_DESC_P | SYS_DESC_INTR_GATE; /* DPL 0; IF cleared on entry */
	g->offset_mid = (handler >> 16) & 0xffff;
	g->offset_hi = handler >> 32;
	g->reserved = 0;
}

void idt_init(void)
{
	unsigned int v;

	for (v = 0; v < X86_NR_EXCEPTIONS; v++)
		set_gate(v, trap_stubs[v], ist_for_vector(v));
	set_gate(IRQ_VECTOR_CALL, (u64)irq_stub_call, 0);
	set_gate(IRQ_VECTOR_SPURIOUS, (u64)irq_stub_spurious, 0);
}

void idt_load(void)
{
	struct desc_ptr ptr = { .limit = sizeof(idt) - 1, .base = (u64)idt };

	__asm__ volatile("lidt %0" : : "m"(ptr) : "memory");
}
