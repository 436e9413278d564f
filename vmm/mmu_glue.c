/* SPDX-License-Identifier: GPL-2.0-only */
/* The kernel's side of vmm/mmu/platform.h: pages, objects, TLB flushes, locks, deferred frees. */
#include <vmm/mmu/platform.h>
#include <vmm/vmm.h>

#include <keel/epoch.h>
#include <keel/mm.h>
#include <keel/smp.h>
#include <keel/spinlock.h>

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

bool mmu_plat_table_alloc(struct mmu_table_page *tp, void *owner)
{
	struct table_owner *o = kmalloc(sizeof(*o));
	paddr_t pa = pmm_alloc_pages(0);
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
	return true;
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
	kfree(o);
	pmm_free_pages(tp->pa, 0);
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

/*
 * Deferred frees wait on a per-CPU list until this CPU's next quiescent point in the run loop
 * (vmm_mmu_quiescent(), before each VM entry, where no MMU walk is in progress here). There one
 * grace period covers the whole batch: epoch_synchronize() returns once every other CPU has
 * passed a quiescent state, and CPUs idle or in a guest count as quiescent already.
 */
static struct mmu_deferred *deferred[KEEL_MAX_CPUS];

void mmu_plat_defer_free(struct mmu_deferred *head, void (*fn)(struct mmu_deferred *head))
{
	unsigned int cpu = smp_cpu_id();

	head->fn = fn;
	head->next = deferred[cpu];
	deferred[cpu] = head;
}

void vmm_mmu_quiescent(void)
{
	unsigned int cpu = smp_cpu_id();
	struct mmu_deferred *d = deferred[cpu];

	if (!d)
		return;
	deferred[cpu] = NULL;
	epoch_synchronize();
	while (d) {
		struct mmu_deferred *next = d->next;

		d->fn(d);
		d = next;
	}
}

static void flush_here(void *arg)
{
	arch_vmm_flush_guest_tlbs();
}

/* One INVEPT/INVVPID round: here directly, elsewhere through one cross-CPU call. */
void mmu_plat_flush_tlbs(mmu_cpumask_t cpus)
{
	struct cpumask others = { .bits = cpus & ~BIT(smp_cpu_id()) };

	if (cpus & BIT(smp_cpu_id()))
		arch_vmm_flush_guest_tlbs();
	if (others.bits)
		smp_call(&others, flush_here, NULL, true);
}

unsigned int mmu_plat_cpu_id(void)
{
	return smp_cpu_id();
}

unsigned int mmu_plat_cpu_count(void)
{
	return smp_num_cpus();
}

void mmu_plat_lock(struct mmu_lock *lock)
{
	while (__atomic_exchange_n(&lock->held, 1, __ATOMIC_ACQUIRE))
		while (READ_ONCE(lock->held))
			__builtin_ia32_pause();
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
