/* SPDX-License-Identifier: GPL-2.0-only */
/* The MMU model: guest memory, two vCPUs, random guest operations, and the checks after each. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arch/paging.h>

#include "fake_platform.h"
#include "guest_mem.h"
#include "mmu_check.h"
#include "model.h"
#include "model_tdp.h"
#include "ref_walk.h"

#define RAM_FRAMES   256
#define SLOT0_FRAMES 192
#define SLOT1_BASE   SLOT0_FRAMES
#define SLOT1_FRAMES (RAM_FRAMES - SLOT0_FRAMES)
#define HOST0	     0x4000000000ULL
#define HOST1	     0x8000000000ULL
#define MAXPHYADDR   40
#define VCPUS	     2
#define CTXS	     3
#define GVAS	     12

struct model_ctx {
	struct gpt gpt;
	u64 gvas[GVAS];
};

struct model_vcpu {
	struct guest_paging_state st;
	struct mmu_vcpu mmu;
	struct model_ctx ctx[CTXS];
	unsigned int cur;
};

struct model {
	enum model_mode mode;
	struct tdp_model *tdp; /* the TDP half's state; NULL in shadow mode */
	u64 seed;
	struct guest_mem *gm;
	struct mmu_vm vm;
	struct model_vcpu v[VCPUS];
	bool slot1;
	bool dirty_log;
	u64 dirty_expect[SLOT0_FRAMES / 64];
	u64 steps;
	bool dead; /* an MMU assertion fired: its state is abandoned, not torn down */
	unsigned int violations;
	char msg[512];
};

static const char *const op_names[MOP_NR] = {
	[MOP_ACCESS] = "access",   [MOP_WRITE_PTE] = "write-pte", [MOP_INVLPG] = "invlpg",
	[MOP_CR3] = "cr3",	   [MOP_FLUSH] = "flush",	  [MOP_CR_BITS] = "cr-bits",
	[MOP_ZAP_ALL] = "zap-all", [MOP_MEMSLOT] = "memslot",	  [MOP_DIRTY_LOG] = "dirty-log",
	[MOP_AGE] = "age",	   [MOP_SWITCH_CPU] = "cpu",	  [MOP_GRACE] = "grace",
	[MOP_REBOOT] = "reboot",
};

static const char *const mode_names[MODEL_NR_MODES] = {
	[MODEL_SHADOW] = "shadow",
	[MODEL_TDP] = "tdp",
};

const char *model_mode_name(enum model_mode mode)
{
	return mode < MODEL_NR_MODES ? mode_names[mode] : "?";
}

const char *model_op_name(enum model_mode mode, unsigned int type)
{
	if (mode == MODEL_TDP)
		return tdp_model_op_name(type);
	return type < MOP_NR ? op_names[type] : "?";
}

static void violation(struct model *m, const char *fmt, ...)
{
	va_list ap;

	if (m->violations++)
		return;
	va_start(ap, fmt);
	vsnprintf(m->msg, sizeof(m->msg), fmt, ap);
	va_end(ap);
}

const char *model_violation(const struct model *m)
{
	return m->msg;
}

const struct mmu_stats *model_stats(const struct model *m)
{
	return m->tdp ? tdp_model_stats(m->tdp) : &m->vm.stats;
}

void model_coverage(const struct model *m, char *buf, size_t len)
{
	if (m->tdp)
		tdp_model_coverage(m->tdp, buf, len);
	else if (len)
		buf[0] = 0;
}

/* Guest RAM as the MMU sees it: only frames inside a memslot. */
static bool in_slot(const struct model *m, u64 gfn)
{
	return gfn < SLOT0_FRAMES || (m->slot1 && gfn >= SLOT1_BASE && gfn < RAM_FRAMES);
}

static int mem_read(void *ctx, u64 gpa, void *buf, unsigned int len)
{
	struct model *m = ctx;

	if (!in_slot(m, gpa >> 12))
		return -1;
	return guest_mem_ops.read(m->gm, gpa, buf, len);
}

static int mem_cmpxchg(void *ctx, u64 gpa, u64 old, u64 new_val, unsigned int len)
{
	struct model *m = ctx;

	if (!in_slot(m, gpa >> 12))
		return -1;
	return guest_mem_ops.cmpxchg(m->gm, gpa, old, new_val, len);
}

static const struct guest_mem_ops model_mem_ops = { .read = mem_read, .cmpxchg = mem_cmpxchg };

static struct guest_mem_access mem_of(struct model *m)
{
	return (struct guest_mem_access){ .ops = &model_mem_ops, .ctx = m };
}

static u64 host_to_gfn(u64 hpa)
{
	if (hpa >= HOST1)
		return SLOT1_BASE + ((hpa - HOST1) >> 12);
	return (hpa - HOST0) >> 12;
}

static enum guest_paging_mode mode_of(const struct model_vcpu *v)
{
	return guest_paging_mode(v->st.cr0, v->st.cr4, v->st.efer);
}

/* ---- building guest page tables ---- */

