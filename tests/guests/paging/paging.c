// SPDX-License-Identifier: GPL-2.0-only
/* Guest `paging`: build, change, tear down mappings; aliases, large pages, INVLPG, INVPCID, CR3. */
#include "guest.h"

/*
 * Every test runs in each paging format this build can switch to (32-bit paging and PAE in
 * the 32-bit image, 4-level in the 64-bit one). Only what the architecture guarantees is
 * checked: after a PTE change and its flush the new translation is seen; whether the old one
 * survived until the flush is not looked at.
 */

static enum pt_format formats[4];
static int nformats;

static uintptr_t test_va(enum pt_format fmt)
{
#ifdef __x86_64__
	/* The upper canonical half: all four levels are non-trivial. */
	return fmt == PT_5LEVEL ? 0xff80000040000000ull : 0xffff800040000000ull;
#else
	return 0x40000000u;
#endif
}

/* A fresh page whose words are pattern + index. */
static uintptr_t frame_with(u32 pattern)
{
	uintptr_t pa = page_alloc();

	for (u32 i = 0; i < PAGE_SIZE / 4; i++)
		((u32 *)pa)[i] = pattern + i;
	return pa;
}

static u32 rd32(uintptr_t va)
{
	return *(volatile u32 *)va;
}

static void wr32(uintptr_t va, u32 v)
{
	*(volatile u32 *)va = v;
}

/* The pool is reset only between tests (by run_tests): the active tables live in it. */
static void space(struct pt *pt, enum pt_format fmt)
{
	pt_init(pt, fmt);
	pt_map_identity(pt);
}

static void flush_all(void)
{
	write_cr3(read_cr3());
}

#define for_each_format(fmt) for (int fi_ = 0; fi_ < nformats && ((fmt) = formats[fi_], 1); fi_++)

static void test_map_4k(void)
{
	enum pt_format fmt;
	struct pt pt;

	for_each_format(fmt)
	{
		uintptr_t va = test_va(fmt), pa;

		space(&pt, fmt);
		pa = frame_with(0x1000);
		pt_map(&pt, va, pa, PAGE_SIZE, PTE_RW);
		pt_activate(&pt);
		check(rd32(va + 8) == 0x1002, "%s: read through the mapping: 0x%x",
		      pt_format_name(fmt), rd32(va + 8));
		wr32(va + 16, 0xabcd0123);
		check(rd32(pa + 16) == 0xabcd0123,
		      "%s: a write through the mapping missed the frame", pt_format_name(fmt));
		wr32(pa + 20, 0x600df00d);
		check(rd32(va + 20) == 0x600df00d,
		      "%s: a write to the frame is not seen through it", pt_format_name(fmt));
	}
}

static void test_alias(void)
{
	enum pt_format fmt;
	struct pt pt;

	for_each_format(fmt)
	{
		uintptr_t a = test_va(fmt), b = a + 0x5000, pa;

		space(&pt, fmt);
		pa = frame_with(0x2000);
		pt_map(&pt, a, pa, PAGE_SIZE, PTE_RW);
		pt_map(&pt, b, pa, PAGE_SIZE, 0);
		pt_activate(&pt);
		for (u32 i = 0; i < 64; i++)
			wr32(a + i * 64, 0x5a5a0000 + i);
		for (u32 i = 0; i < 64; i++) {
			if (!check(rd32(b + i * 64) == 0x5a5a0000 + i,
				   "%s: alias reads 0x%x at +%u", pt_format_name(fmt),
				   rd32(b + i * 64), i * 64))
				break;
		}
	}
}

/* Change a live leaf to another frame; `flush` makes the change visible. */
static void remap_test(void (*flush)(uintptr_t), const char *how)
{
	enum pt_format fmt;
	struct pt pt;

	for_each_format(fmt)
	{
		uintptr_t va = test_va(fmt), f1, f2, e;

		space(&pt, fmt);
		f1 = frame_with(0x11110000);
		f2 = frame_with(0x22220000);
		pt_map(&pt, va, f1, PAGE_SIZE, PTE_RW);
		pt_activate(&pt);
		for (int round = 0; round < 8; round++) {
			uintptr_t want = round & 1 ? f2 : f1;

			check(rd32(va) == rd32(want), "%s: round %d: reads 0x%x, want 0x%x (%s)",
			      pt_format_name(fmt), round, rd32(va), rd32(want), how);
			e = pt_leaf(&pt, va, NULL);
			pte_write(&pt, e, (round & 1 ? f1 : f2) | PTE_P | PTE_RW);
			flush(va);
		}
	}
}

