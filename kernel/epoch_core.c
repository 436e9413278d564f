/* SPDX-License-Identifier: GPL-2.0-only */
/* Grace periods and per-CPU callback batches, free of the machine so hosted tests can drive it. */
#include <keel/panic.h>

#include "kernel/epoch_core.h"

/*
 * The global epoch only grows. A CPU at a quiescent point copies it into its own `qs`; an idle
 * CPU or one in a guest stores EPOCH_QS_EXTENDED instead. Starting a grace period bumps the epoch
 * to T after a full fence, so anything unlinked before the start is already gone for a reader
 * whose CPU has since read an epoch >= T. The grace period T has passed once every online CPU
 * shows qs >= T or EPOCH_QS_EXTENDED (docs/epoch.md has the ordering argument).
 *
 * Callbacks queue in `pending`. When `waiting` is empty, `pending` becomes `waiting` behind a new
 * grace period; once it passes, the batch runs on its own CPU. Two batches per CPU, so a callback
 * waits for at most two grace periods.
 */

void epoch_core_init(struct epoch_domain *d)
{
	*d = (struct epoch_domain)EPOCH_DOMAIN_INIT;
}

static void list_append(struct epoch_list *l, struct epoch_head *head)
{
	head->next = NULL;
	if (l->last)
		l->last->next = head;
	else
		l->first = head;
	l->last = head;
	l->count++;
}

static void list_splice_tail(struct epoch_list *to, struct epoch_list *from)
{
	if (!from->count)
		return;
	if (to->last)
		to->last->next = from->first;
	else
		to->first = from->first;
	to->last = from->last;
	to->count += from->count;
	*from = (struct epoch_list){ 0 };
}

void epoch_core_defer(struct epoch_domain *d, unsigned int cpu, struct epoch_head *head,
		      void (*fn)(struct epoch_head *head))
{
	struct epoch_cpu *c = &d->cpu[cpu];

	head->fn = fn;
	list_append(&c->pending, head);
	c->stats.queued++;
}

bool epoch_core_over_limit(const struct epoch_domain *d, unsigned int cpu)
{
	const struct epoch_cpu *c = &d->cpu[cpu];

	return c->pending.count + c->waiting.count > EPOCH_DEFER_LIMIT;
}

void epoch_core_report(struct epoch_domain *d, unsigned int cpu)
{
	struct epoch_cpu *c = &d->cpu[cpu];

	if (c->read_depth)
		panic("epoch: quiescent state on cpu %u inside epoch_read_lock()", cpu);
	if (!c->active && !c->irq_nest)
		return;
	/* Release: the reads of the section that ends here are done before anyone sees the new qs.
	 */
	__atomic_store_n(&c->qs, __atomic_load_n(&d->epoch, __ATOMIC_SEQ_CST), __ATOMIC_RELEASE);
}

u64 epoch_core_start_gp(struct epoch_domain *d)
{
	/* Every unlink this CPU made so far is ordered before the new epoch becomes visible. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return __atomic_add_fetch(&d->epoch, 1, __ATOMIC_SEQ_CST);
}

bool epoch_core_gp_done(struct epoch_domain *d, u64 target, u64 online, u64 *lagging)
{
	u64 lag = 0;

	for (u64 m = online; m; m &= m - 1) {
		unsigned int cpu = (unsigned int)__builtin_ctzll(m);
		u64 qs = __atomic_load_n(&d->cpu[cpu].qs, __ATOMIC_SEQ_CST);

		if (qs != EPOCH_QS_EXTENDED && qs < target)
			lag |= BIT(cpu);
	}
	if (lagging)
		*lagging = lag;
	return !lag;
}

static unsigned int run_batch(struct epoch_cpu *c, struct epoch_list *batch)
{
	struct epoch_head *head = batch->first;
	unsigned int run = 0;

	while (head) {
		struct epoch_head *next = head->next;

		head->fn(head);
		head = next;
		run++;
	}
	c->stats.run += run;
	return run;
}

unsigned int epoch_core_process(struct epoch_domain *d, unsigned int cpu, u64 online)
{
	struct epoch_cpu *c = &d->cpu[cpu];
	unsigned int run = 0;

	if (c->waiting.count && epoch_core_gp_done(d, c->target, online, NULL)) {
		struct epoch_list done = c->waiting;

		/* Detached first: a callback may queue more work. */
		c->waiting = (struct epoch_list){ 0 };
		run = run_batch(c, &done);
	}
	if (!c->waiting.count && c->pending.count) {
		c->waiting = c->pending;
		c->pending = (struct epoch_list){ 0 };
		c->target = epoch_core_start_gp(d);
	}
	return run;
}

