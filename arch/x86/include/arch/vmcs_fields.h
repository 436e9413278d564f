/* SPDX-License-Identifier: GPL-2.0-only */
/* VMCS field encodings, VM-exit reasons, exit qualifications and VM-instruction error numbers. */
#ifndef ARCH_VMCS_FIELDS_H
#define ARCH_VMCS_FIELDS_H

/*
 * Field encodings: SDM Vol. 3D, appendix B "Field Encoding in VMCS". An encoding is
 *
 *   bit  0      access type (1 = the high 32 bits of a 64-bit field)
 *   bits 9:1    index
 *   bits 11:10  type: 0 control, 1 VM-exit information (read-only), 2 guest state, 3 host state
 *   bits 14:13  width: 0 16-bit, 1 64-bit, 2 32-bit, 3 natural width
 */
#define VMCS_ENC_ACCESS_HIGH 0x1u
#define VMCS_ENC_TYPE_SHIFT  10
#define VMCS_ENC_TYPE_MASK   0x3u
#define VMCS_ENC_WIDTH_SHIFT 13
#define VMCS_ENC_WIDTH_MASK  0x3u

#define VMCS_TYPE_CONTROL    0
#define VMCS_TYPE_EXIT_INFO  1
#define VMCS_TYPE_GUEST	     2
#define VMCS_TYPE_HOST	     3

#define VMCS_WIDTH_16	     0
#define VMCS_WIDTH_64	     1
#define VMCS_WIDTH_32	     2
#define VMCS_WIDTH_NATURAL   3

#define VMCS_FIELD_TYPE(f)   (((f) >> VMCS_ENC_TYPE_SHIFT) & VMCS_ENC_TYPE_MASK)
#define VMCS_FIELD_WIDTH(f)  (((f) >> VMCS_ENC_WIDTH_SHIFT) & VMCS_ENC_WIDTH_MASK)

/* 16-bit control fields (B.1.1) */
#define VMCS_VPID	    0x0000
#define VMCS_POSTED_INTR_NV 0x0002
#define VMCS_EPTP_INDEX	    0x0004

/* 16-bit guest-state fields (B.1.2) */
#define VMCS_GUEST_ES_SEL      0x0800
#define VMCS_GUEST_CS_SEL      0x0802
#define VMCS_GUEST_SS_SEL      0x0804
#define VMCS_GUEST_DS_SEL      0x0806
#define VMCS_GUEST_FS_SEL      0x0808
#define VMCS_GUEST_GS_SEL      0x080a
#define VMCS_GUEST_LDTR_SEL    0x080c
#define VMCS_GUEST_TR_SEL      0x080e
#define VMCS_GUEST_INTR_STATUS 0x0810
#define VMCS_GUEST_PML_INDEX   0x0812

/* 16-bit host-state fields (B.1.3) */
#define VMCS_HOST_ES_SEL 0x0c00
#define VMCS_HOST_CS_SEL 0x0c02
#define VMCS_HOST_SS_SEL 0x0c04
#define VMCS_HOST_DS_SEL 0x0c06
#define VMCS_HOST_FS_SEL 0x0c08
#define VMCS_HOST_GS_SEL 0x0c0a
#define VMCS_HOST_TR_SEL 0x0c0c