static u64 small_gva(struct gm_rng *r, enum guest_paging_mode mode)
{
	u64 gva = gm_rng_below(r, 8) << 21 | gm_rng_below(r, 16) << 12;

	if (gm_rng_chance(r, 30))
		gva |= 0xc0000000ULL;
	if (mode >= GUEST_PAGING_4LEVEL && gm_rng_chance(r, 20))
		gva |= 1ULL << 39;
	return gva;
}

static u64 random_flags(struct gm_rng *r)
{
	u64 f = PTE_P;

	if (gm_rng_chance(r, 8))
		f = 0;
	if (gm_rng_chance(r, 70))
		f |= PTE_W;
	if (gm_rng_chance(r, 70))
		f |= PTE_U;
	if (gm_rng_chance(r, 60))
		f |= PTE_A;
	if (gm_rng_chance(r, 40))
		f |= PTE_D;
	return f;
}

/* A frame for a leaf: usually plain RAM, sometimes one of the guest's own tables. */
static u64 random_target(struct model *m, struct gm_rng *r, const struct model_ctx *c,
			 enum guest_paging_mode mode)
{
	if (mode != GUEST_PAGING_OFF && gm_rng_chance(r, 25)) {
		u64 gva = c->gvas[gm_rng_below(r, GVAS)];
		int level = 1 + gm_rng_below(r, gpt_root_level(&c->gpt));
		u64 e = gpt_entry_gpa(&c->gpt, gva, level);

		if (e)
			return e >> 12;
	}
	return 1 + gm_rng_below(r, RAM_FRAMES - 1);
}

static void build_ctx(struct model *m, struct gm_rng *r, struct model_ctx *c,
		      enum guest_paging_mode mode)
{
	struct gpt_random_params p = {
		.maxphyaddr = MAXPHYADDR,
		.nr_maps = 3,
		.not_present_percent = 10,
		.rsvd_percent = 5,
		.unbacked_percent = 5,
		.alias_percent = 20,
	};
	unsigned int i;

	if (mode == GUEST_PAGING_OFF) {
		for (i = 0; i < GVAS; i++)
			c->gvas[i] = gm_rng_below(r, RAM_FRAMES + 8) << 12;
		return;
	}
	if (!gpt_init(&c->gpt, m->gm, mode))
		return;
	gpt_build_random(&c->gpt, r, &p, c->gvas);
	for (i = p.nr_maps; i < GVAS; i++) {
		u64 flags = random_flags(r);
		u64 tflags = PTE_W | PTE_U | PTE_A;

		c->gvas[i] = small_gva(r, mode);
		if (gm_rng_chance(r, 15))
			tflags &= ~(gm_rng_chance(r, 50) ? PTE_W : PTE_U);
		if (mode != GUEST_PAGING_32 && gm_rng_chance(r, 10))
			flags |= PTE_NX;
		gpt_map(&c->gpt, c->gvas[i], 1, (random_target(m, r, c, mode) << 12) | flags,
			tflags);
	}
}

static void load_pdptes(struct model_vcpu *v)
{
	unsigned int i;

	if (mode_of(v) != GUEST_PAGING_PAE)
		return;
	gpt_load_pdptes(&v->ctx[v->cur].gpt, v->st.pdptes);
	/* A CR3 load with a bad PDPTE would #GP; the model keeps such a register not present. */
	for (i = 0; i < GPT_PAE_PDPTE_COUNT; i++)
		if (!guest_pae_pdpte_valid(v->st.pdptes[i], MAXPHYADDR))
			v->st.pdptes[i] = 0;
}

static u64 cr3_of(const struct model_vcpu *v, unsigned int ctx)
{
	u64 pcid = (v->st.cr4 & X86_CR4_PCIDE) ? ctx + 1 : 0;

	if (mode_of(v) == GUEST_PAGING_OFF)
		return 0;
	return gpt_cr3(&v->ctx[ctx].gpt, pcid);
}

static void set_mode(struct model_vcpu *v, struct gm_rng *r, enum guest_paging_mode mode)
{
	struct guest_paging_state *st = &v->st;

	st->cr0 = X86_CR0_PE | (gm_rng_chance(r, 80) ? X86_CR0_WP : 0);
	st->cr4 = 0;
	st->efer = gm_rng_chance(r, 80) ? EFER_NXE : 0;
	if (mode != GUEST_PAGING_OFF)
		st->cr0 |= X86_CR0_PG;
	if (mode == GUEST_PAGING_32 && gm_rng_chance(r, 70))
		st->cr4 |= X86_CR4_PSE;
	if (mode >= GUEST_PAGING_PAE)
		st->cr4 |= X86_CR4_PAE;
	if (mode >= GUEST_PAGING_4LEVEL) {
		st->efer |= EFER_LME | EFER_LMA;
		if (gm_rng_chance(r, 50))
			st->cr4 |= X86_CR4_PCIDE;
		if (gm_rng_chance(r, 30))
			st->cr4 |= X86_CR4_PKE;
	}
	if (mode == GUEST_PAGING_5LEVEL)
		st->cr4 |= X86_CR4_LA57;
	if (gm_rng_chance(r, 30))
		st->cr4 |= X86_CR4_SMEP;
	if (gm_rng_chance(r, 30))
		st->cr4 |= X86_CR4_SMAP;
	st->pkru = gm_rng_chance(r, 50) ? (u32)gm_rng_next(r) : 0;
	st->rflags = gm_rng_chance(r, 30) ? X86_RFLAGS_AC : 0;
	st->maxphyaddr = MAXPHYADDR;
	st->gbpages = true;
	v->cur = 0;
	st->cr3 = cr3_of(v, 0);
	load_pdptes(v);
}

