/* SPDX-License-Identifier: GPL-2.0-only */
/* Epoch ktests: deferred free under readers on every CPU, synchronize, idle grace-period cost. */
#include <keel/epoch.h>
#include <keel/ktest.h>
#include <keel/smp.h>
#include <arch/apic.h>
#include <arch/cpu.h>

/*
 * The writer (the CPU running the test) replaces one node of a short list per cycle and hands the
 * old node to defer_free(). The callback poisons it and returns it to a FIFO pool, so a freed
 * node stays poisoned for thousands of cycles before it is reused. Readers on every other CPU
 * walk the list in read sections and report a quiescent state between walks; the writer also
 * holds a pointer to each victim across its own unlink and defer. Seeing poison fails the test.
 * The cycle count is the same on every rig (about 1 s of Bochs time per CPU).
 */
#define STRESS_CYCLES	100000
#define STRESS_LIST	16
#define STRESS_POOL	4096
#define STRESS_QS_EVERY 4
#define NODE_LIVE	0x11fe11fe11fe11feull
#define NODE_POISON	0x6b6b6b6b6b6b6b6bull

struct snode {
	u64 magic;
	struct snode *next;
	struct snode *free_next;
	struct epoch_head eh;
};

static struct snode pool[STRESS_POOL];
static struct snode *free_first, *free_last; /* touched by the writer CPU only */
static struct snode *list_head;
static bool stop;
static u32 readers_done;
static u64 poison_seen, double_frees, callbacks_run;
static u64 walks[KEEL_MAX_CPUS];

static void pool_put(struct snode *n)
{
	n->free_next = NULL;
	if (free_last)
		free_last->free_next = n;
	else
		free_first = n;
	free_last = n;
}

static struct snode *pool_get(void)
{
	struct snode *n = free_first;

	if (!n) {
		/* Every node waits for a grace period: run them all (a forced one). */
		epoch_barrier();
		n = free_first;
	}
	free_first = n->free_next;
	if (!free_first)
		free_last = NULL;
	return n;
}

static void snode_free(struct epoch_head *h)
{
	struct snode *n = container_of(h, struct snode, eh);

	if (n->magic != NODE_LIVE)
		double_frees++;
	__atomic_store_n(&n->magic, NODE_POISON, __ATOMIC_RELAXED);
	callbacks_run++;
	pool_put(n);
}

static void walk_once(unsigned int cpu)
{
	epoch_read_lock();
	for (struct snode *n = __atomic_load_n(&list_head, __ATOMIC_ACQUIRE); n;
	     n = __atomic_load_n(&n->next, __ATOMIC_ACQUIRE)) {
		if (__atomic_load_n(&n->magic, __ATOMIC_RELAXED) != NODE_LIVE)
			__atomic_fetch_add(&poison_seen, 1, __ATOMIC_RELAXED);
	}
	epoch_read_unlock();
	walks[cpu]++;
}

/* Runs on every other CPU through smp_call(), interrupts off, until the writer is done. */
static void reader_fn(void *arg)
{
	unsigned int cpu = smp_cpu_id();

	epoch_irq_enter();
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		walk_once(cpu);
		epoch_quiescent();
		smp_call_poll(); /* a forced grace period may poke us */
	}
	epoch_irq_exit();
	__atomic_fetch_add(&readers_done, 1, __ATOMIC_RELEASE);
}

static void stress_setup(void)
{
	free_first = free_last = NULL;
	for (unsigned int i = 0; i < STRESS_POOL; i++)
		pool_put(&pool[i]);
	list_head = NULL;
	for (unsigned int i = 0; i < STRESS_LIST; i++) {
		struct snode *n = pool_get();

		n->magic = NODE_LIVE;
		n->next = list_head;
		list_head = n;
	}
	stop = false;
	readers_done = 0;
	poison_seen = double_frees = callbacks_run = 0;
	for (unsigned int cpu = 0; cpu < KEEL_MAX_CPUS; cpu++)
		walks[cpu] = 0;
}

/* Replaces the node at position pos; returns the victim, already handed to defer_free(). */
static struct snode *replace_node(unsigned int pos)
{
	struct snode **prev = &list_head, *victim, *fresh = pool_get();

	while (pos--)
		prev = &(*prev)->next;
	victim = *prev;
	fresh->magic = NODE_LIVE;
	fresh->next = victim->next;
	__atomic_store_n(prev, fresh, __ATOMIC_RELEASE);
	defer_free(&victim->eh, snode_free);
	return victim;
}