/* 64-bit control fields (B.2.1) */
#define VMCS_IO_BITMAP_A	    0x2000
#define VMCS_IO_BITMAP_B	    0x2002
#define VMCS_MSR_BITMAP		    0x2004
#define VMCS_EXIT_MSR_STORE_ADDR    0x2006
#define VMCS_EXIT_MSR_LOAD_ADDR	    0x2008
#define VMCS_ENTRY_MSR_LOAD_ADDR    0x200a
#define VMCS_EXECUTIVE_VMCS_PTR	    0x200c
#define VMCS_PML_ADDR		    0x200e
#define VMCS_TSC_OFFSET		    0x2010
#define VMCS_VIRTUAL_APIC_ADDR	    0x2012
#define VMCS_APIC_ACCESS_ADDR	    0x2014
#define VMCS_POSTED_INTR_DESC_ADDR  0x2016
#define VMCS_VMFUNC_CONTROLS	    0x2018
#define VMCS_EPT_POINTER	    0x201a
#define VMCS_EOI_EXIT_BITMAP0	    0x201c
#define VMCS_EOI_EXIT_BITMAP1	    0x201e
#define VMCS_EOI_EXIT_BITMAP2	    0x2020
#define VMCS_EOI_EXIT_BITMAP3	    0x2022
#define VMCS_EPTP_LIST_ADDR	    0x2024
#define VMCS_VMREAD_BITMAP	    0x2026
#define VMCS_VMWRITE_BITMAP	    0x2028
#define VMCS_VE_INFO_ADDR	    0x202a
#define VMCS_XSS_EXIT_BITMAP	    0x202c
#define VMCS_TSC_MULTIPLIER	    0x2032
#define VMCS_TERTIARY_PROC_CONTROLS 0x2034

/* 64-bit read-only data field (B.2.2) */
#define VMCS_GUEST_PHYSICAL_ADDR 0x2400

/* 64-bit guest-state fields (B.2.3) */
#define VMCS_LINK_POINTER	    0x2800
#define VMCS_GUEST_DEBUGCTL	    0x2802
#define VMCS_GUEST_PAT		    0x2804
#define VMCS_GUEST_EFER		    0x2806
#define VMCS_GUEST_PERF_GLOBAL_CTRL 0x2808
#define VMCS_GUEST_PDPTE0	    0x280a
#define VMCS_GUEST_PDPTE1	    0x280c
#define VMCS_GUEST_PDPTE2	    0x280e
#define VMCS_GUEST_PDPTE3	    0x2810
#define VMCS_GUEST_BNDCFGS	    0x2812
#define VMCS_GUEST_RTIT_CTL	    0x2814
#define VMCS_GUEST_PKRS		    0x2818

/* 64-bit host-state fields (B.2.4) */
#define VMCS_HOST_PAT		   0x2c00
#define VMCS_HOST_EFER		   0x2c02
#define VMCS_HOST_PERF_GLOBAL_CTRL 0x2c04
#define VMCS_HOST_PKRS		   0x2c06

/* 32-bit control fields (B.3.1) */
#define VMCS_PIN_CONTROLS		0x4000
#define VMCS_PROC_CONTROLS		0x4002
#define VMCS_EXCEPTION_BITMAP		0x4004
#define VMCS_PF_ERROR_CODE_MASK		0x4006
#define VMCS_PF_ERROR_CODE_MATCH	0x4008
#define VMCS_CR3_TARGET_COUNT		0x400a
#define VMCS_EXIT_CONTROLS		0x400c
#define VMCS_EXIT_MSR_STORE_COUNT	0x400e
#define VMCS_EXIT_MSR_LOAD_COUNT	0x4010
#define VMCS_ENTRY_CONTROLS		0x4012
#define VMCS_ENTRY_MSR_LOAD_COUNT	0x4014
#define VMCS_ENTRY_INTR_INFO		0x4016
#define VMCS_ENTRY_EXCEPTION_ERROR_CODE 0x4018
#define VMCS_ENTRY_INSTRUCTION_LEN	0x401a
#define VMCS_TPR_THRESHOLD		0x401c
#define VMCS_PROC2_CONTROLS		0x401e
#define VMCS_PLE_GAP			0x4020
#define VMCS_PLE_WINDOW			0x4022

