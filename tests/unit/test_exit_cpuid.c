/* SPDX-License-Identifier: GPL-2.0-only */
/* Hosted tests of CPUID filtering: hidden features, the Keel leaf, clamping, XSAVE sizes, CR4. */
#include <vmm/exit/policy.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

struct leaf {
	u32 leaf, subleaf;
	struct cpuid_regs r;
};

/* A host in the style of a Haswell desktop: VMX, x2APIC, PCID, MONITOR, perf leaf, AVX. */
static const struct leaf haswell[] = {
	{ 0x0, 0, { 0x1f, 0x756e6547, 0x6c65746e, 0x49656e69 } },
	{ 0x1, 0, { 0x000306c3, 0x07100800, 0x7ffafbff, 0xbfebfbff } },
	{ 0x4, 0, { 0x1c004121, 0x01c0003f, 0x3f, 0 } },
	{ 0x4, 1, { 0x1c004122, 0x01c0003f, 0x3f, 0 } },
	{ 0x6, 0, { 0x77, 0x2, 0x9, 0 } },
	{ 0x7, 0, { 0, 0x27ab, 0, 0x9c000400 } },
	{ 0xa, 0, { 0x07300403, 0, 0, 0x603 } },
	{ 0xd, 0, { 0x7, 0x340, 0x340, 0 } },
	{ 0xd, 1, { 0xf, 0, 0, 0 } },
	{ 0xd, 2, { 0x100, 0x240, 0, 0 } },
	{ 0x16, 0, { 0xdac, 0xf3c, 0x64, 0 } },
	{ 0x1f, 0, { 0x1, 0x2, 0x100, 0x7 } },
	{ 0x80000000, 0, { 0x80000008, 0, 0, 0 } },
	{ 0x80000001, 0, { 0, 0, 0x21, 0x2c100800 } },
	{ 0x80000008, 0, { 0x3027, 0, 0, 0 } },
	{ 0 },
};

static struct cpuid_regs fake_host(void *ctx, u32 leaf, u32 subleaf)
{
	const struct leaf *t = ctx;

	for (; t->leaf || t->r.eax; t++)
		if (t->leaf == leaf && t->subleaf == subleaf)
			return t->r;
	return (struct cpuid_regs){ 0 };
}

static const struct cpuid_source host = { fake_host, (void *)haswell };
static const struct cpuid_guest fresh = { .cr4 = 0, .xcr0 = XCR0_X87 };

static struct cpuid_regs leaf(u32 l, u32 s)
{
	return cpuid_guest_leaf(&host, &fresh, l, s);
}

static void test_hidden_and_set_bits(void **state)
{
	struct cpuid_regs l1 = leaf(1, 0), l7 = leaf(7, 0);

	assert_false(l1.ecx & CPUID_1_ECX_VMX);
	assert_false(l1.ecx & CPUID_1_ECX_X2APIC);
	assert_false(l1.ecx & CPUID_1_ECX_PCID);
	assert_false(l1.ecx & BIT(3));		    /* MONITOR */
	assert_false(l1.ecx & BIT(24));		    /* TSC-deadline */
	assert_false(l1.ecx & CPUID_1_ECX_OSXSAVE); /* CR4.OSXSAVE is clear */
	assert_true(l1.ecx & CPUID_1_ECX_HYPERVISOR);
	assert_true(l1.ecx & CPUID_1_ECX_SSE42);
	assert_true(l1.ecx & CPUID_1_ECX_XSAVE);
	assert_false(l1.edx & CPUID_1_EDX_APIC);
	assert_false(l1.edx & BIT(28)); /* HTT */
	assert_true(l1.edx & CPUID_1_EDX_PAE);
	assert_int_equal(l1.eax, 0x000306c3);
	assert_int_equal(l1.ebx, 0x00010800); /* APIC ID 0, one logical CPU, CLFLUSH 64 */
	assert_true(l7.ebx & CPUID_7_EBX_INVPCID);
	assert_false(l7.ebx & BIT(11)); /* RTM */
	assert_true(l7.ebx & CPUID_7_EBX_SMEP);
	assert_int_equal(l7.edx, 0);
	assert_int_equal(leaf(0x4, 1).eax, 0x00000122); /* no sharers, one core */
}

/* A CPU that would #UD INVPCID in the guest (no "enable INVPCID" control) must not offer it. */
static void test_invpcid_hidden_when_it_would_fault(void **state)
{
	const struct cpuid_guest g = { .no_invpcid = true };
	struct cpuid_regs l7 = cpuid_guest_leaf(&host, &g, 7, 0);

	(void)state;
	assert_false(l7.ebx & CPUID_7_EBX_INVPCID);
	assert_true(l7.ebx & CPUID_7_EBX_SMEP);
}

static void test_denied_leaves_are_zero(void **state)
{
	const u32 zero_leaves[] = { 0x3, 0x5, 0x6, 0xa, 0xb };

	for (size_t i = 0; i < ARRAY_SIZE(zero_leaves); i++) {
		struct cpuid_regs r = leaf(zero_leaves[i], 0);

		assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
	}
	assert_int_equal(leaf(7, 1).ebx, 0);
}

