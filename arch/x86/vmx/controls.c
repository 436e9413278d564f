/* SPDX-License-Identifier: GPL-2.0-only */
/* VM-execution, VM-exit and VM-entry controls from what Keel wants and what the CPU allows. */
#include <arch/cpu.h>
#include <arch/vmx_caps.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *const word_names[VMX_CTL_COUNT] = {
	[VMX_CTL_PIN] = "pin-based",  [VMX_CTL_PROC] = "primary", [VMX_CTL_PROC2] = "secondary",
	[VMX_CTL_PROC3] = "tertiary", [VMX_CTL_EXIT] = "VM-exit", [VMX_CTL_ENTRY] = "VM-entry",
};

struct ctl_name {
	enum vmx_ctl word;
	u64 bit;
	const char *name;
};

/* The SDM's names (Vol. 3C, 25.6 to 25.8), so a failure message can be looked up directly. */
static const struct ctl_name ctl_names[] = {
	{ VMX_CTL_PIN, VMX_PIN_EXT_INTR_EXITING, "external-interrupt exiting" },
	{ VMX_CTL_PIN, VMX_PIN_NMI_EXITING, "NMI exiting" },
	{ VMX_CTL_PIN, VMX_PIN_VIRTUAL_NMIS, "virtual NMIs" },
	{ VMX_CTL_PIN, VMX_PIN_PREEMPTION_TIMER, "activate VMX-preemption timer" },
	{ VMX_CTL_PIN, VMX_PIN_POSTED_INTERRUPTS, "process posted interrupts" },
	{ VMX_CTL_PROC, VMX_PROC_INTR_WINDOW_EXITING, "interrupt-window exiting" },
	{ VMX_CTL_PROC, VMX_PROC_TSC_OFFSETTING, "use TSC offsetting" },
	{ VMX_CTL_PROC, VMX_PROC_HLT_EXITING, "HLT exiting" },
	{ VMX_CTL_PROC, VMX_PROC_INVLPG_EXITING, "INVLPG exiting" },
	{ VMX_CTL_PROC, VMX_PROC_MWAIT_EXITING, "MWAIT exiting" },
	{ VMX_CTL_PROC, VMX_PROC_RDPMC_EXITING, "RDPMC exiting" },
	{ VMX_CTL_PROC, VMX_PROC_RDTSC_EXITING, "RDTSC exiting" },
	{ VMX_CTL_PROC, VMX_PROC_CR3_LOAD_EXITING, "CR3-load exiting" },
	{ VMX_CTL_PROC, VMX_PROC_CR3_STORE_EXITING, "CR3-store exiting" },
	{ VMX_CTL_PROC, VMX_PROC_TERTIARY_CONTROLS, "activate tertiary controls" },
	{ VMX_CTL_PROC, VMX_PROC_CR8_LOAD_EXITING, "CR8-load exiting" },
	{ VMX_CTL_PROC, VMX_PROC_CR8_STORE_EXITING, "CR8-store exiting" },
	{ VMX_CTL_PROC, VMX_PROC_TPR_SHADOW, "use TPR shadow" },
	{ VMX_CTL_PROC, VMX_PROC_NMI_WINDOW_EXITING, "NMI-window exiting" },
	{ VMX_CTL_PROC, VMX_PROC_MOV_DR_EXITING, "MOV-DR exiting" },
	{ VMX_CTL_PROC, VMX_PROC_UNCOND_IO_EXITING, "unconditional I/O exiting" },
	{ VMX_CTL_PROC, VMX_PROC_IO_BITMAPS, "use I/O bitmaps" },
	{ VMX_CTL_PROC, VMX_PROC_MONITOR_TRAP_FLAG, "monitor trap flag" },
	{ VMX_CTL_PROC, VMX_PROC_MSR_BITMAPS, "use MSR bitmaps" },
	{ VMX_CTL_PROC, VMX_PROC_MONITOR_EXITING, "MONITOR exiting" },
	{ VMX_CTL_PROC, VMX_PROC_PAUSE_EXITING, "PAUSE exiting" },
	{ VMX_CTL_PROC, VMX_PROC_SECONDARY_CONTROLS, "activate secondary controls" },
	{ VMX_CTL_PROC2, VMX_PROC2_VIRT_APIC_ACCESSES, "virtualize APIC accesses" },
	{ VMX_CTL_PROC2, VMX_PROC2_EPT, "enable EPT" },
	{ VMX_CTL_PROC2, VMX_PROC2_DESC_TABLE_EXITING, "descriptor-table exiting" },
	{ VMX_CTL_PROC2, VMX_PROC2_RDTSCP, "enable RDTSCP" },
	{ VMX_CTL_PROC2, VMX_PROC2_VIRT_X2APIC, "virtualize x2APIC mode" },
	{ VMX_CTL_PROC2, VMX_PROC2_VPID, "enable VPID" },
	{ VMX_CTL_PROC2, VMX_PROC2_WBINVD_EXITING, "WBINVD exiting" },
	{ VMX_CTL_PROC2, VMX_PROC2_UNRESTRICTED_GUEST, "unrestricted guest" },
	{ VMX_CTL_PROC2, VMX_PROC2_APIC_REG_VIRT, "APIC-register virtualization" },
	{ VMX_CTL_PROC2, VMX_PROC2_VIRT_INTR_DELIVERY, "virtual-interrupt delivery" },
	{ VMX_CTL_PROC2, VMX_PROC2_PAUSE_LOOP_EXITING, "PAUSE-loop exiting" },
	{ VMX_CTL_PROC2, VMX_PROC2_RDRAND_EXITING, "RDRAND exiting" },
	{ VMX_CTL_PROC2, VMX_PROC2_INVPCID, "enable INVPCID" },
	{ VMX_CTL_PROC2, VMX_PROC2_VMFUNC, "enable VM functions" },
	{ VMX_CTL_PROC2, VMX_PROC2_VMCS_SHADOWING, "VMCS shadowing" },
	{ VMX_CTL_PROC2, VMX_PROC2_ENCLS_EXITING, "enable ENCLS exiting" },
	{ VMX_CTL_PROC2, VMX_PROC2_RDSEED_EXITING, "RDSEED exiting" },
	{ VMX_CTL_PROC2, VMX_PROC2_PML, "enable PML" },
	{ VMX_CTL_PROC2, VMX_PROC2_EPT_VE, "EPT-violation #VE" },
	{ VMX_CTL_PROC2, VMX_PROC2_CONCEAL_VMX_FROM_PT, "conceal VMX from PT" },
	{ VMX_CTL_PROC2, VMX_PROC2_XSAVES, "enable XSAVES/XRSTORS" },
	{ VMX_CTL_PROC2, VMX_PROC2_MODE_BASED_EPT_EXEC, "mode-based execute control for EPT" },
	{ VMX_CTL_PROC2, VMX_PROC2_SUBPAGE_WRITE, "sub-page write permissions for EPT" },
	{ VMX_CTL_PROC2, VMX_PROC2_PT_GUEST_PHYSICAL, "Intel PT uses guest physical addresses" },
	{ VMX_CTL_PROC2, VMX_PROC2_TSC_SCALING, "use TSC scaling" },
	{ VMX_CTL_PROC2, VMX_PROC2_USER_WAIT_PAUSE, "enable user wait and pause" },
	{ VMX_CTL_PROC2, VMX_PROC2_PCONFIG, "enable PCONFIG" },
	{ VMX_CTL_PROC2, VMX_PROC2_ENCLV_EXITING, "enable ENCLV exiting" },
	{ VMX_CTL_PROC3, VMX_PROC3_LOADIWKEY_EXITING, "LOADIWKEY exiting" },
	{ VMX_CTL_PROC3, VMX_PROC3_HLAT, "enable HLAT" },
	{ VMX_CTL_PROC3, VMX_PROC3_EPT_PAGING_WRITE, "EPT paging-write control" },
	{ VMX_CTL_PROC3, VMX_PROC3_GUEST_PAGING_VERIFY, "guest-paging verification" },
	{ VMX_CTL_PROC3, VMX_PROC3_IPI_VIRT, "IPI virtualization" },
	{ VMX_CTL_EXIT, VMX_EXIT_CTL_SAVE_DEBUG, "save debug controls" },
	{ VMX_CTL_EXIT, VMX_EXIT_CTL_HOST_ADDR64, "host address-space size" },
	{ VMX_CTL_EXIT, VMX_EXIT_CTL_LOAD_PERF_GLOBAL, "load IA32_PERF_GLOBAL_CTRL" },
	{ VMX_CTL_EXIT, VMX_EXIT_CTL_ACK_INTR, "acknowledge interrupt on exit" },
	{ VMX_CTL_EXIT, VMX_EXIT_CTL_SAVE_PAT, "save IA32_PAT" },
	{ VMX_CTL_EXIT, VMX_EXIT_CTL_LOAD_PAT, "load IA32_PAT" },
	{ VMX_CTL_EXIT, VMX_EXIT_CTL_SAVE_EFER, "save IA32_EFER" },
	{ VMX_CTL_EXIT, VMX_EXIT_CTL_LOAD_EFER, "load IA32_EFER" },
	{ VMX_CTL_EXIT, VMX_EXIT_CTL_SAVE_PREEMPT_TIMER, "save VMX-preemption timer value" },
	{ VMX_CTL_EXIT, VMX_EXIT_CTL_CLEAR_BNDCFGS, "clear IA32_BNDCFGS" },
	{ VMX_CTL_EXIT, VMX_EXIT_CTL_CONCEAL_VMX_FROM_PT, "conceal VMX from PT" },
	{ VMX_CTL_EXIT, VMX_EXIT_CTL_CLEAR_RTIT_CTL, "clear IA32_RTIT_CTL" },
	{ VMX_CTL_EXIT, VMX_EXIT_CTL_LOAD_CET, "load CET state" },
	{ VMX_CTL_EXIT, VMX_EXIT_CTL_LOAD_PKRS, "load PKRS" },
	{ VMX_CTL_ENTRY, VMX_ENTRY_CTL_LOAD_DEBUG, "load debug controls" },
	{ VMX_CTL_ENTRY, VMX_ENTRY_CTL_IA32E_GUEST, "IA-32e mode guest" },
	{ VMX_CTL_ENTRY, VMX_ENTRY_CTL_SMM, "entry to SMM" },
	{ VMX_CTL_ENTRY, VMX_ENTRY_CTL_DEACT_DUAL_MONITOR, "deactivate dual-monitor treatment" },
	{ VMX_CTL_ENTRY, VMX_ENTRY_CTL_LOAD_PERF_GLOBAL, "load IA32_PERF_GLOBAL_CTRL" },
	{ VMX_CTL_ENTRY, VMX_ENTRY_CTL_LOAD_PAT, "load IA32_PAT" },
	{ VMX_CTL_ENTRY, VMX_ENTRY_CTL_LOAD_EFER, "load IA32_EFER" },
	{ VMX_CTL_ENTRY, VMX_ENTRY_CTL_LOAD_BNDCFGS, "load IA32_BNDCFGS" },
	{ VMX_CTL_ENTRY, VMX_ENTRY_CTL_CONCEAL_VMX_FROM_PT, "conceal VMX from PT" },
	{ VMX_CTL_ENTRY, VMX_ENTRY_CTL_LOAD_RTIT_CTL, "load IA32_RTIT_CTL" },
	{ VMX_CTL_ENTRY, VMX_ENTRY_CTL_LOAD_CET, "load CET state" },
	{ VMX_CTL_ENTRY, VMX_ENTRY_CTL_LOAD_PKRS, "load PKRS" },
};

