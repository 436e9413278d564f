/* SPDX-License-Identifier: GPL-2.0-only */
/* SPTE pointer lists with nulls-terminated descriptor chains and a lock-free walk. */
#include "pte_list.h"

#define PTE_LIST_DESC_BIT 1ULL

static bool is_desc(u64 v)
{
	return v & PTE_LIST_DESC_BIT;
}

static struct pte_list_desc *to_desc(u64 v)
{
	return (struct pte_list_desc *)(uintptr_t)(v & ~PTE_LIST_DESC_BIT);
}

static u64 from_desc(const struct pte_list_desc *d)
{
	return (u64)(uintptr_t)d | PTE_LIST_DESC_BIT;
}

static struct pte_list_desc *desc_alloc(struct pte_list_cache *c)
{
	struct pte_list_desc *d = c->free;

	if (d) {
		c->free = to_desc(d->more);
	} else {
		d = mmu_plat_zalloc(sizeof(*d));
		if (!d)
			return NULL;
		c->allocated++;
	}
	c->in_use++;
	d->count = 0;
	return d;
}

/* The block stays type-stable: a reader still inside it sees a valid block of some list. */
static void desc_free(struct pte_list_cache *c, struct pte_list_desc *d)
{
	WRITE_ONCE(d->count, 0);
	WRITE_ONCE(d->more, c->free ? from_desc(c->free) : 0);
	c->free = d;
	c->in_use--;
}

bool pte_list_add(struct pte_list_cache *c, u64 *head, u64 *sptep)
{
	u64 v = *head;
	struct pte_list_desc *d;

	KEEL_BUG_ON(!sptep || ((uintptr_t)sptep & PTE_LIST_DESC_BIT));
	if (!v) {
		WRITE_ONCE(*head, (u64)(uintptr_t)sptep);
		return true;
	}
	if (!is_desc(v)) {
		d = desc_alloc(c);
		if (!d)
			return false;
		d->sptes[0] = (u64 *)(uintptr_t)v;
		d->sptes[1] = sptep;
		d->count = 2;
		d->more = pte_list_nulls(head);
		__atomic_store_n(head, from_desc(d), __ATOMIC_RELEASE);
		return true;
	}
	d = to_desc(v);
	if (d->count == PTE_LIST_DESC_ENTRIES) {
		struct pte_list_desc *n = desc_alloc(c);

		if (!n)
			return false;
		n->sptes[0] = sptep;
		n->count = 1;
		n->more = v & ~PTE_LIST_DESC_BIT;
		__atomic_store_n(head, from_desc(n), __ATOMIC_RELEASE);
		return true;
	}
	WRITE_ONCE(d->sptes[d->count], sptep);
	__atomic_store_n(&d->count, d->count + 1, __ATOMIC_RELEASE);
	return true;
}

/* Drops the first block once it is empty; a lone remaining entry goes back inline. */
static void shrink_head(struct pte_list_cache *c, u64 *head, struct pte_list_desc *first)
{
	u64 next = first->more;

	if (first->count == 0) {
		WRITE_ONCE(*head, next == pte_list_nulls(head) ? 0 : next | PTE_LIST_DESC_BIT);
		desc_free(c, first);
		return;
	}
	if (first->count == 1 && next == pte_list_nulls(head)) {
		WRITE_ONCE(*head, (u64)(uintptr_t)first->sptes[0]);
		desc_free(c, first);
	}
}

void pte_list_remove(struct pte_list_cache *c, u64 *head, u64 *sptep)
{
	u64 v = *head;
	struct pte_list_desc *first, *d;
	u32 i;

	if (!is_desc(v)) {
		KEEL_BUG_ON(v != (u64)(uintptr_t)sptep);
		WRITE_ONCE(*head, 0);
		return;
	}
	first = to_desc(v);
	for (d = first;; d = to_desc(d->more)) {
		for (i = 0; i < d->count; i++) {
			if (d->sptes[i] != sptep)
				continue;
			u32 last = first->count - 1;

			WRITE_ONCE(d->sptes[i], first->sptes[last]);
			__atomic_store_n(&first->count, last, __ATOMIC_RELEASE);
			WRITE_ONCE(first->sptes[last], NULL);
			shrink_head(c, head, first);
			return;
		}
		KEEL_BUG_ON(d->more & PTE_LIST_DESC_BIT);
	}
}

