/* SPDX-License-Identifier: GPL-2.0-only */
/* Which MSRs a guest may read and write, and what it gets: a table, everything else #GP. */
#include <vmm/exit/policy.h>
#include <vmm/vmm.h>

#include <arch/msr.h>

/* Memory types (SDM Vol. 3A, 13.3 "Methods of Caching Available", 13.12.3 PAT encodings). */
#define MEMTYPE_UC     0
#define MEMTYPE_WC     1
#define MEMTYPE_WT     4
#define MEMTYPE_WP     5
#define MEMTYPE_WB     6
#define MEMTYPE_UC_PAT 7		     /* "UC-": valid in PAT only */
#define MEMTYPE_WB_X8  0x0606060606060606ull /* a fixed-range MTRR: eight WB ranges */

/* IA32_MTRRCAP (SDM Vol. 3A, 13.11.1): VCNT in 7:0, FIX bit 8; no WC, no SMRR. */
#define MTRRCAP_VCNT 8
#define MTRRCAP_FIX  BIT(8)
/* IA32_MTRR_DEF_TYPE (13.11.2.1): type in 7:0, FE bit 10, E bit 11, the rest reserved. */
#define MTRR_DEF_TYPE_FE   BIT(10)
#define MTRR_DEF_TYPE_E	   BIT(11)
#define MTRR_DEF_TYPE_RSVD (~(u64)(0xff | MTRR_DEF_TYPE_FE | MTRR_DEF_TYPE_E))
/* IA32_MTRR_PHYSBASEn type in 7:0, PHYSMASKn valid bit 11 (13.11.2.3); 11:8 / 10:0 reserved. */
#define MTRR_PHYSBASE_RSVD_LOW 0xf00ull
#define MTRR_PHYSMASK_RSVD_LOW 0x7ffull

/*
 * IA32_MISC_ENABLE (SDM Vol. 4, table 2-2): fast strings (bit 0) on, BTS (11) and PEBS (12)
 * reported unavailable, everything else (SpeedStep, MONITOR, limit-CPUID, XD disable) off.
 */
#define MISC_ENABLE_VALUE (BIT(0) | BIT(11) | BIT(12))
/* IA32_APIC_BASE: the default 0xfee00000, BSP (bit 8), global enable (bit 11) clear: no LAPIC. */
#define APIC_BASE_VALUE (0xfee00000ull | BIT(8))
/* IA32_FEATURE_CONTROL: locked (bit 0) with VMX off, as firmware would leave a CPU without VMX. */
#define FEATURE_CONTROL_VALUE BIT(0)

static const struct msr_rule msr_rules[] = {
	{ MSR_IA32_TSC, MSR_TSC_REG },
	{ MSR_IA32_PLATFORM_ID, MSR_FIXED, 0 },
	{ MSR_IA32_APIC_BASE, MSR_FIXED, APIC_BASE_VALUE },
	{ MSR_IA32_FEATURE_CONTROL, MSR_FIXED, FEATURE_CONTROL_VALUE },
	{ MSR_IA32_BIOS_SIGN_ID, MSR_FIXED, 0 }, /* microcode revision 0 */
	{ MSR_PLATFORM_INFO, MSR_FIXED, 0 },
	{ MSR_IA32_MTRRCAP, MSR_FIXED, MTRRCAP_VCNT | MTRRCAP_FIX },
	{ MSR_IA32_SYSENTER_CS, MSR_STATE, 0, VCPU_MSR_SYSENTER_CS },
	{ MSR_IA32_SYSENTER_ESP, MSR_STATE, 0, VCPU_MSR_SYSENTER_ESP },
	{ MSR_IA32_SYSENTER_EIP, MSR_STATE, 0, VCPU_MSR_SYSENTER_EIP },
	{ MSR_IA32_MISC_ENABLE, MSR_FIXED, MISC_ENABLE_VALUE },
	{ MSR_IA32_DEBUGCTL, MSR_FIXED, 0 }, /* no LBR, BTF or BTS */
	{ MSR_IA32_MTRR_FIX64K_00000, MSR_MTRR, MEMTYPE_WB_X8 },
	{ MSR_IA32_MTRR_FIX16K_80000, MSR_MTRR, MEMTYPE_WB_X8 },
	{ MSR_IA32_MTRR_FIX16K_A0000, MSR_MTRR, MEMTYPE_WB_X8 },
	{ MSR_IA32_PAT, MSR_PAT_REG, 0, VCPU_MSR_PAT },
	{ MSR_IA32_MTRR_DEF_TYPE, MSR_MTRR, MTRR_DEF_TYPE_E | MEMTYPE_WB },
	{ MSR_EFER, MSR_EFER_REG },
	{ MSR_STAR, MSR_STATE, 0, VCPU_MSR_STAR },
	{ MSR_LSTAR, MSR_STATE, 0, VCPU_MSR_LSTAR },
	{ MSR_CSTAR, MSR_STATE, 0, VCPU_MSR_CSTAR },
	{ MSR_SFMASK, MSR_STATE, 0, VCPU_MSR_SFMASK },
	{ MSR_FS_BASE, MSR_STATE, 0, VCPU_MSR_FS_BASE },
	{ MSR_GS_BASE, MSR_STATE, 0, VCPU_MSR_GS_BASE },
	{ MSR_KERNEL_GS_BASE, MSR_STATE, 0, VCPU_MSR_KERNEL_GS_BASE },
};

