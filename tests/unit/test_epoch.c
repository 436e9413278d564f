/* SPDX-License-Identifier: GPL-2.0-only */
/* Hosted tests for the epoch core: fake CPUs, scripted and random interleavings, real threads. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "fake_panic.h"
#include "kernel/epoch_core.h"

#define NCPUS	 4
#define ALL_CPUS ((u64)BIT(NCPUS) - 1)
#define POISON	 0x6b6b6b6b6b6b6b6bull

static struct epoch_domain dom;

/* An object protected by the epoch: `need` holds the CPUs that still owe a quiescent state. */
struct obj {
	u64 value;
	u64 need;
	int runs;
	struct epoch_head eh;
	struct obj *next;
};

static struct obj *outstanding; /* deferred and not yet freed */
static unsigned int freed;

static void obj_free(struct epoch_head *h)
{
	struct obj *o = container_of(h, struct obj, eh);

	/* The grace-period invariant, checked directly: every active CPU passed a QS since defer.
	 */
	assert_int_equal(o->need, 0);
	for (struct obj **p = &outstanding; *p; p = &(*p)->next) {
		if (*p == o) {
			*p = o->next;
			break;
		}
	}
	o->value = POISON;
	free(o);
	freed++;
}

static u64 active_cpus(void)
{
	u64 m = 0;

	for (unsigned int cpu = 0; cpu < NCPUS; cpu++)
		if (dom.cpu[cpu].active || dom.cpu[cpu].irq_nest)
			m |= BIT(cpu);
	return m;
}

static struct obj *defer_obj(unsigned int cpu)
{
	struct obj *o = calloc(1, sizeof(*o));

	o->value = 42;
	o->need = active_cpus();
	o->next = outstanding;
	outstanding = o;
	epoch_core_defer(&dom, cpu, &o->eh, obj_free);
	return o;
}

/* A CPU passes a quiescent state: it owes nothing to the objects deferred so far. */
static void note_qs(unsigned int cpu)
{
	for (struct obj *o = outstanding; o; o = o->next)
		o->need &= ~BIT(cpu);
}

static unsigned int qs(unsigned int cpu)
{
	note_qs(cpu);
	epoch_core_report(&dom, cpu);
	return epoch_core_process(&dom, cpu, ALL_CPUS);
}

static void idle_enter(unsigned int cpu)
{
	note_qs(cpu);
	epoch_core_extended_enter(&dom, cpu);
}

static int setup(void **state)
{
	epoch_core_init(&dom);
	outstanding = NULL;
	freed = 0;
	for (unsigned int cpu = 1; cpu < NCPUS; cpu++)
		epoch_core_extended_exit(&dom, cpu);
	return 0;
}

static void test_cpu_without_qs_blocks(void **state)
{
	defer_obj(0);
	for (int i = 0; i < 10; i++) {
		qs(0);
		qs(1);
		qs(3);
	}
	assert_int_equal(freed, 0);
	qs(2);
	qs(0);
	assert_int_equal(freed, 1);
	for (int i = 0; i < 10; i++)
		for (unsigned int cpu = 0; cpu < NCPUS; cpu++)
			qs(cpu);
	assert_int_equal(freed, 1);
	assert_int_equal(dom.cpu[0].stats.run, 1);
}

static void test_idle_cpu_does_not_block(void **state)
{
	idle_enter(2);
	idle_enter(3);
	defer_obj(1);
	qs(1);
	qs(0);
	qs(1);
	assert_int_equal(freed, 1);
}

static void test_cpu_leaving_idle_before_gp_is_waited_for(void **state)
{
	idle_enter(2);
	defer_obj(0); /* pending: no grace period started yet */
	epoch_core_extended_exit(&dom, 2);
	for (int i = 0; i < 5; i++) {
		qs(0);
		qs(1);
		qs(3);
	}
	assert_int_equal(freed, 0);
	qs(2);
	qs(0);
	assert_int_equal(freed, 1);
}

