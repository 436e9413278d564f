/* SPDX-License-Identifier: GPL-2.0-only */
/* Host paging ktests: W^X per kernel section, NX/WP/SMEP/SMAP, the direct map's extent. */
#include <keel/init.h>
#include <keel/ktest.h>
#include <keel/mm.h>
#include <arch/cpu.h>
#include <arch/fault.h>
#include <arch/msr.h>
#include <arch/paging.h>
#include <arch/sections.h>
#include <arch/trap.h>

#define X86_OPCODE_RET 0xc3

/* A "function" in .data: a single ret. Calling it must fault on the fetch. */
static u8 data_ret_insn[16] __aligned(16) = { X86_OPCODE_RET };
static const u64 rodata_word = 0x6b65656c;

/* Writes a byte's own value back: harmless if the write is (wrongly) allowed. */
static void rewrite_byte(void *p)
{
	volatile u8 *b = p;

	*b = *b;
}

static void read_byte(void *p)
{
	(void)*(volatile u8 *)p;
}

static void call_data(void *p)
{
	((void (*)(void))p)();
}

static void expect_pf(struct ktest_ctx *t, void (*fn)(void *), void *addr, u64 error_code)
{
	struct arch_fault f = { 0 };

	KTEST_EXPECT(t, !arch_try_call(fn, addr, &f));
	KTEST_EXPECT_EQ(t, f.vector, X86_TRAP_PF);
	KTEST_EXPECT_EQ(t, f.error_code, error_code);
	KTEST_EXPECT_EQ(t, f.cr2, (u64)addr);
}

KTEST(paging_text_not_writable)
{
	void *text = (void *)&arch_try_call;

	KTEST_EXPECT(t, text >= (void *)__text_start && text < (void *)__text_end);
	expect_pf(t, rewrite_byte, text, PF_ERR_P | PF_ERR_W);
}

KTEST(paging_data_not_executable)
{
	KTEST_EXPECT(t, (void *)data_ret_insn >= (void *)__data_start &&
				(void *)data_ret_insn < (void *)__data_end);
	expect_pf(t, call_data, data_ret_insn, PF_ERR_P | PF_ERR_I);
}

KTEST(paging_rodata_read_only)
{
	void *ro = (void *)&rodata_word;
	struct arch_fault f = { 0 };

	KTEST_EXPECT(t, ro >= (void *)__rodata_start && ro < (void *)__rodata_end);
	KTEST_EXPECT(t, arch_try_call(read_byte, ro, &f));
	expect_pf(t, rewrite_byte, ro, PF_ERR_P | PF_ERR_W);
}

KTEST(paging_data_writable)
{
	struct arch_fault f = { 0 };

	KTEST_EXPECT(t, arch_try_call(rewrite_byte, data_ret_insn, &f));
}

/* The last page of the highest usable range is reachable; the byte after the map is not. */
KTEST(paging_direct_map_extent)
{
	struct arch_fault f = { 0 };
	paddr_t top = 0;
	u32 i;

	for (i = 0; i < boot_info.mmap_count; i++) {
		const struct boot_mmap_entry *e = &boot_info.mmap[i];

		if (e->type == BOOT_MEM_USABLE)
			top = MAX(top, ALIGN_DOWN(e->base + e->length, PAGE_SIZE));
	}
	KTEST_EXPECT(t, top >= PAGE_SIZE);
	KTEST_EXPECT(t, top <= direct_map_end);
	ktest_diag(t, "top of usable RAM 0x%lx, direct map ends at 0x%lx", top, direct_map_end);
	KTEST_EXPECT(t, arch_try_call(read_byte, phys_to_virt(top - PAGE_SIZE), &f));
	KTEST_EXPECT(t, arch_try_call(read_byte, phys_to_virt(top - 1), &f));
	expect_pf(t, read_byte, phys_to_virt(direct_map_end), 0);
}

/* Keel's tables leave the lower half empty: the loader's identity map is gone. */
KTEST(paging_lower_half_empty)
{
	expect_pf(t, read_byte, (void *)KEEL_LOAD_PHYS, 0);
	expect_pf(t, read_byte, (void *)PAGE_SIZE, 0);
}

KTEST(paging_protection_bits)
{
	u64 cr4 = read_cr4();

	KTEST_EXPECT(t, cpu_features.nx);
	KTEST_EXPECT(t, rdmsr(MSR_EFER) & EFER_NXE);
	KTEST_EXPECT(t, read_cr0() & X86_CR0_WP);
	KTEST_EXPECT_EQ(t, !!(cr4 & X86_CR4_SMEP), cpu_features.smep);
	KTEST_EXPECT_EQ(t, !!(cr4 & X86_CR4_SMAP), cpu_features.smap);
}

/* virt_to_phys() agrees with the loader's placement for both kinds of address. */
KTEST(paging_virt_to_phys)
{
	KTEST_EXPECT_EQ(t, virt_to_phys(phys_to_virt(0x123456)), 0x123456);
	KTEST_EXPECT_EQ(t, virt_to_phys(__text_start),
			boot_info.kernel_phys +
				((vaddr_t)__text_start - KEEL_KERNEL_VIRT_BASE - KEEL_LOAD_PHYS));
}