bool pte_list_contains(const u64 *head, const u64 *sptep)
{
	u64 v = *head;
	struct pte_list_desc *d;
	u32 i;

	if (!is_desc(v))
		return v && v == (u64)(uintptr_t)sptep;
	for (d = to_desc(v);; d = to_desc(d->more)) {
		for (i = 0; i < d->count; i++)
			if (d->sptes[i] == sptep)
				return true;
		if (d->more & PTE_LIST_DESC_BIT)
			return false;
	}
}

u64 pte_list_count(const u64 *head)
{
	u64 v = *head, n = 0;
	struct pte_list_desc *d;

	if (!is_desc(v))
		return v ? 1 : 0;
	for (d = to_desc(v);; d = to_desc(d->more)) {
		n += d->count;
		if (d->more & PTE_LIST_DESC_BIT)
			return n;
	}
}

u64 *pte_list_first(const u64 *head)
{
	u64 v = *head;

	if (!is_desc(v))
		return (u64 *)(uintptr_t)v;
	return to_desc(v)->sptes[0];
}

void pte_list_walk(const u64 *head, pte_list_fn fn, void *arg)
{
	u64 v = *head;
	struct pte_list_desc *d;
	u32 i;

	if (!v)
		return;
	if (!is_desc(v)) {
		fn((u64 *)(uintptr_t)v, arg);
		return;
	}
	for (d = to_desc(v);; d = to_desc(d->more)) {
		for (i = 0; i < d->count; i++)
			fn(d->sptes[i], arg);
		if (d->more & PTE_LIST_DESC_BIT)
			return;
	}
}

/* One lock-free pass; false when it ended on another list's marker. */
static bool walk_once(const u64 *head, pte_list_fn fn, void *arg)
{
	u64 v = __atomic_load_n(head, __ATOMIC_ACQUIRE), more;
	struct pte_list_desc *d;
	u32 i, n;

	if (!v)
		return true;
	if (!is_desc(v)) {
		fn((u64 *)(uintptr_t)v, arg);
		return true;
	}
	for (d = to_desc(v);; d = to_desc(more)) {
		n = MIN(__atomic_load_n(&d->count, __ATOMIC_ACQUIRE), (u32)PTE_LIST_DESC_ENTRIES);
		for (i = 0; i < n; i++) {
			u64 *sptep = READ_ONCE(d->sptes[i]);

			if (sptep)
				fn(sptep, arg);
		}
		more = __atomic_load_n(&d->more, __ATOMIC_ACQUIRE);
		if (!more)
			return false; /* the block went back to the cache under us */
		if (more & PTE_LIST_DESC_BIT)
			return more == pte_list_nulls(head);
	}
}

u32 pte_list_walk_lockless(const u64 *head, pte_list_fn fn, void *arg, struct mmu_lock *lock)
{
	u32 restarts;

	mmu_plat_read_begin();
	for (restarts = 0; restarts < PTE_LIST_MAX_RESTARTS; restarts++) {
		if (walk_once(head, fn, arg)) {
			mmu_plat_read_end();
			return restarts;
		}
	}
	mmu_plat_read_end();
	mmu_plat_lock(lock);
	pte_list_walk(head, fn, arg);
	mmu_plat_unlock(lock);
	return restarts;
}

void pte_list_cache_destroy(struct pte_list_cache *c)
{
	KEEL_BUG_ON(c->in_use);
	while (c->free) {
		struct pte_list_desc *d = c->free;

		c->free = d->more ? to_desc(d->more) : NULL;
		mmu_plat_free(d);
	}
	c->allocated = 0;
}
