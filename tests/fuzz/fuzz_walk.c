/* SPDX-License-Identifier: GPL-2.0-only */
/* libFuzzer target: guest_walk() against the reference walker on fuzzed tables and vCPU state. */
#include <stdlib.h>
#include <string.h>

#include "mmu/guest_mem.h"
#include "mmu/walk_check.h"

#define FUZZ_RAM_FRAMES 64
#define FUZZ_MAPS	8
#define FUZZ_WALKS	16

/*
 * Input: an 8-byte seed that picks the mode, the vCPU state and random tables; then 16-byte
 * records, each either a patch (an 8-byte value written at a table-frame offset) or a walk
 * (address, access kind, flags). Every walk is checked against ref_walk().
 */
struct fuzz_record {
	u64 a;
	u64 b;
};

static struct guest_mem *fuzz_gm;

static void apply_patch(const struct gpt *g, u64 a, u64 b)
{
	u64 frames = FUZZ_RAM_FRAMES - 1;
	u64 gpa = (1 + (a >> 8) % frames) * GUEST_MEM_PAGE_SIZE +
		  ((a >> 32) % (GUEST_MEM_PAGE_SIZE / 8)) * 8;

	if (g->mode == GUEST_PAGING_32)
		guest_mem_store(fuzz_gm, gpa + (a & 4), (u32)b, 4);
	else
		guest_mem_store(fuzz_gm, gpa, b, 8);
}

static void fuzz_walk(const struct guest_paging_state *st, const u64 *gvas, u64 a, u64 b)
{
	u64 gva = (a & 1) ? gvas[(a >> 1) % FUZZ_MAPS] ^ (b & 0xfff) : b;
	struct guest_walk w;

	if (!walk_check(fuzz_gm, st, gva, (a >> 8) % 3, (a >> 16) & 3, &w))
		abort();
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static const enum guest_paging_mode modes[] = { GUEST_PAGING_32, GUEST_PAGING_PAE,
							GUEST_PAGING_4LEVEL, GUEST_PAGING_5LEVEL };
	struct gpt_random_params p = { .nr_maps = FUZZ_MAPS,
				       .not_present_percent = 5,
				       .rsvd_percent = 5,
				       .unbacked_percent = 5,
				       .alias_percent = 10 };
	enum guest_paging_mode mode;
	struct guest_paging_state st;
	struct gm_rng rng = { 0 };
	u64 gvas[FUZZ_MAPS];
	struct gpt g;
	size_t off;
	int walks = 0;

	if (size < sizeof(u64))
		return 0;
	if (!fuzz_gm)
		fuzz_gm = guest_mem_create(FUZZ_RAM_FRAMES);
	memcpy(&rng.state, data, sizeof(u64));
	mode = modes[rng.state % ARRAY_SIZE(modes)];
	guest_mem_reset(fuzz_gm);
	walk_random_state(&rng, mode, &st);
	p.maxphyaddr = st.maxphyaddr;
	if (!gpt_init(&g, fuzz_gm, mode))
		return 0;
	gpt_build_random(&g, &rng, &p, gvas);
	st.cr3 = gpt_cr3(&g, gm_rng_next(&rng));

	for (off = sizeof(u64); off + sizeof(struct fuzz_record) <= size && walks < FUZZ_WALKS;
	     off += sizeof(struct fuzz_record)) {
		struct fuzz_record rec;

		memcpy(&rec, data + off, sizeof(rec));
		if (rec.a & BIT(7)) {
			apply_patch(&g, rec.a, rec.b);
			continue;
		}
		if (g.mode == GUEST_PAGING_PAE)
			gpt_load_pdptes(&g, st.pdptes);
		fuzz_walk(&st, gvas, rec.a, rec.b);
		walks++;
	}
	return 0;
}
