/* SPDX-License-Identifier: GPL-2.0-only */
/* The TDP half of the MMU model: memslots, EPT faults, dirty logging, aging and zaps, checked. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmm/mmu/ept.h>

#include "fake_platform.h"
#include "guest_mem.h"
#include "mmu_check.h"
#include "model_tdp.h"

#define TVCPUS	    2
#define TSLOTS	    6
#define TLB_ENTRIES 16
#define WALK_RING   32
#define BIG_PAGES   0x40000ULL /* slot 0: 1 GiB, so that 1 GiB leaves can exist */
#define REGION	    512	       /* frames per 2 MiB */
#define EPT_RWX	    (EPT_READ | EPT_WRITE | EPT_EXEC)
#define EPT_MEMTYPE (7ULL << EPT_MEMTYPE_SHIFT)

/* What the memslots say: the reference every EPT entry is checked against. */
struct tslot {
	bool used;
	u32 flags;
	gfn_t base;
	u64 npages;
	paddr_t host;
	u64 *written; /* dirty logging on: frames written since the last harvest */
};

/* A translation the CPU cached from the EPT, tagged with the EPTP it came from. */
struct tlb_entry {
	bool valid;
	gfn_t gfn;
	paddr_t hpa;
	paddr_t root;
	bool w, x, d;
};

struct tvcpu {
	struct mmu_vcpu mmu;
	struct tlb_entry tlb[TLB_ENTRIES];
	unsigned int next;
};

struct tdp_model {
	struct mmu_vm vm;
	struct tvcpu v[TVCPUS];
	struct tslot slot[TSLOTS];
	unsigned int cpu; /* the CPU VM-wide calls run on */
	/* EPT tables the CPU walked since the last grace period: they must stay readable */
	const u64 *walked[WALK_RING];
	unsigned int nwalked;
	bool failed;
	char msg[512];
	/* what the run exercised, for the report */
	struct {
		u64 leaves[MMU_MAX_HUGE_LEVEL + 1]; /* leaves checked, by level, over all steps */
		u64 logged_leaves;		    /* ... of them in a dirty-logged slot */
		u64 faults[MMU_FAULT_NOMEM + 1];    /* fault verdicts */
		u64 hits, tlb_hits;		    /* accesses the EPT or the TLB let through */
		u64 harvested;			    /* frames reported by harvests */
		u64 young;			    /* ages that found an accessed leaf */
		u64 slot_ok, slot_refused; /* memslot calls that succeeded / were refused */
	} cov;
};

/*
 * Guest frames a 4-level EPT reaches: below 2^36 (a 48-bit guest-physical address). The last
 * bases put a slot at the very top of that range, or past it (the MMU must refuse it).
 */
#define GFN_LIMIT (1ULL << 36)

static const gfn_t big_bases[] = { 0x40000,  0x80000, 0x40200,
				   0x40001,  0xc0000, GFN_LIMIT - BIG_PAGES,
				   GFN_LIMIT };
static const gfn_t small_bases[] = { 0,
				     0x200,
				     0x400,
				     0x5ff,
				     0x1000,
				     0x1003,
				     0x1200,
				     0x2000,
				     0x21ff,
				     0x3000,
				     0x3e00,
				     0x3fff,
				     GFN_LIMIT - 0x600,
				     GFN_LIMIT - 0x3,
				     GFN_LIMIT + 0x200 };
static const u64 small_sizes[] = { 1, 3, 512, 515, 1024, 1536 };
static const u64 host_skews[] = { 0, 0, 0x1000, 0x200000, 0x3000 };

static const char *const op_names[TOP_NR] = {
	[TOP_ACCESS] = "access",
	[TOP_ACCESS_NOMEM] = "access-nomem",
	[TOP_SLOT_ADD] = "slot-add",
	[TOP_SLOT_DELETE] = "slot-delete",
	[TOP_SLOT_MOVE] = "slot-move",
	[TOP_DIRTY_START] = "dirty-start",
	[TOP_DIRTY_STOP] = "dirty-stop",
	[TOP_DIRTY_HARVEST] = "dirty-harvest",
	[TOP_AGE] = "age",
	[TOP_ZAP_ALL] = "zap-all",
	[TOP_RECLAIM] = "reclaim",
	[TOP_GRACE] = "grace",
	[TOP_SWITCH_CPU] = "cpu",
};

const char *tdp_model_op_name(unsigned int type)
{
	return type < TOP_NR ? op_names[type] : "?";
}

static void violation(struct tdp_model *t, const char *fmt, ...)
{
	va_list ap;

	if (t->failed)
		return;
	t->failed = true;
	va_start(ap, fmt);
	vsnprintf(t->msg, sizeof(t->msg), fmt, ap);
	va_end(ap);
}

const struct mmu_stats *tdp_model_stats(const struct tdp_model *t)
{
	return &t->vm.stats;
}

/* ---- the reference ---- */

static paddr_t host_base(unsigned int id)
{
	return (paddr_t)(id + 1) << 36;
}