static void build_world(struct model *m, u64 seed)
{
	struct gm_rng r = { .state = seed };
	unsigned int i, c;

	guest_mem_reset(m->gm);
	for (i = 0; i < VCPUS; i++) {
		enum guest_paging_mode mode = gm_rng_below(&r, 5);

		if (mode == GUEST_PAGING_OFF && gm_rng_chance(&r, 50))
			mode = GUEST_PAGING_4LEVEL;
		for (c = 0; c < CTXS; c++)
			build_ctx(m, &r, &m->v[i].ctx[c], mode);
		/* the first context always has a root; set_mode reads it */
		set_mode(&m->v[i], &r, mode);
	}
}

struct model *model_create(enum model_mode mode, u64 seed)
{
	struct model *m = calloc(1, sizeof(*m));
	unsigned int i;

	if (!m)
		abort();
	m->mode = mode;
	m->seed = seed;
	if (mode == MODEL_TDP) {
		m->tdp = tdp_model_create(seed);
		return m;
	}
	fake_platform_reset();
	fake.ncpus = VCPUS;
	m->gm = guest_mem_create(RAM_FRAMES);
	m->slot1 = true;
	if (mmu_vm_init(&m->vm, MMU_MODE_SHADOW) ||
	    mmu_memslot_add(&m->vm, 0, 0, SLOT0_FRAMES, HOST0, 0) ||
	    mmu_memslot_add(&m->vm, 1, SLOT1_BASE, SLOT1_FRAMES, HOST1, 0))
		abort();
	build_world(m, seed);
	for (i = 0; i < VCPUS; i++) {
		struct guest_mem_access mem = mem_of(m);

		mmu_vcpu_init(&m->v[i].mmu, &m->vm, i, &m->v[i].st, &mem);
		mmu_paging_changed(&m->v[i].mmu);
	}
	return m;
}

/* ---- what the CPU would do on the shadow tables ---- */

static bool pk_applies(const struct model_vcpu *v)
{
	enum guest_paging_mode mode = mode_of(v);

	return (v->st.cr4 & X86_CR4_PKE) && mode >= GUEST_PAGING_4LEVEL;
}

/*
 * Whether the CPU, running the guest on the shadow (CR0.WP forced to 1, the guest's SMEP, SMAP,
 * PKE, PKRU and RFLAGS.AC), lets the access through a leaf granting @acc with key @pkey.
 */
static bool hw_allows(const struct model_vcpu *v, unsigned int acc, unsigned int pkey,
		      enum guest_access_kind kind, bool user)
{
	const struct guest_paging_state *st = &v->st;
	bool paging = st->cr0 & X86_CR0_PG;

	if (kind == GUEST_ACCESS_FETCH)
		return (acc & ACC_EXEC) &&
		       (user ? (acc & ACC_USER)
			     : !(paging && (st->cr4 & X86_CR4_SMEP) && (acc & ACC_USER)));
	if (kind == GUEST_ACCESS_WRITE && !(acc & ACC_WRITE))
		return false;
	if (user && !(acc & ACC_USER))
		return false;
	if (!user && paging && (acc & ACC_USER) && (st->cr4 & X86_CR4_SMAP) &&
	    !(st->rflags & X86_RFLAGS_AC))
		return false;
	if (pk_applies(v) && (acc & ACC_USER)) {
		if (st->pkru & PKRU_AD(pkey))
			return false;
		if (kind == GUEST_ACCESS_WRITE && (st->pkru & PKRU_WD(pkey)))
			return false;
	}
	return true;
}

static const struct mmu_page *leaf_page(struct model_vcpu *v, u64 gva)
{
	struct mmu_page *sp = mmu_top_page(&v->mmu, gva);

	while (sp) {
		u64 spte = sp->spt[shadow_index(gva, sp->role.level)];

		if (!spte_present(spte) || spte_is_leaf(spte))
			return sp;
		sp = spte_child(spte);
	}
	return NULL;
}

/*
 * The shadow lets @kind at @gva through: the guest must allow the same access to the same frame
 * with every A flag on the way set, and D for a write. An unsync page may still hold what the
 * guest allowed before its last edit, until the next flush; @strict says no flush is pending.
 */
