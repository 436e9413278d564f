/* SPDX-License-Identifier: GPL-2.0-only */
/* Model-specific registers: numbers, bits and rdmsr/wrmsr. */
#ifndef ARCH_MSR_H
#define ARCH_MSR_H

#include <arch/layout.h>

#ifndef __ASSEMBLER__
#include <keel/types.h>
#endif

/* SDM Vol. 4, chapter 2 "Model-Specific Registers", table 2-2 (architectural MSRs). */
#define MSR_IA32_TSC		     0x00000010
#define MSR_IA32_PLATFORM_ID	     0x00000017
#define MSR_IA32_APIC_BASE	     0x0000001b
#define MSR_IA32_FEATURE_CONTROL     0x0000003a
#define MSR_IA32_BIOS_SIGN_ID	     0x0000008b
#define MSR_PLATFORM_INFO	     0x000000ce /* model-specific: Vol. 4, tables 2-12 and on */
#define MSR_IA32_MTRRCAP	     0x000000fe
#define MSR_IA32_SYSENTER_CS	     0x00000174
#define MSR_IA32_SYSENTER_ESP	     0x00000175
#define MSR_IA32_SYSENTER_EIP	     0x00000176
#define MSR_IA32_MISC_ENABLE	     0x000001a0
#define MSR_IA32_DEBUGCTL	     0x000001d9
#define MSR_IA32_MTRR_PHYSBASE0	     0x00000200 /* PHYSBASEn = 0x200 + 2n, PHYSMASKn = 0x201 + 2n */
#define MSR_IA32_MTRR_FIX64K_00000   0x00000250
#define MSR_IA32_MTRR_FIX16K_80000   0x00000258
#define MSR_IA32_MTRR_FIX16K_A0000   0x00000259
#define MSR_IA32_MTRR_FIX4K_C0000    0x00000268 /* ... FIX4K_F8000 = 0x26f */
#define MSR_IA32_MTRR_FIX4K_F8000    0x0000026f
#define MSR_IA32_PAT		     0x00000277
#define MSR_IA32_MTRR_DEF_TYPE	     0x000002ff
#define MSR_IA32_SYSENTER_CS	     0x00000174
#define MSR_IA32_SYSENTER_ESP	     0x00000175
#define MSR_IA32_SYSENTER_EIP	     0x00000176
#define MSR_IA32_PAT		     0x00000277
#define MSR_IA32_VMX_BASIC	     0x00000480
#define MSR_IA32_VMX_PROCBASED_CTLS  0x00000482
#define MSR_IA32_VMX_PROCBASED_CTLS2 0x0000048b
#define MSR_IA32_VMX_EPT_VPID_CAP    0x0000048c
#define MSR_IA32_VMX_PINBASED_CTLS	 0x00000481
#define MSR_IA32_VMX_EXIT_CTLS		 0x00000483
#define MSR_IA32_VMX_ENTRY_CTLS		 0x00000484
#define MSR_IA32_VMX_MISC		 0x00000485
#define MSR_IA32_VMX_CR0_FIXED0		 0x00000486
#define MSR_IA32_VMX_CR0_FIXED1		 0x00000487
#define MSR_IA32_VMX_CR4_FIXED0		 0x00000488
#define MSR_IA32_VMX_CR4_FIXED1		 0x00000489
#define MSR_IA32_VMX_VMCS_ENUM		 0x0000048a
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS	 0x0000048d
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x0000048e
#define MSR_IA32_VMX_TRUE_EXIT_CTLS	 0x0000048f
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS	 0x00000490
#define MSR_IA32_VMX_VMFUNC		 0x00000491
#define MSR_IA32_VMX_PROCBASED_CTLS3	 0x00000492
#define MSR_EFER		     0xc0000080
#define MSR_STAR		     0xc0000081
#define MSR_LSTAR		     0xc0000082
#define MSR_CSTAR		     0xc0000083
#define MSR_SFMASK		     0xc0000084
#define MSR_STAR		     0xc0000081
#define MSR_LSTAR		     0xc0000082
#define MSR_CSTAR		     0xc0000083
#define MSR_SFMASK		     0xc0000084
#define MSR_FS_BASE		     0xc0000100
#define MSR_GS_BASE		     0xc0000101
#define MSR_KERNEL_GS_BASE	     0xc0000102

/* IA32_FEATURE_CONTROL (SDM Vol. 3C, 23.7 "Enabling and Entering VMX Operation") */
#define FEATURE_CONTROL_LOCKED		  (_UL(1) << 0)
#define FEATURE_CONTROL_VMXON_OUTSIDE_SMX (_UL(1) << 2)

/* IA32_EFER (SDM Vol. 3A, 2.2.1 "Extended Feature Enable Register") */
#define EFER_SCE (_UL(1) << 0)
#define EFER_LME (_UL(1) << 8)
#define EFER_LMA (_UL(1) << 10)
#define EFER_NXE (_UL(1) << 11)

#ifndef __ASSEMBLER__

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}

static inline void wrmsr(u32 msr, u64 v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}

#endif /* !__ASSEMBLER__ */
#endif
