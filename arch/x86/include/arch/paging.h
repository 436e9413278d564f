/* SPDX-License-Identifier: GPL-2.0-only */
/* x86-64 4-level paging: entry bits, page-fault error code, and the host page-table interface. */
#ifndef ARCH_PAGING_H
#define ARCH_PAGING_H

#include <arch/layout.h>

/*
 * A paging-structure entry (SDM Vol. 3A, 4.5 "4-Level Paging", tables 4-15 to 4-20):
 *
 *   63  62..52  51..12 (M-1..12)   11..9  8   7    6   5   4    3    2    1    0
 *  +--+-------+-------------------+------+---+----+---+---+----+----+----+----+---+
 *  |XD| avail |  physical address | avail| G | PS | D | A |PCD |PWT |U/S |R/W | P |
 *  +--+-------+-------------------+------+---+----+---+---+----+----+----+----+---+
 *
 * PS is set in a PDPTE (1 GiB page) or PDE (2 MiB page); in a PTE bit 7 is PAT instead.
 */
#define PTE_P	       _UL(0x001)
#define PTE_W	       _UL(0x002)
#define PTE_U	       _UL(0x004)
#define PTE_PWT	       _UL(0x008)
#define PTE_PCD	       _UL(0x010)
#define PTE_A	       _UL(0x020)
#define PTE_D	       _UL(0x040)
#define PTE_PS	       _UL(0x080)
#define PTE_G	       _UL(0x100)
#define PTE_NX	       (_UL(1) << 63)
#define PTE_ADDR_MASK  _UL(0x000ffffffffff000)

#define PT_ENTRIES     512
#define PT_LEVEL_SHIFT 9
/* Shift of the address bits each level indexes: PML4 39, PDPT 30, PD 21, PT 12. */
#define PML4_SHIFT 39
#define PDPT_SHIFT 30
#define PD_SHIFT   21
#define PT_SHIFT   12

/* Page-fault error code (SDM Vol. 3A, 4.7 "Page-Fault Exceptions", figure 4-12) */
#define PF_ERR_P    (_UL(1) << 0) /* the page was present: a protection violation */
#define PF_ERR_W    (_UL(1) << 1) /* a write */
#define PF_ERR_U    (_UL(1) << 2) /* user-mode access */
#define PF_ERR_RSVD (_UL(1) << 3) /* a reserved bit was set in an entry */
#define PF_ERR_I    (_UL(1) << 4) /* an instruction fetch */
#define PF_ERR_PK   (_UL(1) << 5) /* protection-key violation */

#ifndef __ASSEMBLER__
#include <keel/types.h>

/* Physical address of the kernel image's first byte (KEEL_LOAD_PHYS unless the loader moved it). */
extern paddr_t kernel_phys_base;

/* Virtual address of the kernel image (link) to the physical address it was loaded at. */
static inline paddr_t kernel_virt_to_phys(vaddr_t va)
{
	return va - KEEL_KERNEL_VIRT_BASE - KEEL_LOAD_PHYS + kernel_phys_base;
}

/* First physical byte past the end of the direct map that arch_paging_init() built. */
extern paddr_t direct_map_end;
#endif

#endif
