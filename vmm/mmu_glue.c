/* SPDX-License-Identifier: GPL-2.0-only */
/* The kernel's side of vmm/mmu/platform.h: pages, objects, TLB flushes, locks, deferred frees. */
#include <vmm/mmu/platform.h>
#include <vmm/mmu_glue.h>
#include <vmm/vmm.h>

#include <keel/epoch.h>
#include <keel/mm.h>
#include <keel/smp.h>
#include <keel/spinlock.h>
#include <arch/cpu.h>

#include <string.h>

static struct mmu_glue_stats glue_stats[KEEL_MAX_CPUS];

/* Counters are per CPU and written only by their CPU, with interrupts off. */
static struct mmu_glue_stats *my_stats(void)
{
	return &glue_stats[smp_cpu_id()];
}

void mmu_glue_get_stats(unsigned int cpu, struct mmu_glue_stats *st)
{
	const struct mmu_glue_stats *s = &glue_stats[cpu];

	st->tables_allocated = READ_ONCE(s->tables_allocated);
	st->tables_freed = READ_ONCE(s->tables_freed);
	st->deferred_queued = READ_ONCE(s->deferred_queued);
	st->deferred_run = READ_ONCE(s->deferred_run);
	st->flush_requests = READ_ONCE(s->flush_requests);
	st->flush_rounds = READ_ONCE(s->flush_rounds);
	st->flush_targets = READ_ONCE(s->flush_targets);
	st->flushes_served = READ_ONCE(s->flushes_served);
}

/*
 * Owners of table pages, found from any pointer into the page: a chained hash on the physical
 * page number. Keel has no page database, and the MMU asks for the owner on every parent-SPTE
 * walk, so this stays a hash rather than a list.
 */
#define OWNER_HASH_BITS 10

struct table_owner {
	struct table_owner *next;
	paddr_t pa;
	void *owner;
};

static struct table_owner *owner_hash[1 << OWNER_HASH_BITS];
static struct spinlock owner_lock;

static struct table_owner **owner_bucket(paddr_t pa)
{
	u64 pfn = pa >> PAGE_SHIFT;

	return &owner_hash[(pfn * 0x9e3779b97f4a7c15ull) >> (64 - OWNER_HASH_BITS)];
}

/* Table pages come from this CPU's page cache (mm/pmm.c): no global lock on the way. */
static bool table_alloc(struct mmu_table_page *tp, void *owner, bool low)
{
	struct table_owner *o = kmalloc(sizeof(*o));
	paddr_t pa = low ? pmm_alloc_pages_low(0) : pmm_alloc_pages(0);
	struct table_owner **b;

	if (!o || !pa) {
		kfree(o);
		if (pa)
			pmm_free_pages(pa, 0);
		return false;
	}
	tp->pa = pa;
	tp->va = phys_to_virt(pa);
	o->pa = pa;
	o->owner = owner;
	b = owner_bucket(pa);
	spin_lock(&owner_lock);
	o->next = *b;
	*b = o;
	spin_unlock(&owner_lock);
	my_stats()->tables_allocated++;
	return true;
}

bool mmu_plat_table_alloc(struct mmu_table_page *tp, void *owner)
{
	return table_alloc(tp, owner, false);
}

bool mmu_plat_table_alloc_low(struct mmu_table_page *tp, void *owner)
{
	return table_alloc(tp, owner, true);
}

void mmu_plat_table_free(struct mmu_table_page *tp)
{
	struct table_owner **p, *o = NULL;

	spin_lock(&owner_lock);
	for (p = owner_bucket(tp->pa); *p; p = &(*p)->next) {
		if ((*p)->pa == tp->pa) {
			o = *p;
			*p = o->next;
			break;
		}
	}
	spin_unlock(&owner_lock);
	if (!o)
		panic("mmu: free of table page 0x%lx, which has no owner (freed twice?)",
		      (unsigned long)tp->pa);
	kfree(o);
	/* A walker that could still reach the page would read poison, not a plausible table. */
	memset(phys_to_virt(tp->pa), MMU_GLUE_POISON & 0xff, PAGE_SIZE);
	pmm_free_pages(tp->pa, 0);
	my_stats()->tables_freed++;
	tp->pa = 0;
	tp->va = NULL;
}

u64 *mmu_plat_table_va(paddr_t pa)
{
	return phys_to_virt(pa);
}

void *mmu_plat_table_owner(const u64 *entry)
{
	paddr_t pa = ALIGN_DOWN(virt_to_phys(entry), PAGE_SIZE);
	void *owner = NULL;

	spin_lock(&owner_lock);
	for (struct table_owner *o = *owner_bucket(pa); o; o = o->next) {
		if (o->pa == pa) {
			owner = o->owner;
			break;
		}
	}
	spin_unlock(&owner_lock);
	return owner;
}

void *mmu_plat_zalloc(size_t size)
{
	return kzalloc(size);
}

void mmu_plat_free(void *obj)
{
	kfree(obj);
}

static void run_deferred(struct epoch_head *eh)
{
	struct mmu_deferred *d = container_of(eh, struct mmu_deferred, eh);

	my_stats()->deferred_run++;
	d->fn(d);
}

/*
 * Straight to the epoch scheme: the callback runs on this CPU at one of its quiescent points
 * (VM entry is one) once every CPU has passed a quiescent state since this call.
 */
void mmu_plat_defer_free(struct mmu_deferred *head, void (*fn)(struct mmu_deferred *head))
{
	head->fn = fn;
	my_stats()->deferred_queued++;
	defer_free(&head->eh, run_deferred);
}

static void flush_here(void *arg)
{
	arch_vmm_flush_guest_tlbs();
	my_stats()->flushes_served++;
}

/*
 * One INVEPT/INVVPID round for the whole batch: a single cross-CPU call to every online CPU in
 * @cpus, this one included (smp_call() runs it here directly), waiting until all have flushed.
 */
void mmu_plat_flush_tlbs(mmu_cpumask_t cpus)
{
	struct cpumask targets = { .bits = cpus & smp_online_mask()->bits };

	my_stats()->flush_requests++;
	if (!targets.bits)
		return;
	my_stats()->flush_rounds++;
	my_stats()->flush_targets += cpumask_weight(&targets);
	smp_call(&targets, flush_here, NULL, true);
}

unsigned int mmu_plat_cpu_id(void)
{
	return smp_cpu_id();
}

unsigned int mmu_plat_cpu_count(void)
{
	return smp_num_cpus();
}

/*
 * The holder may be flushing TLBs (a zap commit): it waits for every target CPU to take its
 * call, so a waiter serves calls while it spins, as every Keel wait loop with interrupts off does.
 */
void mmu_plat_lock(struct mmu_lock *lock)
{
	while (__atomic_exchange_n(&lock->held, 1, __ATOMIC_ACQUIRE))
		while (READ_ONCE(lock->held)) {
			smp_call_poll();
			cpu_relax();
		}
}

void mmu_plat_unlock(struct mmu_lock *lock)
{
	__atomic_store_n(&lock->held, 0, __ATOMIC_RELEASE);
}

bool mmu_plat_lock_held(const struct mmu_lock *lock)
{
	return READ_ONCE(lock->held);
}

void mmu_plat_read_begin(void)
{
	epoch_read_lock();
}

void mmu_plat_read_end(void)
{
	epoch_read_unlock();
}
