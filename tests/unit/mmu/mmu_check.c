/* SPDX-License-Identifier: GPL-2.0-only */
/* Structural invariant checks over a live MMU: counts, links, rmaps, write protection,
 * reachability. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mmu_check.h"

char mmu_check_msg[256];

static unsigned int fail(unsigned int *n, const char *fmt, ...)
{
	va_list ap;

	if ((*n)++ == 0) {
		va_start(ap, fmt);
		vsnprintf(mmu_check_msg, sizeof(mmu_check_msg), fmt, ap);
		va_end(ap);
	}
	return *n;
}

static bool leads_to_unsync(const struct mmu_page *child)
{
	return child->unsync || child->unsync_children;
}

static void check_unsync(struct mmu_vm *vm, struct mmu_page *sp, unsigned int *n)
{
	unsigned int i, pop = 0;

	for (i = 0; i < SPTE_BITMAP_WORDS; i++)
		pop += __builtin_popcountll(sp->unsync_child_bitmap[i]);
	if (pop != sp->unsync_children)
		fail(n, "page gfn %#llx: unsync_children %u, bitmap holds %u",
		     (unsigned long long)sp->gfn, sp->unsync_children, pop);
	for (i = 0; i < SPTE_ENTRIES; i++) {
		u64 spte = sp->spt[i];

		if (!(sp->unsync_child_bitmap[i / 64] & BIT(i % 64)))
			continue;
		if (!spte_present(spte) || spte_is_leaf(spte) || !leads_to_unsync(spte_child(spte)))
			fail(n, "page gfn %#llx: bit %u leads to no unsync page",
			     (unsigned long long)sp->gfn, i);
	}
	if (sp->unsync && (sp->role.level != 1 || sp->root_count || sp->role.direct))
		fail(n, "page gfn %#llx level %u root_count %u is unsync",
		     (unsigned long long)sp->gfn, sp->role.level, sp->root_count);
	if (sp->unsync && sp->unsync_children)
		fail(n, "unsync page gfn %#llx has unsync children", (unsigned long long)sp->gfn);
	if (sp->unsync != (sp->unsync_cpu != MMU_NO_CPU))
		fail(n, "page gfn %#llx: unsync %d but record cpu %u", (unsigned long long)sp->gfn,
		     sp->unsync, sp->unsync_cpu);
}

struct parent_ctx {
	struct mmu_page *sp;
	unsigned int *n;
};

static void check_one_parent(u64 *sptep, void *arg)
{
	struct parent_ctx *c = arg;
	struct mmu_page *parent = sptep_to_page(sptep);

	if (!spte_present(*sptep) || spte_is_leaf(*sptep) || spte_child(*sptep) != c->sp)
		fail(c->n, "parent PTE of gfn %#llx does not point at it",
		     (unsigned long long)c->sp->gfn);
	else if (leads_to_unsync(c->sp) && !(parent->unsync_child_bitmap[spte_index(sptep) / 64] &
					     BIT(spte_index(sptep) % 64)))
		fail(c->n, "parent of gfn %#llx never learnt of its unsync state",
		     (unsigned long long)c->sp->gfn);
}

static void check_links(struct mmu_vm *vm, struct mmu_page *sp, unsigned int *n, u64 *leaves)
{
	struct parent_ctx c = { .sp = sp, .n = n };
	unsigned int i;

	pte_list_walk(&sp->parent_ptes, check_one_parent, &c);
	for (i = 0; i < SPTE_ENTRIES; i++) {
		u64 spte = sp->spt[i];
		u64 *head;

		if (!spte_present(spte))
			continue;
		if (!spte_is_leaf(spte)) {
			if (!pte_list_contains(&spte_child(spte)->parent_ptes, &sp->spt[i]))
				fail(n, "child of gfn %#llx slot %u lacks the parent PTE",
				     (unsigned long long)sp->gfn, i);
			if (!sp->children || sp->children[i] != spte_child(spte))
				fail(n,
				     "page of gfn %#llx slot %u: children[] disagrees with the "
				     "SPTE",
				     (unsigned long long)sp->gfn, i);
			continue;
		}
		(*leaves)++;
		head = mmu_gfn_rmap(vm, mmu_page_spte_gfn(sp, i), sp->role.level);
		if (!head || !pte_list_contains(head, &sp->spt[i]))
			fail(n, "leaf SPTE of gfn %#llx slot %u is on no rmap",
			     (unsigned long long)sp->gfn, i);
	}
}

/*
 * The entries on @n rmap heads. Most heads are empty (a 1 GiB slot has 262,144 of them at 4 KiB
 * alone), so blocks of empty heads are skipped with one memcmp; every other head is counted.
 */
static u64 rmap_array_entries(const u64 *heads, u64 n)
{
	static const u64 empty[512];
	u64 total = 0, i = 0;

	while (i < n) {
		u64 end = MIN(n, i + ARRAY_SIZE(empty));

		if (memcmp(&heads[i], empty, (end - i) * sizeof(u64))) {
			for (; i < end; i++)
				if (heads[i])
					total += pte_list_count(&heads[i]);
		}
		i = end;
	}
	return total;
}

