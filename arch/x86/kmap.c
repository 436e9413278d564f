/* SPDX-License-Identifier: GPL-2.0-only */
/* Single 4 KiB mappings outside the direct map, in the kernel's own page tables. */
#include <keel/mm.h>
#include <keel/panic.h>
#include <keel/smp.h>
#include <keel/spinlock.h>
#include <arch/cpu.h>
#include <arch/kmap.h>

static struct spinlock kmap_lock = SPINLOCK_INIT;
static vaddr_t kmap_next = KEEL_KMAP_BASE;

static u64 *kernel_pml4(void)
{
	return phys_to_virt(read_cr3() & PTE_ADDR_MASK);
}

static unsigned int pt_index(vaddr_t va, unsigned int shift)
{
	return (va >> shift) & (PT_ENTRIES - 1);
}

/* The PTE for va, tables allocated on the way when alloc; NULL when absent or a large page. */
static u64 *walk(vaddr_t va, bool alloc)
{
	u64 *table = kernel_pml4();

	for (unsigned int shift = PML4_SHIFT; shift > PT_SHIFT; shift -= PT_LEVEL_SHIFT) {
		u64 *e = &table[pt_index(va, shift)];

		if (!(*e & PTE_P)) {
			paddr_t pa;

			if (!alloc)
				return NULL;
			pa = pmm_alloc_pages(0);
			if (!pa)
				panic("kmap: out of memory for page tables");
			*e = pa | PTE_P | PTE_W;
		} else if (*e & PTE_PS) {
			return NULL;
		}
		table = phys_to_virt(*e & PTE_ADDR_MASK);
	}
	return &table[pt_index(va, PT_SHIFT)];
}

void kmap_init(void)
{
	KEEL_BUG_ON(direct_map_end > KEEL_KMAP_BASE - KEEL_DIRECT_MAP_BASE);
}

vaddr_t kmap_reserve(unsigned int npages)
{
	vaddr_t va;

	spin_lock(&kmap_lock);
	va = kmap_next;
	if (npages > (KEEL_KMAP_BASE + KEEL_KMAP_SIZE - va) / PAGE_SIZE)
		panic("kmap: window exhausted (%u more pages asked for)", npages);
	kmap_next += (vaddr_t)npages * PAGE_SIZE;
	spin_unlock(&kmap_lock);
	return va;
}

bool kmap_page(vaddr_t va, paddr_t pa, u64 flags)
{
	u64 *pte;
	bool ok = false;

	KEEL_BUG_ON(!IS_ALIGNED(va, PAGE_SIZE) || !IS_ALIGNED(pa, PAGE_SIZE));
	spin_lock(&kmap_lock);
	pte = walk(va, true);
	if (pte && !(*pte & PTE_P)) {
		*pte = pa | flags | PTE_P;
		ok = true;
	}
	spin_unlock(&kmap_lock);
	return ok;
}

paddr_t kmap_replace(vaddr_t va, paddr_t pa, u64 flags)
{
	paddr_t old = 0;
	u64 *pte;

	KEEL_BUG_ON(!IS_ALIGNED(pa, PAGE_SIZE));
	spin_lock(&kmap_lock);
	pte = walk(va, false);
	if (pte && (*pte & PTE_P)) {
		old = *pte & PTE_ADDR_MASK;
		WRITE_ONCE(*pte, pa | flags | PTE_P);
	}
	spin_unlock(&kmap_lock);
	return old;
}

paddr_t kunmap_page(vaddr_t va)
{
	paddr_t pa = 0;
	u64 *pte;

	spin_lock(&kmap_lock);
	pte = walk(va, false);
	if (pte && (*pte & PTE_P)) {
		pa = *pte & PTE_ADDR_MASK;
		WRITE_ONCE(*pte, 0);
		__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
	}
	spin_unlock(&kmap_lock);
	return pa;
}

static void free_table(paddr_t table_pa, unsigned int shift)
{
	u64 *table = phys_to_virt(table_pa);

	if (shift > PT_SHIFT) {
		for (unsigned int i = 0; i < PT_ENTRIES; i++) {
			KEEL_BUG_ON((table[i] & PTE_P) && (table[i] & PTE_PS));
			if (table[i] & PTE_P)
				free_table(table[i] & PTE_ADDR_MASK, shift - PT_LEVEL_SHIFT);
		}
	}
	pmm_free_pages(table_pa, 0);
}

void kmap_drop_lower_half(void)
{
	u64 *pml4 = kernel_pml4();
	u64 e;

	spin_lock(&kmap_lock);
	e = pml4[0];
	WRITE_ONCE(pml4[0], 0);
	spin_unlock(&kmap_lock);
	/* No CPU may still cache a walk through the tables once they are handed back. */
	tlb_shootdown(smp_online_mask(), NULL, 0);
	if (e & PTE_P)
		free_table(e & PTE_ADDR_MASK, PDPT_SHIFT);
}

void *kmap_mmio(paddr_t pa)
{
	vaddr_t va = kmap_reserve(1);
	u64 nx = cpu_features.nx ? PTE_NX : 0;

	if (!kmap_page(va, ALIGN_DOWN(pa, PAGE_SIZE),
		       PTE_W | PTE_PCD | PTE_PWT | PTE_A | PTE_D | nx))
		panic("kmap: fresh window page 0x%lx already mapped", va);
	return (void *)(va + (pa & (PAGE_SIZE - 1)));
}