/*
 * Controls that VM entry accepts only together with another (SDM Vol. 3C, 27.2.1.1 "VM-Execution
 * Control Fields" and 27.2.1.2 "VM-Exit Control Fields").
 */
static const struct ctl_dep {
	enum vmx_ctl word;
	u64 bit;
	enum vmx_ctl needs_word;
	u64 needs_bit;
} ctl_deps[] = {
	{ VMX_CTL_PIN, VMX_PIN_VIRTUAL_NMIS, VMX_CTL_PIN, VMX_PIN_NMI_EXITING },
	{ VMX_CTL_PROC, VMX_PROC_NMI_WINDOW_EXITING, VMX_CTL_PIN, VMX_PIN_VIRTUAL_NMIS },
	{ VMX_CTL_PROC2, VMX_PROC2_UNRESTRICTED_GUEST, VMX_CTL_PROC2, VMX_PROC2_EPT },
	{ VMX_CTL_PROC2, VMX_PROC2_PML, VMX_CTL_PROC2, VMX_PROC2_EPT },
	{ VMX_CTL_PROC2, VMX_PROC2_EPT_VE, VMX_CTL_PROC2, VMX_PROC2_EPT },
	{ VMX_CTL_PROC2, VMX_PROC2_MODE_BASED_EPT_EXEC, VMX_CTL_PROC2, VMX_PROC2_EPT },
	{ VMX_CTL_PROC2, VMX_PROC2_SUBPAGE_WRITE, VMX_CTL_PROC2, VMX_PROC2_EPT },
	{ VMX_CTL_PROC2, VMX_PROC2_VIRT_X2APIC, VMX_CTL_PROC, VMX_PROC_TPR_SHADOW },
	{ VMX_CTL_PROC2, VMX_PROC2_APIC_REG_VIRT, VMX_CTL_PROC, VMX_PROC_TPR_SHADOW },
	{ VMX_CTL_PROC2, VMX_PROC2_VIRT_INTR_DELIVERY, VMX_CTL_PROC, VMX_PROC_TPR_SHADOW },
	{ VMX_CTL_PROC2, VMX_PROC2_VIRT_INTR_DELIVERY, VMX_CTL_PIN, VMX_PIN_EXT_INTR_EXITING },
	{ VMX_CTL_PIN, VMX_PIN_POSTED_INTERRUPTS, VMX_CTL_PROC2, VMX_PROC2_VIRT_INTR_DELIVERY },
	{ VMX_CTL_PIN, VMX_PIN_POSTED_INTERRUPTS, VMX_CTL_EXIT, VMX_EXIT_CTL_ACK_INTR },
	{ VMX_CTL_EXIT, VMX_EXIT_CTL_SAVE_PREEMPT_TIMER, VMX_CTL_PIN, VMX_PIN_PREEMPTION_TIMER },
};

