/* SPDX-License-Identifier: GPL-2.0-only */
/* ktests for ticket spinlocks, rwlocks and debug lock checking, run on every online CPU. */
#include <keel/ktest.h>
#include <keel/lock_debug.h>
#include <keel/rwlock.h>
#include <keel/smp.h>
#include <keel/spinlock.h>
#include <arch/cpu.h>

/*
 * Under QEMU TCG with more vCPUs than host cores, a ticket handed to a descheduled vCPU stalls
 * everyone for a host time slice: keep the counts modest, and wait for completion ourselves
 * rather than inside smp_call() (which gives up after 2 s).
 */
#define CONTEND_ITERS 5000
#define RW_ITERS      2000

static struct spinlock contend_lock = SPINLOCK_INIT;
static u64 contend_total, contend_overtaken, contend_queued;
static u32 contend_arrived;

/*
 * Per CPU: acquisitions, and at its last one, the lock's serial number and how many CPUs had
 * queued behind it. FIFO means each of those gets the lock before this CPU gets it again.
 */
static struct {
	u64 count, last_serial, queued_behind, max_queued;
} contend_cpu[KEEL_MAX_CPUS];

static u32 cpus_done;

/* Runs fn on every online CPU, this one included, and waits for all of them without a limit. */
static void run_everywhere(smp_call_fn fn)
{
	cpus_done = 0;
	smp_call(smp_online_mask(), fn, NULL, false);
	while (__atomic_load_n(&cpus_done, __ATOMIC_ACQUIRE) != smp_num_cpus())
		cpu_relax();
}

static void all_arrive(u32 *arrived)
{
	__atomic_fetch_add(arrived, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(arrived, __ATOMIC_ACQUIRE) != smp_num_cpus())
		cpu_relax();
}

static void contend_fn(void *arg)
{
	unsigned int cpu = smp_cpu_id();

	all_arrive(&contend_arrived);
	for (unsigned int i = 0; i < CONTEND_ITERS; i++) {
		u64 queued, since;

		spin_lock(&contend_lock);
		queued = contend_lock.next - contend_lock.owner - 1;
		since = contend_total - contend_cpu[cpu].last_serial - 1;
		if (i && since < contend_cpu[cpu].queued_behind)
			contend_overtaken++;
		contend_queued += queued != 0;
		contend_cpu[cpu].last_serial = contend_total++;
		contend_cpu[cpu].queued_behind = queued;
		contend_cpu[cpu].max_queued = MAX(contend_cpu[cpu].max_queued, queued);
		contend_cpu[cpu].count++;
		spin_unlock(&contend_lock);
	}
	__atomic_fetch_add(&cpus_done, 1, __ATOMIC_RELEASE);
}

/*
 * Every CPU increments one counter under the lock: the total is exact, and no CPU overtakes one
 * that queued behind it (FIFO tickets: nobody starves, whatever the host does to vCPU threads).
 */
KTEST(spinlock_contention)
{
	contend_total = contend_overtaken = contend_queued = 0;
	contend_arrived = 0;
	for (unsigned int cpu = 0; cpu < KEEL_MAX_CPUS; cpu++)
		contend_cpu[cpu].count = contend_cpu[cpu].max_queued = 0;
	run_everywhere(contend_fn);
	KTEST_EXPECT_EQ(t, contend_total, (u64)CONTEND_ITERS * smp_num_cpus());
	KTEST_EXPECT_EQ(t, contend_overtaken, 0);
	ktest_diag(t, "spinlock_contention: %lu of %lu acquisitions had cpus queued behind",
		   (unsigned long)contend_queued, (unsigned long)contend_total);
	for_each_cpu (cpu, smp_online_mask()) {
		KTEST_EXPECT_EQ(t, contend_cpu[cpu].count, CONTEND_ITERS);
		ktest_diag(t,
			   "spinlock_contention: cpu %u: %lu acquisitions, up to %lu cpus queued",
			   cpu, (unsigned long)contend_cpu[cpu].count,
			   (unsigned long)contend_cpu[cpu].max_queued);
	}
	KTEST_EXPECT(t, !spin_is_locked(&contend_lock));
}

/* The irq-saving variants turn interrupts off inside and restore the state they found. */
KTEST(spinlock_irqsave)
{
	struct spinlock l = SPINLOCK_INIT;
	bool was_on;

	was_on = spin_lock_irqsave(&l);
	KTEST_EXPECT(t, !was_on);
	KTEST_EXPECT(t, !(read_rflags() & X86_RFLAGS_IF));
	spin_unlock_irqrestore(&l, was_on);
	KTEST_EXPECT(t, !(read_rflags() & X86_RFLAGS_IF));

	irq_enable();
	was_on = spin_lock_irqsave(&l);
	KTEST_EXPECT(t, !(read_rflags() & X86_RFLAGS_IF));
	spin_unlock_irqrestore(&l, was_on);
	KTEST_EXPECT(t, read_rflags() & X86_RFLAGS_IF);
	irq_disable();
	KTEST_EXPECT(t, was_on);
	KTEST_EXPECT(t, !spin_is_locked(&l));
}

