/* SPDX-License-Identifier: GPL-2.0-only */
/* A model of guest-physical memory and a builder of guest page tables, for hosted MMU tests. */
#include <stdlib.h>
#include <string.h>

#include "guest_mem.h"

#define GM_LOG_CAP 64

struct high_frame {
	u64 gfn;
	u8 *page;
};

struct guest_mem {
	u8 *ram;
	u8 *holes;
	u64 ram_frames;
	u64 next_free;
	struct high_frame high[GUEST_MEM_MAX_HIGH];
	unsigned int nr_high;
	struct guest_mem_write log[GM_LOG_CAP];
	unsigned int log_len;
};

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p)
		abort();
	return p;
}

struct guest_mem *guest_mem_create(u64 ram_frames)
{
	struct guest_mem *gm = xcalloc(1, sizeof(*gm));

	gm->ram = xcalloc(ram_frames, GUEST_MEM_PAGE_SIZE);
	gm->holes = xcalloc(ram_frames, 1);
	gm->ram_frames = ram_frames;
	gm->next_free = 1;
	return gm;
}

void guest_mem_destroy(struct guest_mem *gm)
{
	unsigned int i;

	for (i = 0; i < gm->nr_high; i++)
		free(gm->high[i].page);
	free(gm->ram);
	free(gm->holes);
	free(gm);
}

void guest_mem_reset(struct guest_mem *gm)
{
	unsigned int i;

	memset(gm->ram, 0, gm->next_free * GUEST_MEM_PAGE_SIZE);
	memset(gm->holes, 0, gm->ram_frames);
	for (i = 0; i < gm->nr_high; i++)
		free(gm->high[i].page);
	gm->nr_high = 0;
	gm->log_len = 0;
	gm->next_free = 1;
}

bool guest_mem_add_high_frame(struct guest_mem *gm, u64 gfn)
{
	if (gm->nr_high == GUEST_MEM_MAX_HIGH || gfn < gm->ram_frames)
		return false;
	gm->high[gm->nr_high].gfn = gfn;
	gm->high[gm->nr_high].page = xcalloc(1, GUEST_MEM_PAGE_SIZE);
	gm->nr_high++;
	return true;
}

void guest_mem_set_hole(struct guest_mem *gm, u64 gfn, bool hole)
{
	if (gfn < gm->ram_frames)
		gm->holes[gfn] = hole;
}

u64 guest_mem_ram_frames(const struct guest_mem *gm)
{
	return gm->ram_frames;
}

static u8 *frame_of(const struct guest_mem *gm, u64 gfn)
{
	unsigned int i;

	if (gfn < gm->ram_frames)
		return gm->holes[gfn] ? NULL : gm->ram + gfn * GUEST_MEM_PAGE_SIZE;
	for (i = 0; i < gm->nr_high; i++) {
		if (gm->high[i].gfn == gfn)
			return gm->high[i].page;
	}
	return NULL;
}

static u8 *byte_of(const struct guest_mem *gm, u64 gpa)
{
	u8 *frame = frame_of(gm, gpa / GUEST_MEM_PAGE_SIZE);

	return frame ? frame + gpa % GUEST_MEM_PAGE_SIZE : NULL;
}

bool guest_mem_is_ram(const struct guest_mem *gm, u64 gpa)
{
	return byte_of(gm, gpa) != NULL;
}

u64 guest_mem_alloc_frame(struct guest_mem *gm)
{
	while (gm->next_free < gm->ram_frames && gm->holes[gm->next_free])
		gm->next_free++;
	if (gm->next_free >= gm->ram_frames)
		return 0;
	return gm->next_free++;
}

u64 guest_mem_load(const struct guest_mem *gm, u64 gpa, unsigned int len)
{
	u8 *p = byte_of(gm, gpa);
	u64 val = 0;

	if (!p || gpa % len)
		abort();
	memcpy(&val, p, len);
	return val;
}

void guest_mem_store(struct guest_mem *gm, u64 gpa, u64 val, unsigned int len)
{
	u8 *p = byte_of(gm, gpa);

	if (!p || gpa % len)
		abort();
	memcpy(p, &val, len);
}

static int gm_read(void *ctx, u64 gpa, void *buf, unsigned int len)
{
	u8 *p = byte_of(ctx, gpa);

	if (!p)
		return -1;
	memcpy(buf, p, len);
	return 0;
}

