/* SPDX-License-Identifier: GPL-2.0-only */
/* Epoch-based deferred free on the real machine: CPU numbers from smp, pokes by cross-CPU call. */
#include <keel/epoch.h>
#include <keel/lock_debug.h>
#include <keel/panic.h>
#include <keel/smp.h>
#include <arch/cpu.h>

#include "kernel/epoch_core.h"

/* Spins of a forced grace period before the CPUs still holding it up get an IPI. */
#define EPOCH_POKE_AFTER 4096

static struct epoch_domain epoch_dom = EPOCH_DOMAIN_INIT;

static u64 online_cpus(void)
{
	return __atomic_load_n(&smp_online_mask()->bits, __ATOMIC_RELAXED);
}

/*
 * Runs in interrupt context on a CPU that held up a grace period. An interrupt is taken only
 * where host code has interrupts on, which is never inside a read-side section: a quiescent point.
 */
static void epoch_poke_fn(void *arg)
{
	epoch_core_report(&epoch_dom, smp_cpu_id());
}

static void epoch_poke(u64 cpus)
{
	struct cpumask mask = { cpus };

	smp_call(&mask, epoch_poke_fn, NULL, false);
}

static void check_may_wait(const char *what, unsigned int cpu)
{
	unsigned int held = lock_debug_held();

	if (held)
		panic("%s on cpu %u with %u lock(s) held: a cpu spinning on one never passes a "
		      "quiescent state",
		      what, cpu, held);
}

/* Waiting with interrupts off: serve calls meanwhile, a CPU we wait for may be calling us. */
static void epoch_relax(void)
{
	smp_call_poll();
	cpu_relax();
}

static const struct epoch_wait_ops wait_ops = {
	.poke_after = EPOCH_POKE_AFTER,
	.poke = epoch_poke,
	.relax = epoch_relax,
};

static void wait_for(unsigned int cpu, u64 target)
{
	epoch_core_wait(&epoch_dom, cpu, target, smp_online_mask(), &wait_ops);
}

static void force_and_run(unsigned int cpu)
{
	wait_for(cpu, epoch_core_force(&epoch_dom, cpu));
	epoch_core_process(&epoch_dom, cpu, online_cpus());
}

void defer_free(struct epoch_head *head, void (*fn)(struct epoch_head *head))
{
	epoch_core_defer(&epoch_dom, smp_cpu_id(), head, fn);
}

void epoch_quiescent(void)
{
	unsigned int cpu = smp_cpu_id();

	epoch_core_report(&epoch_dom, cpu);
	epoch_core_process(&epoch_dom, cpu, online_cpus());
	if (!epoch_core_over_limit(&epoch_dom, cpu))
		return;
	check_may_wait("epoch: forced grace period", cpu);
	force_and_run(cpu);
}

void epoch_synchronize(void)
{
	unsigned int cpu = smp_cpu_id();
	u64 target;

	check_may_wait("epoch_synchronize()", cpu);
	epoch_core_report(&epoch_dom, cpu);
	target = epoch_core_start_gp(&epoch_dom);
	epoch_core_report(&epoch_dom, cpu);
	wait_for(cpu, target);
}

void epoch_barrier(void)
{
	unsigned int cpu = smp_cpu_id();

	check_may_wait("epoch_barrier()", cpu);
	force_and_run(cpu);
}

void epoch_idle_enter(void)
{
	epoch_quiescent();
	epoch_core_extended_enter(&epoch_dom, smp_cpu_id());
}

void epoch_idle_exit(void)
{
	epoch_core_extended_exit(&epoch_dom, smp_cpu_id());
}

void epoch_guest_enter(void)
{
	epoch_idle_enter();
}

void epoch_guest_exit(void)
{
	epoch_idle_exit();
}

void epoch_irq_enter(void)
{
	epoch_core_irq_enter(&epoch_dom, smp_cpu_id());
}

void epoch_irq_exit(void)
{
	epoch_core_irq_exit(&epoch_dom, smp_cpu_id());
}

#ifdef KEEL_DEBUG_LOCKS
void epoch_read_lock(void)
{
	epoch_core_read_lock(&epoch_dom, smp_cpu_id());
}

void epoch_read_unlock(void)
{
	epoch_core_read_unlock(&epoch_dom, smp_cpu_id());
}
#endif

void epoch_get_stats(unsigned int cpu, struct epoch_cpu_stats *st)
{
	const struct epoch_cpu *c = &epoch_dom.cpu[cpu];

	*st = c->stats;
	st->waiting = c->pending.count + c->waiting.count;
}

u64 epoch_grace_periods(void)
{
	return __atomic_load_n(&epoch_dom.epoch, __ATOMIC_RELAXED) - 1;
}