static u64 rmap_entries_total(struct mmu_vm *vm)
{
	u64 total = 0, n;
	unsigned int id, l;

	for (id = 0; id < MMU_MAX_MEMSLOTS; id++) {
		struct mmu_memslot *s = &vm->slots.slot[id];

		if (!s->used)
			continue;
		for (l = 1; l <= MMU_MAX_HUGE_LEVEL; l++) {
			unsigned int sh = 9 * (l - 1);

			n = ((s->base_gfn + s->npages - 1) >> sh) - (s->base_gfn >> sh) + 1;
			total += rmap_array_entries(s->rmap[l - 1], n);
		}
	}
	return total;
}

struct wp_ctx {
	struct mmu_vm *vm;
	bool writable;
};

static void note_writable(u64 *sptep, void *arg)
{
	struct wp_ctx *c = arg;

	if (spte_present(*sptep) && spte_writable(c->vm->fmt, *sptep))
		c->writable = true;
}

static void check_write_protected(struct mmu_vm *vm, struct mmu_page *sp, unsigned int *n)
{
	struct wp_ctx c = { .vm = vm };
	unsigned int l;

	if (sp->role.direct || sp->unsync || mmu_page_obsolete(vm, sp))
		return;
	for (l = 1; l <= MMU_MAX_HUGE_LEVEL; l++) {
		u64 *head = mmu_gfn_rmap(vm, sp->gfn, l);

		if (head)
			pte_list_walk(head, note_writable, &c);
	}
	if (c.writable)
		fail(n, "frame %#llx is shadowed (level %u) yet mapped writable",
		     (unsigned long long)sp->gfn, sp->role.level);
}

unsigned int mmu_check_vm(struct mmu_vm *vm)
{
	struct list_head *pos;
	unsigned int n = 0, cpu;
	u64 leaves = 0, live = 0, obsolete = 0, recorded = 0;

	list_for_each (pos, &vm->active) {
		struct mmu_page *sp = list_entry(pos, struct mmu_page, link);

		live++;
		obsolete += sp->gen != vm->gen;
		check_unsync(vm, sp, &n);
		check_links(vm, sp, &n, &leaves);
		check_write_protected(vm, sp, &n);
		recorded += sp->unsync;
	}
	if (leaves != rmap_entries_total(vm))
		fail(&n, "%llu leaf SPTEs but %llu rmap entries", (unsigned long long)leaves,
		     (unsigned long long)rmap_entries_total(vm));
	if (live != vm->nr_active || obsolete != vm->nr_obsolete)
		fail(&n, "active list %llu/%llu obsolete, counters %llu/%llu",
		     (unsigned long long)live, (unsigned long long)obsolete,
		     (unsigned long long)vm->nr_active, (unsigned long long)vm->nr_obsolete);
	for (cpu = 0; cpu < MMU_MAX_CPUS; cpu++) {
		struct list_head *p;
		u32 count = 0;

		list_for_each (p, &vm->cpu[cpu].unsync_list)
			count++;
		if (count != vm->cpu[cpu].nr_unsync)
			fail(&n, "cpu %u unsync record holds %u, counts %u", cpu, count,
			     vm->cpu[cpu].nr_unsync);
		recorded -= count;
	}
	if (recorded)
		fail(&n, "unsync pages and per-CPU records disagree");
	return n;
}

static void check_reachable(struct mmu_vm *vm, struct mmu_page *sp, unsigned int *n,
			    unsigned int depth)
{
	unsigned int i;

	if (mmu_page_obsolete(vm, sp))
		fail(n, "obsolete page gfn %#llx reachable from a valid root",
		     (unsigned long long)sp->gfn);
	if (depth > 5)
		fail(n, "shadow deeper than five levels");
	for (i = 0; *n == 0 && i < SPTE_ENTRIES; i++)
		if (spte_present(sp->spt[i]) && !spte_is_leaf(sp->spt[i]))
			check_reachable(vm, spte_child(sp->spt[i]), n, depth + 1);
}

unsigned int mmu_check_vcpu(struct mmu_vcpu *vcpu)
{
	unsigned int n = 0, i;

	if (!vcpu->root_pa)
		return 0;
	if (vcpu->root && !mmu_page_obsolete(vcpu->vm, vcpu->root))
		check_reachable(vcpu->vm, vcpu->root, &n, 1);
	for (i = 0; !vcpu->root && i < MMU_PAE_ROOTS; i++)
		if (vcpu->pae_pages[i] && !mmu_page_obsolete(vcpu->vm, vcpu->pae_pages[i]))
			check_reachable(vcpu->vm, vcpu->pae_pages[i], &n, 2);
	return n;
}

u64 mmu_shadow_lookup(struct mmu_vcpu *vcpu, u64 addr, unsigned int *access)
{
	const struct spte_format *f = vcpu->vm->fmt;
	unsigned int level;
	u64 *table;

	*access = ACC_ALL;
	if (!vcpu->root_pa)
		return 0;
	if (vcpu->root) {
		level = vcpu->root->role.level;
		table = vcpu->root->spt;
	} else {
		u64 pdpte = vcpu->pae_root.va[(addr >> 30) & 3];

		if (!(pdpte & f->readable))
			return 0;
		level = 2;
		table = mmu_plat_table_va(pdpte & SPTE_ADDR_MASK);
	}
	for (;; level--) {
		u64 spte = table[shadow_index(addr, level)];

		if (!(spte & f->readable))
			return 0;
		*access &= spte_access(f, spte);
		if (level == 1 || (spte & f->large))
			return spte;
		table = mmu_plat_table_va(spte & SPTE_ADDR_MASK);
	}
}
