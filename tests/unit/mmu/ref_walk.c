/* SPDX-License-Identifier: GPL-2.0-only */
/* A plain reference guest page-table walker, for differential tests of vmm/mmu/walk.c. */
#include "ref_walk.h"

struct ref {
	const struct guest_mem_access *mem;
	const struct guest_paging_state *st;
	enum guest_paging_mode mode;
	enum guest_access_kind kind;
	unsigned int m; /* MAXPHYADDR */
	bool user;
	bool implicit;
	bool peek;
};

/* Bits hi..lo, built one at a time; empty when lo > hi. */
static u64 ones(unsigned int hi, unsigned int lo)
{
	u64 mask = 0;
	unsigned int b;

	for (b = lo; b <= hi && b < 64; b++)
		mask |= 1ULL << b;
	return mask;
}

static bool bit_set(u64 val, unsigned int bit)
{
	return (val >> bit) & 1;
}

static bool ref_read(const struct ref *r, u64 gpa, unsigned int len, u64 *val)
{
	*val = 0;
	return r->mem->ops->read(r->mem->ctx, gpa, val, len) == 0;
}

/* Error-code bits from the access alone: W/R (bit 1), U/S (bit 2), I/D (bit 4). */
static u32 ref_access_bits(const struct ref *r)
{
	u32 err = 0;
	bool smep = bit_set(r->st->cr4, 20);
	bool pae = bit_set(r->st->cr4, 5);
	bool nxe = bit_set(r->st->efer, 11);

	if (r->kind == GUEST_ACCESS_WRITE)
		err |= 1U << 1;
	if (r->user)
		err |= 1U << 2;
	if (r->kind == GUEST_ACCESS_FETCH && (smep || (pae && nxe)))
		err |= 1U << 4;
	return err;
}

static enum guest_walk_status ref_not_present(const struct ref *r, struct guest_walk *w)
{
	w->status = GUEST_WALK_FAULT;
	w->error_code = ref_access_bits(r);
	return w->status;
}

static enum guest_walk_status ref_reserved(const struct ref *r, struct guest_walk *w)
{
	w->status = GUEST_WALK_FAULT;
	w->error_code = (1U << 0) | (1U << 3) | ref_access_bits(r);
	return w->status;
}

static enum guest_walk_status ref_unbacked(struct guest_walk *w)
{
	w->status = GUEST_WALK_UNBACKED;
	return w->status;
}

/* Is the access allowed? SDM Vol. 3A 4.6.1, case by case. */
static bool ref_allowed(const struct ref *r, bool writable, bool user_page, bool xd)
{
	bool wp = bit_set(r->st->cr0, 16);
	bool smep = bit_set(r->st->cr4, 20);
	bool smap = bit_set(r->st->cr4, 21);
	bool ac = bit_set(r->st->rflags, 18);
	bool nx_on = r->mode != GUEST_PAGING_32 && bit_set(r->st->efer, 11);
	bool smap_stops = smap && (r->implicit || !ac);

	switch (r->kind) {
	case GUEST_ACCESS_READ:
		if (r->user)
			return user_page;
		return !(user_page && smap_stops);
	case GUEST_ACCESS_WRITE:
		if (r->user)
			return user_page && writable;
		if (user_page && smap_stops)
			return false;
		return writable || !wp;
	case GUEST_ACCESS_FETCH:
		if (nx_on && xd)
			return false;
		if (r->user)
			return user_page;
		return !(user_page && smep);
	}
	return false;
}

/* Does PKRU forbid the access? SDM Vol. 3A 4.6.2. */
static bool ref_pkey_blocks(const struct ref *r, bool user_page, unsigned int key)
{
	bool ad = bit_set(r->st->pkru, 2 * key);
	bool wd = bit_set(r->st->pkru, 2 * key + 1);
	bool wp = bit_set(r->st->cr0, 16);

	if (r->mode < GUEST_PAGING_4LEVEL || !bit_set(r->st->cr4, 22))
		return false;
	if (!user_page || r->kind == GUEST_ACCESS_FETCH)
		return false;
	if (ad)
		return true;
	return r->kind == GUEST_ACCESS_WRITE && wd && (r->user || wp);
}

/* SDM Vol. 3A 4.8: A in every entry used, D in the leaf on a write. Rereads each entry. */
static enum guest_walk_status ref_set_ad(const struct ref *r, struct guest_walk *w)
{
	unsigned int size = r->mode == GUEST_PAGING_32 ? 4 : 8;
	int level;