static struct tslot *ref_slot(struct tdp_model *t, gfn_t gfn)
{
	unsigned int i;

	for (i = 0; i < TSLOTS; i++) {
		struct tslot *s = &t->slot[i];

		if (s->used && gfn >= s->base && gfn - s->base < s->npages)
			return s;
	}
	return NULL;
}

static paddr_t ref_hpa(const struct tslot *s, gfn_t gfn)
{
	return s->host + ((gfn - s->base) << 12);
}

static bool ref_logged(const struct tslot *s)
{
	return s->flags & MEMSLOT_DIRTY_LOG;
}

/* A leaf of @level at @gfn (aligned) fits: inside the slot, the host range aligned alike. */
static bool ref_fits(const struct tslot *s, gfn_t gfn, unsigned int level)
{
	u64 pages = SPTE_LEVEL_PAGES(level);

	return IS_ALIGNED(gfn, pages) && gfn >= s->base && gfn + pages <= s->base + s->npages &&
	       IS_ALIGNED(ref_hpa(s, gfn), pages << 12);
}

/* The level a fault must map @gfn at: the largest that fits, 4 KiB while dirty-logged. */
static unsigned int ref_level(const struct tslot *s, gfn_t gfn)
{
	unsigned int level;

	if (ref_logged(s))
		return 1;
	for (level = MMU_MAX_HUGE_LEVEL; level > 1; level--)
		if (ref_fits(s, gfn & ~(SPTE_LEVEL_PAGES(level) - 1), level))
			return level;
	return 1;
}

static bool ref_written(const struct tslot *s, gfn_t gfn)
{
	u64 i = gfn - s->base;

	return s->written && (s->written[i / 64] & BIT(i % 64));
}

static void ref_write(struct tslot *s, gfn_t gfn)
{
	u64 i = gfn - s->base;

	if (ref_logged(s))
		s->written[i / 64] |= BIT(i % 64);
}

static u64 bitmap_words(u64 npages)
{
	return (npages + 63) / 64;
}

static void ref_log_on(struct tslot *s)
{
	s->flags |= MEMSLOT_DIRTY_LOG;
	s->written = calloc(bitmap_words(s->npages), sizeof(u64));
	if (!s->written)
		abort();
}

static void ref_log_off(struct tslot *s)
{
	s->flags &= ~MEMSLOT_DIRTY_LOG;
	free(s->written);
	s->written = NULL;
}

static bool ref_overlaps(struct tdp_model *t, unsigned int self, gfn_t base, u64 npages)
{
	unsigned int i;

	for (i = 0; i < TSLOTS; i++) {
		const struct tslot *s = &t->slot[i];

		if (i != self && s->used && base < s->base + s->npages && s->base < base + npages)
			return true;
	}
	return false;
}

/* ---- the CPU: EPT walks with A/D updates, a TLB, flushes ---- */

static void apply_flushes(struct tdp_model *t)
{
	unsigned int i;

	for (i = 0; i < TVCPUS; i++)
		if (fake.flushed_cpus & BIT(t->v[i].mmu.cpu))
			memset(t->v[i].tlb, 0, sizeof(t->v[i].tlb));
	fake.flushed_cpus = 0;
}

static void note_walked(struct tdp_model *t, const u64 *table)
{
	if (t->nwalked && t->walked[(t->nwalked - 1) % WALK_RING] == table)
		return;
	t->walked[t->nwalked++ % WALK_RING] = table;
}

struct hw_walk {
	u64 *path[4];
	unsigned int depth;
	unsigned int level;
	u64 leaf;
	bool r, w, x;
};

/* The EPT walk the CPU does for @gfn from the vCPU's EPTP; false on an EPT violation. */
static bool hw_walk(struct tdp_model *t, struct tvcpu *v, gfn_t gfn, struct hw_walk *w)
{
	const u64 *table;
	unsigned int level;

	memset(w, 0, sizeof(*w));
	w->r = w->w = w->x = true;
	if (!v->mmu.root_pa)
		return false;
	table = mmu_plat_table_va(v->mmu.root_pa);
	for (level = 4; level >= 1; level--) {
		u64 *p = (u64 *)&table[(gfn >> (9 * (level - 1))) & 511];
		u64 e = __atomic_load_n(p, __ATOMIC_ACQUIRE);

		note_walked(t, table);
		if (!(e & EPT_RWX))
			return false;
		if ((e & EPT_WRITE) && !(e & EPT_READ)) {
			violation(t,
				  "EPT misconfiguration: gfn %#llx level %u entry %#llx is "
				  "write-only",
				  (unsigned long long)gfn, level, (unsigned long long)e);
			return false;
		}
		w->path[w->depth++] = p;
		w->r &= !!(e & EPT_READ);
		w->w &= !!(e & EPT_WRITE);
		w->x &= !!(e & EPT_EXEC);
		if (level == 1 || (e & EPT_LARGE)) {
			if (level == 4) {
				violation(t, "EPT misconfiguration: PML4E %#llx has bit 7 set",
					  (unsigned long long)e);
				return false;
			}
			w->level = level;
			w->leaf = e;
			return true;
		}
		table = mmu_plat_table_va(e & SPTE_ADDR_MASK);
	}
	return false;
}