/* 32-bit read-only data fields (B.3.2) */
#define VMCS_INSTRUCTION_ERROR	      0x4400
#define VMCS_EXIT_REASON	      0x4402
#define VMCS_EXIT_INTR_INFO	      0x4404
#define VMCS_EXIT_INTR_ERROR_CODE     0x4406
#define VMCS_IDT_VECTORING_INFO	      0x4408
#define VMCS_IDT_VECTORING_ERROR_CODE 0x440a
#define VMCS_EXIT_INSTRUCTION_LEN     0x440c
#define VMCS_EXIT_INSTRUCTION_INFO    0x440e

/* 32-bit guest-state fields (B.3.3) */
#define VMCS_GUEST_ES_LIMIT	    0x4800
#define VMCS_GUEST_CS_LIMIT	    0x4802
#define VMCS_GUEST_SS_LIMIT	    0x4804
#define VMCS_GUEST_DS_LIMIT	    0x4806
#define VMCS_GUEST_FS_LIMIT	    0x4808
#define VMCS_GUEST_GS_LIMIT	    0x480a
#define VMCS_GUEST_LDTR_LIMIT	    0x480c
#define VMCS_GUEST_TR_LIMIT	    0x480e
#define VMCS_GUEST_GDTR_LIMIT	    0x4810
#define VMCS_GUEST_IDTR_LIMIT	    0x4812
#define VMCS_GUEST_ES_AR	    0x4814
#define VMCS_GUEST_CS_AR	    0x4816
#define VMCS_GUEST_SS_AR	    0x4818
#define VMCS_GUEST_DS_AR	    0x481a
#define VMCS_GUEST_FS_AR	    0x481c
#define VMCS_GUEST_GS_AR	    0x481e
#define VMCS_GUEST_LDTR_AR	    0x4820
#define VMCS_GUEST_TR_AR	    0x4822
#define VMCS_GUEST_INTERRUPTIBILITY 0x4824
#define VMCS_GUEST_ACTIVITY_STATE   0x4826
#define VMCS_GUEST_SMBASE	    0x4828
#define VMCS_GUEST_SYSENTER_CS	    0x482a
#define VMCS_GUEST_PREEMPTION_TIMER 0x482e

/* 32-bit host-state field (B.3.4) */
#define VMCS_HOST_SYSENTER_CS 0x4c00

/* Natural-width control fields (B.4.1) */
#define VMCS_CR0_GUEST_HOST_MASK 0x6000
#define VMCS_CR4_GUEST_HOST_MASK 0x6002
#define VMCS_CR0_READ_SHADOW	 0x6004
#define VMCS_CR4_READ_SHADOW	 0x6006
#define VMCS_CR3_TARGET0	 0x6008
#define VMCS_CR3_TARGET1	 0x600a
#define VMCS_CR3_TARGET2	 0x600c
#define VMCS_CR3_TARGET3	 0x600e

/* Natural-width read-only data fields (B.4.2) */
#define VMCS_EXIT_QUALIFICATION 0x6400
#define VMCS_IO_RCX		0x6402
#define VMCS_IO_RSI		0x6404
#define VMCS_IO_RDI		0x6406
#define VMCS_IO_RIP		0x6408
#define VMCS_GUEST_LINEAR_ADDR	0x640a

/* Natural-width guest-state fields (B.4.3) */
#define VMCS_GUEST_CR0			  0x6800
#define VMCS_GUEST_CR3			  0x6802
#define VMCS_GUEST_CR4			  0x6804
#define VMCS_GUEST_ES_BASE		  0x6806
#define VMCS_GUEST_CS_BASE		  0x6808
#define VMCS_GUEST_SS_BASE		  0x680a
#define VMCS_GUEST_DS_BASE		  0x680c
#define VMCS_GUEST_FS_BASE		  0x680e
#define VMCS_GUEST_GS_BASE		  0x6810
#define VMCS_GUEST_LDTR_BASE		  0x6812
#define VMCS_GUEST_TR_BASE		  0x6814
#define VMCS_GUEST_GDTR_BASE		  0x6816
#define VMCS_GUEST_IDTR_BASE		  0x6818
#define VMCS_GUEST_DR7			  0x681a
#define VMCS_GUEST_RSP			  0x681c
#define VMCS_GUEST_RIP			  0x681e
#define VMCS_GUEST_RFLAGS		  0x6820
#define VMCS_GUEST_PENDING_DBG_EXCEPTIONS 0x6822
#define VMCS_GUEST_SYSENTER_ESP		  0x6824
#define VMCS_GUEST_SYSENTER_EIP		  0x6826