const char *vmx_ctl_word_name(enum vmx_ctl w)
{
	return (unsigned int)w < VMX_CTL_COUNT ? word_names[w] : "unknown";
}

const char *vmx_ctl_bit_name(enum vmx_ctl w, u64 bit)
{
	for (size_t i = 0; i < ARRAY_SIZE(ctl_names); i++) {
		if (ctl_names[i].word == w && ctl_names[i].bit == bit)
			return ctl_names[i].name;
	}
	return NULL;
}

/* "secondary control 'enable EPT'" or, for a bit Keel does not name, "secondary control bit 23" */
static void describe(char *buf, size_t len, enum vmx_ctl w, u64 bit)
{
	const char *name = vmx_ctl_bit_name(w, bit);

	if (name)
		snprintf(buf, len, "%s control '%s'", vmx_ctl_word_name(w), name);
	else
		snprintf(buf, len, "%s control bit %d", vmx_ctl_word_name(w), __builtin_ctzll(bit));
}

static u64 lowest_bit(u64 mask)
{
	return mask & -mask;
}

/* Drops optional controls whose partner is missing; fails when such a control is required. */
static int apply_dependencies(const struct vmx_wanted *want, struct vmx_controls *out, char *err,
			      size_t errlen)
{
	bool changed = true;

	/* Each pass can only clear bits, so this ends within ARRAY_SIZE(ctl_deps) + 1 passes. */
	while (changed) {
		changed = false;
		for (size_t i = 0; i < ARRAY_SIZE(ctl_deps); i++) {
			const struct ctl_dep *d = &ctl_deps[i];
			char what[96], needs[96];

			if (!(out->value[d->word] & d->bit) ||
			    (out->value[d->needs_word] & d->needs_bit))
				continue;
			if (!(want->ctl[d->word].required & d->bit)) {
				out->value[d->word] &= ~d->bit;
				out->dropped[d->word] |= d->bit;
				changed = true;
				continue;
			}
			describe(what, sizeof(what), d->word, d->bit);
			describe(needs, sizeof(needs), d->needs_word, d->needs_bit);
			snprintf(err, errlen, "VMX: %s needs %s, which is %s", what, needs,
				 out->dropped[d->needs_word] & d->needs_bit
					 ? "not supported by this CPU"
					 : "not requested");
			return -ENOTSUP;
		}
	}
	return 0;
}

