/* SPDX-License-Identifier: GPL-2.0-only */
/* CPUID as a guest sees it: the host's leaves filtered to what Keel can honour. */
#include <vmm/exit/policy.h>

#include <arch/cpu.h>

/*
 * Deny by default: a leaf the table does not name reads as zeros, and of a named leaf only the
 * bits in keep pass from the host; set bits are forced on. Every kept bit is a feature Keel
 * either does not need to touch (plain instructions) or emulates (MSRs, CRs, XSETBV). What is
 * hidden, and why, is in docs/exits.md.
 */
struct cpuid_rule {
	u32 leaf;
	bool any_subleaf; /* the same rule for every ECX (leaf 4 enumerates caches by subleaf) */
	struct cpuid_regs keep, set;
};

#define ALL 0xffffffffu

/* CPUID.1:EBX: bits 15:0 brand index and CLFLUSH size; 23:16 logical CPUs; 31:24 APIC ID. */
#define CPUID_1_EBX_KEEP	0x0000ffffu
#define CPUID_1_EBX_ONE_LOGICAL (1u << 16)
/* CPUID.4:EAX: bits 13:0 describe the cache; 25:14 and 31:26 count sharers and cores, minus 1. */
#define CPUID_4_EAX_KEEP 0x00003fffu
/* CPUID.80000008H:EAX: physical (7:0) and linear (15:8) address bits. */
#define CPUID_80000008_EAX_KEEP	   0x0000ffffu
#define CPUID_80000008_EAX_PHYS(a) ((a)&0xffu)
#define MAXPHYADDR_DEFAULT	   36 /* SDM Vol. 3A, 4.1.4: without leaf 80000008H */

static const struct cpuid_rule cpuid_rules[] = {
	{ 0x0, .keep = { 0, ALL, ALL, ALL } }, /* EAX (max leaf) computed */
	{ 0x1,
	  .keep = { ALL, CPUID_1_EBX_KEEP,
		    CPUID_1_ECX_SSE3 | CPUID_1_ECX_PCLMULQDQ | CPUID_1_ECX_SSSE3 | CPUID_1_ECX_FMA |
			    CPUID_1_ECX_CX16 | CPUID_1_ECX_SSE41 | CPUID_1_ECX_SSE42 |
			    CPUID_1_ECX_MOVBE | CPUID_1_ECX_POPCNT | CPUID_1_ECX_AES |
			    CPUID_1_ECX_XSAVE | CPUID_1_ECX_AVX | CPUID_1_ECX_F16C |
			    CPUID_1_ECX_RDRAND,
		    CPUID_1_EDX_FPU | CPUID_1_EDX_VME | CPUID_1_EDX_DE | CPUID_1_EDX_PSE |
			    CPUID_1_EDX_TSC | CPUID_1_EDX_MSR | CPUID_1_EDX_PAE | CPUID_1_EDX_CX8 |
			    CPUID_1_EDX_SEP | CPUID_1_EDX_MTRR | CPUID_1_EDX_PGE |
			    CPUID_1_EDX_CMOV | CPUID_1_EDX_PAT | CPUID_1_EDX_PSE36 |
			    CPUID_1_EDX_CLFSH | CPUID_1_EDX_MMX | CPUID_1_EDX_FXSR |
			    CPUID_1_EDX_SSE | CPUID_1_EDX_SSE2 | CPUID_1_EDX_SS },
	  .set = { 0, CPUID_1_EBX_ONE_LOGICAL, CPUID_1_ECX_HYPERVISOR, 0 } },
	{ 0x2, .keep = { ALL, ALL, ALL, ALL } },
	{ 0x4, .any_subleaf = true, .keep = { CPUID_4_EAX_KEEP, ALL, ALL, ALL } },
	{ 0x7, .keep = { 0,
			 CPUID_7_EBX_FSGSBASE | CPUID_7_EBX_BMI1 | CPUID_7_EBX_AVX2 |
				 CPUID_7_EBX_FDP_EXCPTN | CPUID_7_EBX_SMEP | CPUID_7_EBX_BMI2 |
				 CPUID_7_EBX_ERMS | CPUID_7_EBX_FPU_CSDS | CPUID_7_EBX_RDSEED |
				 CPUID_7_EBX_ADX | CPUID_7_EBX_SMAP | CPUID_7_EBX_CLFLUSHOPT |
				 CPUID_7_EBX_CLWB | CPUID_7_EBX_SHA | CPUID_7_EBX_INVPCID,
			 CPUID_7_ECX_LA57, 0 } },
	{ 0x15, .keep = { ALL, ALL, ALL, ALL } },
	{ 0x16, .keep = { ALL, ALL, ALL, ALL } },
	{ 0x80000000, .keep = { 0, ALL, ALL, ALL } }, /* EAX (max leaf) computed */
	{ 0x80000001,
	  .keep = { ALL, 0,
		    CPUID_80000001_ECX_LAHF | CPUID_80000001_ECX_ABM | CPUID_80000001_ECX_PREFW,
		    CPUID_80000001_EDX_SYSCALL | CPUID_80000001_EDX_NX |
			    CPUID_80000001_EDX_PAGE1GB | CPUID_80000001_EDX_LM } },
	{ 0x80000002, .keep = { ALL, ALL, ALL, ALL } },
	{ 0x80000003, .keep = { ALL, ALL, ALL, ALL } },
	{ 0x80000004, .keep = { ALL, ALL, ALL, ALL } },
	{ 0x80000006, .keep = { ALL, ALL, ALL, ALL } },
	{ 0x80000007, .keep = { 0, 0, 0, CPUID_80000007_EDX_INVTSC } },
	{ 0x80000008, .keep = { CPUID_80000008_EAX_KEEP, 0, 0, 0 } },
};

