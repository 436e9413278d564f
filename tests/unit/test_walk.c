/* SPDX-License-Identifier: GPL-2.0-only */
/* Guest page-table walker: differential test against the reference walker, and directed rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mmu/guest_mem.h"
#include "mmu/walk_check.h"

#define RAM_FRAMES	   512
#define RANDOM_SCENARIOS   2500
#define WALKS_PER_SCENARIO 100
#define MAPS_PER_SCENARIO  24

#define GVA		   0x00403000ULL /* PD index 1, PT index 3 in every mode */
#define GPA		   0x12345000ULL
#define TABLE_FLAGS	   (PTE_W | PTE_U)
#define LEAF_RWU	   (PTE_P | PTE_W | PTE_U)

struct fix {
	struct guest_mem *gm;
	struct gpt g;
	struct guest_paging_state st;
};

static struct guest_mem *test_gm;

static int group_setup(void **state)
{
	test_gm = guest_mem_create(RAM_FRAMES);
	return 0;
}

static int group_teardown(void **state)
{
	guest_mem_destroy(test_gm);
	return 0;
}

static void fix_init(struct fix *f, enum guest_paging_mode mode)
{
	guest_mem_reset(test_gm);
	f->gm = test_gm;
	walk_basic_state(mode, &f->st);
	if (mode == GUEST_PAGING_OFF)
		return;
	assert_true(gpt_init(&f->g, f->gm, mode));
	f->st.cr3 = gpt_cr3(&f->g, 0);
}

/* Maps GVA at @level with @leaf and refreshes CR3 and the PAE PDPTE registers. */
static void fix_map(struct fix *f, u64 gva, int level, u64 leaf)
{
	assert_true(gpt_map(&f->g, gva, level, leaf, TABLE_FLAGS));
	if (f->g.mode == GUEST_PAGING_PAE)
		gpt_load_pdptes(&f->g, f->st.pdptes);
}

static struct guest_walk fix_walk(struct fix *f, u64 gva, enum guest_access_kind kind,
				  unsigned int flags)
{
	struct guest_walk w;

	assert_true(walk_check(f->gm, &f->st, gva, kind, flags, &w));
	return w;
}

static u32 fix_err(struct fix *f, u64 gva, enum guest_access_kind kind, unsigned int flags)
{
	struct guest_walk w = fix_walk(f, gva, kind, flags);

	assert_int_equal(w.status, GUEST_WALK_FAULT);
	return w.error_code;
}

static void expect_ok(struct fix *f, u64 gva, enum guest_access_kind kind, unsigned int flags)
{
	assert_int_equal(fix_walk(f, gva, kind, flags).status, GUEST_WALK_OK);
}

static void fix_set(struct fix *f, u64 gva, int level, u64 set, u64 clear)
{
	u64 gpa = gpt_entry_gpa(&f->g, gva, level);

	assert_true(gpa != 0);
	gpt_set(&f->g, gpa, (gpt_get(&f->g, gpa) | set) & ~clear);
}

static const enum guest_paging_mode paged_modes[] = { GUEST_PAGING_32, GUEST_PAGING_PAE,
						      GUEST_PAGING_4LEVEL, GUEST_PAGING_5LEVEL };

