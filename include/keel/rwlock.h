/* SPDX-License-Identifier: GPL-2.0-only */
/* Reader/writer spinlocks: readers share, writers exclude everyone, and waiters queue in order. */
#ifndef KEEL_RWLOCK_H
#define KEEL_RWLOCK_H

#include <keel/lock_debug.h>
#include <keel/spinlock.h>
#include <keel/types.h>

/*
 * `cnts` packs the readers inside (RW_READER units) with two writer bits. A reader or writer
 * that finds the lock uncontended takes it with one atomic operation. Everyone else queues on
 * the ticket lock `wait`, so contended acquisitions are served in arrival order: a reader that
 * arrives after a waiting writer queues behind it (writers are not starved), and a writer
 * waiting at the head of the queue blocks new readers with RW_WAITING until the readers inside
 * have drained.
 *
 *	bit 0      RW_LOCKED   a writer holds the lock
 *	bit 1      RW_WAITING  the writer at the head of the queue waits for readers to leave
 *	bits 8-31  readers inside the lock
 *
 * A CPU must not take the read lock again while holding it: a writer queued in between would
 * deadlock both. Debug builds catch a CPU taking a lock it holds for writing.
 */
struct rwlock {
	u32 cnts;
	u32 writer; /* KEEL_DEBUG_LOCKS: writing CPU + 1, 0 when none (keel/lock_debug.h) */
	struct spinlock wait;
};

#define RW_LOCKED  0x1u
#define RW_WAITING 0x2u
#define RW_WMASK   (RW_LOCKED | RW_WAITING)
#define RW_READER  0x100u

#define RWLOCK_INIT                 \
	{                           \
		0, 0, SPINLOCK_INIT \
	}

static inline void read_lock(struct rwlock *rw)
{
	u32 cnts;

	if (!lock_debug_acquire(rw, &rw->writer, "rwlock"))
		return;
	cnts = __atomic_add_fetch(&rw->cnts, RW_READER, __ATOMIC_ACQUIRE);
	if (likely(!(cnts & RW_WMASK)))
		goto out;
	/* A writer holds the lock or waits for it: take our turn in the queue. */
	__atomic_sub_fetch(&rw->cnts, RW_READER, __ATOMIC_RELAXED);
	spin_lock(&rw->wait);
	__atomic_add_fetch(&rw->cnts, RW_READER, __ATOMIC_RELAXED);
	while (__atomic_load_n(&rw->cnts, __ATOMIC_ACQUIRE) & RW_LOCKED)
		cpu_relax();
	spin_unlock(&rw->wait);
out:
	lock_debug_reader_acquired();
}

static inline void read_unlock(struct rwlock *rw)
{
	lock_debug_reader_released();
	__atomic_sub_fetch(&rw->cnts, RW_READER, __ATOMIC_RELEASE);
}

static inline void write_lock(struct rwlock *rw)
{
	u32 expected = 0;

	if (!lock_debug_acquire(rw, &rw->writer, "rwlock"))
		return;
	if (likely(__atomic_compare_exchange_n(&rw->cnts, &expected, RW_LOCKED, false,
					       __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)))
		goto out;
	spin_lock(&rw->wait);
	/* Head of the queue: stop new readers, wait for the ones inside, then take the lock. */
	__atomic_fetch_or(&rw->cnts, RW_WAITING, __ATOMIC_RELAXED);
	for (;;) {
		expected = RW_WAITING;
		if (__atomic_compare_exchange_n(&rw->cnts, &expected, RW_LOCKED, false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			break;
		cpu_relax();
	}
	spin_unlock(&rw->wait);
out:
	lock_debug_acquired(&rw->writer);
}

static inline void write_unlock(struct rwlock *rw)
{
	if (!lock_debug_release(rw, &rw->writer, "rwlock"))
		return;
	__atomic_fetch_and(&rw->cnts, ~RW_LOCKED, __ATOMIC_RELEASE);
}

static inline bool read_lock_irqsave(struct rwlock *rw)
{
	bool was_on = irq_save();

	read_lock(rw);
	return was_on;
}

static inline void read_unlock_irqrestore(struct rwlock *rw, bool was_on)
{
	read_unlock(rw);
	irq_restore(was_on);
}

static inline bool write_lock_irqsave(struct rwlock *rw)
{
	bool was_on = irq_save();

	write_lock(rw);
	return was_on;
}

static inline void write_unlock_irqrestore(struct rwlock *rw, bool was_on)
{
	write_unlock(rw);
	irq_restore(was_on);
}

#endif
