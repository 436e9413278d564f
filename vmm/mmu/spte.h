/* SPDX-License-Identifier: GPL-2.0-only */
/* Shadow page-table entries: one encoding interface over the x86 (shadow) and EPT (TDP) formats. */
#ifndef KEEL_VMM_MMU_SPTE_H
#define KEEL_VMM_MMU_SPTE_H

#include <keel/types.h>
#include <vmm/mmu/paging.h>

/*
 * Access rights an SPTE grants, the same three bits the guest walker reports (GUEST_ACC_*):
 * execute, write, user. A non-leaf SPTE always grants all three; the leaf carries the
 * combination of every guest level above it.
 */
#define ACC_EXEC  BIT(0)
#define ACC_WRITE BIT(1)
#define ACC_USER  BIT(2)
#define ACC_ALL	  (ACC_EXEC | ACC_WRITE | ACC_USER)

/*
 * Software bits. PRESENT and TABLE are bits 11 and 10, which the CPU ignores in every entry of
 * every x86 paging format, PAE included (SDM Vol. 3A 4.4.2 and 4.5, tables 4-8 to 4-20), and in
 * EPT entries while mode-based execute control is off (Keel never turns it on; SDM Vol. 3C
 * 29.3.2). The writability bits live where each format has room: EPT in bits 53:52, which it
 * ignores; the x86 format in bit 9, the only other bit a PAE-format leaf leaves free (bits 62:52
 * are reserved there), and without HOST_WRITABLE, which only the TDP fault path reads.
 *   PRESENT        the MMU installed this entry (a write-protected or not-yet-accessed entry is
 *                  still "present" to the MMU even when the hardware bits say otherwise)
 *   TABLE          the entry references a shadow table, not a frame; lets code that does not
 *                  know the format tell the two apart
 *   HOST_WRITABLE  the memslot lets the guest write the frame (spte_format.sw_host_writable)
 *   MMU_WRITABLE   no write tracking or dirty logging forbids writes: a write fault may simply
 *                  set the writable bit again (spte_format.sw_mmu_writable)
 */
#define SPTE_SW_PRESENT		  BIT(11)
#define SPTE_SW_TABLE		  BIT(10)
#define SPTE_X86_SW_MMU_WRITABLE  BIT(9)
#define SPTE_EPT_SW_HOST_WRITABLE BIT(52)
#define SPTE_EPT_SW_MMU_WRITABLE  BIT(53)
#define SPTE_ADDR_MASK		  0x000ffffffffff000ULL
#define SPTE_PKEY_MASK		  GPT_PKEY_MASK /* x86 leaves carry the guest's protection key */

#define SPTE_LEVEL_SHIFT(level)	  (12 + 9 * ((level)-1))
#define SPTE_LEVEL_PAGES(level)	  (1ULL << (9 * ((level)-1)))
#define SPTE_ENTRIES		  512

/* The hardware bits of one format, chosen once per VM. */
struct spte_format {
	u64 readable;	      /* present to the CPU: x86 P, EPT R */
	u64 writable;	      /* x86 R/W, EPT W */
	u64 user;	      /* x86 U/S; EPT has none */
	u64 exec;	      /* EPT X; x86 has none (executable unless nx) */
	u64 nx;		      /* x86 XD; EPT has none */
	u64 accessed;	      /* x86 A, EPT A */
	u64 dirty;	      /* x86 D, EPT D */
	u64 large;	      /* x86 PS, EPT bit 7 */
	u64 leaf_attr;	      /* EPT: memory type WB; x86: none */
	u64 sw_host_writable; /* software bits, see above (0: not kept in this format) */
	u64 sw_mmu_writable;
	bool ept;
};

extern const struct spte_format spte_format_x86;
extern const struct spte_format spte_format_ept;

struct spte_leaf_args {
	paddr_t host_pa;
	unsigned int level;
	unsigned int access; /* ACC_* */
	u64 pkey_bits;	     /* x86 only: the guest leaf's protection key, bits 62:59 */
	bool host_writable;
	bool mmu_writable; /* may be writable when access allows it */
	bool dirty;	   /* set D now (only with ACC_WRITE granted) */
};

u64 spte_make_leaf(const struct spte_format *f, const struct spte_leaf_args *a);
u64 spte_make_nonleaf(const struct spte_format *f, paddr_t child_pa);
/* The access the entry grants to the CPU right now (ACC_*). */
unsigned int spte_access(const struct spte_format *f, u64 spte);

static inline bool spte_present(u64 spte)
{
	return spte & SPTE_SW_PRESENT;
}

static inline bool spte_is_leaf(u64 spte)
{
	return !(spte & SPTE_SW_TABLE);
}

static inline bool spte_writable(const struct spte_format *f, u64 spte)
{
	return spte & f->writable;
}

static inline paddr_t spte_addr(u64 spte)
{
	return spte & SPTE_ADDR_MASK;
}

/* Clears the writable bit (and, for a dirty-logged frame, forgets MMU_WRITABLE). */
static inline u64 spte_write_protect(const struct spte_format *f, u64 spte, bool keep_mmu_writable)
{
	spte &= ~f->writable;
	if (!keep_mmu_writable)
		spte &= ~f->sw_mmu_writable;
	return spte;
}

#endif