static paddr_t walk_hpa(const struct hw_walk *w, gfn_t gfn)
{
	return spte_addr(w->leaf) + ((gfn & (SPTE_LEVEL_PAGES(w->level) - 1)) << 12);
}

static bool walk_allows(const struct hw_walk *w, enum guest_access_kind kind)
{
	return kind == GUEST_ACCESS_READ ? w->r : kind == GUEST_ACCESS_WRITE ? w->w : w->x;
}

/* The guest's access happens: the dirty log's reference learns of a write. */
static void guest_accessed(struct tdp_model *t, gfn_t gfn, enum guest_access_kind kind)
{
	struct tslot *s = ref_slot(t, gfn);

	if (!s) {
		violation(t, "the guest reached gfn %#llx, which no memslot backs",
			  (unsigned long long)gfn);
		return;
	}
	if (kind == GUEST_ACCESS_WRITE)
		ref_write(s, gfn);
}

static bool tlb_access(struct tdp_model *t, struct tvcpu *v, gfn_t gfn, enum guest_access_kind kind)
{
	unsigned int i;

	for (i = 0; i < TLB_ENTRIES; i++) {
		struct tlb_entry *e = &v->tlb[i];

		if (!e->valid || e->gfn != gfn || e->root != v->mmu.root_pa || !v->mmu.root_pa)
			continue;
		/* a write through an entry cached with D clear walks again to set D */
		if ((kind == GUEST_ACCESS_WRITE && !(e->w && e->d)) ||
		    (kind == GUEST_ACCESS_FETCH && !e->x)) {
			e->valid = false;
			return false;
		}
		guest_accessed(t, gfn, kind);
		t->cov.tlb_hits++;
		return true;
	}
	return false;
}

/* A walk that allows the access: A on every entry used, D on the leaf of a write, a TLB fill. */
static void hw_complete(struct tdp_model *t, struct tvcpu *v, gfn_t gfn,
			enum guest_access_kind kind, struct hw_walk *w)
{
	struct tlb_entry *e = &v->tlb[v->next++ % TLB_ENTRIES];
	unsigned int i;

	for (i = 0; i < w->depth; i++)
		__atomic_fetch_or(w->path[i], EPT_ACCESSED, __ATOMIC_ACQ_REL);
	if (kind == GUEST_ACCESS_WRITE)
		__atomic_fetch_or(w->path[w->depth - 1], EPT_DIRTY, __ATOMIC_ACQ_REL);
	*e = (struct tlb_entry){
		.valid = true,
		.gfn = gfn,
		.hpa = walk_hpa(w, gfn),
		.root = v->mmu.root_pa,
		.w = w->w,
		.x = w->x,
		.d = kind == GUEST_ACCESS_WRITE || (w->leaf & EPT_DIRTY),
	};
	guest_accessed(t, gfn, kind);
	t->cov.hits++;
}

/* ---- picking addresses ---- */

static gfn_t edge_gfn(struct gm_rng *r)
{
	gfn_t b = gm_rng_chance(r, 70) ? small_bases[gm_rng_below(r, ARRAY_SIZE(small_bases))]
				       : big_bases[gm_rng_below(r, ARRAY_SIZE(big_bases))];

	if (gm_rng_chance(r, 30))
		b += small_sizes[gm_rng_below(r, ARRAY_SIZE(small_sizes))];
	return b + gm_rng_below(r, 3) - (b ? 1 : 0);
}

/* Mostly a few hot frames of a used slot (edges of 2 MiB regions, slot ends), else anywhere. */
static gfn_t pick_gfn(struct tdp_model *t, struct gm_rng *r)
{
	static const u64 pages[] = { 0, 1, 255, 511 };
	unsigned int id = gm_rng_below(r, TSLOTS), i;
	const struct tslot *s = NULL;
	u64 regions, region, off;

	if (gm_rng_chance(r, 12))
		return edge_gfn(r);
	for (i = 0; i < TSLOTS && !s; i++)
		if (t->slot[(id + i) % TSLOTS].used)
			s = &t->slot[(id + i) % TSLOTS];
	if (!s)
		return edge_gfn(r);
	if (gm_rng_chance(r, 10))
		return s->base + s->npages - 1 - gm_rng_below(r, MIN(s->npages, 2));
	regions = (s->npages + REGION - 1) / REGION;
	region = gm_rng_below(r, 4);
	region = region == 3 ? regions - 1 : MIN(region, regions - 1);
	off = gm_rng_chance(r, 70) ? pages[gm_rng_below(r, ARRAY_SIZE(pages))]
				   : gm_rng_below(r, REGION);
	off += region * REGION;
	return s->base + MIN(off, s->npages - 1);
}

