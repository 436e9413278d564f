/* SPDX-License-Identifier: GPL-2.0-only */
/* The guest page-table walker: one walk for every paging mode, driven by a mode descriptor. */
#include <vmm/mmu/walk.h>

/*
 * What differs between the paging modes. Everything else (present, reserved bits, access
 * rights, A/D) is the same code for all of them; the reserved-bit masks are in rsvd_mask().
 */
struct paging_mode_desc {
	int root_level;
	unsigned int entry_size;
	unsigned int index_bits;
	bool long_mode; /* 4/5-level: 64-bit linear addresses, protection keys */
};

static const struct paging_mode_desc paging_modes[] = {
	[GUEST_PAGING_32] = { .root_level = 2,
			      .entry_size = GPT32_ENTRY_SIZE,
			      .index_bits = GPT32_INDEX_BITS },
	[GUEST_PAGING_PAE] = { .root_level = 3,
			       .entry_size = GPT64_ENTRY_SIZE,
			       .index_bits = GPT64_INDEX_BITS },
	[GUEST_PAGING_4LEVEL] = { .root_level = 4,
				  .entry_size = GPT64_ENTRY_SIZE,
				  .index_bits = GPT64_INDEX_BITS,
				  .long_mode = true },
	[GUEST_PAGING_5LEVEL] = { .root_level = 5,
				  .entry_size = GPT64_ENTRY_SIZE,
				  .index_bits = GPT64_INDEX_BITS,
				  .long_mode = true },
};

/* One walk's fixed inputs, decoded once from the registers. */
struct walk_ctx {
	const struct paging_mode_desc *desc;
	const struct guest_paging_state *st;
	const struct guest_mem_access *mem;
	enum guest_paging_mode mode;
	enum guest_access_kind kind;
	unsigned int maxphyaddr;
	u64 rsvd_high; /* PAE and 4/5-level: bits from MAXPHYADDR up, and XD without EFER.NXE */
	bool user;     /* a user-mode access: CPL 3 and not implicit */
	bool implicit; /* an implicit supervisor-mode access */
	bool peek;
	u64 gva;
};

/* A walk that must start over: an A/D cmpxchg found its entry changed. */
#define WALK_RESTART (-1)

enum guest_paging_mode guest_paging_mode(u64 cr0, u64 cr4, u64 efer)
{
	if (!(cr0 & X86_CR0_PG))
		return GUEST_PAGING_OFF;
	if (!(cr4 & X86_CR4_PAE))
		return GUEST_PAGING_32;
	if (!(efer & EFER_LMA))
		return GUEST_PAGING_PAE;
	return (cr4 & X86_CR4_LA57) ? GUEST_PAGING_5LEVEL : GUEST_PAGING_4LEVEL;
}

/* Bits hi..lo, or none when lo > hi (a field that is empty at this MAXPHYADDR). */
static u64 bit_range(unsigned int hi, unsigned int lo)
{
	return lo > hi ? 0 : GPT_BITS(hi, lo);
}

bool guest_pae_pdpte_valid(u64 pdpte, unsigned int maxphyaddr)
{
	if (!(pdpte & PTE_P))
		return true;
	return !(pdpte & (GPT_PAE_PDPTE_RSVD_LOW | bit_range(63, maxphyaddr)));
}

static bool cr0_wp(const struct walk_ctx *c)
{
	return c->st->cr0 & X86_CR0_WP;
}

static bool cr4_has(const struct walk_ctx *c, u64 bit)
{
	return c->st->cr4 & bit;
}

static bool nxe(const struct walk_ctx *c)
{
	return c->st->efer & EFER_NXE;
}

static unsigned int level_shift(const struct walk_ctx *c, int level)
{
	return GPT_PAGE_SHIFT + c->desc->index_bits * (level - 1);
}

/* XD is an entry bit only in PAE and 4/5-level paging, and only with EFER.NXE. */
static u64 xd_rsvd(const struct walk_ctx *c)
{
	return nxe(c) ? 0 : PTE_NX;
}