/* Sets "activate secondary/tertiary controls" exactly when that word has a bit set. */
static int activate_word(const struct vmx_caps *caps, struct vmx_controls *out, enum vmx_ctl w,
			 u64 activate_bit, char *err, size_t errlen)
{
	char what[96];

	if (!out->value[w])
		return 0;
	if (caps->ctl[VMX_CTL_PROC].may_be_one & activate_bit) {
		out->value[VMX_CTL_PROC] |= activate_bit;
		return 0;
	}
	describe(what, sizeof(what), VMX_CTL_PROC, activate_bit);
	snprintf(err, errlen, "VMX: %s not supported by this CPU, but %s controls were requested",
		 what, vmx_ctl_word_name(w));
	return -ENOTSUP;
}

int vmx_compute_controls(const struct vmx_caps *caps, const struct vmx_wanted *want,
			 struct vmx_controls *out, char *err, size_t errlen)
{
	const u64 activate = VMX_PROC_SECONDARY_CONTROLS | VMX_PROC_TERTIARY_CONTROLS;
	int ret;

	memset(out, 0, sizeof(*out));
	for (int w = 0; w < VMX_CTL_COUNT; w++) {
		const struct vmx_ctl_caps *c = &caps->ctl[w];
		u64 required = want->ctl[w].required;
		u64 optional = want->ctl[w].optional;
		u64 missing;

		if (w == VMX_CTL_PROC) {
			required &= ~activate;
			optional &= ~activate;
		}
		missing = required & ~c->may_be_one;
		if (missing) {
			char what[96];

			describe(what, sizeof(what), w, lowest_bit(missing));
			snprintf(err, errlen, "VMX: %s not supported by this CPU", what);
			return -ENOTSUP;
		}
		out->value[w] = (required | optional | c->must_be_one) & c->may_be_one;
		out->dropped[w] = optional & ~c->may_be_one;
	}

