/* SPDX-License-Identifier: GPL-2.0-only */
/* Building and reading SPTEs in the x86 format (shadow paging) and the EPT format (TDP). */
#include <arch/paging.h>

#include "ept.h"
#include "spte.h"

const struct spte_format spte_format_x86 = {
	.readable = PTE_P,
	.writable = PTE_W,
	.user = PTE_U,
	.nx = PTE_NX,
	.accessed = PTE_A,
	.dirty = PTE_D,
	.large = PTE_PS,
	.sw_mmu_writable = SPTE_X86_SW_MMU_WRITABLE,
};

const struct spte_format spte_format_ept = {
	.readable = EPT_READ,
	.writable = EPT_WRITE,
	.exec = EPT_EXEC,
	.accessed = EPT_ACCESSED,
	.dirty = EPT_DIRTY,
	.large = EPT_LARGE,
	.leaf_attr = EPT_MEMTYPE_WB,
	.sw_host_writable = SPTE_EPT_SW_HOST_WRITABLE,
	.sw_mmu_writable = SPTE_EPT_SW_MMU_WRITABLE,
	.ept = true,
};

u64 spte_make_leaf(const struct spte_format *f, const struct spte_leaf_args *a)
{
	u64 spte = SPTE_SW_PRESENT | f->readable | f->accessed | f->leaf_attr;

	spte |= a->host_pa & SPTE_ADDR_MASK;
	if (a->level > 1)
		spte |= f->large;
	spte |= (a->access & ACC_EXEC) ? f->exec : f->nx;
	if (a->access & ACC_USER)
		spte |= f->user;
	if (!f->ept)
		spte |= a->pkey_bits & SPTE_PKEY_MASK;
	if (a->host_writable)
		spte |= f->sw_host_writable;
	if (a->host_writable && a->mmu_writable && (a->access & ACC_WRITE)) {
		spte |= f->sw_mmu_writable;
		if (a->dirty)
			spte |= f->writable | f->dirty;
	}
	return spte;
}

u64 spte_make_nonleaf(const struct spte_format *f, paddr_t child_pa)
{
	return SPTE_SW_PRESENT | SPTE_SW_TABLE | f->readable | f->writable | f->user | f->exec |
	       f->accessed | (child_pa & SPTE_ADDR_MASK);
}

unsigned int spte_access(const struct spte_format *f, u64 spte)
{
	unsigned int acc = 0;

	if (!(spte & f->readable))
		return 0;
	if (f->ept ? (spte & f->exec) : !(spte & f->nx))
		acc |= ACC_EXEC;
	if (spte & f->writable)
		acc |= ACC_WRITE;
	if (!f->ept && (spte & f->user))
		acc |= ACC_USER;
	if (f->ept)
		acc |= ACC_USER;
	return acc;
}