static u64 rsvd_mask_32(const struct walk_ctx *c, bool leaf_large)
{
	unsigned int m = MIN(c->maxphyaddr, GPT32_PSE36_MAX_PHYADDR);

	if (!leaf_large)
		return 0;
	return bit_range(GPT32_4M_RSVD_TOP, m - GPT32_4M_HI_ADDR_SHIFT + GPT32_4M_HI_SHIFT);
}

static u64 rsvd_mask_pae(const struct walk_ctx *c, int level, bool leaf_large)
{
	u64 mask = c->rsvd_high;

	if (level == 3)
		return GPT_PAE_PDPTE_RSVD_LOW | bit_range(63, c->maxphyaddr);
	if (leaf_large)
		mask |= bit_range(level_shift(c, level) - 1, GPT_LARGE_RSVD_LOW);
	return mask;
}

static u64 rsvd_mask_long(const struct walk_ctx *c, int level, bool leaf_large)
{
	u64 mask = c->rsvd_high;

	if (level >= 4 || (level == 3 && !c->st->gbpages))
		mask |= PTE_PS;
	if (leaf_large)
		mask |= bit_range(level_shift(c, level) - 1, GPT_LARGE_RSVD_LOW);
	return mask;
}

/* The part of every entry's reserved bits that depends on the walk only, computed once. */
static u64 rsvd_high(const struct walk_ctx *c)
{
	if (c->mode == GUEST_PAGING_PAE)
		return bit_range(GPT_PAE_RSVD_TOP, c->maxphyaddr) | xd_rsvd(c);
	if (c->desc->long_mode)
		return bit_range(GPT64_RSVD_TOP, c->maxphyaddr) | xd_rsvd(c);
	return 0;
}

/* Bits that must be 0 in a present entry at @level (SDM Vol. 3A, 4.3 to 4.5). */
static u64 rsvd_mask(const struct walk_ctx *c, int level, bool leaf_large)
{
	if (c->mode == GUEST_PAGING_32)
		return rsvd_mask_32(c, leaf_large);
	if (c->mode == GUEST_PAGING_PAE)
		return rsvd_mask_pae(c, level, leaf_large);
	return rsvd_mask_long(c, level, leaf_large);
}

/*
 * Whether a present entry maps a page rather than a table. PS is honoured in a PDE, in a 4/5-level
 * PDPTE, and in a 32-bit PDE only with CR4.PSE; where PS is reserved, rsvd_mask() catches it.
 */
static bool entry_is_leaf(const struct walk_ctx *c, int level, u64 pte)
{
	if (level == 1)
		return true;
	if (!(pte & PTE_PS))
		return false;
	if (c->mode == GUEST_PAGING_32)
		return cr4_has(c, X86_CR4_PSE);
	return level <= 3;
}

static u64 table_addr(const struct walk_ctx *c, u64 pte)
{
	return pte & (c->mode == GUEST_PAGING_32 ? GPT32_ADDR_MASK : PTE_ADDR_MASK);
}

static u64 root_table(const struct walk_ctx *c)
{
	if (c->mode == GUEST_PAGING_32)
		return c->st->cr3 & GPT32_ADDR_MASK;
	if (c->mode == GUEST_PAGING_PAE)
		return c->st->cr3 & GPT_PAE_CR3_PDPT_MASK;
	return c->st->cr3 & bit_range(c->maxphyaddr - 1, GPT_PAGE_SHIFT);
}

static u64 entry_gpa(const struct walk_ctx *c, u64 table, int level)
{
	u64 index = (c->gva >> level_shift(c, level)) & ((1ULL << c->desc->index_bits) - 1);

	return table + index * c->desc->entry_size;
}

