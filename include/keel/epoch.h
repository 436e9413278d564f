/* SPDX-License-Identifier: GPL-2.0-only */
/* Epoch-based deferred free: memory lock-free readers may still see is freed after a grace period.
 */
#ifndef KEEL_EPOCH_H
#define KEEL_EPOCH_H

#include <keel/types.h>

/*
 * Quiescent-state based (docs/epoch.md). Readers never write anything shared: a read-side
 * section is any stretch of host code between two quiescent points of its CPU, and host code
 * runs with interrupts off. A CPU passes a quiescent state when it calls epoch_quiescent(),
 * enters a guest, goes idle, or takes an interrupt while idle or in a guest; idle and guest
 * mode are extended quiescent states that never hold up a grace period. Serving cross-CPU calls
 * (smp_call_poll(), and so smp_call() itself) may report one too, when another CPU forces a
 * grace period: never wait for other CPUs while holding an epoch-protected pointer.
 *
 * A writer unlinks an object so that no new reader can reach it, then hands it to defer_free().
 * The callback runs on the same CPU, at one of its quiescent points, once every other online
 * CPU has passed a quiescent state after the unlink: no reader can still hold a pointer to it.
 */
struct epoch_head {
	struct epoch_head *next;
	void (*fn)(struct epoch_head *head);
};

/*
 * Callbacks a CPU may have waiting before its next quiescent point forces a grace period
 * (pokes the CPUs holding it up with an IPI and waits for them) and runs them all.
 */
#define EPOCH_DEFER_LIMIT 1024

/* Queues fn(head) for after the next grace period. Never blocks; callable in a read section. */
void defer_free(struct epoch_head *head, void (*fn)(struct epoch_head *head));

/*
 * A quiescent point: this CPU holds no pointer obtained in an earlier read section. Runs this
 * CPU's callbacks whose grace period has passed, and forces one when over EPOCH_DEFER_LIMIT.
 * Must not be called with a lock held or inside epoch_read_lock().
 */
void epoch_quiescent(void);

/* Waits until every online CPU has passed a quiescent state. No lock may be held. */
void epoch_synchronize(void);

/* Waits for a grace period and runs every callback this CPU has queued. No lock may be held. */
void epoch_barrier(void);

/*
 * Extended quiescent states. The idle loop brackets its halt with idle_enter/exit, the vCPU run
 * loop brackets guest execution with guest_enter/exit (right before VM entry, right after VM
 * exit, interrupts off). While in one, the CPU counts as quiescent for every grace period.
 */
void epoch_idle_enter(void);
void epoch_idle_exit(void);
void epoch_guest_enter(void);
void epoch_guest_exit(void);

/*
 * An interrupt handler (a cross-CPU call, say) that runs while its CPU is idle or in a guest and
 * reads epoch-protected data brackets itself with these; they nest and cost nothing otherwise.
 */
void epoch_irq_enter(void);
void epoch_irq_exit(void);

/*
 * Read-side markers. Quiescent-state based readers need none: these document the section and,
 * in debug builds (KEEL_DEBUG_LOCKS), catch a quiescent point reported inside one.
 */
#ifdef KEEL_DEBUG_LOCKS
void epoch_read_lock(void);
void epoch_read_unlock(void);
#else
static inline void epoch_read_lock(void)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

static inline void epoch_read_unlock(void)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}
#endif

struct epoch_cpu_stats {
	u64 queued;	      /* callbacks handed to defer_free() */
	u64 run;	      /* callbacks run */
	u64 forced;	      /* grace periods forced by the memory bound or a barrier */
	u64 pokes;	      /* IPIs sent to CPUs that held up a forced grace period */
	unsigned int waiting; /* callbacks queued and not yet run */
};

void epoch_get_stats(unsigned int cpu, struct epoch_cpu_stats *st);
/* Grace periods started since boot. */
u64 epoch_grace_periods(void);

#endif
