/* SPDX-License-Identifier: GPL-2.0-only */
/* Host page tables: the kernel image with W^X per section, and a direct map of physical memory. */
#include <keel/arch.h>
#include <keel/mm.h>
#include <keel/panic.h>
#include <keel/printk.h>
#include <arch/cpu.h>
#include <arch/msr.h>
#include <arch/paging.h>
#include <arch/sections.h>

#define FOUR_GIB (1UL << 32)
/* The direct map must end before the kernel image's PML4 slot. */
#define DIRECT_MAP_MAX (KEEL_KERNEL_VIRT_BASE - KEEL_DIRECT_MAP_BASE)

paddr_t kernel_phys_base = KEEL_LOAD_PHYS;
paddr_t direct_map_end;

static u64 *kernel_pml4;
static u64 pte_nx; /* PTE_NX when the CPU has it, else 0 (the bit would be reserved) */

static unsigned int pt_index(vaddr_t va, unsigned int shift)
{
	return (va >> shift) & (PT_ENTRIES - 1);
}

/* The table below entry, allocated when absent; NULL when a large page already maps it. */
static u64 *next_table(u64 *entry)
{
	paddr_t pa;

	if (*entry & PTE_P)
		return (*entry & PTE_PS) ? NULL : phys_to_virt(*entry & PTE_ADDR_MASK);
	pa = pmm_alloc_pages(0);
	if (!pa)
		panic("paging: out of memory for page tables");
	/* Permissions are decided at the leaves; upper levels allow everything but user access. */
	*entry = pa | PTE_P | PTE_W;
	return phys_to_virt(pa);
}

/*
 * Map one page of size 1 << shift (PT_SHIFT, PD_SHIFT or PDPT_SHIFT). Returns false, changing
 * nothing, when part of the range is already mapped; the caller decides whether that is a bug.
 */
static bool map_one(vaddr_t va, paddr_t pa, unsigned int shift, u64 flags)
{
	u64 *table = kernel_pml4;
	unsigned int level_shift;

	for (level_shift = PML4_SHIFT; level_shift > shift; level_shift -= PT_LEVEL_SHIFT) {
		table = next_table(&table[pt_index(va, level_shift)]);
		if (!table)
			return false;
	}
	table += pt_index(va, shift);
	if (*table & PTE_P)
		return false;
	*table = pa | flags | (shift == PT_SHIFT ? 0 : PTE_PS);
	return true;
}

static void map_kernel_section(const char *name, char *start, char *end, u64 flags)
{
	vaddr_t va;

	KEEL_BUG_ON(!IS_ALIGNED((vaddr_t)start, PAGE_SIZE) || !IS_ALIGNED((vaddr_t)end, PAGE_SIZE));
	for (va = (vaddr_t)start; va < (vaddr_t)end; va += PAGE_SIZE)
		if (!map_one(va, kernel_virt_to_phys(va), PT_SHIFT, flags))
			panic("paging: %s page 0x%lx mapped twice", name, va);
	pr_debug("paging: %-6s 0x%016lx-0x%016lx%s%s\n", name, (vaddr_t)start, (vaddr_t)end,
		 (flags & PTE_W) ? " writable" : " read-only",
		 (flags & PTE_NX) || !pte_nx ? "" : " executable");
}

/* Direct-map [start, end), rounded out to 2 MiB; parts mapped already are left as they are. */
static void map_direct_range(paddr_t start, paddr_t end)
{
	paddr_t limit = MIN((paddr_t)DIRECT_MAP_MAX, 1UL << cpu_features.phys_bits);
	u64 flags = PTE_P | PTE_W | PTE_A | PTE_D | pte_nx;
	paddr_t pa;

	start = ALIGN_DOWN(start, LARGE_PAGE_SIZE);
	end = ALIGN_UP(end, LARGE_PAGE_SIZE);
	if (end > limit) {
		pr_warn("paging: memory 0x%lx-0x%lx lies past what can be mapped (0x%lx), "
			"ignored\n",
			MAX(start, limit), end, limit);
		end = limit;
	}
	for (pa = start; pa < end;) {
		if (cpu_features.page1gb && IS_ALIGNED(pa, HUGE_PAGE_SIZE) &&
		    end - pa >= HUGE_PAGE_SIZE) {
			map_one(KEEL_DIRECT_MAP_BASE + pa, pa, PDPT_SHIFT, flags);
			pa += HUGE_PAGE_SIZE;
		} else {
			map_one(KEEL_DIRECT_MAP_BASE + pa, pa, PD_SHIFT, flags);
			pa += LARGE_PAGE_SIZE;
		}
	}
	direct_map_end = MAX(direct_map_end, end);
}