static void test_random_differential(void **state)
{
	struct gpt_random_params p = { .nr_maps = MAPS_PER_SCENARIO,
				       .not_present_percent = 6,
				       .rsvd_percent = 4,
				       .unbacked_percent = 3,
				       .alias_percent = 4 };
	struct gm_rng rng = { 0x6b65656c };
	u64 gvas[MAPS_PER_SCENARIO];
	unsigned long cases = 0, ok = 0, faults = 0;
	int s, i;

	for (s = 0; s < RANDOM_SCENARIOS; s++) {
		enum guest_paging_mode mode = paged_modes[s % ARRAY_SIZE(paged_modes)];
		struct guest_paging_state st;
		struct gpt g;

		guest_mem_reset(test_gm);
		walk_random_state(&rng, mode, &st);
		p.maxphyaddr = st.maxphyaddr;
		assert_true(gpt_init(&g, test_gm, mode));
		if (mode == GUEST_PAGING_PAE)
			g.root += gm_rng_below(&rng, 128) * 32;
		gpt_build_random(&g, &rng, &p, gvas);
		st.cr3 = gpt_cr3(&g, gm_rng_next(&rng));
		if (mode == GUEST_PAGING_PAE)
			gpt_load_pdptes(&g, st.pdptes);
		for (i = 0; i < WALKS_PER_SCENARIO; i++) {
			u64 gva = gm_rng_chance(&rng, 85) ? gvas[gm_rng_below(&rng, p.nr_maps)] ^
								    (gm_rng_next(&rng) & 0xfff)
							  : gm_rng_next(&rng);
			unsigned int flags = (gm_rng_chance(&rng, 15) ? GUEST_WALK_IMPLICIT : 0) |
					     (gm_rng_chance(&rng, 15) ? GUEST_WALK_PEEK : 0);
			struct guest_walk w;

			if (gm_rng_chance(&rng, 10))
				st.rflags ^= X86_RFLAGS_AC;
			if (gm_rng_chance(&rng, 10))
				st.cpl = 3 - st.cpl;
			assert_true(
				walk_check(test_gm, &st, gva, gm_rng_below(&rng, 3), flags, &w));
			cases++;
			ok += w.status == GUEST_WALK_OK;
			faults += w.status == GUEST_WALK_FAULT;
		}
	}
	print_message("%lu cases: %lu translated, %lu faults, %lu unbacked\n", cases, ok, faults,
		      cases - ok - faults);
	assert_true(cases >= 200000);
	/* The generator must exercise both outcomes heavily, or the comparison proves little. */
	assert_true(ok > cases / 5 && faults > cases / 5);
}

static void test_paging_mode(void **state)
{
	u64 pg = X86_CR0_PG;

	assert_int_equal(guest_paging_mode(0, X86_CR4_PAE, EFER_LMA), GUEST_PAGING_OFF);
	assert_int_equal(guest_paging_mode(pg, X86_CR4_PSE, 0), GUEST_PAGING_32);
	assert_int_equal(guest_paging_mode(pg, X86_CR4_PAE, EFER_LME), GUEST_PAGING_PAE);
	assert_int_equal(guest_paging_mode(pg, X86_CR4_PAE, EFER_LMA), GUEST_PAGING_4LEVEL);
	assert_int_equal(guest_paging_mode(pg, X86_CR4_PAE | X86_CR4_LA57, EFER_LMA),
			 GUEST_PAGING_5LEVEL);
}

static void test_paging_off(void **state)
{
	struct fix f;
	struct guest_walk w;

	fix_init(&f, GUEST_PAGING_OFF);
	w = fix_walk(&f, 0x1234567887654321ULL, GUEST_ACCESS_WRITE, 0);
	assert_int_equal(w.status, GUEST_WALK_OK);
	assert_int_equal(w.gpa, 0x87654321ULL);
	assert_int_equal(w.access, GUEST_ACC_ALL);
}

/* A 4 KiB mapping in every mode: GPA, size, rights, A on every level, D only on writes. */
static void test_basic_4k_and_ad(void **state)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(paged_modes); i++) {
		struct fix f;
		struct guest_walk w;
		int l;

		fix_init(&f, paged_modes[i]);
		fix_map(&f, GVA, 1, GPA | LEAF_RWU);
		w = fix_walk(&f, GVA | 0x123, GUEST_ACCESS_READ, GUEST_WALK_PEEK);
		assert_int_equal(w.status, GUEST_WALK_OK);
		assert_int_equal(w.gpa, GPA | 0x123);
		assert_int_equal(w.page_size, 4096);
		assert_int_equal(w.level, 1);
		assert_int_equal(w.access, GUEST_ACC_ALL);
		assert_false(gpt_get(&f.g, w.pte_gpa[0]) & PTE_A);

		w = fix_walk(&f, GVA, GUEST_ACCESS_READ, 0);
		for (l = w.root_level; l >= 1; l--) {
			if (paged_modes[i] == GUEST_PAGING_PAE && l == 3)
				continue;
			assert_true(gpt_get(&f.g, w.pte_gpa[l - 1]) & PTE_A);
			assert_true(w.pte[l - 1] & PTE_A);
		}
		assert_false(gpt_get(&f.g, w.pte_gpa[0]) & PTE_D);
		w = fix_walk(&f, GVA, GUEST_ACCESS_WRITE, 0);
		assert_true(gpt_get(&f.g, w.pte_gpa[0]) & PTE_D);
		assert_false(gpt_get(&f.g, w.pte_gpa[1]) & PTE_D);
	}
}