u64 epoch_core_force(struct epoch_domain *d, unsigned int cpu)
{
	struct epoch_cpu *c = &d->cpu[cpu];

	/* A later grace period also covers the callbacks that were waiting for an earlier one. */
	list_splice_tail(&c->waiting, &c->pending);
	c->target = epoch_core_start_gp(d);
	c->stats.forced++;
	epoch_core_report(d, cpu);
	return c->target;
}

void epoch_core_wait(struct epoch_domain *d, unsigned int cpu, u64 target,
		     const struct cpumask *online, const struct epoch_wait_ops *ops)
{
	u64 lagging, poked = 0;
	unsigned int spins = 0;

	while (!epoch_core_gp_done(d, target, __atomic_load_n(&online->bits, __ATOMIC_RELAXED),
				   &lagging)) {
		if (++spins >= ops->poke_after && (lagging & ~poked)) {
			ops->poke(lagging & ~poked);
			d->cpu[cpu].stats.pokes += (u64)__builtin_popcountll(lagging & ~poked);
			poked |= lagging;
			spins = 0;
		}
		ops->relax();
	}
}

void epoch_core_extended_enter(struct epoch_domain *d, unsigned int cpu)
{
	struct epoch_cpu *c = &d->cpu[cpu];

	if (c->read_depth)
		panic("epoch: cpu %u goes idle or into a guest inside epoch_read_lock()", cpu);
	c->active = false;
	__atomic_store_n(&c->qs, EPOCH_QS_EXTENDED, __ATOMIC_RELEASE);
}

/*
 * Leaving an extended quiescent state. A CPU finishing a grace period may have read our qs as
 * EPOCH_QS_EXTENDED and concluded that we hold nothing: the store and the full fence make sure
 * that our next reads come after its unlinks (it fenced between the unlink and reading our qs).
 */
static void leave_extended(struct epoch_domain *d, struct epoch_cpu *c)
{
	__atomic_store_n(&c->qs, __atomic_load_n(&d->epoch, __ATOMIC_SEQ_CST), __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

void epoch_core_extended_exit(struct epoch_domain *d, unsigned int cpu)
{
	struct epoch_cpu *c = &d->cpu[cpu];

	c->active = true;
	leave_extended(d, c);
}

void epoch_core_irq_enter(struct epoch_domain *d, unsigned int cpu)
{
	struct epoch_cpu *c = &d->cpu[cpu];

	if (c->active)
		return;
	if (c->irq_nest++ == 0)
		leave_extended(d, c);
}

void epoch_core_irq_exit(struct epoch_domain *d, unsigned int cpu)
{
	struct epoch_cpu *c = &d->cpu[cpu];

	if (c->active)
		return;
	if (!c->irq_nest)
		panic("epoch: epoch_irq_exit() on cpu %u without epoch_irq_enter()", cpu);
	if (--c->irq_nest == 0)
		__atomic_store_n(&c->qs, EPOCH_QS_EXTENDED, __ATOMIC_RELEASE);
}

void epoch_core_read_lock(struct epoch_domain *d, unsigned int cpu)
{
	d->cpu[cpu].read_depth++;
}

void epoch_core_read_unlock(struct epoch_domain *d, unsigned int cpu)
{
	struct epoch_cpu *c = &d->cpu[cpu];

	if (!c->read_depth)
		panic("epoch: epoch_read_unlock() on cpu %u without epoch_read_lock()", cpu);
	c->read_depth--;
}