static struct cpuid_regs host_leaf(const struct cpuid_source *src, u32 leaf, u32 subleaf)
{
	return src->host(src->ctx, leaf, subleaf);
}

static u32 max_basic(const struct cpuid_source *src)
{
	return MIN(host_leaf(src, 0, 0).eax, KEEL_CPUID_MAX_BASIC);
}

static u32 max_ext(const struct cpuid_source *src)
{
	u32 host = host_leaf(src, CPUID_LEAF_EXT_BASE, 0).eax;

	if (host < CPUID_LEAF_EXT_BASE)
		return CPUID_LEAF_EXT_BASE;
	return MIN(host, KEEL_CPUID_MAX_EXT);
}

static const struct cpuid_rule *find_rule(u32 leaf, u32 subleaf)
{
	for (size_t i = 0; i < ARRAY_SIZE(cpuid_rules); i++) {
		const struct cpuid_rule *r = &cpuid_rules[i];

		if (r->leaf == leaf && (r->any_subleaf || subleaf == 0))
			return r;
	}
	return NULL;
}

static struct cpuid_regs filtered(const struct cpuid_source *src, u32 leaf, u32 subleaf)
{
	const struct cpuid_rule *r = find_rule(leaf, subleaf);
	struct cpuid_regs h, out = { 0 };

	if (!r)
		return out;
	h = host_leaf(src, leaf, subleaf);
	out.eax = (h.eax & r->keep.eax) | r->set.eax;
	out.ebx = (h.ebx & r->keep.ebx) | r->set.ebx;
	out.ecx = (h.ecx & r->keep.ecx) | r->set.ecx;
	out.edx = (h.edx & r->keep.edx) | r->set.edx;
	return out;
}

u64 cpuid_xcr0_allowed(const struct cpuid_source *src)
{
	struct cpuid_regs x;

	if (max_basic(src) < 0xd || !(filtered(src, 1, 0).ecx & CPUID_1_ECX_XSAVE))
		return 0;
	x = host_leaf(src, 0xd, 0);
	return (((u64)x.edx << 32) | x.eax) & KEEL_XCR0_ALLOWED;
}

/*
 * Leaf 0xD (SDM Vol. 1, 13.2 "Enumeration of CPU Support for XSAVE Instructions"): subleaf 0
 * reports the allowed components and the area sizes, subleaf 1 the instruction extensions (only
 * XSAVEOPT: XSAVEC/XSAVES need XSS, which Keel does not emulate), subleaf n >= 2 the offset and
 * size of component n, for the components the guest may enable.
 */
