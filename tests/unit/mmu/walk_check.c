/* SPDX-License-Identifier: GPL-2.0-only */
/* Runs guest_walk() and ref_walk() on the same state and compares results and memory effects. */
#include <stdio.h>

#include "ref_walk.h"
#include "walk_check.h"

static void print_walk(const char *who, const struct guest_walk *w)
{
	int l;

	printf("  %s: status %d mode %d err %#x gva %#llx gpa %#llx size %#llx acc %u pkey %u "
	       "root %d level %d\n",
	       who, w->status, w->mode, w->error_code, (unsigned long long)w->gva,
	       (unsigned long long)w->gpa, (unsigned long long)w->page_size, w->access, w->pkey,
	       w->root_level, w->level);
	for (l = GPT_MAX_LEVELS; l >= 1; l--)
		printf("    L%d pte %#018llx at %#llx\n", l, (unsigned long long)w->pte[l - 1],
		       (unsigned long long)w->pte_gpa[l - 1]);
}

static bool walks_equal(const struct guest_walk *a, const struct guest_walk *b)
{
	int l;

	if (a->status != b->status || a->mode != b->mode || a->error_code != b->error_code ||
	    a->gva != b->gva || a->gpa != b->gpa || a->page_size != b->page_size ||
	    a->access != b->access || a->pkey != b->pkey || a->root_level != b->root_level ||
	    a->level != b->level)
		return false;
	for (l = 0; l < GPT_MAX_LEVELS; l++) {
		if (a->pte[l] != b->pte[l] || a->pte_gpa[l] != b->pte_gpa[l])
			return false;
	}
	return true;
}

static unsigned int entry_size(const struct guest_walk *w)
{
	return w->mode == GUEST_PAGING_32 ? GPT32_ENTRY_SIZE : GPT64_ENTRY_SIZE;
}

/* Whether every logged write hit an entry of @w, and a faulting or peek walk wrote nothing. */
static bool writes_confined(const struct guest_mem *gm, const struct guest_walk *w, bool peek)
{
	unsigned int i;
	int l;

	if ((peek || w->status != GUEST_WALK_OK) && guest_mem_log_count(gm))
		return false;
	for (i = 0; i < guest_mem_log_count(gm); i++) {
		const struct guest_mem_write *wr = guest_mem_log_entry(gm, i);
		bool hit = false;

		for (l = w->level; l >= 1 && l <= w->root_level; l++)
			hit |= wr->gpa == w->pte_gpa[l - 1] && wr->len == entry_size(w);
		if (!hit)
			return false;
	}
	return true;
}

bool walk_check(struct guest_mem *gm, const struct guest_paging_state *st, u64 gva,
		enum guest_access_kind kind, unsigned int flags, struct guest_walk *out)
{
	struct guest_mem_access mem = guest_mem_access_of(gm);
	u64 after[GPT_MAX_LEVELS] = { 0 };
	struct guest_walk ref;
	bool peek = flags & GUEST_WALK_PEEK;
	bool ok;
	int l;

	guest_mem_log_clear(gm);
	guest_walk(out, &mem, st, gva, kind, flags);
	ok = writes_confined(gm, out, peek);
	for (l = out->level; l >= 1 && l <= out->root_level; l++) {
		if (guest_mem_is_ram(gm, out->pte_gpa[l - 1]))
			after[l - 1] = guest_mem_load(gm, out->pte_gpa[l - 1], entry_size(out));
	}
	guest_mem_log_rollback(gm);

	ref_walk(&ref, &mem, st, gva, kind, flags);
	ok = ok && writes_confined(gm, &ref, peek) && walks_equal(out, &ref);
	for (l = out->level; ok && l >= 1 && l <= out->root_level; l++) {
		if (guest_mem_is_ram(gm, out->pte_gpa[l - 1]))
			ok = after[l - 1] ==
			     guest_mem_load(gm, out->pte_gpa[l - 1], entry_size(out));
	}
	guest_mem_log_clear(gm);
	if (!ok) {
		printf("walk mismatch: gva %#llx kind %d flags %#x cr0 %#llx cr3 %#llx cr4 %#llx "
		       "efer %#llx rflags %#llx cpl %u pkru %#x maxphyaddr %u gbpages %d\n",
		       (unsigned long long)gva, kind, flags, (unsigned long long)st->cr0,
		       (unsigned long long)st->cr3, (unsigned long long)st->cr4,
		       (unsigned long long)st->efer, (unsigned long long)st->rflags, st->cpl,
		       st->pkru, st->maxphyaddr, st->gbpages);
		print_walk("walk", out);
		print_walk("ref ", &ref);
	}
	return ok;
}

void walk_basic_state(enum guest_paging_mode mode, struct guest_paging_state *st)
{
	*st = (struct guest_paging_state){ .maxphyaddr = 46, .gbpages = true };
	if (mode == GUEST_PAGING_OFF)
		return;
	st->cr0 = X86_CR0_PG | X86_CR0_PE | X86_CR0_WP;
	st->efer = EFER_NXE;
	if (mode == GUEST_PAGING_32)
		return;
	st->cr4 = X86_CR4_PAE;
	if (mode == GUEST_PAGING_PAE)
		return;
	st->efer |= EFER_LME | EFER_LMA;
	if (mode == GUEST_PAGING_5LEVEL)
		st->cr4 |= X86_CR4_LA57;
}

void walk_random_state(struct gm_rng *rng, enum guest_paging_mode mode,
		       struct guest_paging_state *st)
{
	static const u64 cr4_options[] = { X86_CR4_PSE, X86_CR4_SMEP, X86_CR4_SMAP, X86_CR4_PKE,
					   X86_CR4_PCIDE };
	unsigned int i;

	walk_basic_state(mode, st);
	if (gm_rng_chance(rng, 30))
		st->cr0 &= ~(u64)X86_CR0_WP;
	if (gm_rng_chance(rng, 30))
		st->efer &= ~(u64)EFER_NXE;
	for (i = 0; i < ARRAY_SIZE(cr4_options); i++) {
		if (gm_rng_chance(rng, 50))
			st->cr4 |= cr4_options[i];
	}
	if (gm_rng_chance(rng, 50))
		st->rflags |= X86_RFLAGS_AC;
	st->cpl = gm_rng_chance(rng, 50) ? 3 : gm_rng_below(rng, 3);
	st->pkru = gm_rng_chance(rng, 30) ? 0 : (u32)gm_rng_next(rng);
	st->maxphyaddr = 36 + gm_rng_below(rng, GPT_MAX_PHYADDR - 36 + 1);
	st->gbpages = gm_rng_chance(rng, 70);
}
