/* SPDX-License-Identifier: GPL-2.0-only */
/* ktest zap_list_commit: per-CPU zap lists committed concurrently, walked from other CPUs. */
#include <keel/epoch.h>
#include <keel/ktest.h>
#include <keel/mm.h>
#include <keel/smp.h>
#include <arch/cpu.h>
#include <vmm/mmu/ept.h>
#include <vmm/mmu/internal.h>
#include <vmm/mmu_glue.h>

/*
 * Every CPU owns a TDP VM. Each round it faults in ZC_REGIONS 2 MiB regions (4 KiB leaves: the
 * slot's host base is not 2 MiB aligned, so every region gets its own leaf table), prepares a
 * zap of every page directory onto its own zap list, waits until the others have prepared, and
 * commits with them. Meanwhile each CPU, between its own steps, walks the tables of the next
 * CPU's VM in read sections and looks for the poison the glue writes into freed table pages.
 * In round r, CPU r % n (the holder) instead opens one read section before its successor
 * prepares and keeps it, holding every table it found, until that successor has committed; then
 * it reads them all again. Freeing any of them before the holder's grace period shows poison.
 *
 * A VM counts as loaded on its owner and, with three or more CPUs, on the owner's successor, so
 * a commit flushes two CPUs in one round; the walker of a VM is never one of them, so the flush
 * cannot stand in for the grace period the walker depends on.
 */
#define ZC_ROUNDS     32
#define ZC_REGIONS    24 /* per GiB, in the first two GiB of guest memory */
#define ZC_SLOT_PAGES (1ULL << 19)
#define ZC_HOST_BASE  (0x100000000ULL + PAGE_SIZE)
#define ZC_HELD	      128 /* tables a walker holds on to within one read section */
#define ZC_HOLD_SPINS 2000
#define ZC_WALKS      2		   /* walks between steps */
#define ZC_WAIT_LIMIT 200000000ULL /* spins a holder waits for its successor's commit */
#define ZC_ROOT_LEVEL 4		   /* EPT: a PML4 root */

struct zc_cpu {
	struct mmu_vm vm;
	struct mmu_vcpu vcpu[2];
	unsigned int nvcpus;
	u64 *root; /* the VM's root table, for walkers; NULL when not walkable */
	/* results */
	u64 setup_errors, fault_errors, bad_commits, freed_in_commit, walks, tables_seen;
	u64 poison_seen, commits, pages_zapped, holds, held_tables, hold_timeouts;
};

struct zc_barrier {
	u32 arrived, gen;
};

static struct zc_cpu *zc[KEEL_MAX_CPUS];
static struct zc_barrier bar_all, bar_zap;
static u32 ncpus, holding_round;

/* Waits (serving cross-CPU calls) until @count CPUs have arrived. */
static void barrier(struct zc_barrier *b, u32 count)
{
	u32 gen = __atomic_load_n(&b->gen, __ATOMIC_ACQUIRE);

	if (__atomic_add_fetch(&b->arrived, 1, __ATOMIC_ACQ_REL) == count) {
		__atomic_store_n(&b->arrived, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&b->gen, gen + 1, __ATOMIC_RELEASE);
		return;
	}
	while (__atomic_load_n(&b->gen, __ATOMIC_ACQUIRE) == gen) {
		smp_call_poll();
		cpu_relax();
	}
}

static bool table_entry(u64 e, unsigned int level)
{
	return (e & (EPT_READ | EPT_WRITE | EPT_EXEC)) && level > 1 && !(e & EPT_LARGE);
}

/* Scans one table; collects the tables below it. Returns false on poison. */
static bool scan(const u64 *table, unsigned int level, const u64 **held, unsigned int *nheld,
		 unsigned int *levels)
{
	for (unsigned int i = 0; i < SPTE_ENTRIES; i++) {
		u64 e = __atomic_load_n(&table[i], __ATOMIC_ACQUIRE);

		if (e == MMU_GLUE_POISON)
			return false;
		if (!table_entry(e, level) || *nheld == ZC_HELD)
			continue;
		levels[*nheld] = level - 1;
		held[(*nheld)++] = phys_to_virt(e & SPTE_ADDR_MASK);
	}
	return true;
}

