/* SPDX-License-Identifier: GPL-2.0-only */
/* Hosted tests of the MSR policy: the table, EFER, PAT and MTRR write checks. */
#include <vmm/exit/policy.h>
#include <vmm/vmm.h>

#include <arch/msr.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

static struct cpuid_regs host_lm_nx(void *ctx, u32 leaf, u32 subleaf)
{
	if (leaf == 0x80000000)
		return (struct cpuid_regs){ 0x80000008, 0, 0, 0 };
	if (leaf == 0x80000001)
		return (struct cpuid_regs){ 0, 0, 0,
					    (u32)(CPUID_80000001_EDX_SYSCALL |
						  CPUID_80000001_EDX_NX | CPUID_80000001_EDX_LM) };
	return (struct cpuid_regs){ 0 };
}

static struct cpuid_regs host_no_nx(void *ctx, u32 leaf, u32 subleaf)
{
	struct cpuid_regs r = host_lm_nx(ctx, leaf, subleaf);

	r.edx &= ~(u32)CPUID_80000001_EDX_NX;
	return r;
}

static void test_table(void **state)
{
	assert_int_equal(msr_rule_lookup(MSR_EFER).class, MSR_EFER_REG);
	assert_int_equal(msr_rule_lookup(MSR_IA32_PAT).class, MSR_PAT_REG);
	assert_int_equal(msr_rule_lookup(MSR_IA32_PAT).state, VCPU_MSR_PAT);
	assert_int_equal(msr_rule_lookup(MSR_LSTAR).state, VCPU_MSR_LSTAR);
	assert_int_equal(msr_rule_lookup(MSR_IA32_TSC).class, MSR_TSC_REG);
	assert_int_equal(msr_rule_lookup(MSR_IA32_APIC_BASE).value, 0xfee00100ull);
	assert_int_equal(msr_rule_lookup(MSR_IA32_MTRR_DEF_TYPE).value, 0x806); /* E, WB */
	assert_int_equal(msr_rule_lookup(MSR_IA32_MTRRCAP).value, 0x108);
	assert_int_equal(msr_rule_lookup(0x26c).class, MSR_MTRR); /* FIX4K_E0000 */
	assert_int_equal(msr_rule_lookup(0x26c).value, 0x0606060606060606ull);
	assert_int_equal(msr_rule_lookup(0x20f).class, MSR_MTRR); /* PHYSMASK7 */
	assert_int_equal(msr_rule_lookup(0x20f).value, 0);
	/* deny by default: VMX capabilities, MCG_CAP, x2APIC, PHYSBASE8, SPEC_CTRL, TSC_AUX */
	assert_int_equal(msr_rule_lookup(MSR_IA32_VMX_BASIC).class, MSR_DENIED);
	assert_int_equal(msr_rule_lookup(0x179).class, MSR_DENIED);
	assert_int_equal(msr_rule_lookup(0x802).class, MSR_DENIED);
	assert_int_equal(msr_rule_lookup(0x210).class, MSR_DENIED);
	assert_int_equal(msr_rule_lookup(0x48).class, MSR_DENIED);
	assert_int_equal(msr_rule_lookup(0xc0000103).class, MSR_DENIED);
}

static void test_efer(void **state)
{
	const struct cpuid_source src = { host_lm_nx, NULL };
	const struct cpuid_source no_nx = { host_no_nx, NULL };
	u64 allowed = efer_allowed(&src), out = 0;

	assert_int_equal(allowed, EFER_SCE | EFER_LME | EFER_NXE);
	assert_int_equal(efer_allowed(&no_nx), EFER_SCE | EFER_LME);
	/* reserved bits */
	assert_false(efer_write_valid(0, BIT(1), 0, allowed, &out));
	assert_false(efer_write_valid(0, BIT(12), 0, allowed, &out)); /* SVME: not offered */
	assert_false(efer_write_valid(0, EFER_NXE, 0, efer_allowed(&no_nx), &out));
	/* LME with paging off: fine; LMA is not the guest's to write */
	assert_true(efer_write_valid(0, EFER_LME | EFER_LMA | EFER_SCE, 0, allowed, &out));
	assert_int_equal(out, EFER_LME | EFER_SCE);
	assert_true(efer_write_valid(EFER_LME | EFER_LMA, EFER_LME | EFER_NXE, X86_CR0_PG, allowed,
				     &out));
	assert_int_equal(out, EFER_LME | EFER_LMA | EFER_NXE);
	/* LME may not change while paging is on */
	assert_false(
		efer_write_valid(EFER_LME | EFER_LMA, 0, X86_CR0_PG | X86_CR0_PE, allowed, &out));
	assert_false(efer_write_valid(0, EFER_LME, X86_CR0_PG | X86_CR0_PE, allowed, &out));
}

static void test_pat(void **state)
{
	assert_true(pat_valid(0x0007040600070406ull)); /* the power-on value */
	assert_true(pat_valid(0x0105040601050406ull));
	assert_false(pat_valid(0x0007040600070402ull)); /* type 2 reserved */
	assert_false(pat_valid(0x0307040600070406ull)); /* type 3 reserved */
	assert_false(pat_valid(0x0007040600070416ull)); /* bits 7:3 of an entry */
	assert_false(pat_valid(0x8007040600070406ull));
}

static void test_mtrr_writes(void **state)
{
	assert_true(mtrr_write_valid(MSR_IA32_MTRR_DEF_TYPE, 0xc06, 36));
	assert_true(mtrr_write_valid(MSR_IA32_MTRR_DEF_TYPE, 0x000, 36)); /* cache disable dance */
	assert_false(
		mtrr_write_valid(MSR_IA32_MTRR_DEF_TYPE, 0x007, 36)); /* UC- not an MTRR type */
	assert_false(mtrr_write_valid(MSR_IA32_MTRR_DEF_TYPE, 0x1006, 36));
	assert_true(mtrr_write_valid(MSR_IA32_MTRR_FIX64K_00000, 0x0606060606060606ull, 36));
	assert_false(mtrr_write_valid(MSR_IA32_MTRR_FIX64K_00000, 0x0606060606060602ull, 36));
	assert_true(mtrr_write_valid(0x200, 0x80000006ull, 36));    /* PHYSBASE0 */
	assert_false(mtrr_write_valid(0x200, 0x1000000006ull, 36)); /* above MAXPHYADDR */
	assert_false(mtrr_write_valid(0x200, 0x80000106ull, 36));   /* reserved 11:8 */
	assert_true(mtrr_write_valid(0x201, 0xf80000800ull, 36));   /* PHYSMASK0, valid */
	assert_false(mtrr_write_valid(0x201, 0xf80000801ull, 36));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_efer),
		cmocka_unit_test(test_pat),
		cmocka_unit_test(test_mtrr_writes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
