/* SPDX-License-Identifier: GPL-2.0-only */
/* Debug-build lock checking: who holds each lock, self-deadlock and foreign-release detection. */
#include <keel/lock_debug.h>
#include <keel/panic.h>
#include <keel/smp.h>

/* Built into every kernel; only debug builds (mk/smp-generic.mk, DEBUG_LOCKS=1) call it. */
#ifdef KEEL_DEBUG_LOCKS

/* Locks held by each CPU; only the CPU itself writes its count. */
static struct {
	unsigned int held;
} __aligned(64) lock_held[KEEL_MAX_CPUS];

static lock_report_fn report_hook;

static const char *const violation_names[] = {
	[LOCK_SELF_DEADLOCK] = "self-deadlock: this cpu already holds it",
	[LOCK_NOT_HELD] = "released by a cpu that does not hold it",
};

lock_report_fn lock_debug_set_report(lock_report_fn fn)
{
	return __atomic_exchange_n(&report_hook, fn, __ATOMIC_SEQ_CST);
}

static void violation(const void *lock, const char *kind, enum lock_violation what,
		      unsigned int cpu)
{
	lock_report_fn hook = __atomic_load_n(&report_hook, __ATOMIC_ACQUIRE);

	if (hook) {
		hook(lock, kind, what, cpu);
		return;
	}
	panic("%s %p: %s (cpu %u)", kind, lock, violation_names[what], cpu);
}

bool lock_debug_acquire(const void *lock, const u32 *holder, const char *kind)
{
	unsigned int cpu = smp_cpu_id();

	/* Only this CPU ever stores its own number here, so the relaxed read cannot mislead. */
	if (__atomic_load_n(holder, __ATOMIC_RELAXED) != cpu + 1)
		return true;
	violation(lock, kind, LOCK_SELF_DEADLOCK, cpu);
	return false;
}

void lock_debug_acquired(u32 *holder)
{
	unsigned int cpu = smp_cpu_id();

	__atomic_store_n(holder, cpu + 1, __ATOMIC_RELAXED);
	lock_held[cpu].held++;
}

bool lock_debug_release(const void *lock, u32 *holder, const char *kind)
{
	unsigned int cpu = smp_cpu_id();

	if (__atomic_load_n(holder, __ATOMIC_RELAXED) != cpu + 1) {
		violation(lock, kind, LOCK_NOT_HELD, cpu);
		return false;
	}
	__atomic_store_n(holder, 0, __ATOMIC_RELAXED);
	lock_held[cpu].held--;
	return true;
}

void lock_debug_reader_acquired(void)
{
	lock_held[smp_cpu_id()].held++;
}

void lock_debug_reader_released(void)
{
	lock_held[smp_cpu_id()].held--;
}

unsigned int lock_debug_held(void)
{
	return lock_held[smp_cpu_id()].held;
}
#endif
