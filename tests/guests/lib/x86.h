/* SPDX-License-Identifier: GPL-2.0-only */
/* Architectural constants the guest test kernels use, each named once (Intel SDM vol. 3). */
#ifndef GUEST_X86_H
#define GUEST_X86_H

/* Assembly has no unsigned suffix; C needs one so that bit 31 does not sign-extend. */
#ifdef __ASSEMBLER__
#define BIT(n) (1 << (n))
#else
#define BIT(n) (1u << (n))
#endif

/* Control registers (SDM 2.5). */
#define CR0_PE	 BIT(0)
#define CR0_ET	 BIT(4)
#define CR0_WP	 BIT(16)
#define CR0_PG	 BIT(31)

#define CR4_PSE	 BIT(4)
#define CR4_PAE	 BIT(5)
#define CR4_PGE	 BIT(7)
#define CR4_LA57 BIT(12)
#define CR4_VMXE BIT(13)
#define CR4_SMEP BIT(20)
#define CR4_SMAP BIT(21)
#define CR4_PKE	 BIT(22)

/* EFLAGS (SDM 2.3). */
#define EFLAGS_FIXED BIT(1)
#define EFLAGS_TF    BIT(8)
#define EFLAGS_IF    BIT(9)
#define EFLAGS_AC    BIT(18)

/* MSRs (SDM vol. 4). */
#define MSR_IA32_PAT	   0x277
#define MSR_IA32_VMX_BASIC 0x480
#define MSR_IA32_EFER	   0xc0000080
#define EFER_LME	   BIT(8)
#define EFER_LMA	   BIT(10)
#define EFER_NXE	   BIT(11)

/* Paging-structure entry bits (SDM 4.3, 4.4, 4.5). */
#define PTE_P	BIT(0)
#define PTE_RW	BIT(1)
#define PTE_US	BIT(2)
#define PTE_PWT BIT(3)
#define PTE_PCD BIT(4)
#define PTE_A	BIT(5)
#define PTE_D	BIT(6)
#define PTE_PS	BIT(7)
#define PTE_G	BIT(8)
#define PTE_NX	(1ull << 63) /* C only */
/* Protection key of a 4-level leaf entry: bits 62:59. */
#define PTE_PKEY_SHIFT 59
/* A PSE 4 MiB page (32-bit paging): bit 21 is reserved whatever MAXPHYADDR is (SDM 4.3). */
#define PDE32_4M_RSVD_BIT21 BIT(21)

#define PAGE_SIZE	    0x1000
#define LARGE_2M	    0x200000
#define LARGE_4M	    0x400000
#define LARGE_1G	    0x40000000

/* Page-fault error code (SDM 4.7). */
#define PF_P	BIT(0)
#define PF_W	BIT(1)
#define PF_U	BIT(2)
#define PF_RSVD BIT(3)
#define PF_I	BIT(4)
#define PF_PK	BIT(5)

/* Exception vectors (SDM 6.3). */
#define VEC_DE	       0
#define VEC_DB	       1
#define VEC_BP	       3
#define VEC_UD	       6
#define VEC_DF	       8
#define VEC_GP	       13
#define VEC_PF	       14
#define VEC_EXCEPTIONS 32

/* CPUID (SDM vol. 2, CPUID). */
#define CPUID_1_ECX_VMX	       BIT(5)
#define CPUID_1_ECX_HYPERVISOR BIT(31)
#define CPUID_1_EDX_PSE	       BIT(3)
#define CPUID_7_EBX_SMEP       BIT(7)
#define CPUID_7_EBX_SMAP       BIT(20)
#define CPUID_7_ECX_PKU	       BIT(3)
#define CPUID_7_ECX_LA57       BIT(16)
#define CPUID_X1_EDX_NX	       BIT(20)
#define CPUID_X1_EDX_PDPE1GB   BIT(26)
#define CPUID_X1_EDX_LM	       BIT(29)
#define CPUID_EXT_BASE	       0x80000000u
#define CPUID_HV_BASE	       0x40000000u

/* 16550 UART registers (offsets from the base port). */
#define UART_THR      0
#define UART_LSR      5
#define UART_LSR_THRE 0x20

/* Multiboot 1: the header the loader looks for and what it leaves in EAX/EBX. */
#define MB1_HEADER_MAGIC 0x1badb002
#define MB1_BOOT_MAGIC	 0x2badb002
#define MB1_INFO_MEM	 BIT(0)
#define MB1_INFO_CMDLINE BIT(2)

/*
 * The guests' GDT (lib/entry.S). Both flavours share one layout: the 32-bit kernels need the
 * 64-bit segment for long-mode excursions, `modes` the 16-bit ones to drop to real mode.
 */
#define SEL_KCODE32 0x08
#define SEL_KDATA   0x10
#define SEL_KCODE64 0x18
#define SEL_UCODE32 0x20
#define SEL_UDATA   0x28
#define SEL_UCODE64 0x30
#define SEL_KCODE16 0x38
#define SEL_KDATA16 0x40
#define SEL_TSS	    0x48
#define SEL_RPL3    3
#define GDT_ENTRIES 12

/* The software interrupt a CPL3 probe ends with: a DPL3 gate back to the test. */
#define VEC_USER_DONE 0x81

#endif
