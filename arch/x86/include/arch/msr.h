/* SPDX-License-Identifier: GPL-2.0-only */
/* Model-specific registers: numbers, bits and rdmsr/wrmsr. */
#ifndef ARCH_MSR_H
#define ARCH_MSR_H

#include <arch/layout.h>

#ifndef __ASSEMBLER__
#include <keel/types.h>
#endif

/* SDM Vol. 4, chapter 2 "Model-Specific Registers", table 2-2 (architectural MSRs). */
#define MSR_IA32_FEATURE_CONTROL     0x0000003a
#define MSR_IA32_VMX_BASIC	     0x00000480
#define MSR_IA32_VMX_PROCBASED_CTLS  0x00000482
#define MSR_IA32_VMX_PROCBASED_CTLS2 0x0000048b
#define MSR_IA32_VMX_EPT_VPID_CAP    0x0000048c
#define MSR_EFER		     0xc0000080
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

/*
 * VMX capability MSRs (SDM Vol. 3D, appendix A). The control MSRs report allowed-0 settings in
 * bits 31:0 and allowed-1 settings in bits 63:32.
 */
#define VMX_BASIC_REVISION_MASK	  _UL(0x7fffffff)
#define VMX_BASIC_VMCS_SIZE_SHIFT 32
#define VMX_BASIC_VMCS_SIZE_MASK  _UL(0x1fff)
#define VMX_CTLS_ALLOWED1_SHIFT	  32
/* Primary processor-based controls (SDM Vol. 3C, 25.6.2, table 25-6) */
#define VMX_PROCBASED_ACTIVATE_SECONDARY (_UL(1) << 31)
/* Secondary processor-based controls (SDM Vol. 3C, 25.6.2, table 25-7) */
#define VMX_PROCBASED2_EPT		  (_UL(1) << 1)
#define VMX_PROCBASED2_VPID		  (_UL(1) << 5)
#define VMX_PROCBASED2_UNRESTRICTED_GUEST (_UL(1) << 7)

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