/* Not present at each level: P = 0 in the error code, nothing written. */
static void test_not_present_each_level(void **state)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(paged_modes); i++) {
		int level;

		for (level = 1;; level++) {
			struct fix f;
			struct guest_walk w;

			fix_init(&f, paged_modes[i]);
			if (level > gpt_root_level(&f.g))
				break;
			fix_map(&f, GVA, 1, GPA | LEAF_RWU);
			fix_set(&f, GVA, level, 0, PTE_P);
			if (paged_modes[i] == GUEST_PAGING_PAE)
				gpt_load_pdptes(&f.g, f.st.pdptes);
			w = fix_walk(&f, GVA, GUEST_ACCESS_WRITE, 0);
			assert_int_equal(w.status, GUEST_WALK_FAULT);
			assert_int_equal(w.error_code, PF_ERR_W);
			assert_int_equal(w.level, level);
		}
	}
}

static void test_error_code_bits(void **state)
{
	struct fix f;

	fix_init(&f, GUEST_PAGING_4LEVEL);
	fix_map(&f, GVA, 1, GPA | PTE_P); /* supervisor, read-only */
	f.st.cpl = 3;
	assert_int_equal(fix_err(&f, GVA, GUEST_ACCESS_READ, 0), PF_ERR_P | PF_ERR_U);
	assert_int_equal(fix_err(&f, GVA, GUEST_ACCESS_WRITE, 0), PF_ERR_P | PF_ERR_W | PF_ERR_U);
	assert_int_equal(fix_err(&f, GVA, GUEST_ACCESS_FETCH, 0), PF_ERR_P | PF_ERR_U | PF_ERR_I);
	f.st.cpl = 0;
	assert_int_equal(fix_err(&f, GVA, GUEST_ACCESS_WRITE, 0), PF_ERR_P | PF_ERR_W);
	fix_set(&f, GVA, 1, BIT(50), 0);
	assert_int_equal(fix_err(&f, GVA, GUEST_ACCESS_READ, 0), PF_ERR_P | PF_ERR_RSVD);
	/* I/D needs NXE (with CR4.PAE) or SMEP. */
	f.st.efer &= ~(u64)EFER_NXE;
	assert_int_equal(fix_err(&f, GVA, GUEST_ACCESS_FETCH, 0), PF_ERR_P | PF_ERR_RSVD);
	f.st.cr4 |= X86_CR4_SMEP;
	assert_int_equal(fix_err(&f, GVA, GUEST_ACCESS_FETCH, 0),
			 PF_ERR_P | PF_ERR_RSVD | PF_ERR_I);
}

static void test_id_bit_32bit(void **state)
{
	struct fix f;

	fix_init(&f, GUEST_PAGING_32);
	fix_map(&f, GVA, 1, GPA | PTE_P | PTE_W);
	f.st.cpl = 3;
	/* 32-bit paging has no XD, so EFER.NXE alone does not report I/D. */
	assert_int_equal(fix_err(&f, GVA, GUEST_ACCESS_FETCH, 0), PF_ERR_P | PF_ERR_U);
	f.st.cr4 |= X86_CR4_SMEP;
	assert_int_equal(fix_err(&f, GVA, GUEST_ACCESS_FETCH, 0), PF_ERR_P | PF_ERR_U | PF_ERR_I);
	fix_set(&f, GVA, 1, 0, PTE_P);
	assert_int_equal(fix_err(&f, GVA, GUEST_ACCESS_FETCH, 0), PF_ERR_U | PF_ERR_I);
}

