/* SPDX-License-Identifier: GPL-2.0-only */
/* VMX capability discovery: the capability MSRs decoded into struct vmx_caps (pure C). */
#include <arch/layout.h>
#include <arch/vmx_caps.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct reader {
	vmx_msr_reader read;
	void *ctx;
	char *err;
	size_t errlen;
};

static int read_msr(struct reader *r, u32 msr, u64 *val)
{
	if (r->read(r->ctx, msr, val) == 0)
		return 0;
	snprintf(r->err, r->errlen, "VMX: cannot read capability MSR 0x%x", (unsigned int)msr);
	return -EIO;
}

static int read_ctl(struct reader *r, u32 msr, struct vmx_ctl_caps *c)
{
	u64 v;
	int ret = read_msr(r, msr, &v);

	if (ret)
		return ret;
	c->must_be_one = VMX_CTL_ALLOWED0(v);
	c->may_be_one = VMX_CTL_ALLOWED1(v);
	if (c->must_be_one & ~c->may_be_one) {
		snprintf(r->err, r->errlen,
			 "VMX: capability MSR 0x%x requires controls it does not allow (0x%lx)",
			 (unsigned int)msr, (unsigned long)v);
		return -EINVAL;
	}
	return 0;
}

static int decode_basic(struct reader *r, struct vmx_caps *caps)
{
	u64 b;
	int ret = read_msr(r, MSR_IA32_VMX_BASIC, &b);

	if (ret)
		return ret;
	caps->basic = b;
	caps->revision_id = VMX_BASIC_REVISION(b);
	caps->vmcs_size = VMX_BASIC_VMCS_SIZE(b);
	caps->vmcs_memtype = VMX_BASIC_MEMTYPE(b);
	caps->true_ctls = b & VMX_BASIC_TRUE_CTLS;
	caps->ins_outs_info = b & VMX_BASIC_INS_OUTS_INFO;
	caps->any_exc_error_code = b & VMX_BASIC_ANY_EXC_ERROR_CODE;

	if (caps->vmcs_size == 0 || caps->vmcs_size > PAGE_SIZE) {
		snprintf(r->err, r->errlen, "VMX: IA32_VMX_BASIC reports a VMCS size of %u bytes",
			 (unsigned int)caps->vmcs_size);
		return -EINVAL;
	}
	/* Keel's VMXON region and VMCSs are ordinary write-back pages. */
	if (caps->vmcs_memtype != VMX_MEMTYPE_WB) {
		snprintf(r->err, r->errlen,
			 "VMX: IA32_VMX_BASIC asks for VMCS memory type %u, Keel supports only "
			 "write-back (6)",
			 (unsigned int)caps->vmcs_memtype);
		return -ENOTSUP;
	}
	if (b & VMX_BASIC_ADDR_32BIT) {
		snprintf(r->err, r->errlen,
			 "VMX: IA32_VMX_BASIC limits VMX structures to 32-bit addresses");
		return -ENOTSUP;
	}
	return 0;
}

/*
 * Pin, primary, exit and entry controls come from the TRUE MSRs when bit 55 says they exist: they
 * report which default1 controls may in fact be 0 (A.2 "Reserved Controls and Default Settings").
 */
static int decode_controls(struct reader *r, struct vmx_caps *caps)
{
	static const struct {
		enum vmx_ctl word;
		u32 plain, true_msr;
	} words[] = {
		{ VMX_CTL_PIN, MSR_IA32_VMX_PINBASED_CTLS, MSR_IA32_VMX_TRUE_PINBASED_CTLS },
		{ VMX_CTL_PROC, MSR_IA32_VMX_PROCBASED_CTLS, MSR_IA32_VMX_TRUE_PROCBASED_CTLS },
		{ VMX_CTL_EXIT, MSR_IA32_VMX_EXIT_CTLS, MSR_IA32_VMX_TRUE_EXIT_CTLS },
		{ VMX_CTL_ENTRY, MSR_IA32_VMX_ENTRY_CTLS, MSR_IA32_VMX_TRUE_ENTRY_CTLS },
	};
	struct vmx_ctl_caps *proc = &caps->ctl[VMX_CTL_PROC];
	int ret;

	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		u32 msr = caps->true_ctls ? words[i].true_msr : words[i].plain;

		ret = read_ctl(r, msr, &caps->ctl[words[i].word]);
		if (ret)
			return ret;
	}

	/* IA32_VMX_PROCBASED_CTLS2 exists only if "activate secondary controls" may be 1 (A.3.3).
	 */
	if (proc->may_be_one & VMX_PROC_SECONDARY_CONTROLS) {
		ret = read_ctl(r, MSR_IA32_VMX_PROCBASED_CTLS2, &caps->ctl[VMX_CTL_PROC2]);
		if (ret)
			return ret;
	}

	/*
	 * IA32_VMX_PROCBASED_CTLS3 exists only if "activate tertiary controls" may be 1; all 64
	 * bits are allowed-1 settings and every tertiary control may be 0 (A.3.4).
	 */
	if (proc->may_be_one & VMX_PROC_TERTIARY_CONTROLS) {
		u64 v;

		ret = read_msr(r, MSR_IA32_VMX_PROCBASED_CTLS3, &v);
		if (ret)
			return ret;
		caps->ctl[VMX_CTL_PROC3].may_be_one = v;
	}
	return 0;
}

