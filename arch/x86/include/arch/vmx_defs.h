/* SPDX-License-Identifier: GPL-2.0-only */
/* VMX architecture constants: capability MSRs and their bits, VM-execution/exit/entry controls. */
#ifndef ARCH_VMX_DEFS_H
#define ARCH_VMX_DEFS_H

#include <arch/msr.h>

/*
 * VMX capability MSRs (SDM Vol. 3D, appendix A "VMX Capability Reporting Facility"; numbers in
 * SDM Vol. 4, table 2-2). Their numbers are in arch/msr.h with every other MSR; their bits are here.
 * Which of them exist depends on others: see vmx_decode_caps().
 */

/* IA32_FEATURE_CONTROL bit 1 (SDM Vol. 3C, 24.7 "Enabling and Entering VMX Operation") */
#define FEATURE_CONTROL_VMXON_INSIDE_SMX (1ull << 1)

/* IA32_VMX_BASIC (A.1 "Basic VMX Information") */
#define VMX_BASIC_REVISION(v)	     ((u32)((v)&0x7fffffffull))
#define VMX_BASIC_VMCS_SIZE(v)	     ((u32)(((v) >> 32) & 0x1fff))
#define VMX_BASIC_ADDR_32BIT	     (1ull << 48)
#define VMX_BASIC_DUAL_MONITOR	     (1ull << 49)
#define VMX_BASIC_MEMTYPE(v)	     ((u32)(((v) >> 50) & 0xf))
#define VMX_BASIC_INS_OUTS_INFO	     (1ull << 54)
#define VMX_BASIC_TRUE_CTLS	     (1ull << 55)
#define VMX_BASIC_ANY_EXC_ERROR_CODE (1ull << 56)
#define VMX_MEMTYPE_UC		     0
#define VMX_MEMTYPE_WB		     6

/* IA32_VMX_MISC (A.6 "Miscellaneous Data") */
#define VMX_MISC_PREEMPT_TIMER_RATE(v) ((u32)((v)&0x1f)) /* timer ticks when TSC bit N flips */
#define VMX_MISC_STORE_LMA	       (1ull << 5)
#define VMX_MISC_ACTIVITY_HLT	       (1ull << 6)
#define VMX_MISC_ACTIVITY_SHUTDOWN     (1ull << 7)
#define VMX_MISC_ACTIVITY_WAIT_SIPI    (1ull << 8)
#define VMX_MISC_PT_IN_VMX	       (1ull << 14)
#define VMX_MISC_CR3_TARGETS(v)	       ((u32)(((v) >> 16) & 0x1ff))
#define VMX_MISC_MAX_MSR_LIST(v)       (512u * ((u32)(((v) >> 25) & 0x7) + 1))
#define VMX_MISC_VMWRITE_ANY_FIELD     (1ull << 29)
#define VMX_MISC_INJECT_ZERO_LEN       (1ull << 30)
#define VMX_MISC_MSEG_REVISION(v)      ((u32)((v) >> 32))

/* IA32_VMX_VMCS_ENUM (A.9 "VMCS Enumeration"): highest index used in any field encoding */
#define VMX_VMCS_ENUM_MAX_INDEX(v) ((u32)(((v) >> 1) & 0x1ff))

/* IA32_VMX_EPT_VPID_CAP (A.10 "VPID and EPT Capabilities") */
#define VMX_EPT_CAP_EXEC_ONLY			 (1ull << 0)
#define VMX_EPT_CAP_WALK_4			 (1ull << 6)
#define VMX_EPT_CAP_WALK_5			 (1ull << 7)
#define VMX_EPT_CAP_MEMTYPE_UC			 (1ull << 8)
#define VMX_EPT_CAP_MEMTYPE_WB			 (1ull << 14)
#define VMX_EPT_CAP_PAGE_2M			 (1ull << 16)
#define VMX_EPT_CAP_PAGE_1G			 (1ull << 17)
#define VMX_EPT_CAP_INVEPT			 (1ull << 20)
#define VMX_EPT_CAP_AD_BITS			 (1ull << 21)
#define VMX_EPT_CAP_ADVANCED_EXIT_INFO		 (1ull << 22)
#define VMX_EPT_CAP_INVEPT_SINGLE		 (1ull << 25)
#define VMX_EPT_CAP_INVEPT_ALL			 (1ull << 26)
#define VMX_VPID_CAP_INVVPID			 (1ull << 32)
#define VMX_VPID_CAP_INVVPID_ADDR		 (1ull << 40)
#define VMX_VPID_CAP_INVVPID_SINGLE		 (1ull << 41)
#define VMX_VPID_CAP_INVVPID_ALL		 (1ull << 42)
#define VMX_VPID_CAP_INVVPID_SINGLE_KEEP_GLOBALS (1ull << 43)

