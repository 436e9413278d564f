/* SPDX-License-Identifier: GPL-2.0-only */
/* EPT paging-structure entry format, the bits Keel's TDP MMU writes. */
#ifndef KEEL_VMM_MMU_EPT_H
#define KEEL_VMM_MMU_EPT_H

#include <keel/types.h>

/*
 * Intel SDM Vol. 3C 29.3.2 "EPT Translation Mechanism" (28.2.2 in older editions), tables
 * "Format of an EPT PML4 Entry" through "Format of an EPT Page-Table Entry".
 */
#define EPT_READ	  BIT(0)
#define EPT_WRITE	  BIT(1)
#define EPT_EXEC	  BIT(2)
#define EPT_MEMTYPE_SHIFT 3 /* bits 5:3 of a leaf: EPT memory type */
#define EPT_MEMTYPE_WB	  (6ULL << EPT_MEMTYPE_SHIFT)
#define EPT_IGNORE_PAT	  BIT(6)
#define EPT_LARGE	  BIT(7) /* bit 7 of an EPT PDPTE or PDE: maps a 1 GiB or 2 MiB page */
#define EPT_ACCESSED	  BIT(8) /* only when EPTP bit 6 enables accessed and dirty flags */
#define EPT_DIRTY	  BIT(9)
#define EPT_SUPPRESS_VE	  BIT(63)

#endif
