// SPDX-License-Identifier: GPL-2.0-only
/* Guest `modes`: real -> protected -> 32-bit paging -> PAE -> 4-level (-> 5-level) long mode. */
#include "guest.h"

/* Left by modes_asm.S while in real mode. */
extern u32 rm_ran, rm_magic, rm_cr0, rm_alias_read, lm_efer;
extern u32 rm_int_count, rm_ud_count, rm_lsr, rm_efer, rm_cr2, rt_cr0;
u64 long_mode_swap64(u32 cr3, u32 la57, u64 va);
u32 real_mode_roundtrip(void);

#define RM_MARKER_ADDR 0x7020
#define RM_MARKER      0x52ea1000u
#define RM_ALIAS_VALUE 0xbeef
#define RM_CR2_VALUE   0x00c2c2c2u

static u32 rd32(uintptr_t va)
{
	return *(volatile u32 *)va;
}

static uintptr_t frame_with(u32 pattern)
{
	uintptr_t pa = page_alloc();

	for (u32 i = 0; i < PAGE_SIZE / 4; i++)
		((u32 *)pa)[i] = pattern ^ i;
	return pa;
}

static void test_real_mode(void)
{
	check(rm_ran == 1, "the real-mode code did not run");
	check(!(rm_cr0 & CR0_PE), "CR0 0x%x in real mode has PE set", rm_cr0);
	check(rm_alias_read == RM_ALIAS_VALUE, "0701:0000 read 0x%x, 0700:0010 holds 0x%x",
	      rm_alias_read, RM_ALIAS_VALUE);
	check(rm_int_count == 1, "INT n through the IVT ran its handler %u times", rm_int_count);
	check(rm_ud_count == 1, "UD2 reached the IVT's #UD handler %u times", rm_ud_count);
	check(rm_lsr & UART_LSR_THRE, "COM1 LSR 0x%x in real mode lacks THRE", rm_lsr);
	check(!(rm_efer & (EFER_LME | EFER_LMA)), "RDMSR EFER in real mode: 0x%x", rm_efer);
	check(rm_cr2 == RM_CR2_VALUE, "CR2 read back 0x%x in real mode, want 0x%x", rm_cr2,
	      RM_CR2_VALUE);
	diag("real mode entered %s", rm_magic == MB1_BOOT_MAGIC
					     ? "from multiboot (dropped from protected mode)"
					     : "directly (entry=real)");
}

static void test_protected_flat(void)
{
	uintptr_t cr0 = read_cr0();

	check((cr0 & CR0_PE) && !(cr0 & CR0_PG), "CR0 0x%lx: want PE and no PG",
	      (unsigned long)cr0);
	check(rd32(RM_MARKER_ADDR) == RM_MARKER, "real mode's marker at 0x%x reads 0x%x",
	      RM_MARKER_ADDR, rd32(RM_MARKER_ADDR));
	uintptr_t f = frame_with(0x0f1a7000);

	check(rd32(f + 40) == (0x0f1a7000u ^ 10), "flat memory reads back wrong");
}

/* A 32-bit-address-space format: a 4 KiB page, a large page, an unmapped address. */
static void paged32_test(enum pt_format fmt, uintptr_t va, uintptr_t large_va, u64 large)
{
	struct pt pt;
	uintptr_t f = frame_with(0x3a000000 + fmt);
	uintptr_t base = POOL_BASE & ~(uintptr_t)(large - 1);

	pt_init(&pt, fmt);
	pt_map_identity(&pt);
	pt_map(&pt, va, f, PAGE_SIZE, PTE_RW);
	pt_map(&pt, large_va, base, large, PTE_RW);
	pt_activate(&pt);
	check(read_cr0() & CR0_PG, "%s: CR0.PG is not set", pt_format_name(fmt));
	check(rd32(va + 64) == ((0x3a000000u + fmt) ^ 16), "%s: 4 KiB page reads 0x%x",
	      pt_format_name(fmt), rd32(va + 64));
	check(rd32(large_va + (f - base) + 8) == ((0x3a000000u + fmt) ^ 2),
	      "%s: large page reads 0x%x", pt_format_name(fmt), rd32(large_va + (f - base) + 8));
	check(rd32(RM_MARKER_ADDR) == RM_MARKER, "%s: identity map lost the marker",
	      pt_format_name(fmt));
	*(volatile u32 *)(va + 128) = 0x600d0000 + fmt;
	check(rd32(f + 128) == 0x600d0000u + fmt, "%s: write through the page missed the frame",
	      pt_format_name(fmt));
	expect_fault(probe_read8, va + PAGE_SIZE + 3, VEC_PF, 0, va + PAGE_SIZE + 3);
	write_cr0(read_cr0() & ~CR0_PG);
}

