/* SPDX-License-Identifier: GPL-2.0-only */
/* What this CPU's VMX can do, decoded from its capability MSRs, and the controls Keel derives. */
#ifndef ARCH_VMX_CAPS_H
#define ARCH_VMX_CAPS_H

#include <arch/vmx_defs.h>
#include <keel/types.h>

/*
 * The five VM-execution/exit/entry control words, in one order everywhere. The tertiary word is
 * 64 bits wide; the others use the low 32 bits of their u64 slot.
 */
enum vmx_ctl {
	VMX_CTL_PIN,
	VMX_CTL_PROC,
	VMX_CTL_PROC2,
	VMX_CTL_PROC3,
	VMX_CTL_EXIT,
	VMX_CTL_ENTRY,
	VMX_CTL_COUNT,
};

/* Allowed settings of one control word: bits in must_be_one must be 1, bits outside may_be_one 0.
 */
struct vmx_ctl_caps {
	u64 must_be_one;
	u64 may_be_one;
};

struct vmx_ept_caps {
	bool exec_only, walk4, walk5, memtype_uc, memtype_wb, page_2m, page_1g;
	bool invept, invept_single, invept_all, ad_bits, advanced_exit_info;
};

struct vmx_vpid_caps {
	bool invvpid, invvpid_addr, invvpid_single, invvpid_all, invvpid_single_keep_globals;
};

struct vmx_caps {
	/* IA32_VMX_BASIC */
	u64 basic;
	u32 revision_id;
	u32 vmcs_size;	  /* bytes for the VMXON region and each VMCS */
	u32 vmcs_memtype; /* VMX_MEMTYPE_* */
	bool true_ctls;	  /* bit 55: the TRUE control MSRs exist and were used */
	bool ins_outs_info;
	bool any_exc_error_code;

	struct vmx_ctl_caps ctl[VMX_CTL_COUNT];

	/* IA32_VMX_EPT_VPID_CAP, zero when the CPU has neither EPT nor VPID */
	u64 ept_vpid_raw;
	struct vmx_ept_caps ept;
	struct vmx_vpid_caps vpid;

	/* IA32_VMX_MISC */
	u64 misc;
	u32 preempt_timer_rate; /* the timer counts down when TSC bit preempt_timer_rate flips */
	u32 cr3_target_count;
	u32 max_msr_list;
	bool store_lma, activity_hlt, activity_shutdown, activity_wait_sipi, vmwrite_any_field;

	/* CR0/CR4 bits that must be 1 (FIXED0) and may be 1 (FIXED1) in VMX operation */
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;

	u32 vmcs_max_index; /* IA32_VMX_VMCS_ENUM */
	u64 vmfunc;	    /* IA32_VMX_VMFUNC, zero when VM functions are not offered */
};

/* Reads one MSR into *val; returns 0, or non-zero when the MSR cannot be read. */
typedef int (*vmx_msr_reader)(void *ctx, u32 msr, u64 *val);

/*
 * Fills *caps from the capability MSRs, reading only those the CPU reports to exist (the TRUE
 * MSRs only when IA32_VMX_BASIC bit 55 is set, 0x48B/0x48C/0x491/0x492 only when the controls
 * that announce them may be 1). Returns 0, or -errno with a message in err.
 */
int vmx_decode_caps(struct vmx_caps *caps, vmx_msr_reader read, void *ctx, char *err,
		    size_t errlen);

/* What Keel asks for in one control word: required bits fail when absent, optional ones drop. */
struct vmx_ctl_want {
	u64 required;
	u64 optional;
};

struct vmx_wanted {
	struct vmx_ctl_want ctl[VMX_CTL_COUNT];
};

struct vmx_controls {
	u64 value[VMX_CTL_COUNT];   /* what to write into the VMCS */
	u64 dropped[VMX_CTL_COUNT]; /* optional bits this CPU could not give */
};

/*
 * For each word: value = (wanted | must_be_one) & may_be_one. The "activate secondary/tertiary
 * controls" bits are set exactly when their word is non-zero, and controls that need another
 * control (unrestricted guest needs EPT, ...) are dropped with it when optional. Returns 0, or
 * -ENOTSUP with err naming the first required control the CPU lacks, e.g.
 * "VMX: secondary control 'enable EPT' not supported by this CPU".
 */
int vmx_compute_controls(const struct vmx_caps *caps, const struct vmx_wanted *want,
			 struct vmx_controls *out, char *err, size_t errlen);

enum vmx_mmu_mode {
	VMX_MMU_EPT,	/* the guest MMU's TDP tables behind EPT */
	VMX_MMU_SHADOW, /* shadow page tables: CR3 and INVLPG intercepted */
};

/* Keel's own wanted set for a VM in the given MMU mode (arch/x86/vmx/policy.c). */
void vmx_keel_wanted(struct vmx_wanted *want, enum vmx_mmu_mode mode);

/* "pin-based", "primary", "secondary", "tertiary", "VM-exit", "VM-entry" */
const char *vmx_ctl_word_name(enum vmx_ctl w);
/* The SDM name of one control bit, or NULL when Keel does not name it. */
const char *vmx_ctl_bit_name(enum vmx_ctl w, u64 bit);

/*
 * CR0/CR4 as VMX operation requires them: (cr | FIXED0) & FIXED1 (A.7 "VMX-Fixed Bits in CR0",
 * A.8 "VMX-Fixed Bits in CR4"). For a guest with unrestricted guest on, CR0.PE and CR0.PG may be 0
 * even though FIXED0 reports them as fixed to 1 (A.7).
 */
u64 vmx_cr0_fixed(const struct vmx_caps *caps, u64 cr0, bool unrestricted_guest);
u64 vmx_cr4_fixed(const struct vmx_caps *caps, u64 cr4);
bool vmx_cr0_valid(const struct vmx_caps *caps, u64 cr0, bool unrestricted_guest);
bool vmx_cr4_valid(const struct vmx_caps *caps, u64 cr4);

#endif
