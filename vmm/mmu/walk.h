/* SPDX-License-Identifier: GPL-2.0-only */
/* The guest page-table walker: guest-virtual to guest-physical with the CPU's checks and A/D. */
#ifndef KEEL_VMM_MMU_WALK_H
#define KEEL_VMM_MMU_WALK_H

#include <keel/types.h>
#include <vmm/mmu/paging.h>

/*
 * Guest memory as the walker sees it. Both calls take a naturally aligned @len of 4 or 8 bytes
 * and return -1 when @gpa is not guest RAM (MMIO or a hole). Values are little-endian, in the low
 * @len bytes of a u64.
 *
 * read:    copies @len bytes at @gpa into @buf; 0 on success.
 * cmpxchg: atomically, if the @len bytes at @gpa equal @old, stores @new_val and returns 0;
 *          if they differ, returns 1 and stores nothing.
 */
struct guest_mem_ops {
	int (*read)(void *ctx, u64 gpa, void *buf, unsigned int len);
	int (*cmpxchg)(void *ctx, u64 gpa, u64 old, u64 new_val, unsigned int len);
};

struct guest_mem_access {
	const struct guest_mem_ops *ops;
	void *ctx;
};

enum guest_paging_mode {
	GUEST_PAGING_OFF,    /* CR0.PG = 0: linear = physical, 32 bits */
	GUEST_PAGING_32,     /* CR0.PG = 1, CR4.PAE = 0 */
	GUEST_PAGING_PAE,    /* CR4.PAE = 1, EFER.LMA = 0 */
	GUEST_PAGING_4LEVEL, /* EFER.LMA = 1, CR4.LA57 = 0 */
	GUEST_PAGING_5LEVEL, /* EFER.LMA = 1, CR4.LA57 = 1 */
};

/* The paging mode CR0.PG, CR4.PAE, EFER.LMA and CR4.LA57 select (SDM Vol. 3A, 4.1.1). */
enum guest_paging_mode guest_paging_mode(u64 cr0, u64 cr4, u64 efer);

/*
 * The vCPU state a walk depends on, as the guest set it. The walker reads CR0.PG/WP,
 * CR4.PSE/PAE/LA57/SMEP/SMAP/PKE, EFER.LMA/NXE and RFLAGS.AC from the raw registers.
 *
 * @cr3:    as loaded; bits 11:0 (PCID with CR4.PCIDE, else PWT/PCD and ignored bits) and bits
 *          at or above MAXPHYADDR are not part of the table address and are ignored.
 * @pdptes: PAE paging only: the four PDPTE registers the CPU loaded from the PDPT at the last
 *          CR3 load (or CR0/CR4 write that reloads them). A real CPU never rereads them during
 *          a walk, so the caller keeps them with the vCPU and reloads them where the CPU would;
 *          guest_pae_pdpte_valid() says whether such a load must #GP instead.
 * @maxphyaddr: the guest's MAXPHYADDR (CPUID.80000008H:EAX[7:0]), 32..52.
 * @gbpages: the guest has 1 GiB pages (CPUID.80000001H:EDX.Page1GB).
 */
struct guest_paging_state {
	u64 cr0;
	u64 cr3;
	u64 cr4;
	u64 efer;
	u64 rflags;
	u64 pdptes[GPT_PAE_PDPTE_COUNT];
	u32 pkru;
	u8 cpl;
	u8 maxphyaddr;
	bool gbpages;
};

/* What the access is. A fetch or a write is never also the other. */
enum guest_access_kind {
	GUEST_ACCESS_READ,
	GUEST_ACCESS_WRITE,
	GUEST_ACCESS_FETCH,
};

/*
 * Walk flags.
 * GUEST_WALK_IMPLICIT: an implicit supervisor-mode access (GDT/LDT/IDT/TSS, or a shadow-stack
 *   or inner-stack access on a privilege change): supervisor whatever the CPL, and SMAP applies
 *   regardless of RFLAGS.AC (SDM Vol. 3A, 4.6).
 * GUEST_WALK_PEEK: translate and check, but set no accessed or dirty flag (debugger-style reads,
 *   instruction decoding that must not disturb the guest).
 */