KTEST(epoch_free_stress)
{
	unsigned int self = smp_cpu_id(), nreaders;
	struct cpumask others = *smp_online_mask();
	struct epoch_cpu_stats st;
	u64 gp_before = epoch_grace_periods(), kept_alive = 0;

	cpumask_clear(&others, self);
	nreaders = cpumask_weight(&others);
	stress_setup();
	if (nreaders)
		smp_call(&others, reader_fn, NULL, false);
	for (unsigned int i = 0; i < STRESS_CYCLES; i++) {
		struct snode *victim;

		epoch_read_lock();
		victim = replace_node(i % STRESS_LIST);
		/* Still inside the read section that saw it: it must not be freed yet. */
		kept_alive += __atomic_load_n(&victim->magic, __ATOMIC_RELAXED) == NODE_LIVE;
		epoch_read_unlock();
		if (i % STRESS_QS_EVERY == 0) {
			walk_once(self);
			epoch_quiescent();
		}
	}
	__atomic_store_n(&stop, true, __ATOMIC_RELEASE);
	while (__atomic_load_n(&readers_done, __ATOMIC_ACQUIRE) != nreaders)
		cpu_relax();
	epoch_barrier();
	epoch_get_stats(self, &st);
	ktest_diag(t,
		   "epoch_free_stress: %u cycles, %u reader cpu(s), %lu grace periods, "
		   "%lu forced, %lu pokes",
		   STRESS_CYCLES, nreaders, (unsigned long)(epoch_grace_periods() - gp_before),
		   (unsigned long)st.forced, (unsigned long)st.pokes);
	for_each_cpu (cpu, smp_online_mask())
		ktest_diag(t, "epoch_free_stress: cpu %u walked the list %lu times", cpu,
			   (unsigned long)walks[cpu]);
	KTEST_EXPECT_EQ(t, poison_seen, 0);
	KTEST_EXPECT_EQ(t, double_frees, 0);
	KTEST_EXPECT_EQ(t, kept_alive, STRESS_CYCLES);
	KTEST_EXPECT_EQ(t, callbacks_run, STRESS_CYCLES);
	KTEST_EXPECT_EQ(t, st.waiting, 0);
	for_each_cpu (cpu, &others)
		KTEST_EXPECT(t, walks[cpu] > 0);
}

static bool sync_go, sync_returned;

/* Runs on the other CPU: waits (serving calls) for the go, then synchronizes. */
static void sync_fn(void *arg)
{
	while (!__atomic_load_n(&sync_go, __ATOMIC_ACQUIRE)) {
		smp_call_poll();
		cpu_relax();
	}
	epoch_synchronize();
	__atomic_store_n(&sync_returned, true, __ATOMIC_RELEASE);
}

/* A grace period waits for a CPU that holds it up and ends once that CPU reports. */
KTEST(epoch_synchronize_waits)
{
	unsigned int self = smp_cpu_id(), other = self;
	struct cpumask target = { 0 };

	for_each_cpu (cpu, smp_online_mask())
		if (cpu != self)
			other = cpu;
	if (other == self) {
		/* One CPU: synchronize must return at once. */
		epoch_synchronize();
		return;
	}
	/*
	 * The other CPU synchronizes while we sit in a read section: it must still be waiting
	 * after a long spin, and return once we pass a quiescent state. It is started before the
	 * read section, because serving calls (smp_call() does) is a quiescent point: a read
	 * section must not contain one.
	 */
	sync_go = sync_returned = false;
	cpumask_set(&target, other);
	smp_call(&target, sync_fn, NULL, false);
	epoch_read_lock();
	__atomic_store_n(&sync_go, true, __ATOMIC_RELEASE);
	/* Well under smp_call()'s 2 s limit for taking the poke the waiting CPU sends us. */
	for (unsigned int i = 0; i < 100000; i++)
		cpu_relax();
	KTEST_EXPECT(t, !__atomic_load_n(&sync_returned, __ATOMIC_ACQUIRE));
	epoch_read_unlock();
	epoch_quiescent();
	while (!__atomic_load_n(&sync_returned, __ATOMIC_ACQUIRE)) {
		smp_call_poll();
		cpu_relax();
	}
}

#define GP_IDLE_ROUNDS 256

static struct epoch_head gp_idle_head;
static unsigned int gp_idle_runs;

static void gp_idle_cb(struct epoch_head *h)
{
	if (h == &gp_idle_head)
		gp_idle_runs++;
}

/*
 * Grace-period latency with every other CPU idle (in the idle loop: an extended quiescent state,
 * so no CPU holds the grace period up and none needs a poke). rdtsc around GP_IDLE_ROUNDS
 * back-to-back epoch_synchronize() calls, divided by their count, for `make bench`. A callback
 * deferred before the first call must not have run before a quiescent point and must run exactly
 * once by epoch_barrier().
 */
KTEST(epoch_grace_period_idle)
{
	unsigned int self = smp_cpu_id();
	struct epoch_cpu_stats before, after;
	u64 gp_before, gp_done, t0, ticks;

	/* One untimed call: a CPU still leaving an earlier test's call has settled afterwards. */
	epoch_synchronize();
	gp_idle_runs = 0;
	epoch_get_stats(self, &before);
	defer_free(&gp_idle_head, gp_idle_cb);
	gp_before = epoch_grace_periods();
	t0 = rdtsc();
	for (unsigned int i = 0; i < GP_IDLE_ROUNDS; i++)
		epoch_synchronize();
	ticks = (rdtsc() - t0) / GP_IDLE_ROUNDS;
	gp_done = epoch_grace_periods() - gp_before;
	/* epoch_synchronize() is no quiescent point of ours: the callback waits for one. */
	KTEST_EXPECT_EQ(t, gp_idle_runs, 0);
	epoch_barrier();
	epoch_get_stats(self, &after);
	KTEST_EXPECT_EQ(t, gp_idle_runs, 1);
	KTEST_EXPECT(t, gp_done >= GP_IDLE_ROUNDS);
	KTEST_EXPECT_EQ(t, after.pokes, before.pokes);
	KTEST_EXPECT_EQ(t, after.waiting, 0);
	ktest_diag(t, "%u synchronize calls, %u other cpu(s) idle, %lu grace periods, %lu pokes",
		   GP_IDLE_ROUNDS, smp_num_cpus() - 1, (unsigned long)gp_done,
		   (unsigned long)(after.pokes - before.pokes));
	ktest_diag(t, "bench smp.grace_period_idle %lu ticks", (unsigned long)ticks);
}
