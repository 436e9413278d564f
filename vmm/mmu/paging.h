/* SPDX-License-Identifier: GPL-2.0-only */
/* Guest paging as the SDM defines it: entry formats of 32-bit, PAE, 4-level and 5-level. */
#ifndef KEEL_VMM_MMU_PAGING_H
#define KEEL_VMM_MMU_PAGING_H

#include <keel/types.h>
#include <arch/cpu.h>
#include <arch/msr.h>
#include <arch/paging.h>

/*
 * The bits every mode shares are named once in arch headers and used from there:
 *   entry bits P, R/W, U/S, PWT, PCD, A, D, PS, G, XD    PTE_* in arch/paging.h
 *   page-fault error code P, W/R, U/S, RSVD, I/D, PK      PF_ERR_* in arch/paging.h
 *   CR0.PG, CR0.WP, CR4.PSE/PAE/LA57/PCIDE/SMEP/SMAP/PKE, RFLAGS.AC   X86_* in arch/cpu.h
 *   EFER.LMA, EFER.NXE                                    EFER_* in arch/msr.h
 * This header adds what only a guest page-table walker needs.
 */

/* Bits hi..lo set, hi >= lo, both in 0..63. */
#define GPT_BITS(hi, lo) ((~0ULL >> (63 - (hi))) & (~0ULL << (lo)))

/*
 * Levels: 1 is the table that maps 4 KiB pages (PT), 2 the PD, 3 the PDPT, 4 the PML4, 5 the
 * PML5. 32-bit paging uses levels 2 and 1, PAE paging 3 to 1.
 */
#define GPT_MAX_LEVELS	     5
#define GPT_PAGE_SHIFT	     12
#define GPT_PAGE_OFFSET_MASK GPT_BITS(11, 0)

/* Physical-address width limits (SDM Vol. 3A, 4.1.4): MAXPHYADDR is at most 52. */
#define GPT_MAX_PHYADDR 52

/*
 * 32-bit paging (SDM Vol. 3A, 4.3, tables 4-4 to 4-6). 4-byte entries, 10 index bits a level.
 * With CR4.PSE = 1 a PDE with PS = 1 maps a 4 MiB page:
 *
 *   31..22          21    20..13 (M-20..13)   12    11..0
 *  +---------------+-----+-------------------+-----+------------------------+
 *  | address 31:22 | rsvd| address (M-1):32  | PAT | G PS D A PCD PWT U W P |
 *  +---------------+-----+-------------------+-----+------------------------+
 *
 * This is PSE-36: M = min(MAXPHYADDR, 40) and bits 21:(M-19) are reserved. A PDE with PS = 0, or
 * any PDE while CR4.PSE = 0, references a page table; 4 KiB entries have no reserved bits.
 */
#define GPT32_INDEX_BITS	10
#define GPT32_ENTRY_SIZE	4
#define GPT32_ADDR_MASK		GPT_BITS(31, 12)
#define GPT32_4M_ADDR_MASK	GPT_BITS(31, 22)
#define GPT32_4M_HI_SHIFT	13 /* entry bit 13 holds address bit 32 */
#define GPT32_4M_HI_ADDR_SHIFT	32
#define GPT32_4M_RSVD_TOP	21
#define GPT32_PSE36_MAX_PHYADDR 40

/*
 * PAE paging (SDM Vol. 3A, 4.4). CR3 bits 31:5 locate a 32-byte PDPT of four 8-byte PDPTEs.
 * The CPU loads the PDPTEs into internal registers when CR3 is loaded (4.4.1), so a walk uses
 * those register copies, not memory. A present PDPTE reserves bits 2:1, 8:5 and 63:MAXPHYADDR
 * (table 4-8); loading one with a reserved bit set is a #GP on the MOV to CR3, not a #PF.
 * PDEs and PTEs (tables 4-9 to 4-11) reserve bits 62:MAXPHYADDR, and bit 63 unless EFER.NXE.
 */
#define GPT_PAE_CR3_PDPT_MASK  GPT_BITS(31, 5)

/* MOV to CR3 with CR4.PCIDE=1: bit 63 set keeps the new PCID's TLB entries (4.10.4.1). */
#define GPT_CR3_PCID_NOFLUSH BIT(63)
#define GPT_PAE_PDPTE_COUNT    4
#define GPT_PAE_PDPTE_RSVD_LOW (GPT_BITS(2, 1) | GPT_BITS(8, 5))
#define GPT_PAE_RSVD_TOP       62

/*
 * 4-level and 5-level paging (SDM Vol. 3A, 4.5, tables 4-14 to 4-20). 8-byte entries, 9 index
 * bits a level. Every entry reserves bits 51:MAXPHYADDR, and bit 63 unless EFER.NXE. PS is
 * reserved in a PML5E and PML4E, and in a PDPTE when the CPU lacks 1 GiB pages
 * (CPUID.80000001H:EDX.Page1GB). PAE and 4/5-level share the 8-byte large-page layout:
 *
 *   63   62..59  58..52  51..M   M-1..21/30      20/29..13  12    11..0
 *  +----+-------+-------+------+----------------+----------+-----+------------------------+
 *  | XD | PKEY  | avail | rsvd | address        | rsvd     | PAT | G PS D A PCD PWT U W P |
 *  +----+-------+-------+------+----------------+----------+-----+------------------------+
 *
 * The protection key (bits 62:59) is used only in a leaf, and only with CR4.PKE = 1 (4.6.2);
 * PAE paging reserves those bits.
 */
#define GPT64_INDEX_BITS   9
#define GPT64_ENTRY_SIZE   8
#define GPT64_RSVD_TOP	   51
#define GPT_LARGE_RSVD_LOW 13 /* lowest reserved bit of a 2 MiB / 1 GiB / 4 MiB leaf */
#define GPT_PAT_LARGE	   BIT(12)
#define GPT_PKEY_SHIFT	   59
#define GPT_PKEY_MASK	   GPT_BITS(62, 59)

/* PKRU (SDM Vol. 3A, 4.6.2): for key i, bit 2i is access-disable, bit 2i+1 write-disable. */
#define PKRU_AD(key) (1U << (2 * (key)))
#define PKRU_WD(key) (1U << (2 * (key) + 1))

#endif
