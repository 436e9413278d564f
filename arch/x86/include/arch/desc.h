/* SPDX-License-Identifier: GPL-2.0-only */
/* Segment selectors, GDT/IDT descriptor bits and the 64-bit TSS. */
#ifndef ARCH_DESC_H
#define ARCH_DESC_H

#include <arch/layout.h>

/* Keel's GDT: null, 64-bit code, data, the TSS (two slots); mb2_entry.S uses the same selectors. */
#define GDT_KERNEL_CS 0x08
#define GDT_KERNEL_DS 0x10
#define GDT_TSS	      0x18
#define GDT_ENTRIES   5

/*
 * Code/data segment descriptor bits (SDM Vol. 3A, 3.4.5 "Segment Descriptors", figure 3-8),
 * as a 64-bit descriptor value.
 */
#define SEG_DESC_A    (_UL(1) << 40) /* accessed: set up front so the CPU never writes the GDT */
#define SEG_DESC_RW   (_UL(1) << 41) /* code: readable; data: writable */
#define SEG_DESC_CODE (_UL(1) << 43) /* executable */
#define SEG_DESC_S    (_UL(1) << 44) /* code or data (not system) */
#define SEG_DESC_P    (_UL(1) << 47)
#define SEG_DESC_L    (_UL(1) << 53) /* 64-bit code */

#define SEG_DESC_KERNEL_CODE64 \
	(SEG_DESC_A | SEG_DESC_RW | SEG_DESC_CODE | SEG_DESC_S | SEG_DESC_P | SEG_DESC_L)
#define SEG_DESC_KERNEL_DATA (SEG_DESC_A | SEG_DESC_RW | SEG_DESC_S | SEG_DESC_P)

/* System descriptor types (SDM Vol. 3A, 3.5 "System Descriptor Types", table 3-2) */
#define SYS_DESC_TSS_AVAIL 0x9
#define SYS_DESC_INTR_GATE 0xe
#define SYS_DESC_P	   0x80

/* Interrupt Stack Table slots (1-based in the IDT gate; SDM Vol. 3A, 7.14.5) */
#define IST_DF	       1
#define IST_NMI	       2
#define IST_MC	       3
#define IST_COUNT      3
#define IST_STACK_SIZE 16384

#ifndef __ASSEMBLER__
#include <keel/types.h>

/* 64-bit TSS (SDM Vol. 3A, 9.7 "Task Management in 64-bit Mode", figure 9-11) */
struct tss64 {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __packed;

/* 64-bit IDT gate (SDM Vol. 3A, 7.14.1, figure 7-8) */
struct idt_gate {
	u16 offset_lo;
	u16 selector;
	u8 ist;
	u8 type_attr;
	u16 offset_mid;
	u32 offset_hi;
	u32 reserved;
} __packed;

struct desc_ptr {
	u16 limit;
	u64 base;
} __packed;

/* One CPU's descriptor tables and exception stacks. */
struct cpu_tables {
	u64 gdt[GDT_ENTRIES] __aligned(16);
	struct tss64 tss __aligned(16);
	u8 ist_stacks[IST_COUNT][IST_STACK_SIZE] __aligned(16);
};

/* Fill in and load a GDT, TSS and the shared IDT on the calling CPU. */
void cpu_tables_load(struct cpu_tables *ct);
void idt_init(void);
void idt_load(void);
#endif

#endif