static int gm_cmpxchg(void *ctx, u64 gpa, u64 old, u64 new_val, unsigned int len)
{
	struct guest_mem *gm = ctx;
	u8 *p = byte_of(gm, gpa);
	u64 cur = 0;

	if (!p)
		return -1;
	memcpy(&cur, p, len);
	if (cur != old)
		return 1;
	if (gm->log_len == GM_LOG_CAP)
		abort();
	gm->log[gm->log_len++] = (struct guest_mem_write){ gpa, old, new_val, len };
	memcpy(p, &new_val, len);
	return 0;
}

const struct guest_mem_ops guest_mem_ops = {
	.read = gm_read,
	.cmpxchg = gm_cmpxchg,
};

struct guest_mem_access guest_mem_access_of(struct guest_mem *gm)
{
	return (struct guest_mem_access){ .ops = &guest_mem_ops, .ctx = gm };
}

unsigned int guest_mem_log_count(const struct guest_mem *gm)
{
	return gm->log_len;
}

const struct guest_mem_write *guest_mem_log_entry(const struct guest_mem *gm, unsigned int i)
{
	return &gm->log[i];
}

void guest_mem_log_clear(struct guest_mem *gm)
{
	gm->log_len = 0;
}

void guest_mem_log_rollback(struct guest_mem *gm)
{
	while (gm->log_len) {
		const struct guest_mem_write *wr = &gm->log[--gm->log_len];

		guest_mem_store(gm, wr->gpa, wr->old, wr->len);
	}
}