static struct rwlock test_rw = RWLOCK_INIT;
static u32 rw_arrived, readers_inside, max_readers_inside, writers_inside, rw_violations;
static u64 rw_counter;

/* Every CPU holds the read lock until all CPUs are inside it together, then mixes in writes. */
static void rwlock_fn(void *arg)
{
	u32 inside;

	read_lock(&test_rw);
	inside = __atomic_add_fetch(&readers_inside, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&readers_inside, __ATOMIC_ACQUIRE) < smp_num_cpus())
		cpu_relax();
	if (inside == smp_num_cpus())
		__atomic_store_n(&max_readers_inside, inside, __ATOMIC_RELEASE);
	read_unlock(&test_rw);
	all_arrive(&rw_arrived);
	__atomic_fetch_sub(&readers_inside, 1, __ATOMIC_ACQ_REL);

	for (unsigned int i = 0; i < RW_ITERS; i++) {
		if (i % 4) {
			read_lock(&test_rw);
			if (__atomic_load_n(&writers_inside, __ATOMIC_ACQUIRE))
				__atomic_fetch_add(&rw_violations, 1, __ATOMIC_RELAXED);
			read_unlock(&test_rw);
			continue;
		}
		write_lock(&test_rw);
		if (__atomic_fetch_add(&writers_inside, 1, __ATOMIC_ACQ_REL))
			__atomic_fetch_add(&rw_violations, 1, __ATOMIC_RELAXED);
		rw_counter++;
		__atomic_fetch_sub(&writers_inside, 1, __ATOMIC_ACQ_REL);
		write_unlock(&test_rw);
	}
	__atomic_fetch_add(&cpus_done, 1, __ATOMIC_RELEASE);
}

/* Readers share the lock (all CPUs inside at once); writers are alone in it. */
KTEST(rwlock)
{
	rw_arrived = readers_inside = max_readers_inside = writers_inside = rw_violations = 0;
	rw_counter = 0;
	run_everywhere(rwlock_fn);
	KTEST_EXPECT_EQ(t, max_readers_inside, smp_num_cpus());
	KTEST_EXPECT_EQ(t, rw_violations, 0);
	KTEST_EXPECT_EQ(t, rw_counter, (u64)(RW_ITERS / 4) * smp_num_cpus());
	KTEST_EXPECT_EQ(t, test_rw.cnts, 0);
}

static struct {
	const void *lock;
	enum lock_violation what;
	unsigned int cpu, count;
} reported;

static void report_hook(const void *lock, const char *kind, enum lock_violation what,
			unsigned int cpu)
{
	reported.lock = lock;
	reported.what = what;
	reported.cpu = cpu;
	reported.count++;
}

/* A CPU taking a lock it already holds is reported (panics outside tests) instead of hanging. */
KTEST(lock_self_deadlock_detected)
{
#ifdef KEEL_DEBUG_LOCKS
	struct spinlock l = SPINLOCK_INIT;
	struct rwlock rw = RWLOCK_INIT;
	lock_report_fn old = lock_debug_set_report(report_hook);
	unsigned int held = lock_debug_held();

	reported.count = 0;
	spin_lock(&l);
	spin_lock(&l);
	KTEST_EXPECT_EQ(t, reported.count, 1);
	KTEST_EXPECT(t, reported.lock == &l);
	KTEST_EXPECT_EQ(t, reported.what, LOCK_SELF_DEADLOCK);
	KTEST_EXPECT_EQ(t, reported.cpu, smp_cpu_id());
	KTEST_EXPECT_EQ(t, lock_debug_held(), held + 1);
	spin_unlock(&l);
	KTEST_EXPECT(t, !spin_is_locked(&l));

	write_lock(&rw);
	write_lock(&rw);
	read_lock(&rw);
	KTEST_EXPECT_EQ(t, reported.count, 3);
	KTEST_EXPECT(t, reported.lock == &rw);
	write_unlock(&rw);
	write_unlock(&rw); /* not held any more: reported, and the lock is left alone */
	KTEST_EXPECT_EQ(t, reported.count, 4);
	KTEST_EXPECT_EQ(t, reported.what, LOCK_NOT_HELD);
	KTEST_EXPECT_EQ(t, rw.cnts, 0);
	KTEST_EXPECT_EQ(t, lock_debug_held(), held);
	lock_debug_set_report(old);
#else
	ktest_skip(t, "built without KEEL_DEBUG_LOCKS");
#endif
}
