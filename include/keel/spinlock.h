/* SPDX-License-Identifier: GPL-2.0-only */
/* Ticket spinlocks: FIFO-fair, so no CPU starves when the console or an allocator is contended. */
#ifndef KEEL_SPINLOCK_H
#define KEEL_SPINLOCK_H

#include <keel/types.h>
#include <arch/cpu.h>

/*
 * A CPU takes a ticket from `next` and waits until `owner` shows it. Unlock hands the lock to the
 * following ticket. The lock does not touch the interrupt flag: Keel's host code runs with
 * interrupts off, and a lock that an interrupt handler also takes needs an irq-saving variant.
 */
struct spinlock {
	u32 next;
	u32 owner;
};

#define SPINLOCK_INIT \
	{             \
		0, 0  \
	}

static inline void spin_lock(struct spinlock *l)
{
	u32 ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != ticket)
		cpu_relax();
}

/* Takes the lock only when nobody holds or waits for it. */
static inline bool spin_trylock(struct spinlock *l)
{
	u32 owner = __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
	u32 expected = owner;

	return __atomic_compare_exchange_n(&l->next, &expected, owner + 1, false, __ATOMIC_ACQUIRE,
					   __ATOMIC_RELAXED);
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->owner, __atomic_load_n(&l->owner, __ATOMIC_RELAXED) + 1,
			 __ATOMIC_RELEASE);
}

static inline bool spin_is_locked(struct spinlock *l)
{
	return __atomic_load_n(&l->owner, __ATOMIC_RELAXED) !=
	       __atomic_load_n(&l->next, __ATOMIC_RELAXED);
}

#endif