/* Natural-width host-state fields (B.4.4) */
#define VMCS_HOST_CR0	       0x6c00
#define VMCS_HOST_CR3	       0x6c02
#define VMCS_HOST_CR4	       0x6c04
#define VMCS_HOST_FS_BASE      0x6c06
#define VMCS_HOST_GS_BASE      0x6c08
#define VMCS_HOST_TR_BASE      0x6c0a
#define VMCS_HOST_GDTR_BASE    0x6c0c
#define VMCS_HOST_IDTR_BASE    0x6c0e
#define VMCS_HOST_SYSENTER_ESP 0x6c10
#define VMCS_HOST_SYSENTER_EIP 0x6c12
#define VMCS_HOST_RSP	       0x6c14
#define VMCS_HOST_RIP	       0x6c16

/*
 * Exit-reason field (SDM Vol. 3C, 25.9.1 "Basic VM-Exit Information"): the basic
 * exit reason in bits 15:0, flags above it.
 */
#define VMX_EXIT_REASON_BASIC_MASK    0xffffu
#define VMX_EXIT_REASON_ENCLAVE	      (1u << 27)
#define VMX_EXIT_REASON_PENDING_MTF   (1u << 28)
#define VMX_EXIT_REASON_FROM_ROOT     (1u << 29)
#define VMX_EXIT_REASON_ENTRY_FAILURE (1u << 31)

/* Basic exit reasons (SDM Vol. 3D, appendix C "VMX Basic Exit Reasons") */
#define VMX_EXIT_EXCEPTION_NMI	     0
#define VMX_EXIT_EXTERNAL_INTERRUPT  1
#define VMX_EXIT_TRIPLE_FAULT	     2
#define VMX_EXIT_INIT		     3
#define VMX_EXIT_SIPI		     4
#define VMX_EXIT_IO_SMI		     5
#define VMX_EXIT_OTHER_SMI	     6
#define VMX_EXIT_INTERRUPT_WINDOW    7
#define VMX_EXIT_NMI_WINDOW	     8
#define VMX_EXIT_TASK_SWITCH	     9
#define VMX_EXIT_CPUID		     10
#define VMX_EXIT_GETSEC		     11
#define VMX_EXIT_HLT		     12
#define VMX_EXIT_INVD		     13
#define VMX_EXIT_INVLPG		     14
#define VMX_EXIT_RDPMC		     15
#define VMX_EXIT_RDTSC		     16
#define VMX_EXIT_RSM		     17
#define VMX_EXIT_VMCALL		     18
#define VMX_EXIT_VMCLEAR	     19
#define VMX_EXIT_VMLAUNCH	     20
#define VMX_EXIT_VMPTRLD	     21
#define VMX_EXIT_VMPTRST	     22
#define VMX_EXIT_VMREAD		     23
#define VMX_EXIT_VMRESUME	     24
#define VMX_EXIT_VMWRITE	     25
#define VMX_EXIT_VMXOFF		     26
#define VMX_EXIT_VMXON		     27
#define VMX_EXIT_CR_ACCESS	     28
#define VMX_EXIT_DR_ACCESS	     29
#define VMX_EXIT_IO_INSTRUCTION	     30
#define VMX_EXIT_RDMSR		     31
#define VMX_EXIT_WRMSR		     32
#define VMX_EXIT_INVALID_GUEST_STATE 33
#define VMX_EXIT_MSR_LOADING	     34
#define VMX_EXIT_MWAIT		     36
#define VMX_EXIT_MONITOR_TRAP_FLAG   37
#define VMX_EXIT_MONITOR	     39
#define VMX_EXIT_PAUSE		     40
#define VMX_EXIT_MACHINE_CHECK	     41
#define VMX_EXIT_TPR_BELOW_THRESHOLD 43
#define VMX_EXIT_APIC_ACCESS	     44
#define VMX_EXIT_VIRTUALIZED_EOI     45
#define VMX_EXIT_GDTR_IDTR_ACCESS    46
#define VMX_EXIT_LDTR_TR_ACCESS	     47
#define VMX_EXIT_EPT_VIOLATION	     48
#define VMX_EXIT_EPT_MISCONFIG	     49
#define VMX_EXIT_INVEPT		     50
#define VMX_EXIT_RDTSCP		     51
#define VMX_EXIT_PREEMPTION_TIMER    52
#define VMX_EXIT_INVVPID	     53
#define VMX_EXIT_WBINVD		     54
#define VMX_EXIT_XSETBV		     55
#define VMX_EXIT_APIC_WRITE	     56
#define VMX_EXIT_RDRAND		     57
#define VMX_EXIT_INVPCID	     58
#define VMX_EXIT_VMFUNC		     59
#define VMX_EXIT_ENCLS		     60
#define VMX_EXIT_RDSEED		     61
#define VMX_EXIT_PML_FULL	     62
#define VMX_EXIT_XSAVES		     63
#define VMX_EXIT_XRSTORS	     64
#define VMX_EXIT_PCONFIG	     65
#define VMX_EXIT_SPP_EVENT	     66
#define VMX_EXIT_UMWAIT		     67
#define VMX_EXIT_TPAUSE		     68
#define VMX_EXIT_LOADIWKEY	     69
#define VMX_EXIT_REASON_MAX	     69 /* the highest reason Keel names */