static void check_leaf(struct model *m, struct model_vcpu *v, u64 gva, bool strict)
{
	static const enum guest_access_kind kinds[] = { GUEST_ACCESS_READ, GUEST_ACCESS_WRITE,
							GUEST_ACCESS_FETCH };
	struct guest_mem_access mem = mem_of(m);
	const struct mmu_page *sp = leaf_page(v, gva);
	unsigned int acc, k, u;
	int l;
	u64 spte = mmu_shadow_lookup(&v->mmu, gva, &acc);
	u8 cpl = v->st.cpl;

	if (!spte || !sp || (!strict && sp->unsync))
		return;
	for (u = 0; u < 2; u++) {
		for (k = 0; k < ARRAY_SIZE(kinds); k++) {
			struct guest_walk w;
			unsigned int pkey = (spte >> 59) & 0xf;

			if (!hw_allows(v, acc, pkey, kinds[k], u))
				continue;
			v->st.cpl = u ? 3 : 0;
			ref_walk(&w, &mem, &v->st, gva, kinds[k], GUEST_WALK_PEEK);
			v->st.cpl = cpl;
			if (w.status != GUEST_WALK_OK) {
				violation(
					m,
					"vcpu %ld gva %#llx: shadow lets %s %s through, guest "
					"faults (status %d, error %#x, spte %#llx, page unsync %d)",
					v - m->v, (unsigned long long)gva,
					u ? "user" : "supervisor",
					k == 0	 ? "read"
					: k == 1 ? "write"
						 : "fetch",
					w.status, w.error_code, (unsigned long long)spte,
					sp->unsync);
				return;
			}
			if ((w.gpa >> 12) != host_to_gfn(spte & SPTE_ADDR_MASK)) {
				violation(m,
					  "vcpu %ld gva %#llx: shadow maps gfn %#llx, guest %#llx",
					  v - m->v, (unsigned long long)gva,
					  (unsigned long long)host_to_gfn(spte & SPTE_ADDR_MASK),
					  (unsigned long long)(w.gpa >> 12));
				return;
			}
			for (l = MAX(w.level, 1); l <= w.root_level; l++) {
				bool pdpte = w.mode == GUEST_PAGING_PAE && l == 3;

				if (!pdpte && !(w.pte[l - 1] & PTE_A))
					violation(m, "vcpu %ld gva %#llx: mapped, level %d A clear",
						  v - m->v, (unsigned long long)gva, l);
			}
			if (kinds[k] == GUEST_ACCESS_WRITE && w.level &&
			    !(w.pte[w.level - 1] & PTE_D))
				violation(m, "vcpu %ld gva %#llx: writable, guest D clear",
					  v - m->v, (unsigned long long)gva);
		}
	}
}

/* Every leaf the vCPU's root reaches, by enumerating the shadow. */
static void check_tree(struct model *m, struct model_vcpu *v, struct mmu_page *sp, u64 base,
		       bool strict)
{
	unsigned int i, level = sp->role.level;

	for (i = 0; i < SPTE_ENTRIES && !m->violations; i++) {
		u64 spte = sp->spt[i];
		u64 gva = base | (u64)i << SPTE_LEVEL_SHIFT(level);

		if (!spte_present(spte))
			continue;
		if (level == 5 || (level == 4 && sp->role.guest_levels == 4))
			gva = (u64)((s64)(gva << (level == 5 ? 7 : 16)) >> (level == 5 ? 7 : 16));
		if (spte_is_leaf(spte))
			check_leaf(m, v, gva, strict);
		else
			check_tree(m, v, spte_child(spte), gva, strict);
	}
}

static void check_all_leaves(struct model *m, struct model_vcpu *v, bool strict)
{
	unsigned int i;

	if (v->mmu.root) {
		check_tree(m, v, v->mmu.root, 0, strict);
		return;
	}
	for (i = 0; i < MMU_PAE_ROOTS; i++)
		if (v->mmu.pae_pages[i])
			check_tree(m, v, v->mmu.pae_pages[i], (u64)i << 30, strict);
}

/* ---- operations ---- */

static u64 pick_gva(struct model_vcpu *v, struct gm_rng *r)
{
	u64 gva = v->ctx[v->cur].gvas[gm_rng_below(r, GVAS)];

	if (gm_rng_chance(r, 10))
		gva += (gm_rng_below(r, 3) - 1) * 4096;
	if (mode_of(v) < GUEST_PAGING_4LEVEL)
		gva &= 0xffffffffULL;
	else if (mode_of(v) == GUEST_PAGING_4LEVEL)
		gva = (u64)((s64)(gva << 16) >> 16);
	else
		gva = (u64)((s64)(gva << 7) >> 7);
	return gva & ~0xfffULL;
}

/*
 * How a guest write reaches memory: through a writable SPTE (the dirty log must report it),
 * through the emulator (the MMU is told), or through a mapping the model does not follow (a
 * frame no shadow page tracks, so no MMU state depends on it).
 */
enum store_path {
	STORE_SHADOW,
	STORE_EMULATED,
	STORE_UNTRACKED,
};

static void guest_store(struct model *m, struct model_vcpu *v, u64 gpa, u64 val, unsigned int len,
			enum store_path path)
{
	u64 gfn = gpa >> 12;