static void flush_invlpg(uintptr_t va)
{
	invlpg(va);
}

static void flush_cr3(uintptr_t va)
{
	flush_all();
}

static void test_remap_invlpg(void)
{
	remap_test(flush_invlpg, "INVLPG");
}

static void test_remap_cr3(void)
{
	remap_test(flush_cr3, "CR3 reload");
}

/*
 * INVPCID (SDM Vol. 2A): the register operand is the type, the memory operand a 16-byte
 * descriptor (PCID in bits 11:0, bits 63:12 reserved, linear address in bits 127:64). CR4.PCIDE
 * stays 0 here, so PCID 0 is the only context.
 */
#define CPUID_7_EBX_INVPCID BIT(10)
#define INVPCID_ADDRESS	    0
#define INVPCID_SINGLE	    1
#define INVPCID_ALL_GLOBAL  2
#define INVPCID_ALL	    3

struct invpcid_desc {
	u64 pcid;
	u64 addr;
};

static struct invpcid_desc probe_desc __aligned(16);
static unsigned long probe_type;

static bool have_invpcid(void)
{
	return cpuid(0, 0).eax >= 7 && (cpuid(7, 0).ebx & CPUID_7_EBX_INVPCID);
}

static void invpcid(unsigned long type, const struct invpcid_desc *d)
{
	asm volatile("invpcid %0, %1" : : "m"(*d), "r"(type) : "memory");
}

static void flush_invpcid_address(uintptr_t va)
{
	struct invpcid_desc d = { 0, va };

	invpcid(INVPCID_ADDRESS, &d);
}

static void flush_invpcid_single(uintptr_t va)
{
	struct invpcid_desc d = { 0, 0 };

	invpcid(INVPCID_SINGLE, &d);
}

static void flush_invpcid_all_global(uintptr_t va)
{
	struct invpcid_desc d = { 0, 0 };

	invpcid(INVPCID_ALL_GLOBAL, &d);
}

static void flush_invpcid_all(uintptr_t va)
{
	struct invpcid_desc d = { 0, 0 };

	invpcid(INVPCID_ALL, &d);
}

/* INVPCID probe_type with probe_desc, or with the descriptor at @desc_va when it is not 0. */
static void probe_invpcid(uintptr_t desc_va)
{
	invpcid(probe_type, desc_va ? (const struct invpcid_desc *)desc_va : &probe_desc);
}

static bool invpcid_faults(unsigned long type, u64 pcid, u64 addr, u32 vector, const char *what)
{
	probe_type = type;
	probe_desc = (struct invpcid_desc){ pcid, addr };
	if (expect_fault(probe_invpcid, 0, vector, 0, 0))
		return true;
	diag("INVPCID %s", what);
	return false;
}