static void test_interrupt_from_idle_holds_gp(void **state)
{
	idle_enter(3);
	epoch_core_irq_enter(&dom, 3);
	epoch_core_irq_enter(&dom, 3); /* nested */
	defer_obj(0);
	for (int i = 0; i < 5; i++) {
		qs(0);
		qs(1);
		qs(2);
	}
	epoch_core_irq_exit(&dom, 3);
	qs(0);
	assert_int_equal(freed, 0);
	epoch_core_irq_exit(&dom, 3);
	note_qs(3);
	qs(0);
	assert_int_equal(freed, 1);
}

static void test_callback_queued_during_gp_waits_for_next(void **state)
{
	struct obj *b;

	defer_obj(0);
	qs(0); /* the first batch now waits for a grace period */
	b = defer_obj(0);
	for (unsigned int cpu = 1; cpu < NCPUS; cpu++)
		qs(cpu);
	qs(0);
	assert_int_equal(freed, 1);
	assert_ptr_equal(outstanding, b);
	qs(0);
	qs(1);
	qs(2);
	assert_int_equal(freed, 1);
	qs(3);
	qs(0);
	assert_int_equal(freed, 2);
}

/* A reader on CPU 1 holds a pointer across the unlink; ASan would catch an early free. */
static void test_reader_keeps_object_alive(void **state)
{
	struct obj *o = defer_obj(0);
	volatile u64 *seen = &o->value;

	for (int i = 0; i < 100; i++) {
		qs(0);
		qs(2);
		qs(3);
		assert_int_equal(*seen, 42);
	}
	qs(1);
	qs(0);
	assert_int_equal(freed, 1);
}

static u64 poked;

static void poke_reports(u64 cpus)
{
	poked |= cpus;
	for (u64 m = cpus; m; m &= m - 1) {
		note_qs((unsigned int)__builtin_ctzll(m));
		epoch_core_report(&dom, (unsigned int)__builtin_ctzll(m));
	}
}

static void spin(void)
{
	__builtin_ia32_pause();
}

static const struct epoch_wait_ops report_ops = { .poke_after = 16,
						  .poke = poke_reports,
						  .relax = spin };

static void test_memory_bound_forces_gp(void **state)
{
	struct cpumask online = { ALL_CPUS };
	u64 target;

	idle_enter(3);
	for (unsigned int i = 0; i <= EPOCH_DEFER_LIMIT; i++) {
		assert_false(epoch_core_over_limit(&dom, 0));
		defer_obj(0);
		if (i == EPOCH_DEFER_LIMIT / 2)
			qs(0); /* half of them wait for a grace period, half are pending */
	}
	assert_true(epoch_core_over_limit(&dom, 0));
	poked = 0;
	note_qs(0); /* forcing happens at a quiescent point of the forcing CPU */
	target = epoch_core_force(&dom, 0);
	epoch_core_wait(&dom, 0, target, &online, &report_ops);
	assert_int_equal(poked, BIT(1) | BIT(2)); /* never itself, never the idle CPU */
	assert_int_equal(dom.cpu[0].stats.pokes, 2);
	assert_int_equal(epoch_core_process(&dom, 0, ALL_CPUS), EPOCH_DEFER_LIMIT + 1);
	assert_int_equal(freed, EPOCH_DEFER_LIMIT + 1);
	assert_false(epoch_core_over_limit(&dom, 0));
	assert_int_equal(dom.cpu[0].stats.forced, 1);
}

static void test_qs_inside_read_section_panics(void **state)
{
	jmp_buf jb;

	epoch_core_read_lock(&dom, 1);
	panic_jmp = &jb;
	if (!setjmp(jb)) {
		epoch_core_report(&dom, 1);
		fail_msg("quiescent state inside a read section was accepted");
	}
	panic_jmp = NULL;
	assert_non_null(strstr(panic_msg, "inside epoch_read_lock"));
	epoch_core_read_unlock(&dom, 1);
	epoch_core_report(&dom, 1);
}