	if (!in_slot(m, gfn))
		return;
	guest_mem_store(m->gm, gpa, val, len);
	if (path == STORE_EMULATED)
		mmu_track_write(&v->mmu, gpa, len);
	if (path == STORE_SHADOW && m->dirty_log && gfn < SLOT0_FRAMES)
		m->dirty_expect[gfn / 64] |= BIT(gfn % 64);
}

static u64 pte_like(struct model *m, struct model_vcpu *v, struct gm_rng *r)
{
	return (random_target(m, r, &v->ctx[v->cur], mode_of(v)) << 12) | random_flags(r);
}

/*
 * A plausible edit of a paging-structure entry: one right flipped, A/D cleared, a new frame, or
 * a new frame with A (and D if writable) already set, as fork copies entries.
 */
static u64 mutate_entry(struct model *m, struct gm_rng *r, const struct model_ctx *c,
			enum guest_paging_mode mode, u64 old, unsigned int size)
{
	switch (gm_rng_below(r, 7)) {
	case 0:
		return old ^ PTE_P;
	case 1:
		return old ^ PTE_W;
	case 2:
		return old ^ PTE_U;
	case 3:
		return old & ~(gm_rng_chance(r, 50) ? PTE_A : PTE_D);
	case 4:
		return (old & ~PTE_ADDR_MASK) | (random_target(m, r, c, mode) << 12);
	case 5:
		return (old & ~PTE_ADDR_MASK) | (random_target(m, r, c, mode) << 12) | PTE_A |
		       ((old & PTE_W) ? PTE_D : 0);
	default:
		return size == 8 ? old ^ (gm_rng_chance(r, 50) ? PTE_NX : BIT(51)) : old ^ PTE_PS;
	}
}

/* The byte offset of a guest entry some 4 KiB-level shadow page of @gfn maps, or -1. */
static s64 shadowed_entry(struct model *m, struct gm_rng *r, u64 gfn)
{
	unsigned int i, start = gm_rng_below(r, SPTE_ENTRIES);
	struct mmu_page *sp;

	for_each_gfn_page(&m->vm, sp, gfn)
	{
		if (sp->role.level != 1 || sp->role.direct || sp->role.gpte_4byte)
			continue;
		for (i = 0; i < SPTE_ENTRIES; i++) {
			unsigned int idx = (start + i) % SPTE_ENTRIES;

			if (spte_present(sp->spt[idx]))
				return idx * 8;
		}
	}
	return -1;
}

/*
 * What a guest write through the shadow stores: into a frame the MMU shadows, usually an edit
 * of an entry that a shadow page maps (so that unsync pages really go stale); else data.
 */
static void shadow_write_value(struct model *m, struct model_vcpu *v, struct gm_rng *r, u64 gfn,
			       u64 *off, u64 *val)
{
	s64 entry = gm_rng_chance(r, 80) ? shadowed_entry(m, r, gfn) : -1;

	*val = pte_like(m, v, r);
	if (entry < 0)
		return;
	*off = entry;
	*val = mutate_entry(m, r, &v->ctx[v->cur], mode_of(v),
			    guest_mem_load(m->gm, (gfn << 12) | *off, 8), 8);
}

/*
 * The guest touches @gva. The CPU tries the shadow; on a miss the MMU handles the fault, and
 * its verdict is checked against the reference walker run on the same guest state: an injected
 * #PF must carry the reference's error code, and the A/D updates must be the reference's.
 */
