/* SPDX-License-Identifier: GPL-2.0-only */
/* The exit handlers' pure rules: CPUID filtering, MSR policy, CR/XCR0 checks, hypercall arguments.
 */
#ifndef VMM_EXIT_POLICY_H
#define VMM_EXIT_POLICY_H

#include <arch/cpu.h>
#include <keel/types.h>

/*
 * Everything here is a function of its arguments: no vCPU, no VMCS, no console. The handlers in
 * this directory feed it the guest's state; tests/unit/test_exit_*.c feed it tables.
 */

/* ---- CPUID (cpuid_filter.c) ---- */

#define KEEL_CPUID_MAX_BASIC 0x16u	 /* up to the TSC/core frequency leaves */
#define KEEL_CPUID_MAX_EXT   0x80000008u /* up to the address sizes */
#define KEEL_CPUID_HV_BASE   0x40000000u /* the hypervisor leaf range (SDM: reserved, invalid) */
#define KEEL_CPUID_SIGNATURE 0x6c65654bu /* "Keel", little-endian, in EBX, ECX and EDX */

/* XSAVE state components Keel lets a guest enable (SDM Vol. 1, 13.1 "XSAVE-Supported Features") */
#define XCR0_X87	  BIT(0)
#define XCR0_SSE	  BIT(1)
#define XCR0_AVX	  BIT(2)
#define KEEL_XCR0_ALLOWED (XCR0_X87 | XCR0_SSE | XCR0_AVX)

typedef struct cpuid_regs (*cpuid_host_fn)(void *ctx, u32 leaf, u32 subleaf);

struct cpuid_source {
	cpuid_host_fn host; /* the physical CPU's answer */
	void *ctx;
};

/* The guest's state that changes what CPUID returns. */
struct cpuid_guest {
	u64 cr4;	 /* CPUID.1:ECX.OSXSAVE mirrors CR4.OSXSAVE */
	u64 xcr0;	 /* CPUID.(0xD,0):EBX is the XSAVE area size for the enabled components */
	bool no_invpcid; /* the CPU makes INVPCID #UD for this guest: CPUID.7:EBX hides it */
};

struct cpuid_regs cpuid_guest_leaf(const struct cpuid_source *src, const struct cpuid_guest *g,
				   u32 leaf, u32 subleaf);
/* XCR0 bits the guest may set: Keel's set, limited to what the host supports; 0 without XSAVE. */
u64 cpuid_xcr0_allowed(const struct cpuid_source *src);
/* CR4 bits the guest may set: those whose features its CPUID reports. */
u64 cpuid_cr4_allowed(const struct cpuid_source *src);
/* MAXPHYADDR the guest sees (CPUID.80000008H:EAX[7:0], 36 without that leaf). */
unsigned int cpuid_maxphyaddr(const struct cpuid_source *src);

/* ---- MSRs (msr_policy.c) ---- */

enum msr_class {
	MSR_DENIED,   /* #GP on read and write */
	MSR_EFER_REG, /* EFER: validated write, LMA kept */
	MSR_STATE,    /* a register the arch keeps: enum vcpu_msr */
	MSR_PAT_REG,  /* PAT: validated write (also a VCPU_MSR_PAT state register) */
	MSR_TSC_REG,  /* read: the guest's TSC; write: #GP */
	MSR_FIXED,    /* constant value; writes accepted only when they change nothing */
	MSR_MTRR,     /* constant WB configuration; valid writes accepted and ignored */
};

struct msr_rule {
	u32 msr;
	enum msr_class class;
	u64 value;	    /* MSR_FIXED, MSR_MTRR: what reads return */
	unsigned int state; /* MSR_STATE, MSR_PAT_REG: the enum vcpu_msr slot */
};

/* The rule for @msr; class MSR_DENIED for every MSR the table does not name. */
struct msr_rule msr_rule_lookup(u32 msr);

/* EFER write (SDM Vol. 4, table 2-2; Vol. 3A, 10.8.5): false for #GP, else the value in *out. */
bool efer_write_valid(u64 old, u64 val, u64 cr0, u64 allowed, u64 *out);
/* EFER bits the guest may set given its CPUID (SCE with SYSCALL, LME with LM, NXE with NX). */
u64 efer_allowed(const struct cpuid_source *src);
/* PAT: eight entries, each a valid memory type (SDM Vol. 3A, 13.12.2). */
bool pat_valid(u64 pat);
/* A write to an MTRR MSR (msr_rule_lookup() class MSR_MTRR) that real hardware would accept. */
bool mtrr_write_valid(u32 msr, u64 val, unsigned int maxphyaddr);

/* ---- Control registers and XCR0 (cr_rules.c) ---- */

/* What a guest CR write does to the CPU, given the values around it. */
struct cr_state {
	u64 cr0, cr4, efer;
	bool mode64;		 /* 64-bit mode (IA-32e, CS.L = 1) */
	u64 cr4_allowed;	 /* cpuid_cr4_allowed() */
	unsigned int maxphyaddr; /* cpuid_maxphyaddr() */
};

/*
 * Each returns false when the SDM says #GP(0), else true with the value to load in *out (CR0:
 * reserved bits 31:0 dropped, ET forced; EFER.LMA in *efer_out follows PG).
 */
bool cr0_write_valid(const struct cr_state *s, u64 val, u64 *out, u64 *efer_out);
bool cr4_write_valid(const struct cr_state *s, u64 val, u64 *out);
bool cr3_write_valid(const struct cr_state *s, u64 val);
bool cr8_write_valid(u64 val);
/* LMSW: loads CR0[3:0] from the operand, but can set PE and never clear it. */
u64 cr0_lmsw(u64 cr0, u16 src);

/* XSETBV (SDM Vol. 2D, XSETBV, "Protected Mode Exceptions"): true when it must raise #GP(0). */
bool xsetbv_faults(unsigned int cpl, u32 xcr, u64 val, u64 allowed);

/* ---- Hypercalls (hypercall.c) ---- */

#define KEEL_HC_PRINT_MAX 1024 /* bytes a single KEEL_HC_PRINT may ask for */

/* What a hypercall needs from the VM, each called with the ctx given to keel_hypercall(). */
struct hc_env {
	int (*read_guest)(void *ctx, u64 gpa, void *buf, u64 len); /* 0, or <0 outside RAM */
	void (*print)(void *ctx, const char *s, size_t n);
	void (*exit)(void *ctx, u64 status);
	u64 (*exit_count)(void *ctx, unsigned int which); /* which is a KEEL_EXIT_COUNT_* */
	void (*reset_counts)(void *ctx);
};

/* The hypercall ABI's registers, by x86 register number (ModRM encoding, enum vcpu_reg's order). */
#define HC_REG_AX  0 /* the number; the result */
#define HC_REG_CX  1
#define HC_REG_DX  2
#define HC_REG_BX  3
#define HC_REG_SI  6
#define HC_NR_REGS (HC_REG_SI + 1) /* SP and BP, below SI, are not read */

/*
 * Runs the hypercall in @regs, the caller's GPRs by register number: the number in AX, the
 * arguments in BX, CX, DX, SI. Outside 64-bit mode (@mode64 false) only their low 32 bits
 * count. Returns the value for (E/R)AX: sign-extended in 64-bit mode, else 32 bits.
 */
u64 keel_hypercall(const struct hc_env *env, void *ctx, const u64 regs[HC_NR_REGS], bool mode64);

#endif
