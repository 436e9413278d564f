/* SPDX-License-Identifier: GPL-2.0-only */
/* Local APIC (x2APIC or xAPIC), its timer and the TSC calibrated against the PIT, IPIs, IRQs. */
#include <keel/panic.h>
#include <keel/printk.h>
#include <keel/smp.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/io.h>
#include <arch/kmap.h>
#include <arch/msr.h>
#include <arch/percpu.h>
#include <arch/smp.h>

/* Length of the calibration window, and a bound on polls of the PIT output (about 1 us each). */
#define CALIBRATE_MS	 25
#define CALIBRATE_ROUNDS 3
#define PIT_POLL_MAX	 10000000
/* How far CPUID's TSC frequency may be from the measured one before the measurement wins. */
#define TSC_CPUID_TOLERANCE_PCT 10
/* Used only with neither a PIT nor CPUID leaf 15H/16H: high, so that delays err long. */
#define TSC_FALLBACK_HZ 4000000000UL
/* How long an xAPIC may keep the previous IPI pending before Keel gives up on it. */
#define ICR_IDLE_TIMEOUT_US 10000

static bool x2apic;
static volatile u8 *xapic_mmio;
static u64 tsc_freq;
static u64 timer_freq;

static u32 apic_read(u32 reg)
{
	if (x2apic)
		return (u32)rdmsr(X2APIC_MSR(reg));
	return *(volatile u32 *)(xapic_mmio + reg);
}

static void apic_write(u32 reg, u32 v)
{
	if (x2apic)
		wrmsr(X2APIC_MSR(reg), v);
	else
		*(volatile u32 *)(xapic_mmio + reg) = v;
}

bool apic_is_x2apic(void)
{
	return x2apic;
}

u32 apic_id(void)
{
	if (x2apic)
		return (u32)rdmsr(X2APIC_MSR(APIC_ID));
	return apic_read(APIC_ID) >> APIC_XAPIC_ID_SHIFT;
}

void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

u64 tsc_hz(void)
{
	return tsc_freq;
}

void udelay(u64 us)
{
	u64 start = rdtsc(), ticks = us * (tsc_freq / 1000000);

	while (rdtsc() - start < ticks)
		cpu_relax();
}

/* xAPIC: the previous IPI has left the ICR (delivery status idle), bounded. */
static bool xapic_icr_idle(void)
{
	u64 start = rdtsc(), limit = ICR_IDLE_TIMEOUT_US * (tsc_freq / 1000000);

	while (apic_read(APIC_ICR_LO) & APIC_ICR_BUSY) {
		if (rdtsc() - start > limit)
			return false;
		cpu_relax();
	}
	return true;
}

static bool send_icr(u32 dest, u64 icr)
{
	bool irq = irq_save();
	bool ok = true;

	if (x2apic) {
		/* WRMSR to the ICR is not serializing: make the request stores visible first. */
		__asm__ volatile("mfence; lfence" ::: "memory");
		wrmsr(X2APIC_MSR(APIC_ICR_LO), ((u64)dest << APIC_ICR_X2APIC_DEST_SHIFT) | icr);
	} else if (dest > 0xff) {
		ok = false;
	} else {
		ok = xapic_icr_idle();
		if (ok) {
			apic_write(APIC_ICR_HI, dest << APIC_ICR_XAPIC_DEST_SHIFT);
			apic_write(APIC_ICR_LO, (u32)icr);
			ok = xapic_icr_idle();
		}
	}
	irq_restore(irq);
	return ok;
}

bool apic_send_ipi(u32 dest_apic_id, u32 vector)
{
	return send_icr(dest_apic_id, APIC_ICR_FIXED | APIC_ICR_ASSERT | vector);
}

bool apic_send_nmi_all_but_self(void)
{
	return send_icr(0, APIC_ICR_NMI | APIC_ICR_ASSERT | APIC_ICR_ALL_BUT_SELF);
}

/*
 * INIT is sent asserted, level-triggered; an xAPIC also gets the de-assert that CPUs before the
 * Pentium 4 needed (SDM Vol. 3A, 11.6.1: later ones ignore it; x2APIC mode has no such message).
 */
bool apic_send_init(u32 dest_apic_id)
{
	if (!send_icr(dest_apic_id, APIC_ICR_INIT | APIC_ICR_LEVEL | APIC_ICR_ASSERT))
		return false;
	if (x2apic)
		return true;
	return send_icr(dest_apic_id, APIC_ICR_INIT | APIC_ICR_LEVEL);
}

bool apic_send_startup(u32 dest_apic_id, u32 page_number)
{
	return send_icr(dest_apic_id, APIC_ICR_STARTUP | APIC_ICR_ASSERT | page_number);
}

/*
 * Enable this CPU's APIC in the mode chosen for the boot CPU. x2APIC is entered from xAPIC
 * mode, never straight from disabled (SDM Vol. 3A, 12.12.5, figure 12-27).
 */
static void apic_enable_local(void)
{
	u64 base = rdmsr(MSR_IA32_APIC_BASE);

	if (!(base & APIC_BASE_EN)) {
		base |= APIC_BASE_EN;
		wrmsr(MSR_IA32_APIC_BASE, base);
	}
	if (x2apic && !(base & APIC_BASE_EXTD))
		wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EXTD);
	apic_write(APIC_TPR, 0);
	/* No timer, no 8259 ExtINT through LINT0, no error interrupts; LINT1 stays as set up. */
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED);
	apic_write(APIC_LVT_LINT0, APIC_LVT_MASKED);
	apic_write(APIC_LVT_ERROR, APIC_LVT_MASKED);
	apic_write(APIC_SVR, APIC_SVR_ENABLE | IRQ_VECTOR_SPURIOUS);
}