/* ---- checks ---- */

static void check_leaf(struct tdp_model *t, struct mmu_page *sp, unsigned int i, u64 e,
		       bool current)
{
	unsigned int level = sp->role.level;
	gfn_t gfn = mmu_page_spte_gfn(sp, i);
	u64 pages = SPTE_LEVEL_PAGES(level);
	struct tslot *s = ref_slot(t, gfn);
	bool writable = e & EPT_WRITE;

	t->cov.leaves[MIN(level, (unsigned int)MMU_MAX_HUGE_LEVEL)]++;
	if (s && ref_logged(s))
		t->cov.logged_leaves++;
	if (!(e & EPT_READ) || (e & EPT_MEMTYPE) != EPT_MEMTYPE_WB || level > MMU_MAX_HUGE_LEVEL ||
	    (level > 1 && !(e & EPT_LARGE))) {
		violation(t, "malformed EPT leaf %#llx at level %u for gfn %#llx",
			  (unsigned long long)e, level, (unsigned long long)gfn);
		return;
	}
	if (!s || gfn + pages > s->base + s->npages) {
		violation(t, "level-%u leaf for gfn %#llx: no memslot backs all of it", level,
			  (unsigned long long)gfn);
		return;
	}
	if (spte_addr(e) != ref_hpa(s, gfn)) {
		violation(t, "leaf for gfn %#llx maps host %#llx, the memslot says %#llx",
			  (unsigned long long)gfn, (unsigned long long)spte_addr(e),
			  (unsigned long long)ref_hpa(s, gfn));
		return;
	}
	if (!ref_fits(s, gfn, level)) {
		violation(t,
			  "level-%u leaf for gfn %#llx: the memslot does not back it contiguously "
			  "and aligned",
			  level, (unsigned long long)gfn);
		return;
	}
	if ((s->flags & MEMSLOT_READONLY) && (writable || (e & SPTE_EPT_SW_HOST_WRITABLE))) {
		violation(t, "leaf for gfn %#llx of a read-only memslot is writable (%#llx)",
			  (unsigned long long)gfn, (unsigned long long)e);
		return;
	}
	if (ref_logged(s) && writable && (level > 1 || !ref_written(s, gfn))) {
		violation(t,
			  "dirty-logged gfn %#llx (level %u) is writable but not written since the "
			  "last harvest",
			  (unsigned long long)gfn, level);
		return;
	}
	/*
	 * Faults map the largest page that fits; dirty logging maps only 4 KiB pages (the large
	 * ones it finds are write-protected and split on the first write) and stopping it
	 * collapses every region that fits a large page again.
	 */
	if (current && !ref_logged(s) && level != ref_level(s, gfn))
		violation(t, "gfn %#llx mapped at level %u, the memslot backs level %u",
			  (unsigned long long)gfn, level, ref_level(s, gfn));
}

static void check_pages(struct tdp_model *t)
{
	struct list_head *pos;

	list_for_each (pos, &t->vm.active) {
		struct mmu_page *sp = list_entry(pos, struct mmu_page, link);
		bool current = !mmu_page_obsolete(&t->vm, sp);
		unsigned int i, level = sp->role.level;

		if (!sp->role.direct || sp->gptes || level < 1 || level > 4) {
			violation(t, "TDP page gfn %#llx has role %#x", (unsigned long long)sp->gfn,
				  sp->role.word);
			return;
		}
		for (i = 0; i < SPTE_ENTRIES && !t->failed; i++) {
			u64 e = sp->spt[i];
			struct mmu_page *child;

			if (!spte_present(e)) {
				if (e & EPT_RWX)
					violation(t,
						  "entry %#llx is not present to the MMU but is "
						  "to the CPU",
						  (unsigned long long)e);
				continue;
			}
			if (spte_is_leaf(e)) {
				check_leaf(t, sp, i, e, current);
				continue;
			}
			child = spte_child(e);
			if (level == 1 || (e & EPT_LARGE) || (e & EPT_RWX) != EPT_RWX ||
			    child->role.level != level - 1 ||
			    child->gfn != mmu_page_spte_gfn(sp, i))
				violation(
					t,
					"table entry %#llx of level-%u page gfn %#llx is malformed",
					(unsigned long long)e, level, (unsigned long long)sp->gfn);
		}
	}
}

/* A cached translation the CPU may still use must agree with the memslots: else a flush was
 * missed (after a write-protect, a zap or a memslot change). */
