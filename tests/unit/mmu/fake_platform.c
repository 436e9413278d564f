/* SPDX-License-Identifier: GPL-2.0-only */
/* Fakes of vmm/mmu/platform.h for hosted tests: ASan-visible memory, a manual grace period. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <keel/panic.h>

#include "fake_platform.h"

struct fake_platform fake;

#define OWNER_BUCKETS 65536

struct owner_node {
	struct owner_node *next;
	const void *page;
	void *owner;
};

static struct owner_node *owners[OWNER_BUCKETS];
static struct epoch_head *deferred_head;

static unsigned int bucket_of(const void *page)
{
	return ((uintptr_t)page >> 12) % OWNER_BUCKETS;
}

void fake_platform_reset(void)
{
	struct fake_platform clean = { .ncpus = 1 };

	fake_grace_period();
	fake = clean;
}

static bool alloc_allowed(void)
{
	if (!fake.fail_allocs_after)
		return true;
	return --fake.fail_allocs_after != 0;
}

bool mmu_plat_table_alloc(struct mmu_table_page *tp, void *owner)
{
	struct owner_node *n;
	void *va;

	if (!alloc_allowed())
		return false;
	va = aligned_alloc(4096, 4096);
	n = malloc(sizeof(*n));
	if (!va || !n)
		abort();
	memset(va, 0, 4096);
	n->page = va;
	n->owner = owner;
	n->next = owners[bucket_of(va)];
	owners[bucket_of(va)] = n;
	tp->va = va;
	tp->pa = (paddr_t)(uintptr_t)va;
	fake.live_tables++;
	return true;
}

/* Hosted, no CPU loads a root: any page will do. */
bool mmu_plat_table_alloc_low(struct mmu_table_page *tp, void *owner)
{
	return mmu_plat_table_alloc(tp, owner);
}

void mmu_plat_table_free(struct mmu_table_page *tp)
{
	struct owner_node **pp = &owners[bucket_of(tp->va)];

	while (*pp && (*pp)->page != tp->va)
		pp = &(*pp)->next;
	if (!*pp)
		panic("fake: freeing unknown table %p", (void *)tp->va);
	struct owner_node *n = *pp;

	*pp = n->next;
	free(n);
	free(tp->va);
	fake.live_tables--;
}

u64 *mmu_plat_table_va(paddr_t pa)
{
	return (u64 *)(uintptr_t)pa;
}

void *mmu_plat_table_owner(const u64 *entry)
{
	const void *page = (const void *)((uintptr_t)entry & ~(uintptr_t)0xfff);
	struct owner_node *n;

	for (n = owners[bucket_of(page)]; n; n = n->next)
		if (n->page == page)
			return n->owner;
	panic("fake: %p is in no table page", (const void *)entry);
}

void *mmu_plat_zalloc(size_t size)
{
	void *p;

	if (!alloc_allowed())
		return NULL;
	p = calloc(1, size);
	if (!p)
		abort();
	fake.live_objects++;
	return p;
}

void mmu_plat_free(void *obj)
{
	if (!obj)
		return;
	free(obj);
	fake.live_objects--;
}

void mmu_plat_defer_free(struct mmu_deferred *head, void (*fn)(struct mmu_deferred *head))
{
	head->fn = fn;
	head->eh.next = deferred_head;
	deferred_head = &head->eh;
	fake.pending_deferred++;
}

u64 fake_grace_period(void)
{
	u64 n = 0;

	if (fake.read_depth)
		panic("fake: grace period inside a lock-free read section");
	while (deferred_head) {
		struct mmu_deferred *d = container_of(deferred_head, struct mmu_deferred, eh);

		deferred_head = d->eh.next;
		d->fn(d);
		n++;
	}
	fake.pending_deferred = 0;
	return n;
}

void mmu_plat_flush_tlbs(mmu_cpumask_t cpus)
{
	fake.flush_requests++;
	fake.flushed_cpus |= cpus;
}

unsigned int mmu_plat_cpu_id(void)
{
	return fake.cpu;
}

unsigned int mmu_plat_cpu_count(void)
{
	return fake.ncpus;
}

void mmu_plat_lock(struct mmu_lock *lock)
{
	if (lock->held)
		panic("fake: MMU lock taken twice");
	lock->held = 1;
}

void mmu_plat_unlock(struct mmu_lock *lock)
{
	if (!lock->held)
		panic("fake: MMU lock released while free");
	lock->held = 0;
}

bool mmu_plat_lock_held(const struct mmu_lock *lock)
{
	return lock->held;
}

void mmu_plat_read_begin(void)
{
	fake.read_depth++;
}

void mmu_plat_read_end(void)
{
	if (!fake.read_depth)
		panic("fake: read section closed twice");
	fake.read_depth--;
}

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fake.panic_msg, sizeof(fake.panic_msg), fmt, ap);
	va_end(ap);
	if (fake.expect_panic) {
		fake.expect_panic = false;
		longjmp(fake.panic_jmp, 1);
	}
	fprintf(stderr, "*** KEEL PANIC (hosted): %s\n", fake.panic_msg);
	abort();
}