static void test_reserved_4level(void **state)
{
	struct fix f;
	u32 rsvd = PF_ERR_P | PF_ERR_RSVD;

	fix_init(&f, GUEST_PAGING_4LEVEL);
	fix_map(&f, GVA, 1, GPA | LEAF_RWU);
	/* Bits at or above MAXPHYADDR, in a table entry and in a leaf. */
	fix_set(&f, GVA, 3, BIT(46), 0);
	assert_int_equal(fix_err(&f, GVA, GUEST_ACCESS_READ, 0), rsvd);
	/* With MAXPHYADDR 52 the bit is an address bit: the PD is now at an unbacked GPA. */
	f.st.maxphyaddr = 52;
	assert_int_equal(fix_walk(&f, GVA, GUEST_ACCESS_READ, 0).status, GUEST_WALK_UNBACKED);
	fix_set(&f, GVA, 3, 0, BIT(46));
	f.st.maxphyaddr = 46;
	/* XD without EFER.NXE. */
	fix_set(&f, GVA, 2, PTE_NX, 0);
	expect_ok(&f, GVA, GUEST_ACCESS_READ, 0);
	f.st.efer &= ~(u64)EFER_NXE;
	assert_int_equal(fix_err(&f, GVA, GUEST_ACCESS_READ, 0), rsvd);
	f.st.efer |= EFER_NXE;
	fix_set(&f, GVA, 2, 0, PTE_NX);
	/* PS in a PML4E. */
	fix_set(&f, GVA, 4, PTE_PS, 0);
	assert_int_equal(fix_err(&f, GVA, GUEST_ACCESS_READ, 0), rsvd);
	fix_set(&f, GVA, 4, 0, PTE_PS);
	/* Bits 62:52 are ignored, not reserved, in a table entry. */
	fix_set(&f, GVA, 2, GPT_BITS(58, 52), 0);
	expect_ok(&f, GVA, GUEST_ACCESS_READ, 0);
}

static void test_reserved_large_pages(void **state)
{
	struct fix f;
	u32 rsvd = PF_ERR_P | PF_ERR_RSVD;
	struct guest_walk w;

	fix_init(&f, GUEST_PAGING_4LEVEL);
	fix_map(&f, 0x40000000ULL, 3, 0x80000000ULL | LEAF_RWU | PTE_PS | GPT_PAT_LARGE);
	w = fix_walk(&f, 0x40000000ULL + 0x12345678, GUEST_ACCESS_READ, 0);
	assert_int_equal(w.status, GUEST_WALK_OK);
	assert_int_equal(w.page_size, 1ULL << 30);
	assert_int_equal(w.gpa, 0x80000000ULL + 0x12345678);
	fix_set(&f, 0x40000000ULL, 3, BIT(29), 0);
	assert_int_equal(fix_err(&f, 0x40000000ULL, GUEST_ACCESS_READ, 0), rsvd);
	fix_set(&f, 0x40000000ULL, 3, 0, BIT(29));
	f.st.gbpages = false;
	assert_int_equal(fix_err(&f, 0x40000000ULL, GUEST_ACCESS_READ, 0), rsvd);

	fix_map(&f, 0x200000ULL, 2, 0x600000ULL | LEAF_RWU | PTE_PS | BIT(13));
	assert_int_equal(fix_err(&f, 0x200000ULL, GUEST_ACCESS_READ, 0), rsvd);
	fix_set(&f, 0x200000ULL, 2, 0, BIT(13));
	w = fix_walk(&f, 0x2fffffULL, GUEST_ACCESS_WRITE, 0);
	assert_int_equal(w.gpa, 0x6fffffULL);
	assert_int_equal(w.page_size, 2ULL << 20);
}