static void check_tlbs(struct tdp_model *t)
{
	unsigned int i, k;

	for (i = 0; i < TVCPUS; i++) {
		struct tvcpu *v = &t->v[i];

		for (k = 0; k < TLB_ENTRIES; k++) {
			const struct tlb_entry *e = &v->tlb[k];
			const struct tslot *s;

			if (!e->valid || !v->mmu.root_pa || e->root != v->mmu.root_pa)
				continue;
			s = ref_slot(t, e->gfn);
			if (!s || e->hpa != ref_hpa(s, e->gfn))
				violation(t,
					  "vcpu %u still caches gfn %#llx -> %#llx, the memslots "
					  "say otherwise (flush missed)",
					  i, (unsigned long long)e->gfn,
					  (unsigned long long)e->hpa);
			else if (e->w && ((s->flags & MEMSLOT_READONLY) ||
					  (ref_logged(s) && !ref_written(s, e->gfn))))
				violation(t,
					  "vcpu %u still caches gfn %#llx writable after it was "
					  "write-protected (flush missed)",
					  i, (unsigned long long)e->gfn);
		}
	}
}

static void check_all(struct tdp_model *t, const char *op)
{
	unsigned int i;

	if (mmu_check_vm(&t->vm))
		violation(t, "after %s: %s", op, mmu_check_msg);
	for (i = 0; i < TVCPUS; i++) {
		/* vCPUs share the EPT root: walk each distinct root once */
		if (i && t->v[i].mmu.root == t->v[0].mmu.root)
			continue;
		if (mmu_check_vcpu(&t->v[i].mmu))
			violation(t, "after %s: %s", op, mmu_check_msg);
	}
	if (!t->failed)
		check_pages(t);
	if (!t->failed)
		check_tlbs(t);
	/* ASan reports a table freed before the grace period while a walker could be in it */
	for (i = 0; i < MIN(t->nwalked, (unsigned int)WALK_RING); i++)
		(void)*(const volatile u64 *)t->walked[i];
}

/* ---- operations ---- */

static void check_fixed(struct tdp_model *t, struct tvcpu *v, gfn_t gfn,
			enum guest_access_kind kind)
{
	const struct tslot *s = ref_slot(t, gfn);
	struct hw_walk w;

	if (!hw_walk(t, v, gfn, &w) || !walk_allows(&w, kind)) {
		violation(t, "gfn %#llx kind %d: the fault says fixed, the EPT still refuses",
			  (unsigned long long)gfn, kind);
		return;
	}
	if (w.level != ref_level(s, gfn))
		violation(t, "gfn %#llx kind %d: the fault mapped level %u, expected level %u",
			  (unsigned long long)gfn, kind, w.level, ref_level(s, gfn));
}

static void op_access(struct tdp_model *t, struct tvcpu *v, struct gm_rng *r, bool nomem)
{
	enum guest_access_kind kind = gm_rng_below(r, 3);
	/* the guest's MAXPHYADDR is 48 bits at most: it cannot name a frame the EPT cannot */
	gfn_t gfn = pick_gfn(t, r) & (GFN_LIMIT - 1);
	const struct tslot *s = ref_slot(t, gfn);
	bool mappable = s && !(kind == GUEST_ACCESS_WRITE && (s->flags & MEMSLOT_READONLY));
	u64 fail_after = nomem ? 1 + gm_rng_below(r, 5) : 0;
	unsigned int attempt;

	for (attempt = 0; attempt < 4; attempt++) {
		struct mmu_fault f = { .addr = gfn << 12 | gm_rng_below(r, 512) * 8, .kind = kind };
		enum mmu_fault_result res;
		struct hw_walk w;

		if (tlb_access(t, v, gfn, kind))
			return;
		if (hw_walk(t, v, gfn, &w) && walk_allows(&w, kind)) {
			hw_complete(t, v, gfn, kind, &w);
			return;
		}
		if (t->failed)
			return;
		fake.cpu = v->mmu.cpu;
		fake.fail_allocs_after = fail_after;
		res = mmu_page_fault(&v->mmu, &f);
		fake.fail_allocs_after = 0;
		fake.cpu = t->cpu;
		fail_after = 0;
		apply_flushes(t);
		t->cov.faults[MIN((unsigned int)res, (unsigned int)MMU_FAULT_NOMEM)]++;
		/* out of memory for the root itself, the fault never reached the TDP path */
		if (res != MMU_FAULT_NOMEM && f.gpa != f.addr)
			violation(t, "fault at %#llx reports gpa %#llx", (unsigned long long)f.addr,
				  (unsigned long long)f.gpa);
		switch (res) {
		case MMU_FAULT_EMULATE:
			if (mappable)
				violation(t,
					  "gfn %#llx kind %d: the MMU emulates an access the "
					  "memslot backs",
					  (unsigned long long)gfn, kind);
			return;
		case MMU_FAULT_NOMEM:
			if (!nomem)
				violation(t, "gfn %#llx: out of memory with no allocation failing",
					  (unsigned long long)gfn);
			return;
		case MMU_FAULT_INJECT_PF:
			violation(t, "gfn %#llx: a TDP fault injects #PF", (unsigned long long)gfn);
			return;
		case MMU_FAULT_FIXED:
		case MMU_FAULT_RETRY:
			if (!mappable) {
				violation(t, "gfn %#llx kind %d: mapped, but %s",
					  (unsigned long long)gfn, kind,
					  s ? "the memslot is read-only" : "no memslot backs it");
				return;
			}
			if (res == MMU_FAULT_FIXED)
				check_fixed(t, v, gfn, kind);
			break;
		}
	}
	violation(t, "gfn %#llx kind %d: no progress after 4 faults", (unsigned long long)gfn,
		  kind);
}