/* The access one entry allows; a PAE PDPTE has no R/W, U/S or XD and allows everything. */
static unsigned int entry_access(const struct walk_ctx *c, int level, u64 pte)
{
	unsigned int acc = 0;

	if (c->mode == GUEST_PAGING_PAE && level == 3)
		return GUEST_ACC_ALL;
	if (pte & PTE_W)
		acc |= GUEST_ACC_W;
	if (pte & PTE_U)
		acc |= GUEST_ACC_U;
	if (!(pte & PTE_NX))
		acc |= GUEST_ACC_X;
	return acc;
}

/* W/R, U/S and I/D describe the access, whatever the fault (SDM Vol. 3A, 4.7). */
static u32 access_error_bits(const struct walk_ctx *c)
{
	u32 err = 0;

	if (c->kind == GUEST_ACCESS_WRITE)
		err |= PF_ERR_W;
	if (c->user)
		err |= PF_ERR_U;
	if (c->kind == GUEST_ACCESS_FETCH &&
	    (cr4_has(c, X86_CR4_SMEP) || (c->mode != GUEST_PAGING_32 && nxe(c))))
		err |= PF_ERR_I;
	return err;
}

static enum guest_walk_status walk_fault(const struct walk_ctx *c, struct guest_walk *w, u32 cause)
{
	w->status = GUEST_WALK_FAULT;
	w->error_code = cause | access_error_bits(c);
	return w->status;
}

/* P = 0 or a reserved bit: there is no translation, so no access rights either (4.7). */
static enum guest_walk_status walk_no_translation(const struct walk_ctx *c, struct guest_walk *w,
						  u32 cause)
{
	w->access = 0;
	return walk_fault(c, w, cause);
}

static enum guest_walk_status walk_unbacked(struct guest_walk *w, int level)
{
	int l;

	w->access = 0;
	w->gpa = 0;
	w->page_size = 0;
	w->pkey = 0;
	for (l = level; l >= 1; l--)
		w->pte[l - 1] = 0;
	for (l = level - 1; l >= 1; l--)
		w->pte_gpa[l - 1] = 0;
	w->level = level;
	w->status = GUEST_WALK_UNBACKED;
	return w->status;
}

/* Reads the entry for @level from @table, or the PDPTE register for PAE level 3. */
static bool read_entry(const struct walk_ctx *c, struct guest_walk *w, int level, u64 table)
{
	u64 gpa = entry_gpa(c, table, level);
	u64 val = 0;

	w->pte_gpa[level - 1] = gpa;
	if (c->mode == GUEST_PAGING_PAE && level == 3) {
		val = c->st->pdptes[(gpa - table) / GPT64_ENTRY_SIZE];
	} else if (c->mem->ops->read(c->mem->ctx, gpa, &val, c->desc->entry_size)) {
		return false;
	}
	w->pte[level - 1] = val;
	return true;
}

/*
 * SMAP blocks a supervisor data access to a user-mode address unless it is explicit and
 * RFLAGS.AC = 1 (SDM Vol. 3A, 4.6.1).
 */
static bool smap_blocks(const struct walk_ctx *c)
{
	if (!cr4_has(c, X86_CR4_SMAP))
		return false;
	return c->implicit || !(c->st->rflags & X86_RFLAGS_AC);
}

/* Whether the U/S, R/W and XD rights plus CR0.WP, SMEP and SMAP forbid the access (4.6.1). */
static bool rights_forbid(const struct walk_ctx *c, unsigned int acc)
{
	bool user_page = acc & GUEST_ACC_U;

	if (c->user) {
		if (!user_page)
			return true;
		if (c->kind == GUEST_ACCESS_WRITE)
			return !(acc & GUEST_ACC_W);
		return c->kind == GUEST_ACCESS_FETCH && !(acc & GUEST_ACC_X);
	}
	if (c->kind == GUEST_ACCESS_FETCH)
		return !(acc & GUEST_ACC_X) || (user_page && cr4_has(c, X86_CR4_SMEP));
	if (user_page && smap_blocks(c))
		return true;
	return c->kind == GUEST_ACCESS_WRITE && !(acc & GUEST_ACC_W) && cr0_wp(c);
}