static void op_access(struct model *m, struct model_vcpu *v, struct gm_rng *r)
{
	static const enum guest_access_kind kinds[] = { GUEST_ACCESS_READ, GUEST_ACCESS_WRITE,
							GUEST_ACCESS_FETCH };
	struct guest_mem_access mem = mem_of(m);
	enum guest_access_kind kind = kinds[gm_rng_below(r, 3)];
	u64 gva = pick_gva(v, r), off = gm_rng_below(r, 512) * 8;
	unsigned int attempt, acc, i;
	bool implicit;

	v->st.cpl = gm_rng_chance(r, 50) ? 3 : 0;
	implicit = kind != GUEST_ACCESS_FETCH && gm_rng_chance(r, 5);
	for (attempt = 0; attempt < 4; attempt++) {
		struct mmu_fault f = { .addr = gva, .kind = kind };
		struct guest_walk ref;
		enum mmu_fault_result res;
		unsigned int nref;
		struct guest_mem_write refw[GPT_MAX_LEVELS + 1];
		u64 spte = mmu_shadow_lookup(&v->mmu, gva, &acc);

		if (implicit)
			f.walk_flags = GUEST_WALK_IMPLICIT;
		if (spte && !implicit &&
		    hw_allows(v, acc, (spte >> 59) & 0xf, kind, v->st.cpl == 3)) {
			check_leaf(m, v, gva, false);
			if (kind == GUEST_ACCESS_WRITE) {
				u64 gfn = host_to_gfn(spte & SPTE_ADDR_MASK), val;

				shadow_write_value(m, v, r, gfn, &off, &val);
				guest_store(m, v, gfn << 12 | off, val, 8, STORE_SHADOW);
			}
			return;
		}
		guest_mem_log_clear(m->gm);
		ref_walk(&ref, &mem, &v->st, gva, kind, f.walk_flags);
		nref = MIN(guest_mem_log_count(m->gm), ARRAY_SIZE(refw));
		for (i = 0; i < nref; i++)
			refw[i] = *guest_mem_log_entry(m->gm, i);
		guest_mem_log_rollback(m->gm);
		res = mmu_page_fault(&v->mmu, &f);
		if (res == MMU_FAULT_INJECT_PF &&
		    (ref.status != GUEST_WALK_FAULT || ref.error_code != f.error_code)) {
			violation(m,
				  "gva %#llx kind %d cpl %u: MMU injects #PF(%#x), reference "
				  "status %d error %#x",
				  (unsigned long long)gva, kind, v->st.cpl, f.error_code,
				  ref.status, ref.error_code);
		}
		if ((res == MMU_FAULT_FIXED || res == MMU_FAULT_RETRY) &&
		    ref.status != GUEST_WALK_OK)
			violation(m,
				  "gva %#llx kind %d cpl %u: MMU maps it, reference status %d "
				  "error %#x",
				  (unsigned long long)gva, kind, v->st.cpl, ref.status,
				  ref.error_code);
		if (res == MMU_FAULT_FIXED || res == MMU_FAULT_INJECT_PF) {
			bool same = guest_mem_log_count(m->gm) == nref;

			for (i = 0; same && i < nref; i++) {
				const struct guest_mem_write *w = guest_mem_log_entry(m->gm, i);

				same = w->gpa == refw[i].gpa && w->new_val == refw[i].new_val;
			}
			if (!same)
				violation(
					m,
					"gva %#llx kind %d: A/D updates differ from the reference",
					(unsigned long long)gva, kind);
		}
		guest_mem_log_clear(m->gm);
		if (res == MMU_FAULT_INJECT_PF || res == MMU_FAULT_NOMEM)
			return;
		if (res == MMU_FAULT_EMULATE) {
			/* The emulator redoes the access on the guest's own translation. */
			if (ref.status == GUEST_WALK_OK && kind == GUEST_ACCESS_WRITE)
				guest_store(m, v, (ref.gpa & ~0xfffULL) | off, pte_like(m, v, r), 8,
					    STORE_EMULATED);
			return;
		}
		if (implicit)
			return;
	}
	violation(m, "gva %#llx kind %d cpl %u: no progress after 4 faults",
		  (unsigned long long)gva, kind, v->st.cpl);
}

static void op_write_pte(struct model *m, struct model_vcpu *v, struct gm_rng *r)
{
	struct model_ctx *c = &v->ctx[gm_rng_below(r, CTXS)];
	enum guest_paging_mode mode = mode_of(v);
	unsigned int size, level;
	u64 gpa, old, val;

	if (mode == GUEST_PAGING_OFF || !c->gpt.root || c->gpt.mode != mode)
		return;
	size = gpt_entry_size(&c->gpt);
	level = 1 + gm_rng_below(r, gpt_root_level(&c->gpt));
	gpa = gpt_entry_gpa(&c->gpt, c->gvas[gm_rng_below(r, GVAS)], level);
	if (!gpa || !in_slot(m, gpa >> 12))
		return;
	old = guest_mem_load(m->gm, gpa, size);
	val = mutate_entry(m, r, c, mode, old, size);
	if (size == 4)
		val &= 0xffffffffULL;
	guest_store(m, v, gpa, val, size,
		    mmu_gfn_write_tracked(&m->vm, gpa >> 12) ? STORE_EMULATED : STORE_UNTRACKED);
}

static void op_cr3(struct model *m, struct model_vcpu *v, struct gm_rng *r)
{
	unsigned int ctx = gm_rng_below(r, CTXS);
	bool noflush = (v->st.cr4 & X86_CR4_PCIDE) && gm_rng_chance(r, 50);

	if (mode_of(v) == GUEST_PAGING_OFF || !v->ctx[ctx].gpt.root ||
	    v->ctx[ctx].gpt.mode != mode_of(v))
		return;
	v->cur = ctx;
	v->st.cr3 = cr3_of(v, ctx);
	load_pdptes(v);
	mmu_cr3_load(&v->mmu, v->st.cr3 | (noflush ? BIT(63) : 0));
	check_all_leaves(m, v, !noflush);
}

static void op_cr_bits(struct model *m, struct model_vcpu *v, struct gm_rng *r)
{
	enum guest_paging_mode mode = mode_of(v);

	switch (gm_rng_below(r, 8)) {
	case 0:
		v->st.cr0 ^= X86_CR0_WP;
		break;
	case 1:
		v->st.cr4 ^= X86_CR4_SMEP;
		break;
	case 2:
		v->st.cr4 ^= X86_CR4_SMAP;
		break;
	case 3:
		if (mode >= GUEST_PAGING_4LEVEL)
			v->st.cr4 ^= X86_CR4_PKE;
		break;
	case 4:
		v->st.efer ^= EFER_NXE;
		break;
	case 5:
		v->st.pkru = (u32)gm_rng_next(r);
		return;
	case 6:
		v->st.rflags ^= X86_RFLAGS_AC;
		return;
	default:
		if (mode >= GUEST_PAGING_4LEVEL) {
			v->st.cr4 ^= X86_CR4_PCIDE;
			v->st.cr3 = cr3_of(v, v->cur);
		}
		break;
	}
	mmu_paging_changed(&v->mmu);
	check_all_leaves(m, v, true);
}