static struct cpuid_regs xsave_leaf(const struct cpuid_source *src, const struct cpuid_guest *g,
				    u32 subleaf)
{
	u64 allowed = cpuid_xcr0_allowed(src);
	struct cpuid_regs out = { 0 };

	if (!allowed)
		return out;
	if (subleaf == 0) {
		u32 enabled = 512 + 64, all = 512 + 64; /* legacy area and XSAVE header */

		for (u32 i = 2; i < 64; i++) {
			struct cpuid_regs c;

			if (!(allowed & BIT(i)))
				continue;
			c = host_leaf(src, 0xd, i);
			all = MAX(all, c.ebx + c.eax);
			if (g->xcr0 & BIT(i))
				enabled = MAX(enabled, c.ebx + c.eax);
		}
		out.eax = (u32)allowed;
		out.ebx = enabled;
		out.ecx = all;
		return out;
	}
	if (subleaf == 1) {
		out.eax = host_leaf(src, 0xd, 1).eax & CPUID_D1_EAX_XSAVEOPT;
		return out;
	}
	if (subleaf < 64 && (allowed & BIT(subleaf)))
		return host_leaf(src, 0xd, subleaf);
	return out;
}

struct cpuid_regs cpuid_guest_leaf(const struct cpuid_source *src, const struct cpuid_guest *g,
				   u32 leaf, u32 subleaf)
{
	u32 basic = max_basic(src), ext = max_ext(src);
	struct cpuid_regs out;

	if (leaf == KEEL_CPUID_HV_BASE) {
		out.eax = KEEL_CPUID_HV_BASE; /* the highest hypervisor leaf: this one */
		out.ebx = out.ecx = out.edx = KEEL_CPUID_SIGNATURE;
		return out;
	}
	/* SDM CPUID: an input above the maximum returns the highest basic leaf's data. */
	if ((leaf > basic && leaf < CPUID_LEAF_EXT_BASE) || leaf > ext)
		leaf = basic;
	if (leaf == 0xd)
		return xsave_leaf(src, g, subleaf);
	out = filtered(src, leaf, subleaf);
	if (leaf == 0)
		out.eax = basic;
	else if (leaf == CPUID_LEAF_EXT_BASE)
		out.eax = ext;
	else if (leaf == 1 && (out.ecx & CPUID_1_ECX_XSAVE) && (g->cr4 & X86_CR4_OSXSAVE))
		out.ecx |= CPUID_1_ECX_OSXSAVE;
	else if (leaf == 7 && subleaf == 0 && g->no_invpcid)
		out.ebx &= ~CPUID_7_EBX_INVPCID;
	return out;
}

u64 cpuid_cr4_allowed(const struct cpuid_source *src)
{
	const struct cpuid_guest none = { 0 };
	struct cpuid_regs l1 = cpuid_guest_leaf(src, &none, 1, 0);
	struct cpuid_regs l7 = cpuid_guest_leaf(src, &none, 7, 0);
	u64 cr4 = X86_CR4_TSD | X86_CR4_PCE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;

	if (max_basic(src) < 7)
		l7 = (struct cpuid_regs){ 0 };
	if (l1.edx & CPUID_1_EDX_VME)
		cr4 |= X86_CR4_VME | X86_CR4_PVI;
	if (l1.edx & CPUID_1_EDX_DE)
		cr4 |= X86_CR4_DE;
	if (l1.edx & CPUID_1_EDX_PSE)
		cr4 |= X86_CR4_PSE;
	if (l1.edx & CPUID_1_EDX_PAE)
		cr4 |= X86_CR4_PAE;
	if (l1.edx & CPUID_1_EDX_PGE)
		cr4 |= X86_CR4_PGE;
	if (l1.ecx & CPUID_1_ECX_XSAVE)
		cr4 |= X86_CR4_OSXSAVE;
	if (l7.ebx & CPUID_7_EBX_FSGSBASE)
		cr4 |= X86_CR4_FSGSBASE;
	if (l7.ebx & CPUID_7_EBX_SMEP)
		cr4 |= X86_CR4_SMEP;
	if (l7.ebx & CPUID_7_EBX_SMAP)
		cr4 |= X86_CR4_SMAP;
	if (l7.ecx & CPUID_7_ECX_LA57)
		cr4 |= X86_CR4_LA57;
	return cr4;
}

unsigned int cpuid_maxphyaddr(const struct cpuid_source *src)
{
	const struct cpuid_guest none = { 0 };

	if (max_ext(src) < 0x80000008)
		return MAXPHYADDR_DEFAULT;
	return CPUID_80000008_EAX_PHYS(cpuid_guest_leaf(src, &none, 0x80000008, 0).eax);
}