static bool is_ram(u32 type)
{
	return type == BOOT_MEM_USABLE || type == BOOT_MEM_ACPI_RECLAIM ||
	       type == BOOT_MEM_ACPI_NVS || type == BOOT_MEM_LOADER;
}

/*
 * All of [0, 4 GiB) is direct-mapped, RAM or not: the local APIC, I/O APIC, HPET and the ACPI
 * tables live there, reserved or not listed at all. Above it, only RAM: reserved ranges up there
 * are holes and windows (QEMU lists a 12 GiB one below 1 TiB) that nothing should touch.
 */
static void map_direct(const struct boot_info *bi)
{
	u32 i;

	map_direct_range(0, FOUR_GIB);
	for (i = 0; i < bi->mmap_count && i < BOOT_MMAP_MAX; i++) {
		const struct boot_mmap_entry *e = &bi->mmap[i];

		if (is_ram(e->type) && e->base + e->length > FOUR_GIB)
			map_direct_range(MAX(e->base, FOUR_GIB), e->base + e->length);
	}
}

static void enable_protection(void)
{
	u64 cr4 = read_cr4();

	write_cr0(read_cr0() | X86_CR0_WP);
	if (cpu_features.smep)
		cr4 |= X86_CR4_SMEP;
	if (cpu_features.smap)
		cr4 |= X86_CR4_SMAP;
	write_cr4(cr4);
}

void arch_paging_init(const struct boot_info *bi)
{
	paddr_t pml4_pa;
	u64 rsp;

	/* The lower half disappears with the switch: the stack must not be there. */
	__asm__ volatile("movq %%rsp, %0" : "=r"(rsp));
	KEEL_BUG_ON(rsp < KEEL_DIRECT_MAP_BASE);

	if (cpu_features.nx) {
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
		pte_nx = PTE_NX;
	}
	pml4_pa = pmm_alloc_pages(0);
	if (!pml4_pa)
		panic("paging: out of memory for the PML4");
	kernel_pml4 = phys_to_virt(pml4_pa);

	map_kernel_section("text", __text_start, __text_end, PTE_P);
	map_kernel_section("rodata", __rodata_start, __rodata_end, PTE_P | pte_nx);
	map_kernel_section("data", __data_start, __data_end, PTE_P | PTE_W | pte_nx);
	map_direct(bi);

	write_cr3(pml4_pa);
	enable_protection();
	pr_info("paging: kernel at 0x%lx, direct map of 0x%lx bytes, NX %s, WP on, SMEP %s, "
		"SMAP %s\n",
		kernel_phys_base, direct_map_end, pte_nx ? "on" : "off (no CPU support)",
		cpu_features.smep ? "on" : "off", cpu_features.smap ? "on" : "off");
}

paddr_t virt_to_phys(const void *p)
{
	vaddr_t va = (vaddr_t)p;

	if (va >= (vaddr_t)__text_start && va < (vaddr_t)__kernel_end)
		return kernel_virt_to_phys(va);
	if (va >= KEEL_DIRECT_MAP_BASE && va < KEEL_DIRECT_MAP_BASE + DIRECT_MAP_MAX)
		return va - KEEL_DIRECT_MAP_BASE;
	panic("virt_to_phys(%p): neither in the direct map nor in the kernel image", p);
}