static void op_memslot(struct model *m)
{
	if (m->slot1) {
		m->slot1 = false;
		if (mmu_memslot_delete(&m->vm, 1))
			violation(m, "memslot delete failed");
		return;
	}
	if (mmu_memslot_add(&m->vm, 1, SLOT1_BASE, SLOT1_FRAMES, HOST1, 0))
		violation(m, "memslot add failed");
	m->slot1 = true;
}

static void op_dirty_log(struct model *m, struct gm_rng *r)
{
	u64 bitmap[SLOT0_FRAMES / 64];
	unsigned int i;

	if (!m->dirty_log) {
		m->dirty_log = !mmu_dirty_log_start(&m->vm, 0);
		memset(m->dirty_expect, 0, sizeof(m->dirty_expect));
		return;
	}
	if (gm_rng_chance(r, 20)) {
		mmu_dirty_log_stop(&m->vm, 0);
		m->dirty_log = false;
		return;
	}
	mmu_dirty_log_harvest(&m->vm, 0, bitmap);
	for (i = 0; i < ARRAY_SIZE(bitmap); i++)
		if (m->dirty_expect[i] & ~bitmap[i])
			violation(m, "dirty log misses frames %#llx in word %u",
				  (unsigned long long)(m->dirty_expect[i] & ~bitmap[i]), i);
	memset(m->dirty_expect, 0, sizeof(m->dirty_expect));
}

static void op_reboot(struct model *m, u64 arg)
{
	unsigned int i;

	mmu_zap_all(&m->vm);
	build_world(m, arg);
	for (i = 0; i < VCPUS; i++) {
		mmu_paging_changed(&m->v[i].mmu);
		check_all_leaves(m, &m->v[i], true);
	}
}

static void run_op(struct model *m, const struct model_op *op)
{
	struct model_vcpu *v = &m->v[op->vcpu % VCPUS];
	struct gm_rng r = { .state = op->arg };

	switch (op->type % MOP_NR) {
	case MOP_ACCESS:
		op_access(m, v, &r);
		break;
	case MOP_WRITE_PTE:
		op_write_pte(m, v, &r);
		break;
	case MOP_INVLPG: {
		u64 gva = pick_gva(v, &r);

		mmu_invlpg(&v->mmu, gva);
		check_leaf(m, v, gva, true);
		break;
	}
	case MOP_CR3:
		op_cr3(m, v, &r);
		break;
	case MOP_FLUSH:
		mmu_flush_guest_tlb(&v->mmu, gm_rng_chance(&r, 50));
		check_all_leaves(m, v, true);
		break;
	case MOP_CR_BITS:
		op_cr_bits(m, v, &r);
		break;
	case MOP_ZAP_ALL:
		mmu_zap_all(&m->vm);
		break;
	case MOP_MEMSLOT:
		op_memslot(m);
		break;
	case MOP_DIRTY_LOG:
		op_dirty_log(m, &r);
		break;
	case MOP_AGE:
		mmu_age_gfn(&m->vm, gm_rng_below(&r, RAM_FRAMES));
		break;
	case MOP_SWITCH_CPU:
		fake.cpu = gm_rng_below(&r, VCPUS);
		break;
	case MOP_GRACE:
		fake_grace_period();
		break;
	case MOP_REBOOT:
		op_reboot(m, op->arg);
		break;
	}
}

unsigned int model_step(struct model *m, const struct model_op *op)
{
	unsigned int i;

	if (m->dead)
		return m->violations;
	fake.expect_panic = true;
	if (setjmp(fake.panic_jmp)) {
		fake.fail_allocs_after = 0;
		violation(m, "after %s: panic: %s",
			  model_op_name(m->mode, op->type % (m->tdp ? TOP_NR : MOP_NR)),
			  fake.panic_msg);
		m->dead = true;
		return m->violations;
	}
	if (m->tdp) {
		const char *why = tdp_model_step(m->tdp, op);

		if (why)
			violation(m, "%s", why);
		m->steps++;
		fake.expect_panic = false;
		return m->violations;
	}
	run_op(m, op);
	m->steps++;
	/*
	 * VM entry: a vCPU reloads obsolete or invalid roots before it runs again (the kernel
	 * requests it of every vCPU after a zap-all); the checks below look at what it would run.
	 */
	for (i = 0; i < VCPUS; i++)
		mmu_load_root(&m->v[i].mmu);
	if (mmu_check_vm(&m->vm))
		violation(m, "after %s: %s", model_op_name(m->mode, op->type % MOP_NR),
			  mmu_check_msg);
	for (i = 0; i < VCPUS; i++) {
		if (mmu_check_vcpu(&m->v[i].mmu))
			violation(m, "after %s: %s", model_op_name(m->mode, op->type % MOP_NR),
				  mmu_check_msg);
		check_all_leaves(m, &m->v[i], false);
	}
	fake.expect_panic = false;
	return m->violations;
}