static void test_reserved_pae(void **state)
{
	struct fix f;
	u32 rsvd = PF_ERR_P | PF_ERR_RSVD;

	fix_init(&f, GUEST_PAGING_PAE);
	fix_map(&f, GVA, 1, GPA | LEAF_RWU);
	assert_true(guest_pae_pdpte_valid(f.st.pdptes[0], 46));
	/* PDPTE: bits 2:1 and 8:5 reserved, but only when present. */
	f.st.pdptes[0] |= PTE_W;
	assert_false(guest_pae_pdpte_valid(f.st.pdptes[0], 46));
	assert_int_equal(fix_err(&f, GVA, GUEST_ACCESS_READ, 0), rsvd);
	assert_true(guest_pae_pdpte_valid(PTE_W, 46));
	gpt_load_pdptes(&f.g, f.st.pdptes);
	/* PDE: bits 62:MAXPHYADDR reserved (in 4-level paging bits 62:52 are ignored). */
	fix_set(&f, GVA, 2, BIT(60), 0);
	assert_int_equal(fix_err(&f, GVA, GUEST_ACCESS_READ, 0), rsvd);
	fix_set(&f, GVA, 2, 0, BIT(60));
	/* A 2 MiB page with a bit of 20:13 set. */
	fix_map(&f, 0x40200000ULL, 2, 0x400000ULL | LEAF_RWU | PTE_PS | BIT(20));
	assert_int_equal(fix_err(&f, 0x40200000ULL, GUEST_ACCESS_READ, 0), rsvd);
	/* Protection keys are reserved bits in PAE paging. */
	fix_set(&f, GVA, 1, BIT(GPT_PKEY_SHIFT), 0);
	assert_int_equal(fix_err(&f, GVA, GUEST_ACCESS_READ, 0), rsvd);
}

static void test_pse36_and_pse_off(void **state)
{
	struct fix f;
	struct guest_walk w;
	u64 pde = 0xffc00000ULL | (0x5ULL << GPT32_4M_HI_SHIFT) | LEAF_RWU | PTE_PS;

	fix_init(&f, GUEST_PAGING_32);
	f.st.cr4 |= X86_CR4_PSE;
	f.st.maxphyaddr = 36;
	fix_map(&f, 0xc0000000ULL, 2, pde);
	w = fix_walk(&f, 0xc0123456ULL, GUEST_ACCESS_READ, 0);
	assert_int_equal(w.status, GUEST_WALK_OK);
	assert_int_equal(w.gpa, 0x5ffd23456ULL);
	assert_int_equal(w.page_size, 4ULL << 20);
	/* Address bit 36 needs MAXPHYADDR 37; bit 21 is always reserved. */
	fix_set(&f, 0xc0000000ULL, 2, BIT(17), 0);
	assert_int_equal(fix_err(&f, 0xc0000000ULL, GUEST_ACCESS_READ, 0), PF_ERR_P | PF_ERR_RSVD);
	f.st.maxphyaddr = 52;
	w = fix_walk(&f, 0xc0000000ULL, GUEST_ACCESS_READ, 0);
	assert_int_equal(w.gpa, 0x15ffc00000ULL);
	fix_set(&f, 0xc0000000ULL, 2, BIT(21), 0);
	assert_int_equal(fix_err(&f, 0xc0000000ULL, GUEST_ACCESS_READ, 0), PF_ERR_P | PF_ERR_RSVD);
	/* Without CR4.PSE the PS bit is ignored: the PDE references a page table. */
	f.st.cr4 &= ~(u64)X86_CR4_PSE;
	w = fix_walk(&f, 0xc0000000ULL, GUEST_ACCESS_READ, GUEST_WALK_PEEK);
	assert_int_equal(w.level, 1);
	assert_int_equal(w.pte_gpa[0] & ~0xfffULL,
			 gpt_get(&f.g, gpt_entry_gpa(&f.g, 0xc0000000ULL, 2)) & GPT32_ADDR_MASK);
}

static void test_us_rw_combined(void **state)
{
	struct fix f;
	struct guest_walk w;

	fix_init(&f, GUEST_PAGING_32);
	fix_map(&f, GVA, 1, GPA | LEAF_RWU);
	fix_set(&f, GVA, 2, 0, PTE_U);
	f.st.cpl = 3;
	assert_int_equal(fix_err(&f, GVA, GUEST_ACCESS_READ, 0), PF_ERR_P | PF_ERR_U);
	fix_set(&f, GVA, 2, PTE_U, PTE_W);
	w = fix_walk(&f, GVA, GUEST_ACCESS_READ, 0);
	assert_int_equal(w.access, GUEST_ACC_U | GUEST_ACC_X);
	assert_int_equal(fix_err(&f, GVA, GUEST_ACCESS_WRITE, 0), PF_ERR_P | PF_ERR_W | PF_ERR_U);
}

