/* SPDX-License-Identifier: GPL-2.0-only */
/* Ticket spinlocks: FIFO-fair, so no CPU starves when the console or an allocator is contended. */
#ifndef KEEL_SPINLOCK_H
#define KEEL_SPINLOCK_H

#include <keel/lock_debug.h>
#include <keel/types.h>
#include <arch/cpu.h>

/*
 * A CPU takes a ticket from `next` and waits until `owner` shows it. Unlock hands the lock to the
 * following ticket. The lock does not touch the interrupt flag: Keel's host code runs with
 * interrupts off, and a lock that an interrupt handler also takes needs an irq-saving variant.
 * Usable from the first instruction of kernel_main: debug checking asks smp_cpu_id(), which is 0
 * until smp_init() starts the other CPUs.
 */
struct spinlock {
	u32 next;
	u32 owner;
	u32 holder; /* KEEL_DEBUG_LOCKS: holding CPU + 1, 0 when free (keel/lock_debug.h) */
};

#define SPINLOCK_INIT   \
	{               \
		0, 0, 0 \
	}

static inline void spin_lock(struct spinlock *l)
{
	u32 ticket;

	if (!lock_debug_acquire(l, &l->holder, "spinlock"))
		return;
	ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != ticket)
		cpu_relax();
	lock_debug_acquired(&l->holder);
}

/* Takes the lock only when nobody holds or waits for it. */
static inline bool spin_trylock(struct spinlock *l)
{
	u32 owner = __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
	u32 expected = owner;

	if (!__atomic_compare_exchange_n(&l->next, &expected, owner + 1, false, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED))
		return false;
	lock_debug_acquired(&l->holder);
	return true;
}

static inline void spin_unlock(struct spinlock *l)
{
	if (!lock_debug_release(l, &l->holder, "spinlock"))
		return;
	__atomic_store_n(&l->owner, __atomic_load_n(&l->owner, __ATOMIC_RELAXED) + 1,
			 __ATOMIC_RELEASE);
}

static inline bool spin_is_locked(struct spinlock *l)
{
	return __atomic_load_n(&l->owner, __ATOMIC_RELAXED) !=
	       __atomic_load_n(&l->next, __ATOMIC_RELAXED);
}

/* For locks an interrupt handler also takes: interrupts stay off while the lock is held. */
static inline bool spin_lock_irqsave(struct spinlock *l)
{
	bool was_on = irq_save();

	spin_lock(l);
	return was_on;
}

/* Releases the lock, then turns interrupts back on if spin_lock_irqsave() found them on. */
static inline void spin_unlock_irqrestore(struct spinlock *l, bool was_on)
{
	spin_unlock(l);
	irq_restore(was_on);
}

#endif