/*
 * Protection keys govern data accesses to user-mode addresses in 4/5-level paging: AD forbids
 * any, WD forbids writes by user mode and, with CR0.WP, by supervisor mode (4.6.2).
 */
static bool pkey_forbids(const struct walk_ctx *c, const struct guest_walk *w)
{
	u32 pkru = c->st->pkru;

	if (!c->desc->long_mode || !cr4_has(c, X86_CR4_PKE))
		return false;
	if (!(w->access & GUEST_ACC_U) || c->kind == GUEST_ACCESS_FETCH)
		return false;
	if (pkru & PKRU_AD(w->pkey))
		return true;
	return c->kind == GUEST_ACCESS_WRITE && (pkru & PKRU_WD(w->pkey)) && (c->user || cr0_wp(c));
}

/* Fills in the page the leaf at w->level maps. */
static void finish_translation(const struct walk_ctx *c, struct guest_walk *w)
{
	u64 pte = w->pte[w->level - 1];
	u64 offset_mask;

	w->page_size = 1ULL << level_shift(c, w->level);
	offset_mask = w->page_size - 1;
	if (c->mode == GUEST_PAGING_32 && w->level == 2) {
		w->gpa = (pte & GPT32_4M_ADDR_MASK) |
			 ((pte & GPT_BITS(GPT32_4M_RSVD_TOP - 1, GPT32_4M_HI_SHIFT))
			  << (GPT32_4M_HI_ADDR_SHIFT - GPT32_4M_HI_SHIFT));
	} else {
		w->gpa = table_addr(c, pte) & ~offset_mask;
	}
	w->gpa |= c->gva & offset_mask;
	if (c->desc->long_mode && cr4_has(c, X86_CR4_PKE))
		w->pkey = (pte & GPT_PKEY_MASK) >> GPT_PKEY_SHIFT;
}

/*
 * One pass from the root to the leaf: reads, present and reserved checks, access rights.
 * *@flags_and collects the AND of the entries read, for accessed_dirty_set().
 */
static enum guest_walk_status walk_tables(const struct walk_ctx *c, struct guest_walk *w,
					  u64 *flags_and)
{
	u64 table = root_table(c);
	int level;

	w->access = GUEST_ACC_ALL;
	for (level = c->desc->root_level;; level--) {
		u64 pte;
		bool leaf;

		w->level = level;
		if (!read_entry(c, w, level, table))
			return walk_unbacked(w, level);
		pte = w->pte[level - 1];
		if (!(pte & PTE_P))
			return walk_no_translation(c, w, 0);
		leaf = entry_is_leaf(c, level, pte);
		if (pte & rsvd_mask(c, level, leaf && level > 1))
			return walk_no_translation(c, w, PF_ERR_P | PF_ERR_RSVD);
		w->access &= entry_access(c, level, pte);
		*flags_and &= pte;
		if (leaf)
			break;
		table = table_addr(c, pte);
	}
	finish_translation(c, w);
	if (pkey_forbids(c, w))
		return walk_fault(c, w, PF_ERR_P | PF_ERR_PK);
	if (rights_forbid(c, w->access))
		return walk_fault(c, w, PF_ERR_P);
	w->status = GUEST_WALK_OK;
	return w->status;
}

/*
 * Sets A in every entry the translation used, top to leaf, and D in the leaf for a write, as
 * the CPU does (SDM Vol. 3A, 4.8). Each update is a cmpxchg against the value the walk read:
 * if the guest changed the entry meanwhile the translation may be stale, so the walk restarts.
 * The PDPTE registers of PAE paging have no A flag and are not in memory.
 */
static int set_accessed_dirty(const struct walk_ctx *c, struct guest_walk *w)
{
	int level;

	for (level = w->root_level; level >= w->level; level--) {
		u64 old = w->pte[level - 1];
		u64 want = PTE_A;
		int ret;

		if (c->mode == GUEST_PAGING_PAE && level == 3)
			continue;
		if (level == w->level && c->kind == GUEST_ACCESS_WRITE)
			want |= PTE_D;
		if ((old & want) == want)
			continue;
		ret = c->mem->ops->cmpxchg(c->mem->ctx, w->pte_gpa[level - 1], old, old | want,
					   c->desc->entry_size);
		if (ret < 0)
			return walk_unbacked(w, level);
		if (ret > 0)
			return WALK_RESTART;
		w->pte[level - 1] = old | want;
	}
	return GUEST_WALK_OK;
}