/* CR-access exit qualification (SDM Vol. 3C, 28.2.1 "Basic VM-Exit Information") */
#define VMX_QUAL_CR_NUM(q)	   ((q)&0xf)
#define VMX_QUAL_CR_ACCESS_TYPE(q) (((q) >> 4) & 0x3)
#define VMX_QUAL_CR_LMSW_MEMORY(q) (((q) >> 6) & 0x1)
#define VMX_QUAL_CR_GPR(q)	   (((q) >> 8) & 0xf)
#define VMX_QUAL_CR_LMSW_DATA(q)   (((q) >> 16) & 0xffff)
#define VMX_CR_ACCESS_MOV_TO_CR	   0
#define VMX_CR_ACCESS_MOV_FROM_CR  1
#define VMX_CR_ACCESS_CLTS	   2
#define VMX_CR_ACCESS_LMSW	   3

/*
 * Exit qualification for debug exceptions (same section), and the pending debug exceptions
 * field (25.4.2): DR6's layout
 */
#define VMX_DBG_BS (1ull << 14) /* single step */

/* Interruptibility state (25.4.2) */
#define VMX_INTR_BLOCKING_STI	 (1ull << 0)
#define VMX_INTR_BLOCKING_MOV_SS (1ull << 1)

/* Exit qualification for I/O instructions (same section) */
#define VMX_QUAL_IO_SIZE(q)	 (((q)&0x7) + 1) /* bytes: 1, 2 or 4 */
#define VMX_QUAL_IO_IN(q)	 (((q) >> 3) & 0x1)
#define VMX_QUAL_IO_STRING(q)	 (((q) >> 4) & 0x1)
#define VMX_QUAL_IO_REP(q)	 (((q) >> 5) & 0x1)
#define VMX_QUAL_IO_IMMEDIATE(q) (((q) >> 6) & 0x1)
#define VMX_QUAL_IO_PORT(q)	 (((q) >> 16) & 0xffff)