/*
 * One read section over another CPU's VM: breadth-first down from the root, then, after a
 * pause during which its owner may zap and commit, every table found is read again.
 */
static void walk(struct zc_cpu *me, const struct zc_cpu *other)
{
	const u64 *held[ZC_HELD];
	unsigned int levels[ZC_HELD], nheld = 0;
	const u64 *root;
	bool clean = true;

	mmu_plat_read_begin();
	root = __atomic_load_n(&other->root, __ATOMIC_ACQUIRE);
	if (root) {
		clean = scan(root, ZC_ROOT_LEVEL, held, &nheld, levels);
		for (unsigned int i = 0; clean && i < nheld; i++)
			clean = scan(held[i], levels[i], held, &nheld, levels);
		for (unsigned int s = 0; s < ZC_HOLD_SPINS; s++)
			cpu_relax();
		for (unsigned int i = 0; clean && i < nheld; i++) {
			unsigned int again = nheld;

			clean = scan(held[i], levels[i], held, &again, levels);
		}
	}
	mmu_plat_read_end();
	me->walks++;
	me->tables_seen += nheld;
	me->poison_seen += !clean;
}

/* Walks between steps, each followed by a quiescent point (which runs due callbacks). */
static void walks(struct zc_cpu *me, const struct zc_cpu *other)
{
	for (unsigned int i = 0; other && i < ZC_WALKS; i++) {
		walk(me, other);
		epoch_quiescent();
		smp_call_poll();
	}
}

static bool zc_setup(struct zc_cpu *me, unsigned int cpu)
{
	if (mmu_vm_init(&me->vm, MMU_MODE_TDP) ||
	    mmu_memslot_add(&me->vm, 0, 0, ZC_SLOT_PAGES, ZC_HOST_BASE, 0))
		return false;
	me->nvcpus = ncpus >= 3 ? 2 : 1;
	for (unsigned int v = 0; v < me->nvcpus; v++) {
		mmu_vcpu_init(&me->vcpu[v], &me->vm, (cpu + v) % ncpus, NULL, NULL);
		if (mmu_load_root(&me->vcpu[v]))
			return false;
	}
	__atomic_store_n(&me->root, mmu_plat_table_va(me->vcpu[0].root_pa), __ATOMIC_RELEASE);
	return true;
}

static void populate(struct zc_cpu *me)
{
	for (u64 g = 0; g < 2; g++)
		for (u64 r = 0; r < ZC_REGIONS; r++) {
			struct mmu_fault f = {
				.addr = (g << 30) + (r << 21) + PAGE_SIZE * r,
				.kind = GUEST_ACCESS_READ,
			};

			if (mmu_page_fault(&me->vcpu[0], &f) != MMU_FAULT_FIXED)
				me->fault_errors++;
		}
}

/* Every page directory, with its leaf tables, onto this CPU's zap list. */
static void prepare(struct zc_cpu *me)
{
	struct mmu_page *pds[4];
	unsigned int n = 0;
	struct list_head *pos;
	u64 zaps;

	mmu_plat_lock(&me->vm.lock);
	zaps = me->vm.stats.zaps;
	list_for_each (pos, &me->vm.active) {
		struct mmu_page *sp = container_of(pos, struct mmu_page, link);

		if (sp->role.level == 2 && n < ARRAY_SIZE(pds))
			pds[n++] = sp;
	}
	for (unsigned int i = 0; i < n; i++)
		mmu_prepare_zap(&me->vm, pds[i]);
	me->pages_zapped += me->vm.stats.zaps - zaps;
	mmu_plat_unlock(&me->vm.lock);
}

