/* SPDX-License-Identifier: GPL-2.0-only */
/* SMP ktests: every CPU online and answering IPIs, each with its own per-CPU block. */
#include <keel/acpi.h>
#include <keel/ktest.h>
#include <keel/smp.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/msr.h>
#include <arch/percpu.h>
#include <arch/smp.h>

#define IPI_ROUNDS	    256
#define SELF_IPI_WAIT_LOOPS 100000000

struct ipi_probe {
	u32 ran_on; /* smp_cpu_id() of the CPU that ran the call */
	u32 calls;
};

static void ipi_probe_fn(void *arg)
{
	struct ipi_probe *p = arg;

	p->ran_on = smp_cpu_id();
	p->calls++;
}

/* One CPU: the APIC delivers a self-IPI through the IDT to irq_handler, which sends EOI. */
static bool self_ipi_arrives(void)
{
	u64 before = smp_ipi_count();
	bool irq;
	u32 i;

	if (!apic_send_ipi(apic_id(), IRQ_VECTOR_CALL))
		return false;
	irq = irq_save();
	irq_enable();
	for (i = 0; i < SELF_IPI_WAIT_LOOPS && smp_ipi_count() == before; i++)
		cpu_relax();
	irq_disable();
	irq_restore(irq);
	return smp_ipi_count() == before + 1;
}

KTEST(smp_ipi)
{
	unsigned int self = smp_cpu_id();
	u64 total = 0, best = ~0ULL;
	unsigned int measured = 0;

	KTEST_EXPECT(t, self_ipi_arrives());
	for_each_cpu (cpu, smp_online_mask()) {
		struct cpumask one = { 0 };
		struct ipi_probe p = { .ran_on = ~0u };

		if (cpu == self)
			continue;
		cpumask_set(&one, cpu);
		for (unsigned int r = 0; r < IPI_ROUNDS; r++) {
			u64 t0 = rdtsc(), dt;

			smp_call(&one, ipi_probe_fn, &p, true);
			dt = rdtsc() - t0;
			total += dt;
			best = MIN(best, dt);
			measured++;
		}
		KTEST_EXPECT_EQ(t, p.ran_on, cpu);
		KTEST_EXPECT_EQ(t, p.calls, IPI_ROUNDS);
	}
	if (!measured) {
		ktest_diag(t, "one cpu: self-IPI delivered, no other cpu to call");
		return;
	}
	ktest_diag(t, "%u round trips to %u cpus: min %lu, mean %lu TSC ticks", measured,
		   smp_num_cpus() - 1, best, total / measured);
	ktest_diag(t, "bench smp.ipi_roundtrip %lu ticks", total / measured);
}

struct percpu_probe {
	u32 cpu_id[KEEL_MAX_CPUS];
	u32 apic[KEEL_MAX_CPUS];
	struct percpu *block[KEEL_MAX_CPUS];
	u64 gs_base[KEEL_MAX_CPUS];
};

static void percpu_probe_fn(void *arg)
{
	struct percpu_probe *p = arg;
	unsigned int cpu = smp_cpu_id();

	p->cpu_id[cpu] = this_cpu()->cpu_id;
	p->apic[cpu] = apic_id();
	p->block[cpu] = this_cpu();
	p->gs_base[cpu] = rdmsr(MSR_GS_BASE);
}

static struct percpu_probe percpu_seen;

KTEST(percpu)
{
	struct percpu_probe *p = &percpu_seen;

	for (unsigned int i = 0; i < KEEL_MAX_CPUS; i++)
		p->cpu_id[i] = ~0u;
	smp_call(smp_online_mask(), percpu_probe_fn, p, true);
	for_each_cpu (cpu, smp_online_mask()) {
		KTEST_EXPECT_EQ(t, p->cpu_id[cpu], cpu);
		KTEST_EXPECT(t, p->block[cpu] == &percpu[cpu]);
		KTEST_EXPECT_EQ(t, p->gs_base[cpu], (u64)&percpu[cpu]);
		KTEST_EXPECT_EQ(t, p->apic[cpu], percpu[cpu].apic_id);
		for_each_cpu (other, smp_online_mask())
			if (other < cpu)
				KTEST_EXPECT(t, p->apic[other] != p->apic[cpu]);
	}
	KTEST_EXPECT_EQ(t, smp_cpu_id(), 0);
}

KTEST(smp_online)
{
	const struct acpi_info *ai = acpi_get_info();
	unsigned int n = smp_num_cpus();

	KTEST_EXPECT(t, n >= 1 && n <= KEEL_MAX_CPUS);
	/* CPU numbers are dense: 0..n-1. */
	KTEST_EXPECT_EQ(t, smp_online_mask()->bits, n == 64 ? ~0ULL : BIT(n) - 1);
	if (!ai || !ai->madt_found) {
		ktest_skip(t, "no MADT: nothing says how many cpus there are");
		return;
	}
	KTEST_EXPECT_EQ(t, n, MIN(ai->cpus_enabled, (u32)KEEL_MAX_CPUS));
	for_each_cpu (cpu, smp_online_mask()) {
		bool listed = false;

		for (u32 i = 0; i < ai->cpu_count; i++)
			listed |= ai->cpus[i].enabled && ai->cpus[i].apic_id == percpu[cpu].apic_id;
		KTEST_EXPECT(t, listed);
	}
	ktest_diag(t, "%u of %u MADT-enabled cpus online", n, ai->cpus_enabled);
}