/* Exit qualification for EPT violations (same section) */
#define VMX_QUAL_EPT_READ	     (1ull << 0)
#define VMX_QUAL_EPT_WRITE	     (1ull << 1)
#define VMX_QUAL_EPT_FETCH	     (1ull << 2)
#define VMX_QUAL_EPT_READABLE	     (1ull << 3) /* bits 5:3: the permissions the walk found */
#define VMX_QUAL_EPT_WRITABLE	     (1ull << 4)
#define VMX_QUAL_EPT_EXECUTABLE	     (1ull << 5)
#define VMX_QUAL_EPT_USER_EXECUTABLE (1ull << 6)
#define VMX_QUAL_EPT_LINEAR_VALID    (1ull << 7)
#define VMX_QUAL_EPT_TRANSLATED	     (1ull << 8) /* access to the final address, not a guest PTE */
#define VMX_QUAL_EPT_USER_LINEAR     (1ull << 9)
#define VMX_QUAL_EPT_WRITABLE_LINEAR (1ull << 10)
#define VMX_QUAL_EPT_NX_LINEAR	     (1ull << 11)
#define VMX_QUAL_EPT_NMI_UNBLOCKING  (1ull << 12)

/*
 * VM-instruction error numbers (SDM Vol. 3C, 31.4 "VM Instruction Error Numbers").
 * vmx_insn_error_string() gives each a short description.
 */
#define VMX_ERR_VMCALL_IN_ROOT		     1
#define VMX_ERR_VMCLEAR_INVALID_ADDR	     2
#define VMX_ERR_VMCLEAR_VMXON_PTR	     3
#define VMX_ERR_VMLAUNCH_NOT_CLEAR	     4
#define VMX_ERR_VMRESUME_NOT_LAUNCHED	     5
#define VMX_ERR_VMRESUME_AFTER_VMXOFF	     6
#define VMX_ERR_ENTRY_INVALID_CONTROLS	     7
#define VMX_ERR_ENTRY_INVALID_HOST_STATE     8
#define VMX_ERR_VMPTRLD_INVALID_ADDR	     9
#define VMX_ERR_VMPTRLD_VMXON_PTR	     10
#define VMX_ERR_VMPTRLD_BAD_REVISION	     11
#define VMX_ERR_UNSUPPORTED_FIELD	     12
#define VMX_ERR_VMWRITE_READ_ONLY	     13
#define VMX_ERR_VMXON_IN_ROOT		     15
#define VMX_ERR_ENTRY_INVALID_EXEC_VMCS	     16
#define VMX_ERR_ENTRY_EXEC_VMCS_NOT_LAUNCHED 17
#define VMX_ERR_ENTRY_EXEC_VMCS_NOT_VMXON    18
#define VMX_ERR_VMCALL_NOT_CLEAR	     19
#define VMX_ERR_VMCALL_INVALID_EXIT_CONTROLS 20
#define VMX_ERR_VMCALL_BAD_MSEG_REVISION     22
#define VMX_ERR_VMXOFF_DUAL_MONITOR	     23
#define VMX_ERR_VMCALL_INVALID_SMM_FEATURES  24
#define VMX_ERR_ENTRY_INVALID_EXEC_CONTROLS  25
#define VMX_ERR_ENTRY_MOV_SS_BLOCKING	     26
#define VMX_ERR_INVALID_INVEPT_INVVPID	     28
#define VMX_ERR_MAX			     28

#ifndef __ASSEMBLER__
#include <keel/types.h>

/* Every field above, with its name: what vmcs_dump() walks. */
struct vmcs_field_desc {
	u32 encoding;
	const char *name; /* without the VMCS_ prefix */
};
extern const struct vmcs_field_desc vmcs_field_table[];
extern const size_t vmcs_field_count;

/* Names for dumps and logs; never NULL ("unknown" for numbers Keel does not name). */
const char *vmx_exit_reason_name(unsigned int basic_reason);
const char *vmx_insn_error_string(unsigned int error);
const char *vmcs_field_name(unsigned int field);
#endif

#endif