/* One commit: exactly one flush request and one cross-CPU round, nothing freed yet. */
static void commit(struct zc_cpu *me, unsigned int cpu)
{
	struct mmu_glue_stats a, b;

	mmu_plat_lock(&me->vm.lock);
	mmu_glue_get_stats(cpu, &a);
	mmu_commit_zap(&me->vm);
	mmu_glue_get_stats(cpu, &b);
	mmu_plat_unlock(&me->vm.lock);
	if (b.flush_requests - a.flush_requests != 1 || b.flush_rounds - a.flush_rounds != 1 ||
	    b.flush_targets - a.flush_targets != me->nvcpus)
		me->bad_commits++;
	if (b.deferred_run != a.deferred_run || b.tables_freed != a.tables_freed)
		me->freed_in_commit++;
	__atomic_store_n(&me->commits, me->commits + 1, __ATOMIC_RELEASE);
}

/*
 * The holder's read section: every table of the successor's VM found before it prepares, read
 * again after it has committed. No call is served meanwhile; the successor's flush never
 * targets the holder, and nothing it does waits for a grace period.
 */
static void hold_across_commit(struct zc_cpu *me, const struct zc_cpu *other, unsigned int r)
{
	const u64 *held[ZC_HELD];
	unsigned int levels[ZC_HELD], nheld = 0;
	const u64 *root;
	bool clean;
	u64 spins = 0;

	mmu_plat_read_begin();
	root = __atomic_load_n(&other->root, __ATOMIC_ACQUIRE);
	clean = scan(root, ZC_ROOT_LEVEL, held, &nheld, levels);
	for (unsigned int i = 0; clean && i < nheld; i++)
		clean = scan(held[i], levels[i], held, &nheld, levels);
	__atomic_store_n(&holding_round, r + 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&other->commits, __ATOMIC_ACQUIRE) != r + 1 &&
	       ++spins < ZC_WAIT_LIMIT)
		cpu_relax();
	for (unsigned int i = 0; clean && i < nheld; i++) {
		unsigned int again = nheld;

		clean = scan(held[i], levels[i], held, &again, levels);
	}
	mmu_plat_read_end();
	me->holds++;
	me->held_tables += nheld;
	me->hold_timeouts += spins == ZC_WAIT_LIMIT;
	me->poison_seen += !clean;
	epoch_quiescent();
}

static void zc_fn(void *arg)
{
	unsigned int cpu = smp_cpu_id();
	struct zc_cpu *me = zc[cpu];
	const struct zc_cpu *other = ncpus > 1 ? zc[(cpu + 1) % ncpus] : NULL;
	bool ok = zc_setup(me, cpu);

	me->setup_errors += !ok;
	barrier(&bar_all, ncpus);
	for (unsigned int r = 0; ok && r < ZC_ROUNDS; r++) {
		bool holder = other && r % ncpus == cpu;

		populate(me);
		walks(me, other);
		barrier(&bar_all, ncpus);
		if (holder)
			hold_across_commit(me, other, r);
		while (other && __atomic_load_n(&holding_round, __ATOMIC_ACQUIRE) != r + 1) {
			smp_call_poll();
			cpu_relax();
		}
		prepare(me);
		if (!holder) {
			walks(me, other);
			barrier(&bar_zap, other ? ncpus - 1 : 1);
		}
		commit(me, cpu);
		walks(me, other);
		barrier(&bar_all, ncpus);
	}
	barrier(&bar_all, ncpus);
	__atomic_store_n(&me->root, NULL, __ATOMIC_RELEASE);
	barrier(&bar_all, ncpus);
	for (unsigned int v = 0; v < me->nvcpus; v++)
		mmu_vcpu_destroy(&me->vcpu[v]);
	mmu_vm_destroy(&me->vm);
	epoch_barrier();
}