	ret = apply_dependencies(want, out, err, errlen);
	if (!ret)
		ret = activate_word(caps, out, VMX_CTL_PROC2, VMX_PROC_SECONDARY_CONTROLS, err,
				    errlen);
	if (!ret)
		ret = activate_word(caps, out, VMX_CTL_PROC3, VMX_PROC_TERTIARY_CONTROLS, err,
				    errlen);
	return ret;
}

/* CR0.PE and CR0.PG as u64 masks (arch/cpu.h spells CR0.PG as a signed int). */
#define CR0_PE_PG (X86_CR0_PE | X86_CR0_PG)

static u64 cr0_must_be_one(const struct vmx_caps *caps, bool unrestricted_guest)
{
	return unrestricted_guest ? caps->cr0_fixed0 & ~CR0_PE_PG : caps->cr0_fixed0;
}

u64 vmx_cr0_fixed(const struct vmx_caps *caps, u64 cr0, bool unrestricted_guest)
{
	return (cr0 | cr0_must_be_one(caps, unrestricted_guest)) & caps->cr0_fixed1;
}

u64 vmx_cr4_fixed(const struct vmx_caps *caps, u64 cr4)
{
	return (cr4 | caps->cr4_fixed0) & caps->cr4_fixed1;
}

bool vmx_cr0_valid(const struct vmx_caps *caps, u64 cr0, bool unrestricted_guest)
{
	return vmx_cr0_fixed(caps, cr0, unrestricted_guest) == cr0;
}

bool vmx_cr4_valid(const struct vmx_caps *caps, u64 cr4)
{
	return vmx_cr4_fixed(caps, cr4) == cr4;
}