/* INVEPT and INVVPID types (SDM Vol. 3C, 31.3 "VMX Instructions", INVEPT and INVVPID) */
#define VMX_INVEPT_SINGLE_CONTEXT	1
#define VMX_INVEPT_ALL_CONTEXT		2
#define VMX_INVVPID_ADDRESS		0
#define VMX_INVVPID_SINGLE_CONTEXT	1
#define VMX_INVVPID_ALL_CONTEXT		2
#define VMX_INVVPID_SINGLE_KEEP_GLOBALS 3

/*
 * Control words. Bits 31:0 of a control capability MSR are the allowed-0 settings (a 1 there
 * means the control must be 1), bits 63:32 the allowed-1 settings (A.3-A.5). The "default1"
 * classes are the reserved controls that the non-TRUE MSRs always report as must-be-one (A.2).
 */
#define VMX_CTL_ALLOWED0(msr) ((u32)(msr))         /* must-be-one bits */
#define VMX_CTL_ALLOWED1(msr) ((u32)((msr) >> 32)) /* may-be-one bits */

#define VMX_PIN_DEFAULT1       0x00000016u
#define VMX_PROC_DEFAULT1      0x0401e172u
#define VMX_EXIT_CTL_DEFAULT1  0x00036dffu
#define VMX_ENTRY_CTL_DEFAULT1 0x000011ffu

/* Pin-based VM-execution controls (SDM Vol. 3C, 25.6.1 "Pin-Based VM-Execution Controls") */
#define VMX_PIN_EXT_INTR_EXITING  (1u << 0)
#define VMX_PIN_NMI_EXITING	  (1u << 3)
#define VMX_PIN_VIRTUAL_NMIS	  (1u << 5)
#define VMX_PIN_PREEMPTION_TIMER  (1u << 6)
#define VMX_PIN_POSTED_INTERRUPTS (1u << 7)

/* Primary processor-based controls (25.6.2 "Processor-Based VM-Execution Controls") */
#define VMX_PROC_INTR_WINDOW_EXITING (1u << 2)
#define VMX_PROC_TSC_OFFSETTING	     (1u << 3)
#define VMX_PROC_HLT_EXITING	     (1u << 7)
#define VMX_PROC_INVLPG_EXITING	     (1u << 9)
#define VMX_PROC_MWAIT_EXITING	     (1u << 10)
#define VMX_PROC_RDPMC_EXITING	     (1u << 11)
#define VMX_PROC_RDTSC_EXITING	     (1u << 12)
#define VMX_PROC_CR3_LOAD_EXITING    (1u << 15)
#define VMX_PROC_CR3_STORE_EXITING   (1u << 16)
#define VMX_PROC_TERTIARY_CONTROLS   (1u << 17)
#define VMX_PROC_CR8_LOAD_EXITING    (1u << 19)
#define VMX_PROC_CR8_STORE_EXITING   (1u << 20)
#define VMX_PROC_TPR_SHADOW	     (1u << 21)
#define VMX_PROC_NMI_WINDOW_EXITING  (1u << 22)
#define VMX_PROC_MOV_DR_EXITING	     (1u << 23)
#define VMX_PROC_UNCOND_IO_EXITING   (1u << 24)
#define VMX_PROC_IO_BITMAPS	     (1u << 25)
#define VMX_PROC_MONITOR_TRAP_FLAG   (1u << 27)
#define VMX_PROC_MSR_BITMAPS	     (1u << 28)
#define VMX_PROC_MONITOR_EXITING     (1u << 29)
#define VMX_PROC_PAUSE_EXITING	     (1u << 30)
#define VMX_PROC_SECONDARY_CONTROLS  (1u << 31)