/*
 * Counts TSC and APIC-timer ticks over CALIBRATE_MS of PIT channel 2 in mode 0. False when the
 * PIT's output never rises (no PIT, or one that port 0x61 does not reflect).
 */
static bool pit_measure(u64 *tsc_ticks, u32 *apic_ticks)
{
	u32 count = PIT_HZ * CALIBRATE_MS / 1000;
	u8 sc = inb(PORT_NMI_SC) & ~(NMI_SC_GATE2 | NMI_SC_SPEAKER);
	u64 t0, t1;
	u32 a0, a1, i;

	outb(PORT_NMI_SC, sc);
	outb(PIT_PORT_MODE, PIT_MODE_CH2_ONESHOT);
	outb(PIT_PORT_CH2, count & 0xff);
	outb(PIT_PORT_CH2, count >> 8);
	apic_write(APIC_TIMER_DIV, APIC_TIMER_DIV_1);
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED);
	apic_write(APIC_TIMER_INIT, 0xffffffff);

	outb(PORT_NMI_SC, sc | NMI_SC_GATE2);
	t0 = rdtsc();
	a0 = apic_read(APIC_TIMER_CUR);
	for (i = 0; i < PIT_POLL_MAX; i++)
		if (inb(PORT_NMI_SC) & NMI_SC_OUT2)
			break;
	t1 = rdtsc();
	a1 = apic_read(APIC_TIMER_CUR);
	outb(PORT_NMI_SC, sc);
	apic_write(APIC_TIMER_INIT, 0);
	if (i == PIT_POLL_MAX)
		return false;
	*tsc_ticks = t1 - t0;
	*apic_ticks = a0 - a1;
	return true;
}

/* CPUID leaf 15H (crystal ratio) or 16H (base MHz); 0 when neither says. */
static u64 tsc_hz_from_cpuid(void)
{
	u32 max = cpuid_max_leaf(0);
	struct cpuid_regs r;

	if (max >= CPUID_LEAF_TSC_CRYSTAL) {
		r = cpuid(CPUID_LEAF_TSC_CRYSTAL);
		if (r.eax && r.ebx && r.ecx)
			return (u64)r.ecx * r.ebx / r.eax;
	}
	if (max >= CPUID_LEAF_CPU_FREQ) {
		r = cpuid(CPUID_LEAF_CPU_FREQ);
		if (r.eax & 0xffff)
			return (u64)(r.eax & 0xffff) * 1000000;
	}
	return 0;
}

static void calibrate(void)
{
	u64 from_cpuid = tsc_hz_from_cpuid(), measured = 0, diff;
	u64 tsc_ticks;
	u32 apic_ticks;

	/* A late look at the PIT only lengthens a window: the shortest of a few is the best. */
	for (unsigned int i = 0; i < CALIBRATE_ROUNDS && pit_measure(&tsc_ticks, &apic_ticks);
	     i++) {
		if (measured && tsc_ticks * 1000 / CALIBRATE_MS >= measured)
			continue;
		measured = tsc_ticks * 1000 / CALIBRATE_MS;
		timer_freq = (u64)apic_ticks * 1000 / CALIBRATE_MS;
	}
	if (!measured) {
		pr_warn("apic: PIT channel 2 does not count: APIC timer uncalibrated\n");
	}
	tsc_freq = from_cpuid ? from_cpuid : measured;
	if (from_cpuid && measured) {
		diff = from_cpuid > measured ? from_cpuid - measured : measured - from_cpuid;
		if (diff * 100 > measured * TSC_CPUID_TOLERANCE_PCT) {
			pr_warn("apic: CPUID says the TSC runs at %lu MHz, the PIT measures %lu "
				"MHz: "
				"using the measurement\n",
				from_cpuid / 1000000, measured / 1000000);
			tsc_freq = measured;
		}
	}
	if (!tsc_freq) {
		pr_warn("apic: no reference clock and no TSC frequency in CPUID: assuming %lu "
			"MHz\n",
			TSC_FALLBACK_HZ / 1000000);
		tsc_freq = TSC_FALLBACK_HZ;
	}
}

void apic_init(void)
{
	if (!(cpuid(1).edx & CPUID_1_EDX_APIC))
		panic("apic: the CPU has no local APIC");
	x2apic = cpu_features.x2apic;
	if (!x2apic)
		xapic_mmio = kmap_mmio(rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_ADDR_MASK);
	apic_enable_local();
	/* Interrupts come from the APIC only: the 8259s (still at the BIOS's vectors) stay quiet.
	 */
	outb(PIC_MASTER_IMR, PIC_MASK_ALL);
	outb(PIC_SLAVE_IMR, PIC_MASK_ALL);
	calibrate();
	pr_info("apic: %s, timer %lu Hz, tsc %lu MHz\n", x2apic ? "x2apic" : "xapic", timer_freq,
		tsc_freq / 1000000);
}

void apic_init_ap(void)
{
	apic_enable_local();
}

void irq_handler(struct trap_frame *tf)
{
	switch (tf->vector) {
	case IRQ_VECTOR_CALL:
		this_cpu()->ipi_count++;
		smp_call_poll();
		apic_eoi();
		return;
	case IRQ_VECTOR_SPURIOUS:
		return; /* no EOI for a spurious interrupt (SDM Vol. 3A, 11.9) */
	default:
		panic("unexpected interrupt vector %lu at RIP 0x%016lx", tf->vector, tf->rip);
	}
}