static struct mmu_glue_stats before[KEEL_MAX_CPUS];

/* Runs every callback this CPU has queued, so earlier tests' deferred frees do not land in ours. */
static void drain_deferred_fn(void *arg)
{
	epoch_barrier();
}

/* Pages free plus pages backing the heap (the MMU's descriptors come from there). */
static u64 pages_accounted(void)
{
	struct kheap_stats hs;
	struct pmm_stats ps;

	pmm_get_stats(&ps);
	kheap_get_stats(&hs);
	return ps.free_pages + hs.pages_backing;
}

KTEST(zap_list_commit)
{
	struct mmu_glue_stats after;
	u64 served = 0, targets = 0, pages_before;

	ncpus = smp_num_cpus();
	bar_all.arrived = bar_zap.arrived = 0;
	holding_round = 0;
	smp_call(smp_online_mask(), drain_deferred_fn, NULL, true);
	for_each_cpu (cpu, smp_online_mask()) {
		zc[cpu] = kzalloc(sizeof(*zc[cpu]));
		KTEST_EXPECT(t, zc[cpu]);
		if (!zc[cpu])
			goto out;
		mmu_glue_get_stats(cpu, &before[cpu]);
	}
	pages_before = pages_accounted();
	smp_call(smp_online_mask(), zc_fn, NULL, true);
	for_each_cpu (cpu, smp_online_mask()) {
		const struct zc_cpu *z = zc[cpu];
		const struct mmu_glue_stats *b = &before[cpu];

		mmu_glue_get_stats(cpu, &after);
		ktest_diag(t,
			   "zap_list_commit: cpu %u: %lu commits, %lu pages zapped, %lu tables "
			   "allocated, %lu walks over %lu tables, %lu held across a commit",
			   cpu, (unsigned long)z->commits, (unsigned long)z->pages_zapped,
			   (unsigned long)(after.tables_allocated - b->tables_allocated),
			   (unsigned long)z->walks, (unsigned long)z->tables_seen,
			   (unsigned long)z->held_tables);
		KTEST_EXPECT_EQ(t, z->setup_errors, 0);
		KTEST_EXPECT_EQ(t, z->fault_errors, 0);
		KTEST_EXPECT_EQ(t, z->commits, ZC_ROUNDS);
		KTEST_EXPECT_EQ(t, z->bad_commits, 0);
		KTEST_EXPECT_EQ(t, z->freed_in_commit, 0);
		KTEST_EXPECT_EQ(t, z->poison_seen, 0);
		KTEST_EXPECT_EQ(t, z->hold_timeouts, 0);
		if (ncpus > 1) {
			KTEST_EXPECT_EQ(t, z->holds, (ZC_ROUNDS + ncpus - 1 - cpu) / ncpus);
			KTEST_EXPECT(t, z->held_tables > 0);
		}
		/* each round zaps two directories and a leaf table per region */
		KTEST_EXPECT_EQ(t, z->pages_zapped, ZC_ROUNDS * 2 * (ZC_REGIONS + 1));
		if (ncpus > 1)
			KTEST_EXPECT(t, z->tables_seen > 0);
		/* every table freed exactly once, every deferred free run, after the barrier */
		KTEST_EXPECT_EQ(t, after.tables_freed - b->tables_freed,
				after.tables_allocated - b->tables_allocated);
		KTEST_EXPECT_EQ(t, after.deferred_run - b->deferred_run,
				after.deferred_queued - b->deferred_queued);
		served += after.flushes_served - b->flushes_served;
		targets += after.flush_targets - b->flush_targets;
	}
	/* every CPU a round named flushed once for it */
	KTEST_EXPECT_EQ(t, served, targets);
	KTEST_EXPECT_EQ(t, pages_accounted(), pages_before);
out:
	for_each_cpu (cpu, smp_online_mask()) {
		kfree(zc[cpu]);
		zc[cpu] = NULL;
	}
}