static unsigned int pick_id(struct gm_rng *r, unsigned int big_percent)
{
	return gm_rng_chance(r, big_percent) ? 0 : 1 + gm_rng_below(r, TSLOTS - 1);
}

static int expect(struct tdp_model *t, const char *what, unsigned int id, int got, int want)
{
	if (got != want)
		violation(t, "%s of slot %u returned %d, expected %d", what, id, got, want);
	if (got)
		t->cov.slot_refused++;
	else
		t->cov.slot_ok++;
	return got;
}

static void slot_add(struct tdp_model *t, unsigned int id, struct gm_rng *r)
{
	struct tslot *s = &t->slot[id];
	gfn_t base;
	u64 npages;
	paddr_t host = host_base(id) + host_skews[gm_rng_below(r, ARRAY_SIZE(host_skews))];
	u32 flags = 0;
	int want;

	if (id == 0) {
		base = big_bases[gm_rng_below(r, ARRAY_SIZE(big_bases))];
		npages = BIG_PAGES;
	} else {
		base = small_bases[gm_rng_below(r, ARRAY_SIZE(small_bases))];
		npages = small_sizes[gm_rng_below(r, ARRAY_SIZE(small_sizes))];
	}
	if (gm_rng_chance(r, 15))
		flags |= MEMSLOT_READONLY;
	if (id != 0 && gm_rng_chance(r, 10))
		flags |= MEMSLOT_DIRTY_LOG;
	want = base + npages > GFN_LIMIT			  ? MMU_EINVAL
	       : s->used || ref_overlaps(t, TSLOTS, base, npages) ? MMU_EEXIST
								  : MMU_OK;
	if (expect(t, "add", id, mmu_memslot_add(&t->vm, id, base, npages, host, flags), want))
		return;
	*s = (struct tslot){ .used = true, .base = base, .npages = npages, .host = host };
	if (flags & MEMSLOT_DIRTY_LOG)
		ref_log_on(s);
	s->flags = flags;
}

static void slot_delete(struct tdp_model *t, unsigned int id)
{
	struct tslot *s = &t->slot[id];

	if (expect(t, "delete", id, mmu_memslot_delete(&t->vm, id), s->used ? MMU_OK : MMU_EINVAL))
		return;
	ref_log_off(s);
	s->used = false;
}

static void slot_move(struct tdp_model *t, unsigned int id, struct gm_rng *r)
{
	struct tslot *s = &t->slot[id];
	gfn_t base = id == 0 ? big_bases[gm_rng_below(r, ARRAY_SIZE(big_bases))]
			     : small_bases[gm_rng_below(r, ARRAY_SIZE(small_bases))];
	int want = !s->used || base + s->npages > GFN_LIMIT ? MMU_EINVAL
		   : ref_overlaps(t, id, base, s->npages)   ? MMU_EEXIST
							    : MMU_OK;

	if (expect(t, "move", id, mmu_memslot_move(&t->vm, id, base), want))
		return;
	/* a moved slot comes back without dirty logging */
	ref_log_off(s);
	s->base = base;
}

static void dirty_start(struct tdp_model *t, unsigned int id)
{
	struct tslot *s = &t->slot[id];

	if (expect(t, "dirty-log start", id, mmu_dirty_log_start(&t->vm, id),
		   s->used ? MMU_OK : MMU_EINVAL) ||
	    ref_logged(s))
		return;
	ref_log_on(s);
}

static void dirty_stop(struct tdp_model *t, unsigned int id)
{
	struct tslot *s = &t->slot[id];

	if (!expect(t, "dirty-log stop", id, mmu_dirty_log_stop(&t->vm, id),
		    s->used ? MMU_OK : MMU_EINVAL))
		ref_log_off(s);
}

/* The harvested bitmap is exactly the frames written since the last harvest. */
static void dirty_harvest(struct tdp_model *t, unsigned int id)
{
	static u64 bitmap[BIG_PAGES / 64];
	struct tslot *s = &t->slot[id];
	bool on = s->used && ref_logged(s);
	u64 w, words = on ? bitmap_words(s->npages) : 0;

	memset(bitmap, 0xa5, sizeof(bitmap));
	if (expect(t, "dirty-log harvest", id, mmu_dirty_log_harvest(&t->vm, id, bitmap),
		   on ? MMU_OK : MMU_EINVAL) ||
	    !on)
		return;
	for (w = 0; w < words; w++) {
		t->cov.harvested += __builtin_popcountll(bitmap[w]);
		if (s->written[w] & ~bitmap[w])
			violation(t, "harvest of slot %u misses written frames %#llx of word %llu",
				  id, (unsigned long long)(s->written[w] & ~bitmap[w]),
				  (unsigned long long)w);
		else if (bitmap[w] & ~s->written[w])
			violation(t,
				  "harvest of slot %u reports unwritten frames %#llx of word %llu",
				  id, (unsigned long long)(bitmap[w] & ~s->written[w]),
				  (unsigned long long)w);
	}
	memset(s->written, 0, words * sizeof(u64));
}