/* IA32_VMX_EPT_VPID_CAP exists only if EPT or VPID may be enabled (A.10). */
static int decode_ept_vpid(struct reader *r, struct vmx_caps *caps)
{
	u64 proc2 = caps->ctl[VMX_CTL_PROC2].may_be_one;
	u64 v;
	int ret;

	if (!(proc2 & (VMX_PROC2_EPT | VMX_PROC2_VPID)))
		return 0;
	ret = read_msr(r, MSR_IA32_VMX_EPT_VPID_CAP, &v);
	if (ret)
		return ret;
	caps->ept_vpid_raw = v;

	if (proc2 & VMX_PROC2_EPT) {
		caps->ept = (struct vmx_ept_caps){
			.exec_only = v & VMX_EPT_CAP_EXEC_ONLY,
			.walk4 = v & VMX_EPT_CAP_WALK_4,
			.walk5 = v & VMX_EPT_CAP_WALK_5,
			.memtype_uc = v & VMX_EPT_CAP_MEMTYPE_UC,
			.memtype_wb = v & VMX_EPT_CAP_MEMTYPE_WB,
			.page_2m = v & VMX_EPT_CAP_PAGE_2M,
			.page_1g = v & VMX_EPT_CAP_PAGE_1G,
			.invept = v & VMX_EPT_CAP_INVEPT,
			.invept_single = v & VMX_EPT_CAP_INVEPT_SINGLE,
			.invept_all = v & VMX_EPT_CAP_INVEPT_ALL,
			.ad_bits = v & VMX_EPT_CAP_AD_BITS,
			.advanced_exit_info = v & VMX_EPT_CAP_ADVANCED_EXIT_INFO,
		};
	}
	if (proc2 & VMX_PROC2_VPID) {
		caps->vpid = (struct vmx_vpid_caps){
			.invvpid = v & VMX_VPID_CAP_INVVPID,
			.invvpid_addr = v & VMX_VPID_CAP_INVVPID_ADDR,
			.invvpid_single = v & VMX_VPID_CAP_INVVPID_SINGLE,
			.invvpid_all = v & VMX_VPID_CAP_INVVPID_ALL,
			.invvpid_single_keep_globals = v & VMX_VPID_CAP_INVVPID_SINGLE_KEEP_GLOBALS,
		};
	}
	return 0;
}

static int decode_misc(struct reader *r, struct vmx_caps *caps)
{
	u64 m, enumv;
	int ret = read_msr(r, MSR_IA32_VMX_MISC, &m);

	if (ret)
		return ret;
	caps->misc = m;
	caps->preempt_timer_rate = VMX_MISC_PREEMPT_TIMER_RATE(m);
	caps->cr3_target_count = VMX_MISC_CR3_TARGETS(m);
	caps->max_msr_list = VMX_MISC_MAX_MSR_LIST(m);
	caps->store_lma = m & VMX_MISC_STORE_LMA;
	caps->activity_hlt = m & VMX_MISC_ACTIVITY_HLT;
	caps->activity_shutdown = m & VMX_MISC_ACTIVITY_SHUTDOWN;
	caps->activity_wait_sipi = m & VMX_MISC_ACTIVITY_WAIT_SIPI;
	caps->vmwrite_any_field = m & VMX_MISC_VMWRITE_ANY_FIELD;

	ret = read_msr(r, MSR_IA32_VMX_VMCS_ENUM, &enumv);
	if (ret)
		return ret;
	caps->vmcs_max_index = VMX_VMCS_ENUM_MAX_INDEX(enumv);

	/* IA32_VMX_VMFUNC exists only if "enable VM functions" may be 1 (A.11). */
	if (caps->ctl[VMX_CTL_PROC2].may_be_one & VMX_PROC2_VMFUNC)
		return read_msr(r, MSR_IA32_VMX_VMFUNC, &caps->vmfunc);
	return 0;
}

static int decode_fixed(struct reader *r, struct vmx_caps *caps)
{
	int ret;

	ret = read_msr(r, MSR_IA32_VMX_CR0_FIXED0, &caps->cr0_fixed0);
	if (!ret)
		ret = read_msr(r, MSR_IA32_VMX_CR0_FIXED1, &caps->cr0_fixed1);
	if (!ret)
		ret = read_msr(r, MSR_IA32_VMX_CR4_FIXED0, &caps->cr4_fixed0);
	if (!ret)
		ret = read_msr(r, MSR_IA32_VMX_CR4_FIXED1, &caps->cr4_fixed1);
	if (ret)
		return ret;

	/* A bit fixed to 1 that may not be 1 would make VMXON impossible: the MSRs are broken. */
	if ((caps->cr0_fixed0 & ~caps->cr0_fixed1) || (caps->cr4_fixed0 & ~caps->cr4_fixed1)) {
		snprintf(r->err, r->errlen,
			 "VMX: CR fixed-bit MSRs contradict each other (CR0 0x%lx/0x%lx, CR4 "
			 "0x%lx/0x%lx)",
			 (unsigned long)caps->cr0_fixed0, (unsigned long)caps->cr0_fixed1,
			 (unsigned long)caps->cr4_fixed0, (unsigned long)caps->cr4_fixed1);
		return -EINVAL;
	}
	return 0;
}

int vmx_decode_caps(struct vmx_caps *caps, vmx_msr_reader read, void *ctx, char *err, size_t errlen)
{
	struct reader r = { .read = read, .ctx = ctx, .err = err, .errlen = errlen };
	int ret;

	memset(caps, 0, sizeof(*caps));
	ret = decode_basic(&r, caps);
	if (!ret)
		ret = decode_controls(&r, caps);
	if (!ret)
		ret = decode_ept_vpid(&r, caps);
	if (!ret)
		ret = decode_misc(&r, caps);
	if (!ret)
		ret = decode_fixed(&r, caps);
	return ret;
}