static void test_signature_and_clamp(void **state)
{
	struct cpuid_regs hv = leaf(KEEL_CPUID_HV_BASE, 0), l0 = leaf(0, 0);
	char sig[13];

	assert_int_equal(hv.eax, KEEL_CPUID_HV_BASE);
	memcpy(sig, &hv.ebx, 4);
	memcpy(sig + 4, &hv.ecx, 4);
	memcpy(sig + 8, &hv.edx, 4);
	sig[12] = 0;
	assert_string_equal(sig, "KeelKeelKeel");

	assert_int_equal(l0.eax, KEEL_CPUID_MAX_BASIC); /* host says 0x1f */
	assert_int_equal(l0.ebx, 0x756e6547);
	assert_int_equal(leaf(0x80000000, 0).eax, 0x80000008);
	/* above the maximum: the highest basic leaf's data (SDM CPUID) */
	assert_int_equal(leaf(0x1f, 0).eax, 0xdac);
	assert_int_equal(leaf(0x40000001, 0).ebx, 0xf3c);
	assert_int_equal(leaf(0x80000009, 0).ecx, 0x64);
}

static void test_xsave_leaf(void **state)
{
	struct cpuid_guest g = { .cr4 = X86_CR4_OSXSAVE, .xcr0 = XCR0_X87 | XCR0_SSE };
	struct cpuid_regs r;

	assert_int_equal(cpuid_xcr0_allowed(&host), XCR0_X87 | XCR0_SSE | XCR0_AVX);
	assert_true(cpuid_guest_leaf(&host, &g, 1, 0).ecx & CPUID_1_ECX_OSXSAVE);
	r = cpuid_guest_leaf(&host, &g, 0xd, 0);
	assert_int_equal(r.eax, 7);
	assert_int_equal(r.ebx, 576); /* legacy + header: AVX not enabled */
	assert_int_equal(r.ecx, 0x340);
	g.xcr0 |= XCR0_AVX;
	assert_int_equal(cpuid_guest_leaf(&host, &g, 0xd, 0).ebx, 0x340);
	assert_int_equal(cpuid_guest_leaf(&host, &g, 0xd, 1).eax, CPUID_D1_EAX_XSAVEOPT);
	assert_int_equal(cpuid_guest_leaf(&host, &g, 0xd, 2).eax, 0x100);
	assert_int_equal(cpuid_guest_leaf(&host, &g, 0xd, 3).eax, 0);
}

static void test_cr4_and_maxphyaddr(void **state)
{
	u64 cr4 = cpuid_cr4_allowed(&host);

	assert_false(cr4 & X86_CR4_VMXE);
	assert_false(cr4 & X86_CR4_PCIDE);
	assert_false(cr4 & X86_CR4_PKE);
	assert_false(cr4 & X86_CR4_LA57);
	assert_true(cr4 & X86_CR4_PAE);
	assert_true(cr4 & X86_CR4_OSXSAVE);
	assert_true(cr4 & X86_CR4_SMEP);
	assert_true(cr4 & X86_CR4_FSGSBASE);
	assert_int_equal(cpuid_maxphyaddr(&host), 0x27);
}

/* An old host: no leaf 7, no XSAVE, no extended leaves beyond 0x80000000. */
static const struct leaf old_cpu[] = {
	{ 0x0, 0, { 0x2, 0x756e6547, 0x6c65746e, 0x49656e69 } },
	{ 0x1, 0, { 0x6f6, 0x800, 0x20, 0x078bfbff } },
	{ 0x2, 0, { 0x1, 0x2, 0x3, 0x4 } },
	{ 0 },
};

static void test_old_host(void **state)
{
	const struct cpuid_source old = { fake_host, (void *)old_cpu };

	assert_int_equal(cpuid_guest_leaf(&old, &fresh, 0, 0).eax, 2);
	assert_int_equal(cpuid_guest_leaf(&old, &fresh, 7, 0).eax, 1); /* leaf 2's data */
	assert_int_equal(cpuid_xcr0_allowed(&old), 0);
	assert_int_equal(cpuid_guest_leaf(&old, &fresh, 0xd, 0).eax, 1);
	assert_false(cpuid_cr4_allowed(&old) & X86_CR4_SMEP);
	assert_false(cpuid_cr4_allowed(&old) & X86_CR4_OSXSAVE);
	assert_int_equal(cpuid_maxphyaddr(&old), 36);
	assert_int_equal(cpuid_guest_leaf(&old, &fresh, 0x80000000, 0).eax, 0x80000000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hidden_and_set_bits),
		cmocka_unit_test(test_invpcid_hidden_when_it_would_fault),
		cmocka_unit_test(test_denied_leaves_are_zero),
		cmocka_unit_test(test_signature_and_clamp),
		cmocka_unit_test(test_xsave_leaf),
		cmocka_unit_test(test_cr4_and_maxphyaddr),
		cmocka_unit_test(test_old_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
