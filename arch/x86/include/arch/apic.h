/* SPDX-License-Identifier: GPL-2.0-only */
/* Local APIC, 8254 PIT and TSC: register names, bits, Keel's vectors and the driver interface. */
#ifndef ARCH_APIC_H
#define ARCH_APIC_H

#include <arch/layout.h>
#include <arch/msr.h> /* MSR_IA32_APIC_BASE */

/* IA32_APIC_BASE bits (SDM Vol. 3A, 11.4.4 "Local APIC Status and Location", figure 11-5; 12.12.1) */
#define APIC_BASE_BSP	    (_UL(1) << 8)
#define APIC_BASE_EXTD	    (_UL(1) << 10) /* x2APIC mode */
#define APIC_BASE_EN	    (_UL(1) << 11)
#define APIC_BASE_ADDR_MASK _UL(0x000ffffffffff000)

/*
 * Local APIC registers as xAPIC MMIO offsets (SDM Vol. 3A, 11.4.1, table 11-1). In x2APIC mode
 * the same register is MSR X2APIC_MSR_BASE + (offset >> 4) (12.12.1.2, table 12-6), and the ICR
 * is one 64-bit MSR.
 */
#define APIC_ID		    0x020
#define APIC_VERSION	    0x030
#define APIC_TPR	    0x080
#define APIC_EOI	    0x0b0
#define APIC_SVR	    0x0f0
#define APIC_ESR	    0x280
#define APIC_ICR_LO	    0x300
#define APIC_ICR_HI	    0x310
#define APIC_LVT_TIMER	    0x320
#define APIC_LVT_LINT0	    0x350
#define APIC_LVT_LINT1	    0x360
#define APIC_LVT_ERROR	    0x370
#define APIC_TIMER_INIT	    0x380
#define APIC_TIMER_CUR	    0x390
#define APIC_TIMER_DIV	    0x3e0
#define APIC_MMIO_SIZE	    0x1000

#define X2APIC_MSR_BASE	    0x800
#define X2APIC_MSR(reg)	    (X2APIC_MSR_BASE + ((reg) >> 4))
#define APIC_XAPIC_ID_SHIFT 24 /* xAPIC ID register: ID in bits 31:24 (11.4.6) */

/* Spurious-interrupt vector register (11.9, figure 11-23) */
#define APIC_SVR_ENABLE (_UL(1) << 8)

/* LVT entries (11.5.1, figure 11-8) */
#define APIC_LVT_MASKED (_UL(1) << 16)

/* Divide configuration register (11.5.4, figure 11-10): 0xb is divide by 1 */
#define APIC_TIMER_DIV_1 0xb

/*
 * Interrupt command register (11.6.1, figure 11-12). xAPIC: destination in ICR_HI bits 31:24;
 * x2APIC: destination in bits 63:32 of the one 64-bit ICR, no delivery-status bit (12.12.9).
 */
#define APIC_ICR_FIXED		   (_UL(0) << 8)
#define APIC_ICR_NMI		   (_UL(4) << 8)
#define APIC_ICR_INIT		   (_UL(5) << 8)
#define APIC_ICR_STARTUP	   (_UL(6) << 8)
#define APIC_ICR_BUSY		   (_UL(1) << 12) /* delivery status: send pending */
#define APIC_ICR_ASSERT		   (_UL(1) << 14)
#define APIC_ICR_LEVEL		   (_UL(1) << 15)
#define APIC_ICR_ALL_BUT_SELF	   (_UL(3) << 18)
#define APIC_ICR_XAPIC_DEST_SHIFT  24
#define APIC_ICR_X2APIC_DEST_SHIFT 32

/*
 * Delays of the INIT-SIPI-SIPI sequence (SDM Vol. 3A, 9.4.4.1 "Typical BSP Initialization
 * Sequence"): 10 ms after INIT, 200 us after each SIPI. A STARTUP IPI's vector is the page
 * number of the real-mode entry point, which must lie below 1 MiB (9.4.3).
 */
#define SMP_INIT_DELAY_US 10000
#define SMP_SIPI_DELAY_US 200

/* Keel's interrupt vectors: the highest priority class, above anything a device will get. */
#define IRQ_VECTOR_CALL	    0xf0 /* smp_call() and tlb_shootdown() requests */
#define IRQ_VECTOR_SPURIOUS 0xff /* bits 3:0 must be 1 on P6-family APICs (11.9) */

/*
 * 8254 PIT channel 2, gated through port 0x61 (the PC/AT "NMI status and control" port; Intel
 * PCH datasheets, "NMI_STS_CNT"): bit 0 gates channel 2, bit 1 feeds the speaker, bit 5 reads
 * channel 2's output. Mode 0 (interrupt on terminal count) raises OUT when the count runs out.
 */
#define PIT_HZ		     1193182
#define PIT_PORT_CH2	     0x42
#define PIT_PORT_MODE	     0x43
#define PIT_MODE_CH2_ONESHOT 0xb0 /* channel 2, lobyte/hibyte, mode 0, binary */
#define PORT_NMI_SC	     0x61
#define NMI_SC_GATE2	     0x01
#define NMI_SC_SPEAKER	     0x02
#define NMI_SC_OUT2	     0x20

/* 8259A PICs: their interrupt-mask registers (OCW1); all ones masks every IRQ line. */
#define PIC_MASTER_IMR 0x21
#define PIC_SLAVE_IMR  0xa1
#define PIC_MASK_ALL   0xff

/* CPUID leaves for the TSC frequency (SDM Vol. 2A, CPUID, leaves 15H and 16H) */
#define CPUID_LEAF_TSC_CRYSTAL 0x15
#define CPUID_LEAF_CPU_FREQ    0x16

#ifndef __ASSEMBLER__
#include <keel/types.h>

/*
 * Boot CPU: picks x2APIC when the CPU has it, else xAPIC through an uncached mapping, enables
 * the APIC, calibrates its timer and the TSC against the PIT, and prints one line.
 */
void apic_init(void);
/* Another CPU: the same mode as the boot CPU, enabled, LVTs masked. */
void apic_init_ap(void);

u32 apic_id(void); /* the calling CPU's APIC ID */
bool apic_is_x2apic(void);
void apic_eoi(void);

/* Sends an IPI; false when an xAPIC did not accept the previous one in time. */
bool apic_send_ipi(u32 dest_apic_id, u32 vector);
bool apic_send_nmi_all_but_self(void);
bool apic_send_init(u32 dest_apic_id);
bool apic_send_startup(u32 dest_apic_id, u32 page_number);

u64 tsc_hz(void);    /* the TSC frequency, determined once by apic_init() */
void udelay(u64 us); /* busy-waits on the TSC */

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}
#endif

#endif
