/* SPDX-License-Identifier: GPL-2.0-only */
/* Hosted tests for ticket spinlocks, rwlocks and debug lock checking, with threads as CPUs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include <keel/rwlock.h>
#include <keel/smp.h>
#include <keel/spinlock.h>

#include "fake_panic.h"

static __thread unsigned int fake_cpu;

unsigned int smp_cpu_id(void)
{
	return fake_cpu;
}

static struct {
	const void *lock;
	const char *kind;
	enum lock_violation what;
	unsigned int cpu;
	int count;
} rep;

static void record(const void *lock, const char *kind, enum lock_violation what, unsigned int cpu)
{
	rep.lock = lock;
	rep.kind = kind;
	rep.what = what;
	rep.cpu = cpu;
	rep.count++;
}

static int setup(void **state)
{
	memset(&rep, 0, sizeof(rep));
	fake_cpu = 0;
	return 0;
}

static void test_self_deadlock_reported(void **state)
{
	struct spinlock l = SPINLOCK_INIT;

	lock_debug_set_report(record);
	fake_cpu = 3;
	spin_lock(&l);
	assert_int_equal(lock_debug_held(), 1);
	spin_lock(&l);
	assert_int_equal(rep.count, 1);
	assert_ptr_equal(rep.lock, &l);
	assert_string_equal(rep.kind, "spinlock");
	assert_int_equal(rep.what, LOCK_SELF_DEADLOCK);
	assert_int_equal(rep.cpu, 3);
	/* The refused attempt took no ticket: one unlock frees the lock. */
	spin_unlock(&l);
	assert_false(spin_is_locked(&l));
	assert_int_equal(lock_debug_held(), 0);
	lock_debug_set_report(NULL);
}

static void test_self_deadlock_panics(void **state)
{
	struct spinlock l = SPINLOCK_INIT;
	jmp_buf jb;

	spin_lock(&l);
	panic_jmp = &jb;
	if (!setjmp(jb)) {
		spin_lock(&l);
		fail_msg("second acquisition on the same cpu was not caught");
	}
	panic_jmp = NULL;
	assert_non_null(strstr(panic_msg, "self-deadlock"));
	assert_non_null(strstr(panic_msg, "cpu 0"));
	spin_unlock(&l);
}

static void test_foreign_unlock_reported(void **state)
{
	struct spinlock l = SPINLOCK_INIT;

	lock_debug_set_report(record);
	spin_lock(&l);
	fake_cpu = 1;
	spin_unlock(&l);
	assert_int_equal(rep.what, LOCK_NOT_HELD);
	assert_int_equal(rep.cpu, 1);
	assert_true(spin_is_locked(&l));
	/* Another cpu trying the lock is contention, not a violation. */
	assert_false(spin_trylock(&l));
	fake_cpu = 0;
	spin_unlock(&l);
	assert_int_equal(rep.count, 1);
	lock_debug_set_report(NULL);
}

static void test_rwlock_writer_then_reader_same_cpu(void **state)
{
	struct rwlock rw = RWLOCK_INIT;

	lock_debug_set_report(record);
	write_lock(&rw);
	read_lock(&rw);
	assert_int_equal(rep.count, 1);
	assert_string_equal(rep.kind, "rwlock");
	assert_int_equal(rep.what, LOCK_SELF_DEADLOCK);
	write_unlock(&rw);
	read_lock(&rw);
	read_lock(&rw); /* recursive read without a waiting writer is not flagged */
	assert_int_equal(lock_debug_held(), 2);
	read_unlock(&rw);
	read_unlock(&rw);
	assert_int_equal(rw.cnts, 0);
	assert_int_equal(rep.count, 1);
	lock_debug_set_report(NULL);
}

#define CONTEND_THREADS 3
#define CONTEND_ITERS	200000

static struct spinlock contend_lock = SPINLOCK_INIT;
static u64 contend_counter;

static void *contend_thread(void *arg)
{
	fake_cpu = (unsigned int)(uintptr_t)arg;
	for (int i = 0; i < CONTEND_ITERS; i++) {
		spin_lock(&contend_lock);
		contend_counter++;
		spin_unlock(&contend_lock);
	}
	return NULL;
}

static void test_spinlock_counter_exact(void **state)
{
	pthread_t t[CONTEND_THREADS];

	for (uintptr_t i = 0; i < CONTEND_THREADS; i++)
		pthread_create(&t[i], NULL, contend_thread, (void *)i);
	for (int i = 0; i < CONTEND_THREADS; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(contend_counter, (u64)CONTEND_THREADS * CONTEND_ITERS);
	assert_false(spin_is_locked(&contend_lock));
}

static struct rwlock shared_rw = RWLOCK_INIT;
static int phase;

static void *second_reader(void *arg)
{
	fake_cpu = 1;
	read_lock(&shared_rw);
	__atomic_store_n(&phase, 1, __ATOMIC_SEQ_CST);
	read_unlock(&shared_rw);
	return NULL;
}

static void *writer(void *arg)
{
	fake_cpu = 2;
	write_lock(&shared_rw);
	__atomic_store_n(&phase, 2, __ATOMIC_SEQ_CST);
	write_unlock(&shared_rw);
	return NULL;
}

static void test_rwlock_readers_share_writer_waits(void **state)
{
	pthread_t r, w;

	read_lock(&shared_rw);
	pthread_create(&r, NULL, second_reader, NULL);
	pthread_join(r, NULL); /* got in while cpu 0 reads */
	assert_int_equal(phase, 1);
	pthread_create(&w, NULL, writer, NULL);
	while (!(__atomic_load_n(&shared_rw.cnts, __ATOMIC_SEQ_CST) & RW_WAITING))
		usleep(100);
	usleep(20000);
	assert_int_equal(__atomic_load_n(&phase, __ATOMIC_SEQ_CST), 1); /* still excluded */
	read_unlock(&shared_rw);
	pthread_join(w, NULL);
	assert_int_equal(phase, 2);
	assert_int_equal(shared_rw.cnts, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_self_deadlock_reported, setup),
		cmocka_unit_test_setup(test_self_deadlock_panics, setup),
		cmocka_unit_test_setup(test_foreign_unlock_reported, setup),
		cmocka_unit_test_setup(test_rwlock_writer_then_reader_same_cpu, setup),
		cmocka_unit_test_setup(test_spinlock_counter_exact, setup),
		cmocka_unit_test_setup(test_rwlock_readers_share_writer_waits, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
