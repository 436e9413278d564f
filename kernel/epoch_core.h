/* SPDX-License-Identifier: GPL-2.0-only */
/* The epoch machinery without the machine: CPUs are indices, so hosted tests can fake them. */
#ifndef KEEL_KERNEL_EPOCH_CORE_H
#define KEEL_KERNEL_EPOCH_CORE_H

#include <keel/epoch.h>
#include <keel/smp.h>
#include <keel/types.h>

/* qs of a CPU that is idle or in a guest: quiescent for every grace period. Epochs start at 1. */
#define EPOCH_QS_EXTENDED 0

struct epoch_list {
	struct epoch_head *first;
	struct epoch_head *last;
	unsigned int count;
};

/*
 * One CPU's state. `qs` is the only field other CPUs read (when they finish a grace period), so
 * it has a cache line to itself; everything after it is touched only by the CPU that owns it.
 */
struct epoch_cpu {
	u64 qs; /* global epoch read at the last quiescent point, or EPOCH_QS_EXTENDED */
	struct epoch_list pending __aligned(64); /* queued since `waiting` got its grace period */
	struct epoch_list waiting;		 /* waiting for every CPU to reach `target` */
	u64 target;
	bool active;		 /* neither idle nor in a guest */
	unsigned int irq_nest;	 /* interrupts being handled while idle or in a guest */
	unsigned int read_depth; /* epoch_read_lock() nesting, for the debug check */
	struct epoch_cpu_stats stats;
} __aligned(64);

struct epoch_domain {
	u64 epoch __aligned(64); /* bumped to start a grace period */
	struct epoch_cpu cpu[KEEL_MAX_CPUS];
};

/* CPU 0 is running when the machine starts; every other CPU starts idle. */
#define EPOCH_DOMAIN_INIT                                                \
	{                                                                \
		.epoch = 1, .cpu = { [0] = { .qs = 1, .active = true } } \
	}

void epoch_core_init(struct epoch_domain *d);

/*
 * Each function below takes the calling CPU's number and is called only on that CPU (with
 * interrupts off in the kernel). `online` is the set of CPUs that take part in grace periods.
 */
void epoch_core_defer(struct epoch_domain *d, unsigned int cpu, struct epoch_head *head,
		      void (*fn)(struct epoch_head *head));
void epoch_core_report(struct epoch_domain *d, unsigned int cpu);
unsigned int epoch_core_process(struct epoch_domain *d, unsigned int cpu, u64 online);
bool epoch_core_over_limit(const struct epoch_domain *d, unsigned int cpu);

/* Starts a grace period: every CPU that later reports a quiescent state reports >= the result. */
u64 epoch_core_start_gp(struct epoch_domain *d);
/* Whether every CPU in online has passed `target`; *lagging gets those that have not. */
bool epoch_core_gp_done(struct epoch_domain *d, u64 target, u64 online, u64 *lagging);

/*
 * Moves every queued callback of cpu into one batch behind a new grace period and returns its
 * target; once epoch_core_gp_done() says it has passed, epoch_core_process() runs them all.
 */
u64 epoch_core_force(struct epoch_domain *d, unsigned int cpu);

/*
 * Spins on cpu until `target` has passed, calling relax() each round (the kernel serves cross-CPU
 * calls there, so two CPUs forcing grace periods at once can poke each other). CPUs that have
 * held it up for `poke_after` rounds are handed to poke() once (the kernel sends them an IPI
 * that makes them report), counted in cpu's stats.
 */
struct epoch_wait_ops {
	unsigned int poke_after;
	void (*poke)(u64 cpus);
	void (*relax)(void);
};

void epoch_core_wait(struct epoch_domain *d, unsigned int cpu, u64 target,
		     const struct cpumask *online, const struct epoch_wait_ops *ops);

void epoch_core_extended_enter(struct epoch_domain *d, unsigned int cpu);
void epoch_core_extended_exit(struct epoch_domain *d, unsigned int cpu);
void epoch_core_irq_enter(struct epoch_domain *d, unsigned int cpu);
void epoch_core_irq_exit(struct epoch_domain *d, unsigned int cpu);
void epoch_core_read_lock(struct epoch_domain *d, unsigned int cpu);
void epoch_core_read_unlock(struct epoch_domain *d, unsigned int cpu);

#endif