	for (level = w->root_level; level >= w->level; level--) {
		u64 bits = 1ULL << 5;
		u64 cur;

		if (r->mode == GUEST_PAGING_PAE && level == 3)
			continue;
		if (level == w->level && r->kind == GUEST_ACCESS_WRITE)
			bits |= 1ULL << 6;
		if (!ref_read(r, w->pte_gpa[level - 1], size, &cur))
			return GUEST_WALK_RETRY;
		if ((cur & bits) != bits &&
		    r->mem->ops->cmpxchg(r->mem->ctx, w->pte_gpa[level - 1], cur, cur | bits, size))
			return GUEST_WALK_RETRY;
		w->pte[level - 1] = cur | bits;
	}
	return GUEST_WALK_OK;
}

/* The translation exists: record it, check the rights, update A/D. */
static enum guest_walk_status ref_complete(const struct ref *r, struct guest_walk *w, bool writable,
					   bool user_page, bool xd, u64 gpa, u64 size)
{
	u64 leaf = w->pte[w->level - 1];
	bool pk;

	w->gpa = gpa;
	w->page_size = size;
	w->access = (writable ? GUEST_ACC_W : 0) | (user_page ? GUEST_ACC_U : 0) |
		    (xd ? 0 : GUEST_ACC_X);
	if (r->mode >= GUEST_PAGING_4LEVEL && bit_set(r->st->cr4, 22))
		w->pkey = (leaf >> 59) & 0xf;
	pk = ref_pkey_blocks(r, user_page, w->pkey);
	if (pk || !ref_allowed(r, writable, user_page, xd)) {
		w->status = GUEST_WALK_FAULT;
		w->error_code = (1U << 0) | ref_access_bits(r) | (pk ? 1U << 5 : 0);
		return w->status;
	}
	w->status = r->peek ? GUEST_WALK_OK : ref_set_ad(r, w);
	return w->status;
}

static enum guest_walk_status ref_walk_32(const struct ref *r, struct guest_walk *w, u32 gva)
{
	u64 pde_gpa = (r->st->cr3 & 0xfffff000) + (gva >> 22) * 4;
	u64 pde, pte, pte_gpa;
	unsigned int m = r->m < 40 ? r->m : 40;

	w->root_level = 2;
	w->level = 2;
	w->pte_gpa[1] = pde_gpa;
	if (!ref_read(r, pde_gpa, 4, &pde))
		return ref_unbacked(w);
	w->pte[1] = pde;
	if (!bit_set(pde, 0))
		return ref_not_present(r, w);
	if (bit_set(r->st->cr4, 4) && bit_set(pde, 7)) {
		if (pde & ones(21, m - 19))
			return ref_reserved(r, w);
		return ref_complete(r, w, bit_set(pde, 1), bit_set(pde, 2), false,
				    (pde & 0xffc00000) | (((pde >> 13) & 0xff) << 32) |
					    (gva & 0x3fffff),
				    4ULL << 20);
	}
	pte_gpa = (pde & 0xfffff000) + ((gva >> 12) & 0x3ff) * 4;
	w->level = 1;
	w->pte_gpa[0] = pte_gpa;
	if (!ref_read(r, pte_gpa, 4, &pte))
		return ref_unbacked(w);
	w->pte[0] = pte;
	if (!bit_set(pte, 0))
		return ref_not_present(r, w);
	return ref_complete(r, w, bit_set(pde, 1) && bit_set(pte, 1),
			    bit_set(pde, 2) && bit_set(pte, 2), false,
			    (pte & 0xfffff000) | (gva & 0xfff), 4096);
}

static enum guest_walk_status ref_walk_pae(const struct ref *r, struct guest_walk *w, u32 gva)
{
	u64 xd_rsvd = bit_set(r->st->efer, 11) ? 0 : 1ULL << 63;
	u64 pdpte = r->st->pdptes[gva >> 30];
	u64 pde, pte, pde_gpa, pte_gpa;

	w->root_level = 3;
	w->level = 3;
	w->pte_gpa[2] = (r->st->cr3 & 0xffffffe0) + (gva >> 30) * 8;
	w->pte[2] = pdpte;
	if (!bit_set(pdpte, 0))
		return ref_not_present(r, w);
	if (pdpte & (ones(2, 1) | ones(8, 5) | ones(63, r->m)))
		return ref_reserved(r, w);

	pde_gpa = (pdpte & ones(r->m - 1, 12)) + ((gva >> 21) & 0x1ff) * 8;
	w->level = 2;
	w->pte_gpa[1] = pde_gpa;
	if (!ref_read(r, pde_gpa, 8, &pde))
		return ref_unbacked(w);
	w->pte[1] = pde;
	if (!bit_set(pde, 0))
		return ref_not_present(r, w);
	if (bit_set(pde, 7)) {
		if (pde & (ones(62, r->m) | xd_rsvd | ones(20, 13)))
			return ref_reserved(r, w);
		return ref_complete(r, w, bit_set(pde, 1), bit_set(pde, 2), bit_set(pde, 63),
				    (pde & ones(r->m - 1, 21)) | (gva & ones(20, 0)), 2ULL << 20);
	}
	if (pde & (ones(62, r->m) | xd_rsvd))
		return ref_reserved(r, w);