static void test_wp(void **state)
{
	struct fix f;

	fix_init(&f, GUEST_PAGING_4LEVEL);
	fix_map(&f, GVA, 1, GPA | PTE_P);
	assert_int_equal(fix_err(&f, GVA, GUEST_ACCESS_WRITE, 0), PF_ERR_P | PF_ERR_W);
	f.st.cr0 &= ~(u64)X86_CR0_WP;
	expect_ok(&f, GVA, GUEST_ACCESS_WRITE, 0);
	assert_true(gpt_get(&f.g, gpt_entry_gpa(&f.g, GVA, 1)) & PTE_D);
	f.st.cpl = 3;
	fix_set(&f, GVA, 1, PTE_U, 0);
	assert_int_equal(fix_err(&f, GVA, GUEST_ACCESS_WRITE, 0), PF_ERR_P | PF_ERR_W | PF_ERR_U);
}

static void test_nx(void **state)
{
	struct fix f;
	struct guest_walk w;

	fix_init(&f, GUEST_PAGING_PAE);
	fix_map(&f, GVA, 1, GPA | LEAF_RWU);
	fix_set(&f, GVA, 2, PTE_NX, 0);
	w = fix_walk(&f, GVA, GUEST_ACCESS_READ, 0);
	assert_int_equal(w.access, GUEST_ACC_W | GUEST_ACC_U);
	assert_int_equal(fix_err(&f, GVA, GUEST_ACCESS_FETCH, 0), PF_ERR_P | PF_ERR_I);
	f.st.cpl = 3;
	assert_int_equal(fix_err(&f, GVA, GUEST_ACCESS_FETCH, 0), PF_ERR_P | PF_ERR_U | PF_ERR_I);
	fix_set(&f, GVA, 2, 0, PTE_NX);
	expect_ok(&f, GVA, GUEST_ACCESS_FETCH, 0);
}

static void test_smep(void **state)
{
	struct fix f;

	fix_init(&f, GUEST_PAGING_4LEVEL);
	fix_map(&f, GVA, 1, GPA | LEAF_RWU);
	expect_ok(&f, GVA, GUEST_ACCESS_FETCH, 0);
	f.st.cr4 |= X86_CR4_SMEP;
	assert_int_equal(fix_err(&f, GVA, GUEST_ACCESS_FETCH, 0), PF_ERR_P | PF_ERR_I);
	expect_ok(&f, GVA, GUEST_ACCESS_READ, 0);
	f.st.cpl = 3;
	expect_ok(&f, GVA, GUEST_ACCESS_FETCH, 0);
}

static void test_smap(void **state)
{
	struct fix f;

	fix_init(&f, GUEST_PAGING_4LEVEL);
	fix_map(&f, GVA, 1, GPA | LEAF_RWU);
	f.st.cr4 |= X86_CR4_SMAP;
	assert_int_equal(fix_err(&f, GVA, GUEST_ACCESS_READ, 0), PF_ERR_P);
	assert_int_equal(fix_err(&f, GVA, GUEST_ACCESS_WRITE, 0), PF_ERR_P | PF_ERR_W);
	expect_ok(&f, GVA, GUEST_ACCESS_FETCH, 0);
	f.st.rflags |= X86_RFLAGS_AC;
	expect_ok(&f, GVA, GUEST_ACCESS_READ, 0);
	expect_ok(&f, GVA, GUEST_ACCESS_WRITE, 0);
	/* Implicit supervisor accesses ignore AC, and report U/S = 0 even from CPL 3. */
	assert_int_equal(fix_err(&f, GVA, GUEST_ACCESS_READ, GUEST_WALK_IMPLICIT), PF_ERR_P);
	f.st.cpl = 3;
	assert_int_equal(fix_err(&f, GVA, GUEST_ACCESS_WRITE, GUEST_WALK_IMPLICIT),
			 PF_ERR_P | PF_ERR_W);
	expect_ok(&f, GVA, GUEST_ACCESS_WRITE, 0);
	f.st.cr4 &= ~(u64)X86_CR4_SMAP;
	expect_ok(&f, GVA, GUEST_ACCESS_READ, GUEST_WALK_IMPLICIT);
}

