/* SPDX-License-Identifier: GPL-2.0-only */
/* CPUs: numbering, CPU sets, cross-CPU calls and TLB shootdown, as the generic kernel sees them. */
#ifndef KEEL_SMP_H
#define KEEL_SMP_H

#include <keel/types.h>

/*
 * CPUs are numbered 0..smp_num_cpus()-1 in the order they came online; CPU 0 is the boot CPU.
 * Per-CPU state lives in arrays indexed by that number, owned by each subsystem
 * (`static struct epoch_cpu epoch_cpu[KEEL_MAX_CPUS]`), so no shared per-CPU struct has to grow
 * a field for every subsystem. The architecture keeps the number where it is cheap to read (GS).
 */
#define KEEL_MAX_CPUS 64

struct cpumask {
	u64 bits; /* bit n: CPU n; KEEL_MAX_CPUS fits one word */
};

static inline void cpumask_set(struct cpumask *m, unsigned int cpu)
{
	__atomic_fetch_or(&m->bits, BIT(cpu), __ATOMIC_RELAXED);
}

static inline void cpumask_clear(struct cpumask *m, unsigned int cpu)
{
	__atomic_fetch_and(&m->bits, ~BIT(cpu), __ATOMIC_RELAXED);
}

static inline bool cpumask_test(const struct cpumask *m, unsigned int cpu)
{
	return __atomic_load_n(&m->bits, __ATOMIC_RELAXED) & BIT(cpu);
}

static inline unsigned int cpumask_weight(const struct cpumask *m)
{
	return (unsigned int)__builtin_popcountll(__atomic_load_n(&m->bits, __ATOMIC_RELAXED));
}

#define for_each_cpu(cpu, mask)                                          \
	for (unsigned int cpu = 0; cpu < KEEL_MAX_CPUS; cpu++)         \
		if (cpumask_test((mask), cpu))

unsigned int smp_cpu_id(void);   /* the calling CPU's number */
unsigned int smp_num_cpus(void); /* CPUs online */
const struct cpumask *smp_online_mask(void);

/* Starts every CPU the MADT lists; prints "smp: N of M cpus online". */
void smp_init(void);

typedef void (*smp_call_fn)(void *arg);

/*
 * Runs fn(arg) on every CPU in `cpus` (the caller's own CPU included, directly, if it is in the
 * set). With wait, returns once every target has finished fn; without, once every target has
 * taken the request. fn runs in interrupt context with interrupts off: it may wait for other
 * CPUs only in loops that call smp_call_poll() (epoch_synchronize() does), never on a lock that
 * its caller holds.
 */
void smp_call(const struct cpumask *cpus, smp_call_fn fn, void *arg, bool wait);

/*
 * Runs a call request posted to this CPU, if any (interrupts off while it runs). A CPU that waits
 * for other CPUs with interrupts off calls this in its wait loop, so that two CPUs waiting on
 * each other both make progress.
 */
void smp_call_poll(void);

/*
 * Flushes host TLB entries on every CPU in `cpus` and returns when all have done so: one IPI
 * round for the whole batch. addrs == NULL or count above a small limit means a full flush.
 */
void tlb_shootdown(const struct cpumask *cpus, const vaddr_t *addrs, unsigned int count);

#endif