static void test_invpcid(void)
{
	enum pt_format fmt;
	struct pt pt;

	if (!have_invpcid()) {
		invpcid_faults(INVPCID_ALL, 0, 0, VEC_UD, "without CPUID.7:EBX.INVPCID");
		skip("CPUID shows no INVPCID");
		return;
	}
	remap_test(flush_invpcid_address, "INVPCID individual address");
	remap_test(flush_invpcid_single, "INVPCID single context");
	remap_test(flush_invpcid_all_global, "INVPCID all contexts and globals");
	remap_test(flush_invpcid_all, "INVPCID all contexts");
	invpcid_faults(4, 0, 0, VEC_GP, "type 4");
	invpcid_faults(INVPCID_ALL, 0x1000, 0, VEC_GP, "reserved descriptor bit 12");
	invpcid_faults(INVPCID_ADDRESS, 1, 0, VEC_GP, "PCID 1 with CR4.PCIDE = 0");
	invpcid_faults(INVPCID_SINGLE, 1, 0, VEC_GP, "single context, PCID 1, CR4.PCIDE = 0");
	invpcid_faults(INVPCID_ADDRESS, 0, 0x8000000000000000ull, VEC_GP, "non-canonical address");
	for_each_format(fmt)
	{
		/* the descriptor's second half lies in the unmapped page after test_va */
		uintptr_t hole = test_va(fmt) + PAGE_SIZE - 8;

		space(&pt, fmt);
		pt_map(&pt, test_va(fmt), frame_with(0), PAGE_SIZE, PTE_RW);
		pt_activate(&pt);
		probe_type = INVPCID_ALL;
		if (!expect_fault(probe_invpcid, hole, VEC_PF, 0, hole + 8))
			diag("%s: INVPCID with its descriptor across into an unmapped page",
			     pt_format_name(fmt));
	}
#ifdef __x86_64__
	probe_type = INVPCID_ALL;
	if (!expect_fault(probe_invpcid, 0x8000000000000000ull, VEC_GP, 0, 0))
		diag("INVPCID with a non-canonical descriptor address");
#endif
}

static void test_unmap(void)
{
	enum pt_format fmt;
	struct pt pt;

	for_each_format(fmt)
	{
		uintptr_t va = test_va(fmt) + 0x3000;

		space(&pt, fmt);
		pt_map(&pt, va, frame_with(0x3000), PAGE_SIZE, PTE_RW);
		pt_activate(&pt);
		check(rd32(va) == 0x3000, "%s: mapped page reads 0x%x", pt_format_name(fmt),
		      rd32(va));
		pte_write(&pt, pt_leaf(&pt, va, NULL), 0);
		invlpg(va);
		expect_fault(probe_read8, va + 7, VEC_PF, 0, va + 7);
		expect_fault(probe_write8, va + 9, VEC_PF, PF_W, va + 9);
	}
}

/* Clear the directory entry above a page table: the whole 2/4 MiB range disappears. */
static void test_teardown_table(void)
{
	enum pt_format fmt;
	struct pt pt;

	for_each_format(fmt)
	{
		uintptr_t va = test_va(fmt);
		int level;

		space(&pt, fmt);
		for (int i = 0; i < 4; i++)
			pt_map(&pt, va + i * PAGE_SIZE, frame_with(i << 16), PAGE_SIZE, PTE_RW);
		pt_activate(&pt);
		for (int i = 0; i < 4; i++)
			check(rd32(va + i * PAGE_SIZE) == (u32)i << 16,
			      "%s: page %d before teardown", pt_format_name(fmt), i);
		uintptr_t pte = pt_leaf(&pt, va, &level);
		uintptr_t table = pte & ~(uintptr_t)(PAGE_SIZE - 1);
		uintptr_t pde = pt_entry(&pt, va, 2);

		check(level == 1 && (pte_read(&pt, pde) & ~0xfffull) == table,
		      "%s: the walk does not lead through the page table", pt_format_name(fmt));
		pte_write(&pt, pde, 0);
		for (int i = 0; i < 4; i++)
			invlpg(va + i * PAGE_SIZE);
		for (int i = 0; i < 4; i++)
			expect_fault(probe_read8, va + i * PAGE_SIZE, VEC_PF, 0,
				     va + i * PAGE_SIZE);
		/* And back: the same table hooked in again. */
		pte_write(&pt, pde, table | PTE_P | PTE_RW | PTE_US);
		flush_all();
		for (int i = 0; i < 4; i++)
			check(rd32(va + i * PAGE_SIZE) == (u32)i << 16,
			      "%s: page %d after re-linking", pt_format_name(fmt), i);
	}
}