/* Whether every entry used has A set already, and the leaf D for a write: nothing to update. */
static bool accessed_dirty_set(const struct walk_ctx *c, const struct guest_walk *w, u64 flags_and)
{
	/* A PAE PDPTE register has no A flag (bit 5 is reserved there): only the PDE and PTE. */
	if (c->mode == GUEST_PAGING_PAE)
		flags_and = w->pte[1] & (w->level == 1 ? w->pte[0] : ~0ULL);
	if (!(flags_and & PTE_A))
		return false;
	return c->kind != GUEST_ACCESS_WRITE || (w->pte[w->level - 1] & PTE_D);
}

static void walk_reset(const struct walk_ctx *c, struct guest_walk *w)
{
	*w = (struct guest_walk){
		.mode = c->mode,
		.gva = c->gva,
		.root_level = c->desc->root_level,
	};
}

static enum guest_walk_status walk_paging_off(const struct walk_ctx *c, struct guest_walk *w)
{
	*w = (struct guest_walk){
		.status = GUEST_WALK_OK,
		.mode = GUEST_PAGING_OFF,
		.gva = c->gva,
		.gpa = c->gva,
		.page_size = 1ULL << GPT_PAGE_SHIFT,
		.access = GUEST_ACC_ALL,
	};
	return w->status;
}

static void walk_ctx_init(struct walk_ctx *c, const struct guest_mem_access *mem,
			  const struct guest_paging_state *st, u64 gva, enum guest_access_kind kind,
			  unsigned int flags)
{
	c->mode = guest_paging_mode(st->cr0, st->cr4, st->efer);
	c->desc = &paging_modes[c->mode];
	c->st = st;
	c->mem = mem;
	c->kind = kind;
	c->maxphyaddr = MIN(MAX(st->maxphyaddr, 32), GPT_MAX_PHYADDR);
	c->implicit = flags & GUEST_WALK_IMPLICIT;
	c->peek = flags & GUEST_WALK_PEEK;
	c->user = st->cpl == 3 && !c->implicit;
	c->gva = c->desc->long_mode ? gva : (u32)gva;
	c->rsvd_high = rsvd_high(c);
}

bool guest_pte_reserved(const struct guest_paging_state *st, int level, u64 pte)
{
	struct walk_ctx c;

	walk_ctx_init(&c, NULL, st, 0, GUEST_ACCESS_READ, 0);
	if (c.mode == GUEST_PAGING_OFF)
		return false;
	return pte & rsvd_mask(&c, level, entry_is_leaf(&c, level, pte) && level > 1);
}

enum guest_walk_status guest_walk(struct guest_walk *w, const struct guest_mem_access *mem,
				  const struct guest_paging_state *st, u64 gva,
				  enum guest_access_kind kind, unsigned int flags)
{
	struct walk_ctx c;
	int attempt;

	walk_ctx_init(&c, mem, st, gva, kind, flags);
	if (c.mode == GUEST_PAGING_OFF)
		return walk_paging_off(&c, w);
	for (attempt = 0; attempt < GUEST_WALK_MAX_ATTEMPTS; attempt++) {
		u64 flags_and = ~0ULL;
		int ret;

		walk_reset(&c, w);
		if (walk_tables(&c, w, &flags_and) != GUEST_WALK_OK || c.peek ||
		    accessed_dirty_set(&c, w, flags_and))
			return w->status;
		ret = set_accessed_dirty(&c, w);
		if (ret != WALK_RESTART)
			return w->status;
	}
	w->status = GUEST_WALK_RETRY;
	return w->status;
}