/* Whether a leaf mapping @gfn has its accessed bit set, looking at every live page. */
static bool gfn_young(struct tdp_model *t, gfn_t gfn)
{
	struct list_head *pos;
	bool young = false;

	list_for_each (pos, &t->vm.active) {
		struct mmu_page *sp = list_entry(pos, struct mmu_page, link);
		u64 pages = SPTE_LEVEL_PAGES(sp->role.level);
		u64 e;

		if (gfn < sp->gfn || (gfn - sp->gfn) / pages >= SPTE_ENTRIES)
			continue;
		e = sp->spt[(gfn - sp->gfn) / pages];
		if (spte_present(e) && spte_is_leaf(e) && (e & EPT_ACCESSED))
			young = true;
	}
	return young;
}

static void op_age(struct tdp_model *t, struct gm_rng *r)
{
	gfn_t gfn = pick_gfn(t, r);
	bool young = gfn_young(t, gfn);

	t->cov.young += young;
	if (mmu_age_gfn(&t->vm, gfn) != young)
		violation(t, "age of gfn %#llx says %d, its leaves say %d", (unsigned long long)gfn,
			  !young, young);
	else if (gfn_young(t, gfn))
		violation(t, "age of gfn %#llx left an accessed leaf", (unsigned long long)gfn);
}

/* Each call zaps exactly min(budget, obsolete) pages, obsolete ones only. */
static void op_reclaim(struct tdp_model *t, struct gm_rng *r)
{
	u64 budget = 1 + gm_rng_below(r, 40), obsolete = t->vm.nr_obsolete;
	u64 active = t->vm.nr_active, left = mmu_reclaim_obsolete(&t->vm, budget);

	if (left != t->vm.nr_obsolete || obsolete - left != MIN(budget, obsolete) ||
	    active - t->vm.nr_active != obsolete - left)
		violation(t,
			  "reclaim with budget %llu: %llu -> %llu obsolete (returned %llu), %llu "
			  "-> %llu live",
			  (unsigned long long)budget, (unsigned long long)obsolete,
			  (unsigned long long)t->vm.nr_obsolete, (unsigned long long)left,
			  (unsigned long long)active, (unsigned long long)t->vm.nr_active);
}

static void run_op(struct tdp_model *t, const struct model_op *op)
{
	struct tvcpu *v = &t->v[op->vcpu % TVCPUS];
	struct gm_rng r = { .state = op->arg };

	switch (op->type % TOP_NR) {
	case TOP_ACCESS:
	case TOP_ACCESS_NOMEM:
		op_access(t, v, &r, op->type % TOP_NR == TOP_ACCESS_NOMEM);
		break;
	case TOP_SLOT_ADD:
		slot_add(t, pick_id(&r, 20), &r);
		break;
	case TOP_SLOT_DELETE:
		slot_delete(t, pick_id(&r, 20));
		break;
	case TOP_SLOT_MOVE:
		slot_move(t, pick_id(&r, 20), &r);
		break;
	case TOP_DIRTY_START:
		/* the 1 GiB slot rarely: starting write-protects every one of its frames */
		dirty_start(t, pick_id(&r, 4));
		break;
	case TOP_DIRTY_STOP:
		dirty_stop(t, pick_id(&r, 20));
		break;
	case TOP_DIRTY_HARVEST: {
		unsigned int id = pick_id(&r, 20), i;

		/* mostly a slot that is logging */
		for (i = 0; i < TSLOTS && gm_rng_chance(&r, 80); i++)
			if (t->slot[(id + i) % TSLOTS].used &&
			    ref_logged(&t->slot[(id + i) % TSLOTS]))
				break;
		dirty_harvest(t, (id + (i < TSLOTS ? i : 0)) % TSLOTS);
		break;
	}
	case TOP_AGE:
		op_age(t, &r);
		break;
	case TOP_ZAP_ALL:
		mmu_zap_all(&t->vm);
		if (t->vm.nr_obsolete != t->vm.nr_active)
			violation(t, "zap-all left %llu of %llu pages current",
				  (unsigned long long)(t->vm.nr_active - t->vm.nr_obsolete),
				  (unsigned long long)t->vm.nr_active);
		break;
	case TOP_RECLAIM:
		op_reclaim(t, &r);
		break;
	case TOP_GRACE:
		fake_grace_period();
		t->nwalked = 0;
		break;
	case TOP_SWITCH_CPU:
		t->cpu = gm_rng_below(&r, TVCPUS);
		fake.cpu = t->cpu;
		break;
	}
	apply_flushes(t);
}