#define GUEST_WALK_IMPLICIT BIT(0)
#define GUEST_WALK_PEEK	    BIT(1)

enum guest_walk_status {
	GUEST_WALK_OK,	     /* translated; @gpa and @access are valid */
	GUEST_WALK_FAULT,    /* the access raises #PF(@error_code) at @gva */
	GUEST_WALK_UNBACKED, /* a paging-structure entry at pte_gpa[level - 1] is not guest RAM */
	GUEST_WALK_RETRY,    /* the guest kept changing its entries under the A/D update */
};

/* The access a translation allows, combined over all levels (SDM Vol. 3A, 4.6). */
#define GUEST_ACC_X   BIT(0) /* XD = 0 in every entry (always, for 32-bit paging) */
#define GUEST_ACC_W   BIT(1) /* R/W = 1 in every entry */
#define GUEST_ACC_U   BIT(2) /* U/S = 1 in every entry: a user-mode address */
#define GUEST_ACC_ALL (GUEST_ACC_X | GUEST_ACC_W | GUEST_ACC_U)

/*
 * The result of one walk. Entries are indexed by level - 1. The walker fills pte[] and
 * pte_gpa[] for every level it read, from root_level down to @level, and zeroes the rest:
 *   OK, or a FAULT from the access rights: @level is the leaf level;
 *   a FAULT from P = 0 or a reserved bit: @level is the entry that had it;
 *   UNBACKED: @level is the entry that could not be read (pte[] holds 0 there).
 * @gpa, @page_size, @access and @pkey describe the translation, so they are set for OK and for a
 * FAULT from the access rights (where error_code has PF_ERR_P and not PF_ERR_RSVD), else 0.
 * pte[] holds the entry as the walk left it, A and D included. For PAE paging the level-3 entry
 * is the PDPTE register and its pte_gpa is where that PDPTE was loaded from.
 *
 * Paging off: OK, root_level 0, level 0, page_size 4 KiB, gpa = gva, access GUEST_ACC_ALL.
 * @gva is the address walked: the low 32 bits of the input unless in 4/5-level paging (the
 * caller checks canonicality and raises #GP itself). On a FAULT it is the address for CR2.
 */
struct guest_walk {
	enum guest_walk_status status;
	enum guest_paging_mode mode;
	u32 error_code;
	u64 gva;
	u64 gpa;
	u64 page_size;
	unsigned int access;
	unsigned int pkey; /* the leaf's protection key; 0 unless 4/5-level with CR4.PKE */
	int root_level;
	int level;
	u64 pte[GPT_MAX_LEVELS];
	u64 pte_gpa[GPT_MAX_LEVELS];
};

/* How often a walk restarts when a cmpxchg of an A/D update finds the entry changed. */
#define GUEST_WALK_MAX_ATTEMPTS 8

/*
 * Translates @gva for an access of @kind by a vCPU in @state, checking it as the CPU would, and
 * on success sets the accessed flags of every entry used and the dirty flag of the leaf for a
 * write (unless GUEST_WALK_PEEK). A faulting walk writes nothing. Freestanding: reaches guest
 * memory only through @mem. Returns @walk->status.
 */
enum guest_walk_status guest_walk(struct guest_walk *walk, const struct guest_mem_access *mem,
				  const struct guest_paging_state *state, u64 gva,
				  enum guest_access_kind kind, unsigned int flags);

/*
 * Whether @pte, a present entry at @level of a guest table, has a bit set that must be 0 in the
 * paging mode of @state (MAXPHYADDR, EFER.NXE, CR4.PSE and 1 GiB pages as @state says): the
 * check a walk makes, for callers that read one entry without walking (SDM Vol. 3A, 4.3 to 4.5).
 */
bool guest_pte_reserved(const struct guest_paging_state *state, int level, u64 pte);

/* Whether a PAE PDPTE may be loaded into a PDPTE register (SDM Vol. 3A, 4.4.1, table 4-8). */
bool guest_pae_pdpte_valid(u64 pdpte, unsigned int maxphyaddr);

#endif