static void large_page_test(enum pt_format fmt, u64 size)
{
	uintptr_t va = test_va(fmt) & ~(uintptr_t)(size - 1);
	/* A region that holds the pool: known contents at known physical addresses. */
	uintptr_t base = POOL_BASE & ~(uintptr_t)(size - 1);
	struct pt pt;
	int level;

	space(&pt, fmt);
	uintptr_t f = frame_with(0x4000);

	pt_map(&pt, va, base, size, PTE_RW);
	pt_activate(&pt);
	pt_leaf(&pt, va, &level);
	check(level > 1, "%s: no large leaf for 0x%llx bytes", pt_format_name(fmt),
	      (unsigned long long)size);
	check(rd32(va + (f - base) + 12) == 0x4003, "%s: 0x%llx-byte page reads 0x%x",
	      pt_format_name(fmt), (unsigned long long)size, rd32(va + (f - base) + 12));
	wr32(va + (f - base) + 32, 0x1a46e);
	check(rd32(f + 32) == 0x1a46e, "%s: write through the large page missed",
	      pt_format_name(fmt));
	/* The last word of the page, where that is guest memory: the leaf covers its extent. */
	if (base + size <= IDENTITY_END && base + size <= mem_size()) {
		wr32(va + size - 4, 0xe0d);
		check(rd32(base + size - 4) == 0xe0d, "%s: last word of the large page",
		      pt_format_name(fmt));
	}
}

static void test_large_pages(void)
{
	enum pt_format fmt;

	for_each_format(fmt)
	{
		if (fmt == PT_32BIT && !cpu.pse) {
			diag("32-bit: no PSE, no 4 MiB pages");
			continue;
		}
		large_page_test(fmt, fmt == PT_32BIT ? LARGE_4M : LARGE_2M);
	}
}

static void test_huge_1g(void)
{
	enum pt_format fmt = formats[0];

	if (fmt < PT_4LEVEL) {
		skip("1 GiB pages need 4-level paging");
		return;
	}
	if (!cpu.pdpe1gb) {
		skip("CPUID.80000001H:EDX.Page1GB is 0");
		return;
	}
	large_page_test(fmt, LARGE_1G);
}

/* A large page replaced by a table of 4 KiB pages pointing elsewhere, then back. */
static void test_split_large(void)
{
	enum pt_format fmt;
	struct pt pt;

	for_each_format(fmt)
	{
		u64 size = fmt == PT_32BIT ? LARGE_4M : LARGE_2M;
		uintptr_t va = test_va(fmt), base = POOL_BASE & ~(uintptr_t)(size - 1);
		int level;

		if (fmt == PT_32BIT && !cpu.pse)
			continue;
		space(&pt, fmt);
		uintptr_t f = frame_with(0x5000), g = frame_with(0x6000);

		pt_map(&pt, va, base, size, PTE_RW);
		pt_activate(&pt);
		check(rd32(va + (f - base)) == 0x5000, "%s: large page before the split",
		      pt_format_name(fmt));
		uintptr_t pde = pt_leaf(&pt, va, &level);
		uintptr_t table = page_alloc();
		struct pt small = pt;

		/* Every 4 KiB page of the range maps frame g. */
		for (uintptr_t off = 0; off < size; off += PAGE_SIZE) {
			uintptr_t e = table + (off / PAGE_SIZE) * (fmt == PT_32BIT ? 4 : 8);

			pte_write(&small, e, g | PTE_P | PTE_RW);
		}
		pte_write(&pt, pde, table | PTE_P | PTE_RW | PTE_US);
		flush_all();
		check(rd32(va + (f - base)) == 0x6000, "%s: split page reads 0x%x",
		      pt_format_name(fmt), rd32(va + (f - base)));
		check(rd32(va + 4) == 0x6001, "%s: first split page reads 0x%x",
		      pt_format_name(fmt), rd32(va + 4));
		pte_write(&pt, pde, base | PTE_P | PTE_RW | PTE_PS);
		invlpg(va + (f - base));
		check(rd32(va + (f - base)) == 0x5000, "%s: large page after merging back: 0x%x",
		      pt_format_name(fmt), rd32(va + (f - base)));
	}
}

