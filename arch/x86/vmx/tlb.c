/* SPDX-License-Identifier: GPL-2.0-only */
/* INVEPT and INVVPID, each type used only when IA32_VMX_EPT_VPID_CAP reports it. */
#include <arch/vmx.h>
#include <keel/printk.h>

#include <errno.h>

#include "insn.h"

static bool invept_type_supported(const struct vmx_caps *c, unsigned int type)
{
	if (!c || !c->ept.invept)
		return false;
	if (type == VMX_INVEPT_SINGLE_CONTEXT)
		return c->ept.invept_single;
	if (type == VMX_INVEPT_ALL_CONTEXT)
		return c->ept.invept_all;
	return false;
}

static bool invvpid_type_supported(const struct vmx_caps *c, unsigned int type)
{
	if (!c || !c->vpid.invvpid)
		return false;
	switch (type) {
	case VMX_INVVPID_ADDRESS:
		return c->vpid.invvpid_addr;
	case VMX_INVVPID_SINGLE_CONTEXT:
		return c->vpid.invvpid_single;
	case VMX_INVVPID_ALL_CONTEXT:
		return c->vpid.invvpid_all;
	case VMX_INVVPID_SINGLE_KEEP_GLOBALS:
		return c->vpid.invvpid_single_keep_globals;
	default:
		return false;
	}
}

static int report(enum vmx_status st, const char *insn, unsigned int type)
{
	if (st == VMX_SUCCEED)
		return 0;
	/* INVEPT/INVVPID report VMfailValid with error 28 when the operand is invalid. */
	pr_err("VMX: %s type %u failed (%s)\n", insn, type,
	       st == VMX_FAIL_INVALID ? "VMfailInvalid"
				      : vmx_insn_error_string(VMX_ERR_INVALID_INVEPT_INVVPID));
	return -EIO;
}

int vmx_invept(unsigned int type, u64 eptp)
{
	struct invept_desc d = { .eptp = eptp };

	if (!invept_type_supported(vmx_get_caps(), type)) {
		pr_err("VMX: INVEPT type %u not supported by this CPU\n", type);
		return -ENOTSUP;
	}
	return report(invept_insn(type, &d), "INVEPT", type);
}

int vmx_invvpid(unsigned int type, u16 vpid, u64 linear_addr)
{
	struct invvpid_desc d = { .vpid = vpid, .linear_addr = linear_addr };

	if (!invvpid_type_supported(vmx_get_caps(), type)) {
		pr_err("VMX: INVVPID type %u not supported by this CPU\n", type);
		return -ENOTSUP;
	}
	return report(invvpid_insn(type, &d), "INVVPID", type);
}