static bool is_fix4k(u32 msr)
{
	return msr >= MSR_IA32_MTRR_FIX4K_C0000 && msr <= MSR_IA32_MTRR_FIX4K_F8000;
}

static bool is_var_mtrr(u32 msr)
{
	return msr >= MSR_IA32_MTRR_PHYSBASE0 && msr < MSR_IA32_MTRR_PHYSBASE0 + 2 * MTRRCAP_VCNT;
}

struct msr_rule msr_rule_lookup(u32 msr)
{
	struct msr_rule none = { msr, MSR_DENIED };

	for (size_t i = 0; i < ARRAY_SIZE(msr_rules); i++)
		if (msr_rules[i].msr == msr)
			return msr_rules[i];
	if (is_fix4k(msr))
		return (struct msr_rule){ msr, MSR_MTRR, MEMTYPE_WB_X8 };
	if (is_var_mtrr(msr)) /* every variable range disabled: PHYSMASKn.V = 0 */
		return (struct msr_rule){ msr, MSR_MTRR, 0 };
	return none;
}

u64 efer_allowed(const struct cpuid_source *src)
{
	const struct cpuid_guest none = { 0 };
	struct cpuid_regs ext = cpuid_guest_leaf(src, &none, 0x80000001, 0);
	u64 allowed = 0;

	if (ext.edx & CPUID_80000001_EDX_SYSCALL)
		allowed |= EFER_SCE;
	if (ext.edx & CPUID_80000001_EDX_LM)
		allowed |= EFER_LME;
	if (ext.edx & CPUID_80000001_EDX_NX)
		allowed |= EFER_NXE;
	return allowed;
}

/*
 * WRMSR to EFER: a bit outside @allowed (reserved, or a feature CPUID hides) is #GP, as is
 * changing LME while paging is on (SDM Vol. 3A, 10.8.5). LMA is the CPU's: a write leaves it.
 */
bool efer_write_valid(u64 old, u64 val, u64 cr0, u64 allowed, u64 *out)
{
	if (val & ~(allowed | EFER_LMA))
		return false;
	if ((cr0 & X86_CR0_PG) && ((old ^ val) & EFER_LME))
		return false;
	*out = (val & ~EFER_LMA) | (old & EFER_LMA);
	return true;
}

static bool memtype_valid(u64 t, bool pat)
{
	switch (t) {
	case MEMTYPE_UC:
	case MEMTYPE_WC:
	case MEMTYPE_WT:
	case MEMTYPE_WP:
	case MEMTYPE_WB:
		return true;
	case MEMTYPE_UC_PAT:
		return pat;
	}
	return false;
}

bool pat_valid(u64 pat)
{
	for (unsigned int i = 0; i < 8; i++)
		if (!memtype_valid((pat >> (8 * i)) & 0xff, true))
			return false;
	return true;
}

/* Writes are checked as hardware checks them (#GP on reserved bits and bad types), then ignored. */
bool mtrr_write_valid(u32 msr, u64 val, unsigned int maxphyaddr)
{
	u64 above_phys = ~((BIT(maxphyaddr) - 1));

	if (msr == MSR_IA32_MTRR_DEF_TYPE)
		return !(val & MTRR_DEF_TYPE_RSVD) && memtype_valid(val & 0xff, false);
	if (is_var_mtrr(msr) && ((msr - MSR_IA32_MTRR_PHYSBASE0) & 1))
		return !(val & (above_phys | MTRR_PHYSMASK_RSVD_LOW));
	if (is_var_mtrr(msr))
		return !(val & (above_phys | MTRR_PHYSBASE_RSVD_LOW)) &&
		       memtype_valid(val & 0xff, false);
	for (unsigned int i = 0; i < 8; i++) /* fixed range: eight type bytes */
		if (!memtype_valid((val >> (8 * i)) & 0xff, false))
			return false;
	return true;
}