const char *tdp_model_step(struct tdp_model *t, const struct model_op *op)
{
	unsigned int i;

	struct gm_rng r = { .state = op->arg ^ 0x6b65656c };

	fake.cpu = t->cpu;
	run_op(t, op);
	/*
	 * VM entry: a vCPU reloads an obsolete root on its own CPU before it runs again. The
	 * reload request reaches a running vCPU late, so some stay on the old root for a while
	 * (walking it, caching from it) until they exit or fault.
	 */
	for (i = 0; i < TVCPUS; i++) {
		if (gm_rng_chance(&r, 25))
			continue;
		fake.cpu = t->v[i].mmu.cpu;
		mmu_load_root(&t->v[i].mmu);
	}
	fake.cpu = t->cpu;
	apply_flushes(t);
	if (!t->failed)
		check_all(t, tdp_model_op_name(op->type % TOP_NR));
	return t->failed ? t->msg : NULL;
}

void tdp_model_coverage(const struct tdp_model *t, char *buf, size_t len)
{
	snprintf(buf, len,
		 "leaves checked 4K %llu 2M %llu 1G %llu (%llu dirty-logged); faults fixed %llu "
		 "retry %llu emulate %llu nomem %llu; hits %llu walk, %llu TLB; %llu frames "
		 "harvested; %llu young ages; memslot calls %llu done, %llu refused",
		 (unsigned long long)t->cov.leaves[1], (unsigned long long)t->cov.leaves[2],
		 (unsigned long long)t->cov.leaves[3], (unsigned long long)t->cov.logged_leaves,
		 (unsigned long long)t->cov.faults[MMU_FAULT_FIXED],
		 (unsigned long long)t->cov.faults[MMU_FAULT_RETRY],
		 (unsigned long long)t->cov.faults[MMU_FAULT_EMULATE],
		 (unsigned long long)t->cov.faults[MMU_FAULT_NOMEM],
		 (unsigned long long)t->cov.hits, (unsigned long long)t->cov.tlb_hits,
		 (unsigned long long)t->cov.harvested, (unsigned long long)t->cov.young,
		 (unsigned long long)t->cov.slot_ok, (unsigned long long)t->cov.slot_refused);
}

struct tdp_model *tdp_model_create(u64 seed)
{
	struct tdp_model *t = calloc(1, sizeof(*t));
	struct gm_rng r = { .state = seed };
	unsigned int i;

	if (!t)
		abort();
	fake_platform_reset();
	fake.ncpus = TVCPUS;
	if (mmu_vm_init(&t->vm, MMU_MODE_TDP))
		abort();
	/* the 1 GiB slot and three small ones (one that overlaps another is left out) */
	for (i = 0; i < 4; i++)
		slot_add(t, i, &r);
	for (i = 0; i < TVCPUS; i++)
		mmu_vcpu_init(&t->v[i].mmu, &t->vm, i, NULL, NULL);
	return t;
}

const char *tdp_model_destroy(struct tdp_model *t, bool dead)
{
	static char msg[128];
	const char *ret = NULL;
	unsigned int i;

	if (!dead) {
		for (i = 0; i < TVCPUS; i++)
			mmu_vcpu_destroy(&t->v[i].mmu);
		mmu_vm_destroy(&t->vm);
		fake_grace_period();
		if (fake.live_tables || fake.live_objects) {
			snprintf(msg, sizeof(msg), "teardown leaked %llu tables and %llu objects",
				 (unsigned long long)fake.live_tables,
				 (unsigned long long)fake.live_objects);
			ret = msg;
		}
	}
	for (i = 0; i < TSLOTS; i++)
		free(t->slot[i].written);
	free(t);
	return ret;
}

void tdp_model_random_op(u64 *rng_state, struct model_op *op)
{
	/* per mille */
	static const u16 weights[TOP_NR] = {
		[TOP_ACCESS] = 650,    [TOP_ACCESS_NOMEM] = 15,	 [TOP_SLOT_ADD] = 16,
		[TOP_SLOT_DELETE] = 6, [TOP_SLOT_MOVE] = 6,	 [TOP_DIRTY_START] = 25,
		[TOP_DIRTY_STOP] = 20, [TOP_DIRTY_HARVEST] = 80, [TOP_AGE] = 60,
		[TOP_ZAP_ALL] = 5,     [TOP_RECLAIM] = 40,	 [TOP_GRACE] = 45,
		[TOP_SWITCH_CPU] = 32,
	};
	struct gm_rng r = { .state = *rng_state };
	unsigned int total = 0, i, pick;

	for (i = 0; i < TOP_NR; i++)
		total += weights[i];
	pick = gm_rng_below(&r, total);
	for (i = 0; pick >= weights[i]; i++)
		pick -= weights[i];
	op->type = i;
	op->vcpu = gm_rng_below(&r, TVCPUS);
	op->arg = gm_rng_next(&r);
	*rng_state = r.state;
}