/* Secondary processor-based controls (25.6.2) */
#define VMX_PROC2_VIRT_APIC_ACCESSES  (1u << 0)
#define VMX_PROC2_EPT		      (1u << 1)
#define VMX_PROC2_DESC_TABLE_EXITING  (1u << 2)
#define VMX_PROC2_RDTSCP	      (1u << 3)
#define VMX_PROC2_VIRT_X2APIC	      (1u << 4)
#define VMX_PROC2_VPID		      (1u << 5)
#define VMX_PROC2_WBINVD_EXITING      (1u << 6)
#define VMX_PROC2_UNRESTRICTED_GUEST  (1u << 7)
#define VMX_PROC2_APIC_REG_VIRT	      (1u << 8)
#define VMX_PROC2_VIRT_INTR_DELIVERY  (1u << 9)
#define VMX_PROC2_PAUSE_LOOP_EXITING  (1u << 10)
#define VMX_PROC2_RDRAND_EXITING      (1u << 11)
#define VMX_PROC2_INVPCID	      (1u << 12)
#define VMX_PROC2_VMFUNC	      (1u << 13)
#define VMX_PROC2_VMCS_SHADOWING      (1u << 14)
#define VMX_PROC2_ENCLS_EXITING	      (1u << 15)
#define VMX_PROC2_RDSEED_EXITING      (1u << 16)
#define VMX_PROC2_PML		      (1u << 17)
#define VMX_PROC2_EPT_VE	      (1u << 18)
#define VMX_PROC2_CONCEAL_VMX_FROM_PT (1u << 19)
#define VMX_PROC2_XSAVES	      (1u << 20)
#define VMX_PROC2_MODE_BASED_EPT_EXEC (1u << 22)
#define VMX_PROC2_SUBPAGE_WRITE	      (1u << 23)
#define VMX_PROC2_PT_GUEST_PHYSICAL   (1u << 24)
#define VMX_PROC2_TSC_SCALING	      (1u << 25)
#define VMX_PROC2_USER_WAIT_PAUSE     (1u << 26)
#define VMX_PROC2_PCONFIG	      (1u << 27)
#define VMX_PROC2_ENCLV_EXITING	      (1u << 28)

/* Tertiary processor-based controls (25.6.2), a 64-bit word reported by IA32_VMX_PROCBASED_CTLS3 */
#define VMX_PROC3_LOADIWKEY_EXITING   (1ull << 0)
#define VMX_PROC3_HLAT		      (1ull << 1)
#define VMX_PROC3_EPT_PAGING_WRITE    (1ull << 2)
#define VMX_PROC3_GUEST_PAGING_VERIFY (1ull << 3)
#define VMX_PROC3_IPI_VIRT	      (1ull << 4)

/* Primary VM-exit controls (25.7.1 "VM-Exit Controls") */
#define VMX_EXIT_CTL_SAVE_DEBUG		 (1u << 2)
#define VMX_EXIT_CTL_HOST_ADDR64	 (1u << 9)
#define VMX_EXIT_CTL_LOAD_PERF_GLOBAL	 (1u << 12)
#define VMX_EXIT_CTL_ACK_INTR		 (1u << 15)
#define VMX_EXIT_CTL_SAVE_PAT		 (1u << 18)
#define VMX_EXIT_CTL_LOAD_PAT		 (1u << 19)
#define VMX_EXIT_CTL_SAVE_EFER		 (1u << 20)
#define VMX_EXIT_CTL_LOAD_EFER		 (1u << 21)
#define VMX_EXIT_CTL_SAVE_PREEMPT_TIMER	 (1u << 22)
#define VMX_EXIT_CTL_CLEAR_BNDCFGS	 (1u << 23)
#define VMX_EXIT_CTL_CONCEAL_VMX_FROM_PT (1u << 24)
#define VMX_EXIT_CTL_CLEAR_RTIT_CTL	 (1u << 25)
#define VMX_EXIT_CTL_LOAD_CET		 (1u << 28)
#define VMX_EXIT_CTL_LOAD_PKRS		 (1u << 29)

/* VM-entry controls (25.8.1 "VM-Entry Controls") */
#define VMX_ENTRY_CTL_LOAD_DEBUG	  (1u << 2)
#define VMX_ENTRY_CTL_IA32E_GUEST	  (1u << 9)
#define VMX_ENTRY_CTL_SMM		  (1u << 10)
#define VMX_ENTRY_CTL_DEACT_DUAL_MONITOR  (1u << 11)
#define VMX_ENTRY_CTL_LOAD_PERF_GLOBAL	  (1u << 13)
#define VMX_ENTRY_CTL_LOAD_PAT		  (1u << 14)
#define VMX_ENTRY_CTL_LOAD_EFER		  (1u << 15)
#define VMX_ENTRY_CTL_LOAD_BNDCFGS	  (1u << 16)
#define VMX_ENTRY_CTL_CONCEAL_VMX_FROM_PT (1u << 17)
#define VMX_ENTRY_CTL_LOAD_RTIT_CTL	  (1u << 18)
#define VMX_ENTRY_CTL_LOAD_CET		  (1u << 20)
#define VMX_ENTRY_CTL_LOAD_PKRS		  (1u << 22)

#endif