/*
 * Random schedules: a fake CPU's read section grabs the list's second node and holds it until its
 * next quiescent state or idle entry; CPU 0 also replaces that node and defers the old one. A
 * callback run too early trips the `need` check or, after the free, ASan on the reader's touch.
 */
static struct obj *list_head;
static struct obj *held[NCPUS];

static struct obj *new_node(u64 v)
{
	struct obj *o = calloc(1, sizeof(*o));

	o->value = v;
	return o;
}

static void replace_second(unsigned int cpu)
{
	struct obj *victim = list_head->next;

	list_head->next = new_node(victim->value + 1);
	victim->need = active_cpus();
	victim->next = outstanding;
	outstanding = victim;
	epoch_core_defer(&dom, cpu, &victim->eh, obj_free);
}

/* Returns whether it deferred an object. */
static bool random_step(unsigned int cpu, unsigned int action)
{
	bool active = dom.cpu[cpu].active;

	if (held[cpu])
		assert_int_not_equal(held[cpu]->value, POISON);
	switch (action) {
	case 0:
		if (active)
			held[cpu] = list_head->next;
		return false;
	case 1:
		if (active) {
			held[cpu] = NULL;
			qs(cpu);
		}
		return false;
	case 2:
		held[cpu] = NULL;
		if (active)
			idle_enter(cpu);
		else
			epoch_core_extended_exit(&dom, cpu);
		return false;
	default:
		if (cpu || !active)
			return false;
		replace_second(cpu);
		return true;
	}
}

static void test_random_interleavings(void **state)
{
	unsigned int seed = 12345, deferred = 0;

	list_head = new_node(1);
	list_head->next = new_node(2);
	memset(held, 0, sizeof(held));
	for (int step = 0; step < 200000; step++) {
		unsigned int cpu = (unsigned int)rand_r(&seed) % NCPUS;

		deferred += random_step(cpu, (unsigned int)rand_r(&seed) % 5);
	}
	for (unsigned int cpu = 0; cpu < NCPUS; cpu++) {
		held[cpu] = NULL;
		if (!dom.cpu[cpu].active)
			epoch_core_extended_exit(&dom, cpu);
	}
	for (int round = 0; round < 3; round++)
		for (unsigned int cpu = 0; cpu < NCPUS; cpu++)
			qs(cpu);
	assert_true(deferred > 5000);
	assert_int_equal(freed, deferred);
	assert_null(outstanding);
	free(list_head->next);
	free(list_head);
}

/*
 * Real concurrency: threads play CPUs. Readers walk a list with plain acquire loads while the
 * writer replaces nodes and frees the old ones through the epoch; ASan reports any read of a
 * freed node, and a reader that sees poison counts it.
 */
#define T_READERS  2
#define T_LIST_LEN 8
#define T_REPLACES 200000

struct tnode {
	u64 value;
	struct tnode *next;
	struct epoch_head eh;
};

static struct tnode *t_head;
static bool t_stop;
static unsigned int t_poisoned, t_freed;
static u64 t_walks[T_READERS + 1];

static void tnode_free(struct epoch_head *h)
{
	struct tnode *n = container_of(h, struct tnode, eh);

	__atomic_store_n(&n->value, POISON, __ATOMIC_RELAXED);
	free(n);
	t_freed++;
}

static void *reader_thread(void *arg)
{
	unsigned int cpu = (unsigned int)(uintptr_t)arg;

	epoch_core_extended_exit(&dom, cpu);
	while (!__atomic_load_n(&t_stop, __ATOMIC_ACQUIRE)) {
		epoch_core_read_lock(&dom, cpu);
		for (struct tnode *n = __atomic_load_n(&t_head, __ATOMIC_ACQUIRE); n;
		     n = __atomic_load_n(&n->next, __ATOMIC_ACQUIRE)) {
			if (__atomic_load_n(&n->value, __ATOMIC_RELAXED) == POISON)
				__atomic_fetch_add(&t_poisoned, 1, __ATOMIC_RELAXED);
		}
		epoch_core_read_unlock(&dom, cpu);
		t_walks[cpu]++;
		epoch_core_report(&dom, cpu);
		/* Now and then an idle spell: an extended quiescent state. */
		if (t_walks[cpu] % 64 == 0) {
			epoch_core_extended_enter(&dom, cpu);
			epoch_core_extended_exit(&dom, cpu);
		}
	}
	epoch_core_extended_enter(&dom, cpu);
	return NULL;
}

