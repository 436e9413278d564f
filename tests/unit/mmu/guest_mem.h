/* SPDX-License-Identifier: GPL-2.0-only */
/* A model of guest-physical memory and a builder of guest page tables, for hosted MMU tests. */
#ifndef KEEL_TESTS_MMU_GUEST_MEM_H
#define KEEL_TESTS_MMU_GUEST_MEM_H

#include <keel/types.h>
#include <vmm/mmu/walk.h>

/*
 * Shared by every hosted MMU test (the walker's differential test and fuzzer, the MMU core's
 * model test): link tests/unit/mmu/guest_mem.c and use only what this header declares.
 *
 * Guest RAM is @ram_frames contiguous 4 KiB frames from GPA 0, minus frames marked as holes,
 * plus up to GUEST_MEM_MAX_HIGH single frames added anywhere above (to put tables or pages
 * above 4 GiB). Everything else is not RAM: guest_mem_ops then returns -1, as MMIO would.
 * Every successful cmpxchg is appended to an undo log, so a test can run one walk, look at its
 * writes, and roll memory back to run another walk from the same state.
 */
#define GUEST_MEM_MAX_HIGH  16
#define GUEST_MEM_PAGE_SIZE 4096

struct guest_mem_write {
	u64 gpa;
	u64 old;
	u64 new_val;
	unsigned int len;
};

struct guest_mem;

struct guest_mem *guest_mem_create(u64 ram_frames);
void guest_mem_destroy(struct guest_mem *gm);

/* Zeroes all RAM, forgets high frames and holes, empties the log, resets the frame allocator. */
void guest_mem_reset(struct guest_mem *gm);

/* Adds a RAM frame at @gfn (at or above ram_frames); false when the table of them is full. */
bool guest_mem_add_high_frame(struct guest_mem *gm, u64 gfn);
/* Marks a frame below ram_frames as not RAM (@hole) or as RAM again. */
void guest_mem_set_hole(struct guest_mem *gm, u64 gfn, bool hole);
bool guest_mem_is_ram(const struct guest_mem *gm, u64 gpa);
u64 guest_mem_ram_frames(const struct guest_mem *gm);

/* Hands out zeroed low RAM frames in order; returns the gfn, or 0 once RAM is used up. */
u64 guest_mem_alloc_frame(struct guest_mem *gm);

/* Direct access for setting up a test; @gpa must be RAM and @len 1, 2, 4 or 8, aligned. */
u64 guest_mem_load(const struct guest_mem *gm, u64 gpa, unsigned int len);
void guest_mem_store(struct guest_mem *gm, u64 gpa, u64 val, unsigned int len);

/* The walker's view: ops and ctx for guest_walk(). */
extern const struct guest_mem_ops guest_mem_ops;
struct guest_mem_access guest_mem_access_of(struct guest_mem *gm);

/* The undo log of cmpxchg writes since the last reset or rollback. */
unsigned int guest_mem_log_count(const struct guest_mem *gm);
const struct guest_mem_write *guest_mem_log_entry(const struct guest_mem *gm, unsigned int i);
/* Forgets the log, keeping memory as it is. */
void guest_mem_log_clear(struct guest_mem *gm);
/* Undoes the logged writes, newest first, and empties the log. */
void guest_mem_log_rollback(struct guest_mem *gm);

/* A small deterministic generator (splitmix64) so that a failing seed reproduces. */
struct gm_rng {
	u64 state;
};
u64 gm_rng_next(struct gm_rng *rng);
/* Uniform in [0, n); n > 0. */
u64 gm_rng_below(struct gm_rng *rng, u64 n);
/* True with probability @percent / 100. */
bool gm_rng_chance(struct gm_rng *rng, unsigned int percent);

/*
 * Guest page tables of one paging mode, built in a guest_mem. Tables come from
 * guest_mem_alloc_frame(). For PAE the root is a 32-byte PDPT at @root (any 32-byte slot of a
 * frame); gpt_load_pdptes() reads it as a CR3 load does.
 */
struct gpt {
	struct guest_mem *gm;
	enum guest_paging_mode mode;
	u64 root;
};

/* Allocates the root table; false when RAM is used up. */
bool gpt_init(struct gpt *g, struct guest_mem *gm, enum guest_paging_mode mode);
int gpt_root_level(const struct gpt *g);
unsigned int gpt_entry_size(const struct gpt *g);
/* CR3 for these tables, with @low_bits (PCID, or PWT/PCD) in bits 11:0. */
u64 gpt_cr3(const struct gpt *g, u64 low_bits);
void gpt_load_pdptes(const struct gpt *g, u64 pdptes[GPT_PAE_PDPTE_COUNT]);

/* The GPA of the entry for @gva at @level, following present non-leaf entries; 0 if none. */
u64 gpt_entry_gpa(const struct gpt *g, u64 gva, int level);
u64 gpt_get(const struct gpt *g, u64 entry_gpa);
void gpt_set(const struct gpt *g, u64 entry_gpa, u64 val);

/*
 * Makes @gva reach the entry at @level, allocating missing tables and linking them with
 * @table_flags (P is added), and stores @leaf there verbatim. False when RAM is used up or the
 * path runs into an existing large page above @level.
 */
bool gpt_map(struct gpt *g, u64 gva, int level, u64 leaf, u64 table_flags);

/*
 * Random tables for differential tests: @nr_maps mappings at random addresses with random
 * permission, A/D, PS, PAT and key bits, some not present, some with a reserved bit set, some
 * linking to unbacked frames, shared tables or high frames. The GVAs used are stored in @gvas.
 */
struct gpt_random_params {
	unsigned int maxphyaddr;
	unsigned int nr_maps;
	unsigned int not_present_percent;
	unsigned int rsvd_percent;
	unsigned int unbacked_percent;
	unsigned int alias_percent;
};
void gpt_build_random(struct gpt *g, struct gm_rng *rng, const struct gpt_random_params *p,
		      u64 *gvas);

#endif