static void test_paging_32bit(void)
{
	if (!cpu.pse) {
		skip("no PSE");
		return;
	}
	paged32_test(PT_32BIT, 0x40000000, 0x80000000, LARGE_4M);
}

static void test_paging_pae(void)
{
	paged32_test(PT_PAE, 0xc0000000, 0x80000000, LARGE_2M);
}

static void long_test(enum pt_format fmt, u64 va)
{
	struct pt pt;
	u32 pattern = 0x64000000 + fmt;
	uintptr_t f = frame_with(pattern);
	u64 want = ((u64)(pattern ^ 1) << 32) | (pattern ^ 0);

	pt_init(&pt, fmt);
	pt_map_identity(&pt);
	pt_map(&pt, va, f, PAGE_SIZE, PTE_RW);
	u64 got = long_mode_swap64((u32)pt.root, fmt == PT_5LEVEL, va);

	check(lm_efer & EFER_LMA, "%s: EFER 0x%x in long mode lacks LMA", pt_format_name(fmt),
	      lm_efer);
	check(got == want, "%s: 0x%llx reads 0x%llx, want 0x%llx", pt_format_name(fmt),
	      (unsigned long long)va, (unsigned long long)got, (unsigned long long)want);
	check(*(volatile u64 *)f == ~want, "%s: the long-mode write did not reach the frame",
	      pt_format_name(fmt));
	check(!(rdmsr(MSR_IA32_EFER) & (EFER_LMA | EFER_LME)),
	      "%s: back in protected mode, EFER 0x%llx", pt_format_name(fmt),
	      (unsigned long long)rdmsr(MSR_IA32_EFER));
	check(!(read_cr0() & CR0_PG), "%s: paging still on after the excursion",
	      pt_format_name(fmt));
}

static void test_long_4level(void)
{
	if (!cpu.lm) {
		skip("no long mode");
		return;
	}
	/* Above 4 GiB and in the upper half: only a 64-bit walk reaches it. */
	long_test(PT_4LEVEL, 0xffff812345678000ull);
}

static void test_long_5level(void)
{
	if (!cpu.lm || !cpu.la57) {
		skip("no LA57");
		return;
	}
	/* Bits 55:48 non-zero: a 4-level walk cannot produce this address. */
	long_test(PT_5LEVEL, 0x00abcdef12345000ull);
}

/* Protected mode back to real mode (through a 16-bit segment), an INT n there, and back. */
static void test_real_again(void)
{
	u32 count = real_mode_roundtrip();

	check(!(rt_cr0 & CR0_PE), "CR0 0x%x back in real mode has PE set", rt_cr0);
	check(count == 2, "INT n in the second real-mode visit: handler count %u, want 2", count);
	check(rd32(RM_MARKER_ADDR) == RM_MARKER, "the marker at 0x%x reads 0x%x", RM_MARKER_ADDR,
	      rd32(RM_MARKER_ADDR));
}

static const struct guest_test tests[] = {
	{ "real_mode", test_real_mode },       { "protected_flat", test_protected_flat },
	{ "paging_32bit", test_paging_32bit }, { "paging_pae", test_paging_pae },
	{ "long_4level", test_long_4level },   { "long_5level", test_long_5level },
	{ "real_again", test_real_again },
};

void guest_main(void)
{
	run_tests("modes", tests, ARRAY_SIZE(tests));
}