static void test_cr3_switch(void)
{
	enum pt_format fmt;

	for_each_format(fmt)
	{
		uintptr_t va = test_va(fmt);
		struct pt a, b;

		pt_init(&a, fmt);
		pt_map_identity(&a);
		pt_map(&a, va, frame_with(0xaaaa0000), PAGE_SIZE, PTE_RW);
		pt_init(&b, fmt);
		pt_map_identity(&b);
		pt_map(&b, va, frame_with(0xbbbb0000), PAGE_SIZE, PTE_RW);
		pt_activate(&a);
		for (int i = 0; i < 16; i++) {
			u32 want = i & 1 ? 0xbbbb0000 : 0xaaaa0000;

			if (!check(rd32(va) == want, "%s: switch %d reads 0x%x, want 0x%x",
				   pt_format_name(fmt), i, rd32(va), want))
				break;
			write_cr3(i & 1 ? a.root : b.root);
		}
	}
}

static void test_accessed_dirty(void)
{
	enum pt_format fmt;
	struct pt pt;

	for_each_format(fmt)
	{
		uintptr_t va = test_va(fmt), e;

		space(&pt, fmt);
		pt_map(&pt, va, frame_with(0x7000), PAGE_SIZE, PTE_RW);
		pt_activate(&pt);
		e = pt_leaf(&pt, va, NULL);
		check(!(pte_read(&pt, e) & (PTE_A | PTE_D)), "%s: A/D set before any access",
		      pt_format_name(fmt));
		(void)rd32(va);
		check(pte_read(&pt, e) & PTE_A, "%s: A not set by a read", pt_format_name(fmt));
		check(!(pte_read(&pt, e) & PTE_D), "%s: D set by a read", pt_format_name(fmt));
		wr32(va, 1);
		check(pte_read(&pt, e) & PTE_D, "%s: D not set by a write", pt_format_name(fmt));
		/* Cleared by software and flushed: the next write must set D again. */
		pte_write(&pt, e, pte_read(&pt, e) & ~(u64)(PTE_A | PTE_D));
		invlpg(va);
		wr32(va, 2);
		check((pte_read(&pt, e) & (PTE_A | PTE_D)) == (PTE_A | PTE_D),
		      "%s: A/D not set again after clear + INVLPG", pt_format_name(fmt));
	}
}

static void test_permission_upgrade(void)
{
	enum pt_format fmt;
	struct pt pt;

	for_each_format(fmt)
	{
		uintptr_t va = test_va(fmt), e;

		space(&pt, fmt);
		pt_map(&pt, va, frame_with(0x8000), PAGE_SIZE, 0);
		pt_activate(&pt);
		write_cr0(read_cr0() | CR0_WP);
		expect_fault(probe_write8, va, VEC_PF, PF_P | PF_W, va);
		e = pt_leaf(&pt, va, NULL);
		pte_write(&pt, e, pte_read(&pt, e) | PTE_RW);
		invlpg(va);
		check(!catch_run(probe_write8, va), "%s: write after RW + INVLPG faulted (0x%x)",
		      pt_format_name(fmt), last_fault.error);
		check(*(volatile u8 *)va == 0x5a, "%s: the write did not land",
		      pt_format_name(fmt));
		pte_write(&pt, e, pte_read(&pt, e) & ~(u64)PTE_RW);
		invlpg(va);
		expect_fault(probe_write8, va, VEC_PF, PF_P | PF_W, va);
	}
}

static const struct guest_test tests[] = {
	{ "map_4k", test_map_4k },
	{ "alias", test_alias },
	{ "remap_invlpg", test_remap_invlpg },
	{ "remap_cr3_reload", test_remap_cr3 },
	{ "invpcid", test_invpcid },
	{ "unmap", test_unmap },
	{ "teardown_table", test_teardown_table },
	{ "large_pages", test_large_pages },
	{ "huge_1g", test_huge_1g },
	{ "split_large_page", test_split_large },
	{ "cr3_switch", test_cr3_switch },
	{ "accessed_dirty", test_accessed_dirty },
	{ "permission_upgrade", test_permission_upgrade },
};

void guest_main(void)
{
	nformats = pt_formats(formats);
	run_tests(sizeof(uintptr_t) == 8 ? "paging64" : "paging32", tests, ARRAY_SIZE(tests));
}