unsigned int model_destroy(struct model *m)
{
	unsigned int i, n;

	fake.expect_panic = true;
	if (!m->dead && setjmp(fake.panic_jmp)) {
		violation(m, "teardown: panic: %s", fake.panic_msg);
		m->dead = true;
	}
	if (m->tdp) {
		const char *why = tdp_model_destroy(m->tdp, m->dead);

		fake.expect_panic = false;
		if (why)
			violation(m, "%s", why);
		n = m->violations;
		free(m);
		return n;
	}
	if (m->dead) {
		n = m->violations;
		guest_mem_destroy(m->gm);
		free(m);
		return n;
	}
	for (i = 0; i < VCPUS; i++)
		mmu_vcpu_destroy(&m->v[i].mmu);
	mmu_vm_destroy(&m->vm);
	fake_grace_period();
	fake.expect_panic = false;
	if (fake.live_tables || fake.live_objects)
		violation(m, "teardown leaked %llu tables and %llu objects",
			  (unsigned long long)fake.live_tables,
			  (unsigned long long)fake.live_objects);
	guest_mem_destroy(m->gm);
	n = m->violations;
	free(m);
	return n;
}

/* ---- op generation, replay, shrinking ---- */

void model_random_op(enum model_mode mode, u64 *rng_state, struct model_op *op)
{
	/* per mille */
	static const u16 weights[MOP_NR] = {
		[MOP_ACCESS] = 600, [MOP_WRITE_PTE] = 200, [MOP_INVLPG] = 50,
		[MOP_CR3] = 50,	    [MOP_FLUSH] = 30,	   [MOP_CR_BITS] = 15,
		[MOP_ZAP_ALL] = 2,  [MOP_MEMSLOT] = 2,	   [MOP_DIRTY_LOG] = 15,
		[MOP_AGE] = 10,	    [MOP_SWITCH_CPU] = 10, [MOP_GRACE] = 15,
		[MOP_REBOOT] = 1,
	};

	struct gm_rng r = { .state = *rng_state };
	unsigned int total = 0, i, pick;

	if (mode == MODEL_TDP) {
		tdp_model_random_op(rng_state, op);
		return;
	}
	for (i = 0; i < MOP_NR; i++)
		total += weights[i];
	pick = gm_rng_below(&r, total);
	for (i = 0; pick >= weights[i]; i++)
		pick -= weights[i];
	op->type = i;
	op->vcpu = gm_rng_below(&r, VCPUS);
	op->arg = gm_rng_next(&r);
	*rng_state = r.state;
}

u64 model_replay(enum model_mode mode, u64 seed, const struct model_op *ops, u64 n, char *msg,
		 size_t msg_len)
{
	struct model *m = model_create(mode, seed);
	u64 i;

	for (i = 0; i < n; i++)
		if (model_step(m, &ops[i]))
			break;
	if (i < n && msg)
		snprintf(msg, msg_len, "%s", m->msg);
	if (model_destroy(m) && i == n) {
		if (msg)
			snprintf(msg, msg_len, "violation at teardown");
		return n ? n - 1 : 0;
	}
	return i;
}

static bool still_fails(enum model_mode mode, u64 seed, const struct model_op *ops, u64 n)
{
	return model_replay(mode, seed, ops, n, NULL, 0) < n;
}

/*
 * First the shortest failing suffix (the recent past usually suffices), then ddmin: drop
 * chunks while the sequence still fails, halving the chunk size. Stops refining after
 * @budget_s seconds of CPU time and keeps the shortest sequence found so far.
 */
u64 model_shrink(enum model_mode mode, u64 seed, struct model_op *ops, u64 n, double budget_s)
{
	struct model_op *trial = malloc(n * sizeof(*ops));
	clock_t end_at = clock() + (clock_t)(budget_s * CLOCKS_PER_SEC);
	u64 chunk, k;

	if (!trial)
		abort();
	for (k = 16; k < n; k *= 2) {
		if (still_fails(mode, seed, ops + n - k, k)) {
			memmove(ops, ops + n - k, k * sizeof(*ops));
			n = k;
			break;
		}
	}
	for (chunk = n / 2 ? n / 2 : 1; chunk >= 1 && clock() < end_at;) {
		bool removed = false;
		u64 start;

		for (start = 0; start < n && clock() < end_at;) {
			u64 end = MIN(start + chunk, n), t = 0, i;

			for (i = 0; i < n; i++)
				if (i < start || i >= end)
					trial[t++] = ops[i];
			if (t && still_fails(mode, seed, trial, t)) {
				memcpy(ops, trial, t * sizeof(*ops));
				n = t;
				removed = true;
			} else {
				start = end;
			}
		}
		if (!removed)
			chunk /= 2;
	}
	free(trial);
	return n;
}