	pte_gpa = (pde & ones(r->m - 1, 12)) + ((gva >> 12) & 0x1ff) * 8;
	w->level = 1;
	w->pte_gpa[0] = pte_gpa;
	if (!ref_read(r, pte_gpa, 8, &pte))
		return ref_unbacked(w);
	w->pte[0] = pte;
	if (!bit_set(pte, 0))
		return ref_not_present(r, w);
	if (pte & (ones(62, r->m) | xd_rsvd))
		return ref_reserved(r, w);
	return ref_complete(r, w, bit_set(pde, 1) && bit_set(pte, 1),
			    bit_set(pde, 2) && bit_set(pte, 2),
			    bit_set(pde, 63) || bit_set(pte, 63),
			    (pte & ones(r->m - 1, 12)) | (gva & 0xfff), 4096);
}

/* Reserved bits of a present 4/5-level entry at @level (SDM Vol. 3A tables 4-15 to 4-20). */
static u64 ref_long_rsvd(const struct ref *r, int level, u64 e)
{
	u64 rsvd = ones(51, r->m);
	unsigned int shift = 12 + 9 * (level - 1);

	if (!bit_set(r->st->efer, 11))
		rsvd |= 1ULL << 63;
	if (level >= 4 || (level == 3 && !r->st->gbpages))
		rsvd |= 1ULL << 7;
	if ((level == 2 || level == 3) && bit_set(e, 7))
		rsvd |= ones(shift - 1, 13);
	return rsvd;
}

static enum guest_walk_status ref_walk_long(const struct ref *r, struct guest_walk *w, u64 gva,
					    int levels)
{
	u64 table = r->st->cr3 & ones(r->m - 1, 12);
	bool writable = true, user_page = true, xd = false;
	int level;

	w->root_level = levels;
	for (level = levels;; level--) {
		unsigned int shift = 12 + 9 * (level - 1);
		u64 gpa = table + ((gva >> shift) & 0x1ff) * 8;
		u64 e;

		w->level = level;
		w->pte_gpa[level - 1] = gpa;
		if (!ref_read(r, gpa, 8, &e))
			return ref_unbacked(w);
		w->pte[level - 1] = e;
		if (!bit_set(e, 0))
			return ref_not_present(r, w);
		if (e & ref_long_rsvd(r, level, e))
			return ref_reserved(r, w);
		writable = writable && bit_set(e, 1);
		user_page = user_page && bit_set(e, 2);
		xd = xd || bit_set(e, 63);
		if (level == 1 || bit_set(e, 7))
			return ref_complete(r, w, writable, user_page, xd,
					    (e & ones(r->m - 1, shift)) |
						    (gva & ones(shift - 1, 0)),
					    1ULL << shift);
		table = e & ones(r->m - 1, 12);
	}
}

enum guest_walk_status ref_walk(struct guest_walk *w, const struct guest_mem_access *mem,
				const struct guest_paging_state *st, u64 gva,
				enum guest_access_kind kind, unsigned int flags)
{
	struct ref r = {
		.mem = mem,
		.st = st,
		.kind = kind,
		.m = st->maxphyaddr < 32   ? 32
		     : st->maxphyaddr > 52 ? 52
					   : st->maxphyaddr,
		.implicit = flags & GUEST_WALK_IMPLICIT,
		.peek = flags & GUEST_WALK_PEEK,
	};
	enum guest_walk_status ret;

	r.user = st->cpl == 3 && !r.implicit;
	if (!bit_set(st->cr0, 31))
		r.mode = GUEST_PAGING_OFF;
	else if (!bit_set(st->cr4, 5))
		r.mode = GUEST_PAGING_32;
	else if (!bit_set(st->efer, 10))
		r.mode = GUEST_PAGING_PAE;
	else
		r.mode = bit_set(st->cr4, 12) ? GUEST_PAGING_5LEVEL : GUEST_PAGING_4LEVEL;

	*w = (struct guest_walk){ .mode = r.mode };
	switch (r.mode) {
	case GUEST_PAGING_OFF:
		w->gva = (u32)gva;
		w->gpa = (u32)gva;
		w->page_size = 4096;
		w->access = GUEST_ACC_ALL;
		w->status = GUEST_WALK_OK;
		return w->status;
	case GUEST_PAGING_32:
		w->gva = (u32)gva;
		ret = ref_walk_32(&r, w, (u32)gva);
		break;
	case GUEST_PAGING_PAE:
		w->gva = (u32)gva;
		ret = ref_walk_pae(&r, w, (u32)gva);
		break;
	default:
		w->gva = gva;
		ret = ref_walk_long(&r, w, gva, r.mode == GUEST_PAGING_5LEVEL ? 5 : 4);
		break;
	}
	return ret;
}