static void test_pkeys(void **state)
{
	struct fix f;
	u64 key5 = 5ULL << GPT_PKEY_SHIFT;

	fix_init(&f, GUEST_PAGING_4LEVEL);
	fix_map(&f, GVA, 1, GPA | LEAF_RWU | key5);
	f.st.pkru = PKRU_AD(5);
	expect_ok(&f, GVA, GUEST_ACCESS_READ, 0); /* CR4.PKE = 0 */
	f.st.cr4 |= X86_CR4_PKE;
	f.st.cpl = 3;
	assert_int_equal(fix_err(&f, GVA, GUEST_ACCESS_READ, 0), PF_ERR_P | PF_ERR_U | PF_ERR_PK);
	expect_ok(&f, GVA, GUEST_ACCESS_FETCH, 0);
	f.st.pkru = PKRU_WD(5);
	expect_ok(&f, GVA, GUEST_ACCESS_READ, 0);
	assert_int_equal(fix_err(&f, GVA, GUEST_ACCESS_WRITE, 0),
			 PF_ERR_P | PF_ERR_W | PF_ERR_U | PF_ERR_PK);
	/* Supervisor writes obey WD only with CR0.WP; AD stops supervisor reads too. */
	f.st.cpl = 0;
	f.st.cr0 &= ~(u64)X86_CR0_WP;
	expect_ok(&f, GVA, GUEST_ACCESS_WRITE, 0);
	f.st.cr0 |= X86_CR0_WP;
	assert_int_equal(fix_err(&f, GVA, GUEST_ACCESS_WRITE, 0), PF_ERR_P | PF_ERR_W | PF_ERR_PK);
	f.st.pkru = PKRU_AD(5);
	assert_int_equal(fix_err(&f, GVA, GUEST_ACCESS_READ, 0), PF_ERR_P | PF_ERR_PK);
	/* Supervisor pages are not subject to PKRU. */
	fix_set(&f, GVA, 1, 0, PTE_U);
	expect_ok(&f, GVA, GUEST_ACCESS_READ, 0);
	/* A key violation alongside an ordinary one reports both P and PK. */
	fix_set(&f, GVA, 1, PTE_U, PTE_W);
	f.st.cpl = 3;
	assert_int_equal(fix_err(&f, GVA, GUEST_ACCESS_WRITE, 0),
			 PF_ERR_P | PF_ERR_W | PF_ERR_U | PF_ERR_PK);
}

static void test_5level_and_pcid(void **state)
{
	struct fix f;
	struct guest_walk w;
	u64 gva = 0x01ab000000403000ULL;

	fix_init(&f, GUEST_PAGING_5LEVEL);
	fix_map(&f, gva, 1, GPA | LEAF_RWU);
	f.st.cr4 |= X86_CR4_PCIDE;
	f.st.cr3 = gpt_cr3(&f.g, 0xabc);
	w = fix_walk(&f, gva, GUEST_ACCESS_READ, 0);
	assert_int_equal(w.status, GUEST_WALK_OK);
	assert_int_equal(w.root_level, 5);
	assert_int_equal(w.gpa, GPA);
	assert_int_equal(w.pte_gpa[4], f.g.root + ((gva >> 48) & 0x1ff) * 8);
	/* The same address under 4-level paging uses a different PML4 slot and misses. */
	f.st.cr4 &= ~(u64)X86_CR4_LA57;
	w = fix_walk(&f, gva, GUEST_ACCESS_READ, 0);
	assert_int_equal(w.status, GUEST_WALK_FAULT);
	/* PS in a PML5E is reserved. */
	f.st.cr4 |= X86_CR4_LA57;
	fix_set(&f, gva, 5, PTE_PS, 0);
	assert_int_equal(fix_err(&f, gva, GUEST_ACCESS_READ, 0), PF_ERR_P | PF_ERR_RSVD);
}

