/* SPDX-License-Identifier: GPL-2.0-only */
/* Hosted tests of the CR0/CR3/CR4/CR8 and XSETBV rules: the SDM's #GP conditions. */
#include <vmm/exit/policy.h>

#include <arch/msr.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#define PROT   (X86_CR0_PE | X86_CR0_ET)
#define CR4_OK (X86_CR4_PAE | X86_CR4_PSE | X86_CR4_PGE | X86_CR4_OSFXSR | X86_CR4_SMEP)

static struct cr_state state(u64 cr0, u64 cr4, u64 efer, bool mode64)
{
	return (struct cr_state){ cr0, cr4, efer, mode64, CR4_OK, 36 };
}

static void test_cr0(void **state_)
{
	struct cr_state s = state(PROT, 0, 0, false);
	u64 cr0, efer;

	assert_false(cr0_write_valid(&s, BIT(32) | PROT, &cr0, &efer));
	assert_false(cr0_write_valid(&s, X86_CR0_PG, &cr0, &efer)); /* PG without PE */
	assert_false(cr0_write_valid(&s, PROT | X86_CR0_NW, &cr0, &efer));
	assert_true(cr0_write_valid(&s, PROT | X86_CR0_NW | X86_CR0_CD, &cr0, &efer));
	/* reserved bits in 31:0 are dropped, ET is forced */
	assert_true(cr0_write_valid(&s, X86_CR0_PE | BIT(6) | BIT(20), &cr0, &efer));
	assert_int_equal(cr0, PROT);
	assert_int_equal(efer, 0);
	/* 32-bit paging: no LMA */
	assert_true(cr0_write_valid(&s, PROT | X86_CR0_PG, &cr0, &efer));
	assert_int_equal(efer, 0);
}

static void test_cr0_long_mode(void **state_)
{
	struct cr_state s = state(PROT, 0, EFER_LME, false);
	u64 cr0, efer;

	/* LME with PAE off: #GP */
	assert_false(cr0_write_valid(&s, PROT | X86_CR0_PG, &cr0, &efer));
	s.cr4 = X86_CR4_PAE;
	assert_true(cr0_write_valid(&s, PROT | X86_CR0_PG, &cr0, &efer));
	assert_int_equal(efer, EFER_LME | EFER_LMA);
	/* clearing PG in 64-bit mode: #GP; from compatibility mode: leaves IA-32e */
	s = state(PROT | X86_CR0_PG, X86_CR4_PAE, EFER_LME | EFER_LMA, true);
	assert_false(cr0_write_valid(&s, PROT, &cr0, &efer));
	s.mode64 = false;
	assert_true(cr0_write_valid(&s, PROT, &cr0, &efer));
	assert_int_equal(efer, EFER_LME);
}

static void test_cr4(void **state_)
{
	struct cr_state s = state(PROT, 0, 0, false);
	u64 cr4;

	assert_true(cr4_write_valid(&s, CR4_OK, &cr4));
	assert_int_equal(cr4, CR4_OK);
	assert_false(cr4_write_valid(&s, X86_CR4_VMXE, &cr4));
	assert_false(cr4_write_valid(&s, X86_CR4_PCIDE, &cr4));
	assert_false(cr4_write_valid(&s, X86_CR4_SMAP, &cr4)); /* not in this CPUID */
	assert_false(cr4_write_valid(&s, BIT(15), &cr4));      /* reserved */
	/* in IA-32e mode PAE stays on and LA57 stays as it is */
	s = state(PROT | X86_CR0_PG, X86_CR4_PAE, EFER_LME | EFER_LMA, true);
	assert_false(cr4_write_valid(&s, 0, &cr4));
	s.cr4_allowed |= X86_CR4_LA57;
	assert_false(cr4_write_valid(&s, X86_CR4_PAE | X86_CR4_LA57, &cr4));
	s = state(PROT, 0, 0, false);
	s.cr4_allowed |= X86_CR4_LA57;
	assert_true(cr4_write_valid(&s, X86_CR4_PAE | X86_CR4_LA57, &cr4));
}

static void test_cr3_cr8_lmsw(void **state_)
{
	struct cr_state s = state(PROT | X86_CR0_PG, X86_CR4_PAE, EFER_LME | EFER_LMA, true);

	assert_true(cr3_write_valid(&s, 0xfffff000ull));
	assert_false(cr3_write_valid(&s, BIT(36)));
	assert_false(cr3_write_valid(&s, BIT(63)));
	s = state(PROT, 0, 0, false);
	assert_true(cr3_write_valid(&s, 0xfffff018ull));

	assert_true(cr8_write_valid(0xf));
	assert_false(cr8_write_valid(0x10));

	/* LMSW: sets PE, MP, EM, TS from the operand but never clears PE */
	assert_int_equal(cr0_lmsw(PROT | X86_CR0_PG, 0xfff0), PROT | X86_CR0_PG);
	assert_int_equal(cr0_lmsw(X86_CR0_ET, 0x000b), X86_CR0_ET | 0xb);
	assert_int_equal(cr0_lmsw(PROT | X86_CR0_TS, 0x0002), PROT | X86_CR0_MP);
}

static void test_xsetbv(void **state_)
{
	const u64 all = XCR0_X87 | XCR0_SSE | XCR0_AVX;

	assert_false(xsetbv_faults(0, 0, XCR0_X87, all));
	assert_false(xsetbv_faults(0, 0, all, all));
	assert_true(xsetbv_faults(3, 0, XCR0_X87, all));	    /* CPL > 0 */
	assert_true(xsetbv_faults(0, 1, XCR0_X87, all));	    /* ECX != 0 */
	assert_true(xsetbv_faults(0, 0, XCR0_SSE, all));	    /* x87 clear */
	assert_true(xsetbv_faults(0, 0, XCR0_X87 | XCR0_AVX, all)); /* AVX without SSE */
	assert_true(xsetbv_faults(0, 0, all, XCR0_X87 | XCR0_SSE)); /* host lacks AVX */
	assert_true(xsetbv_faults(0, 0, XCR0_X87 | BIT(9), all));   /* PKRU: not Keel's to give */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cr0),    cmocka_unit_test(test_cr0_long_mode),
		cmocka_unit_test(test_cr4),    cmocka_unit_test(test_cr3_cr8_lmsw),
		cmocka_unit_test(test_xsetbv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