u64 gm_rng_next(struct gm_rng *rng)
{
	u64 z = (rng->state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

u64 gm_rng_below(struct gm_rng *rng, u64 n)
{
	return gm_rng_next(rng) % n;
}

bool gm_rng_chance(struct gm_rng *rng, unsigned int percent)
{
	return gm_rng_below(rng, 100) < percent;
}

int gpt_root_level(const struct gpt *g)
{
	static const int levels[] = {
		[GUEST_PAGING_32] = 2,
		[GUEST_PAGING_PAE] = 3,
		[GUEST_PAGING_4LEVEL] = 4,
		[GUEST_PAGING_5LEVEL] = 5,
	};

	return levels[g->mode];
}

unsigned int gpt_entry_size(const struct gpt *g)
{
	return g->mode == GUEST_PAGING_32 ? GPT32_ENTRY_SIZE : GPT64_ENTRY_SIZE;
}

static unsigned int gpt_index_bits(const struct gpt *g)
{
	return g->mode == GUEST_PAGING_32 ? GPT32_INDEX_BITS : GPT64_INDEX_BITS;
}

static u64 gpt_index(const struct gpt *g, u64 gva, int level)
{
	unsigned int bits = gpt_index_bits(g);

	return (gva >> (GPT_PAGE_SHIFT + bits * (level - 1))) & ((1ULL << bits) - 1);
}

static u64 gpt_table_of(const struct gpt *g, u64 entry)
{
	return entry & (g->mode == GUEST_PAGING_32 ? GPT32_ADDR_MASK : PTE_ADDR_MASK);
}

bool gpt_init(struct gpt *g, struct guest_mem *gm, enum guest_paging_mode mode)
{
	u64 gfn = guest_mem_alloc_frame(gm);

	g->gm = gm;
	g->mode = mode;
	g->root = gfn * GUEST_MEM_PAGE_SIZE;
	return gfn != 0;
}

u64 gpt_cr3(const struct gpt *g, u64 low_bits)
{
	if (g->mode == GUEST_PAGING_PAE)
		return g->root | (low_bits & GPT_BITS(4, 0));
	return g->root | (low_bits & GPT_PAGE_OFFSET_MASK);
}

void gpt_load_pdptes(const struct gpt *g, u64 pdptes[GPT_PAE_PDPTE_COUNT])
{
	unsigned int i;

	for (i = 0; i < GPT_PAE_PDPTE_COUNT; i++)
		pdptes[i] = guest_mem_load(g->gm, g->root + i * GPT64_ENTRY_SIZE, GPT64_ENTRY_SIZE);
}

u64 gpt_get(const struct gpt *g, u64 entry_gpa)
{
	return guest_mem_load(g->gm, entry_gpa, gpt_entry_size(g));
}

void gpt_set(const struct gpt *g, u64 entry_gpa, u64 val)
{
	guest_mem_store(g->gm, entry_gpa, val, gpt_entry_size(g));
}

static u64 gpt_slot(const struct gpt *g, u64 table, u64 gva, int level)
{
	return table + gpt_index(g, gva, level) * gpt_entry_size(g);
}

u64 gpt_entry_gpa(const struct gpt *g, u64 gva, int level)
{
	u64 table = g->root;
	int l;

	for (l = gpt_root_level(g); l > level; l--) {
		u64 e;

		if (!guest_mem_is_ram(g->gm, table))
			return 0;
		e = gpt_get(g, gpt_slot(g, table, gva, l));
		if (!(e & PTE_P) || (l < 3 && (e & PTE_PS)))
			return 0;
		table = gpt_table_of(g, e);
	}
	return guest_mem_is_ram(g->gm, table) ? gpt_slot(g, table, gva, level) : 0;
}

/* Returns the table the entry at @slot links to, creating it when the entry is not present. */
static u64 gpt_descend(struct gpt *g, u64 slot, int level, u64 table_flags)
{
	u64 e = gpt_get(g, slot);
	u64 gfn;

	if (e & PTE_P)
		return (level < 3 && (e & PTE_PS)) ? 0 : gpt_table_of(g, e);
	gfn = guest_mem_alloc_frame(g->gm);
	if (!gfn)
		return 0;
	gpt_set(g, slot, gfn * GUEST_MEM_PAGE_SIZE | table_flags | PTE_P);
	return gfn * GUEST_MEM_PAGE_SIZE;
}

bool gpt_map(struct gpt *g, u64 gva, int level, u64 leaf, u64 table_flags)
{
	u64 table = g->root;
	int l;

	for (l = gpt_root_level(g); l > level; l--) {
		/* A PAE PDPTE has no R/W, U/S, A or XD: those bits are reserved there. */
		u64 flags = (g->mode == GUEST_PAGING_PAE && l == 3) ? 0 : table_flags;

		table = gpt_descend(g, gpt_slot(g, table, gva, l), l, flags);
		if (!table || !guest_mem_is_ram(g->gm, table))
			return false;
	}
	gpt_set(g, gpt_slot(g, table, gva, level), leaf);
	return true;
}

/* A random address the mode can translate. */
static u64 random_gva(const struct gpt *g, struct gm_rng *rng)
{
	unsigned int bits = g->mode == GUEST_PAGING_5LEVEL   ? 57
			    : g->mode == GUEST_PAGING_4LEVEL ? 48
							     : 32;

	return gm_rng_next(rng) & GPT_BITS(bits - 1, 0);
}

/* Random permission and A/D bits, mostly permissive so that walks reach their leaves. */
static u64 random_rights(struct gm_rng *rng, const struct gpt_random_params *p)
{
	u64 e = PTE_P;

	if (gm_rng_chance(rng, p->not_present_percent))
		e &= ~PTE_P;
	if (gm_rng_chance(rng, 80))
		e |= PTE_W;
	if (gm_rng_chance(rng, 75))
		e |= PTE_U;
	if (gm_rng_chance(rng, 50))
		e |= PTE_A;
	if (gm_rng_chance(rng, 30))
		e |= PTE_D;
	if (gm_rng_chance(rng, 20))
		e |= PTE_PWT | PTE_PCD;
	if (gm_rng_chance(rng, 10))
		e |= PTE_NX;
	return e;
}

static u64 random_bit(const struct gpt *g, struct gm_rng *rng)
{
	return 1ULL << gm_rng_below(rng, gpt_entry_size(g) * 8);
}

/* A random frame address below 2^maxphyaddr (32-bit paging: below 2^40, PSE-36's limit). */
static u64 random_frame(const struct gpt *g, struct gm_rng *rng, unsigned int maxphyaddr)
{
	unsigned int bits = g->mode == GUEST_PAGING_32 ? 32 : MIN(maxphyaddr, GPT_MAX_PHYADDR);

	return gm_rng_next(rng) & GPT_BITS(bits - 1, GPT_PAGE_SHIFT);
}

/* The frame a new table entry links to: usually a fresh table, sometimes something odd. */
static u64 random_table(struct gpt *g, struct gm_rng *rng, const struct gpt_random_params *p)
{
	u64 gfn;

	if (gm_rng_chance(rng, p->unbacked_percent))
		return random_frame(g, rng, p->maxphyaddr);
	if (gm_rng_chance(rng, p->alias_percent))
		return (1 + gm_rng_below(rng, guest_mem_ram_frames(g->gm) - 1)) *
		       GUEST_MEM_PAGE_SIZE;
	if (g->mode != GUEST_PAGING_32 && gm_rng_chance(rng, 5)) {
		gfn = (1ULL << (MIN(p->maxphyaddr, 40) - GPT_PAGE_SHIFT)) - 1 -
		      gm_rng_below(rng, 64);
		if (guest_mem_is_ram(g->gm, gfn * GUEST_MEM_PAGE_SIZE) ||
		    guest_mem_add_high_frame(g->gm, gfn))
			return gfn * GUEST_MEM_PAGE_SIZE;
	}
	gfn = guest_mem_alloc_frame(g->gm);
	return gfn * GUEST_MEM_PAGE_SIZE;
}

static u64 random_leaf(struct gpt *g, struct gm_rng *rng, const struct gpt_random_params *p,
		       int level)
{
	u64 e = random_rights(rng, p) | random_frame(g, rng, p->maxphyaddr);

	if (level > 1)
		e |= PTE_PS;
	if (gm_rng_chance(rng, 20))
		e |= PTE_G;
	if (g->mode == GUEST_PAGING_32) {
		e &= GPT_BITS(31, 0);
		if (level == 2) {
			e &= ~GPT_BITS(GPT32_4M_RSVD_TOP, GPT32_4M_HI_SHIFT);
			if (gm_rng_chance(rng, 50))
				e |= gm_rng_next(rng) &
				     GPT_BITS(GPT32_4M_RSVD_TOP - 1, GPT32_4M_HI_SHIFT);
		}
	} else if (level > 1) {
		e &= ~GPT_BITS(GPT_PAGE_SHIFT + 9 * (level - 1) - 1, GPT_PAGE_SHIFT + 1);
	}
	if (g->mode >= GUEST_PAGING_4LEVEL)
		e |= gm_rng_next(rng) & GPT_PKEY_MASK;
	return e;
}

/* Writes the entries for one random mapping of @gva, creating or reusing tables on the way. */
static void random_mapping(struct gpt *g, struct gm_rng *rng, const struct gpt_random_params *p,
			   u64 gva)
{
	int level = 1 + (int)gm_rng_below(rng, MIN(gpt_root_level(g), 3));
	u64 table = g->root;
	int l;

	for (l = gpt_root_level(g); l > level; l--) {
		u64 slot = gpt_slot(g, table, gva, l);
		u64 e;

		if (!guest_mem_is_ram(g->gm, slot))
			return;
		e = gpt_get(g, slot);
		if (!(e & PTE_P) || gm_rng_chance(rng, 3)) {
			e = random_rights(rng, p) | random_table(g, rng, p);
			if (g->mode == GUEST_PAGING_PAE && l == 3)
				e &= PTE_P | PTE_ADDR_MASK;
			if (g->mode == GUEST_PAGING_32)
				e &= GPT_BITS(31, 0);
			if (gm_rng_chance(rng, p->rsvd_percent))
				e |= random_bit(g, rng);
			gpt_set(g, slot, e);
		}
		if (!(e & PTE_P) || gpt_table_of(g, e) == 0)
			return;
		table = gpt_table_of(g, e);
	}
	if (!guest_mem_is_ram(g->gm, gpt_slot(g, table, gva, level)))
		return;
	gpt_set(g, gpt_slot(g, table, gva, level),
		random_leaf(g, rng, p, level) |
			(gm_rng_chance(rng, p->rsvd_percent) ? random_bit(g, rng) : 0));
}

void gpt_build_random(struct gpt *g, struct gm_rng *rng, const struct gpt_random_params *p,
		      u64 *gvas)
{
	unsigned int i;

	for (i = 0; i < p->nr_maps; i++) {
		gvas[i] = random_gva(g, rng);
		random_mapping(g, rng, p, gvas[i]);
	}
}