static void test_unbacked(void **state)
{
	struct fix f;
	struct guest_walk w;
	u64 pt_gpa;

	fix_init(&f, GUEST_PAGING_4LEVEL);
	fix_map(&f, GVA, 1, GPA | LEAF_RWU);
	pt_gpa = gpt_entry_gpa(&f.g, GVA, 1);
	guest_mem_set_hole(f.gm, pt_gpa / GUEST_MEM_PAGE_SIZE, true);
	w = fix_walk(&f, GVA, GUEST_ACCESS_READ, 0);
	assert_int_equal(w.status, GUEST_WALK_UNBACKED);
	assert_int_equal(w.level, 1);
	assert_int_equal(w.pte_gpa[0], pt_gpa);
	/* Nothing was written on the way down. */
	assert_false(gpt_get(&f.g, gpt_entry_gpa(&f.g, GVA, 2)) & PTE_A);
}

/* Guest memory whose entries change under the walker: @changes cmpxchg failures, then normal. */
struct racing_mem {
	struct guest_mem *gm;
	int changes;
};

static int racing_read(void *ctx, u64 gpa, void *buf, unsigned int len)
{
	struct racing_mem *rm = ctx;

	return guest_mem_ops.read(rm->gm, gpa, buf, len);
}

static int racing_cmpxchg(void *ctx, u64 gpa, u64 old, u64 new_val, unsigned int len)
{
	struct racing_mem *rm = ctx;

	if (rm->changes > 0) {
		rm->changes--;
		return 1;
	}
	return guest_mem_ops.cmpxchg(rm->gm, gpa, old, new_val, len);
}

static void test_ad_retry(void **state)
{
	static const struct guest_mem_ops racing_ops = { racing_read, racing_cmpxchg };
	struct racing_mem rm;
	struct guest_mem_access mem = { &racing_ops, &rm };
	struct fix f;
	struct guest_walk w;

	fix_init(&f, GUEST_PAGING_4LEVEL);
	fix_map(&f, GVA, 1, GPA | LEAF_RWU);
	rm = (struct racing_mem){ f.gm, 3 };
	assert_int_equal(guest_walk(&w, &mem, &f.st, GVA, GUEST_ACCESS_WRITE, 0), GUEST_WALK_OK);
	assert_int_equal(gpt_get(&f.g, w.pte_gpa[0]) & (PTE_A | PTE_D), PTE_A | PTE_D);
	assert_int_equal(w.pte[0], gpt_get(&f.g, w.pte_gpa[0]));
	fix_set(&f, GVA, 1, 0, PTE_A | PTE_D);
	rm.changes = GUEST_WALK_MAX_ATTEMPTS;
	assert_int_equal(guest_walk(&w, &mem, &f.st, GVA, GUEST_ACCESS_WRITE, 0), GUEST_WALK_RETRY);
	assert_false(gpt_get(&f.g, gpt_entry_gpa(&f.g, GVA, 1)) & PTE_A);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paging_mode),
		cmocka_unit_test(test_paging_off),
		cmocka_unit_test(test_basic_4k_and_ad),
		cmocka_unit_test(test_not_present_each_level),
		cmocka_unit_test(test_error_code_bits),
		cmocka_unit_test(test_id_bit_32bit),
		cmocka_unit_test(test_reserved_4level),
		cmocka_unit_test(test_reserved_large_pages),
		cmocka_unit_test(test_reserved_pae),
		cmocka_unit_test(test_pse36_and_pse_off),
		cmocka_unit_test(test_us_rw_combined),
		cmocka_unit_test(test_wp),
		cmocka_unit_test(test_nx),
		cmocka_unit_test(test_smep),
		cmocka_unit_test(test_smap),
		cmocka_unit_test(test_pkeys),
		cmocka_unit_test(test_5level_and_pcid),
		cmocka_unit_test(test_unbacked),
		cmocka_unit_test(test_ad_retry),
		cmocka_unit_test(test_random_differential),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
