/* SPDX-License-Identifier: GPL-2.0-only */
/* Lock checking for debug builds (KEEL_DEBUG_LOCKS): holder CPU, self-deadlock, held-lock count. */
#ifndef KEEL_LOCK_DEBUG_H
#define KEEL_LOCK_DEBUG_H

#include <keel/types.h>

/*
 * Every lock keeps the number of the CPU that holds it exclusively (plus one; 0 = nobody), so a
 * CPU that asks again for a lock it already holds is caught before it spins forever, and a CPU
 * that releases a lock it does not hold is caught before it corrupts the lock. Each CPU also
 * counts the locks it holds: epoch_synchronize() refuses to wait while the count is non-zero,
 * because a CPU spinning on that lock would never pass a quiescent state.
 *
 * A violation panics with the lock's address, its kind and the CPU. Tests install a report hook
 * instead; the offending operation then returns without touching the lock.
 */
enum lock_violation {
	LOCK_SELF_DEADLOCK, /* acquiring a lock this CPU already holds */
	LOCK_NOT_HELD,	    /* releasing a lock this CPU does not hold */
};

typedef void (*lock_report_fn)(const void *lock, const char *kind, enum lock_violation what,
			       unsigned int cpu);

#ifdef KEEL_DEBUG_LOCKS
/* Returns false when a violation was reported to the hook: the caller must not take the lock. */
bool lock_debug_acquire(const void *lock, const u32 *holder, const char *kind);
void lock_debug_acquired(u32 *holder);
/* Returns false when a violation was reported to the hook: the caller must not release. */
bool lock_debug_release(const void *lock, u32 *holder, const char *kind);
/* Locks the calling CPU holds (spinlocks, rwlock writers, rwlock readers). */
unsigned int lock_debug_held(void);
void lock_debug_reader_acquired(void);
void lock_debug_reader_released(void);
/* Installs a hook that replaces the panic (NULL restores it); returns the previous one. */
lock_report_fn lock_debug_set_report(lock_report_fn fn);
#else
static inline bool lock_debug_acquire(const void *lock, const u32 *holder, const char *kind)
{
	return true;
}

static inline void lock_debug_acquired(u32 *holder)
{
}

static inline bool lock_debug_release(const void *lock, u32 *holder, const char *kind)
{
	return true;
}

static inline unsigned int lock_debug_held(void)
{
	return 0;
}

static inline void lock_debug_reader_acquired(void)
{
}

static inline void lock_debug_reader_released(void)
{
}
#endif

#endif