static void no_poke(u64 cpus)
{
}

/* Threads report on their own: a poke has nothing to interrupt. */
static const struct epoch_wait_ops thread_ops = { .poke_after = 1024,
						  .poke = no_poke,
						  .relax = spin };

static void test_threads_readers_vs_writer(void **state)
{
	pthread_t readers[T_READERS];
	struct tnode **prev;
	struct cpumask online = { BIT(T_READERS + 1) - 1 };

	t_head = NULL;
	for (int i = 0; i < T_LIST_LEN; i++) {
		struct tnode *n = calloc(1, sizeof(*n));

		n->value = (u64)i;
		n->next = t_head;
		t_head = n;
	}
	for (uintptr_t i = 0; i < T_READERS; i++)
		pthread_create(&readers[i], NULL, reader_thread, (void *)(i + 1));
	for (unsigned int i = 0; i < T_REPLACES; i++) {
		struct tnode *fresh = calloc(1, sizeof(*fresh));
		struct tnode *victim;

		prev = &t_head;
		for (unsigned int k = i % T_LIST_LEN; k; k--)
			prev = &(*prev)->next;
		victim = *prev;
		fresh->value = victim->value + T_LIST_LEN;
		fresh->next = victim->next;
		__atomic_store_n(prev, fresh, __ATOMIC_RELEASE);
		epoch_core_defer(&dom, 0, &victim->eh, tnode_free);
		if (i % 4)
			continue;
		epoch_core_report(&dom, 0);
		epoch_core_process(&dom, 0, online.bits);
		if (epoch_core_over_limit(&dom, 0)) {
			epoch_core_wait(&dom, 0, epoch_core_force(&dom, 0), &online, &thread_ops);
			epoch_core_process(&dom, 0, online.bits);
		}
	}
	__atomic_store_n(&t_stop, true, __ATOMIC_RELEASE);
	for (int i = 0; i < T_READERS; i++)
		pthread_join(readers[i], NULL);
	epoch_core_wait(&dom, 0, epoch_core_force(&dom, 0), &online, &thread_ops);
	epoch_core_process(&dom, 0, online.bits);
	print_message("threads: %u frees, reader walks %lu and %lu, %lu forced\n", t_freed,
		      (unsigned long)t_walks[1], (unsigned long)t_walks[2],
		      (unsigned long)dom.cpu[0].stats.forced);
	assert_int_equal(t_poisoned, 0);
	assert_int_equal(t_freed, T_REPLACES);
	assert_true(t_walks[1] > 0 && t_walks[2] > 0);
	while (t_head) {
		struct tnode *n = t_head;

		t_head = n->next;
		free(n);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_cpu_without_qs_blocks, setup),
		cmocka_unit_test_setup(test_idle_cpu_does_not_block, setup),
		cmocka_unit_test_setup(test_cpu_leaving_idle_before_gp_is_waited_for, setup),
		cmocka_unit_test_setup(test_interrupt_from_idle_holds_gp, setup),
		cmocka_unit_test_setup(test_callback_queued_during_gp_waits_for_next, setup),
		cmocka_unit_test_setup(test_reader_keeps_object_alive, setup),
		cmocka_unit_test_setup(test_memory_bound_forces_gp, setup),
		cmocka_unit_test_setup(test_qs_inside_read_section_panics, setup),
		cmocka_unit_test_setup(test_random_interleavings, setup),
		cmocka_unit_test_setup(test_threads_readers_vs_writer, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
