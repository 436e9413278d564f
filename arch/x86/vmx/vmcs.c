/* SPDX-License-Identifier: GPL-2.0-only */
/* VMCS regions and access to the current VMCS: VMCLEAR, VMPTRLD, VMREAD, VMWRITE, and a dump. */
#include <arch/vmx.h>
#include <keel/mm.h>
#include <keel/printk.h>

#include <errno.h>

#include "insn.h"

paddr_t vmcs_alloc(void)
{
	const struct vmx_caps *c = vmx_get_caps();
	paddr_t pa;

	if (!c)
		return 0;
	pa = pmm_alloc_pages(0);
	if (pa)
		*(u32 *)phys_to_virt(pa) = c->revision_id; /* bit 31 clear: an ordinary VMCS */
	return pa;
}

void vmcs_free(paddr_t vmcs)
{
	pmm_free_pages(vmcs, 0);
}

u32 vmcs_insn_error(void)
{
	u64 v;

	return vmread_insn(VMCS_INSTRUCTION_ERROR, &v) == VMX_SUCCEED ? (u32)v : 0;
}

/* Says why a VMX instruction failed; `what` names the instruction and its operand. */
static int report_failure(enum vmx_status st, const char *insn, const char *what, u64 operand)
{
	u32 e;

	if (st == VMX_FAIL_INVALID) {
		pr_err("VMX: %s %s (0x%lx): VMfailInvalid (no current VMCS)\n", insn, what,
		       (unsigned long)operand);
		return -EIO;
	}
	e = vmcs_insn_error();
	pr_err("VMX: %s %s (0x%lx): error %u, %s\n", insn, what, (unsigned long)operand,
	       (unsigned int)e, vmx_insn_error_string(e));
	return -EIO;
}

int vmcs_clear(paddr_t vmcs)
{
	enum vmx_status st = vmclear_insn(vmcs);

	return st == VMX_SUCCEED ? 0 : report_failure(st, "VMCLEAR", "VMCS", vmcs);
}

int vmcs_load(paddr_t vmcs)
{
	enum vmx_status st = vmptrld_insn(vmcs);

	return st == VMX_SUCCEED ? 0 : report_failure(st, "VMPTRLD", "VMCS", vmcs);
}

int vmcs_read(u32 field, u64 *val)
{
	enum vmx_status st = vmread_insn(field, val);

	return st == VMX_SUCCEED ? 0 : report_failure(st, "VMREAD", vmcs_field_name(field), field);
}

int vmcs_write(u32 field, u64 val)
{
	enum vmx_status st = vmwrite_insn(field, val);

	return st == VMX_SUCCEED ? 0 : report_failure(st, "VMWRITE", vmcs_field_name(field), field);
}

static const char *const group_titles[] = {
	[VMCS_TYPE_CONTROL] = "control fields",
	[VMCS_TYPE_EXIT_INFO] = "VM-exit information",
	[VMCS_TYPE_GUEST] = "guest state",
	[VMCS_TYPE_HOST] = "host state",
};

/* Hex digits a field of this width needs, so the dump lines up by width. */
static int field_digits(u32 field)
{
	switch (VMCS_FIELD_WIDTH(field)) {
	case VMCS_WIDTH_16:
		return 4;
	case VMCS_WIDTH_32:
		return 8;
	default:
		return 16;
	}
}

void vmcs_dump(void)
{
	const struct vmx_caps *c = vmx_get_caps();
	u32 max_index = c ? c->vmcs_max_index : 0x1ff;
	u32 err = vmcs_insn_error(); /* before any VMREAD below can overwrite it */
	unsigned int group = ~0u, skipped = 0;
	u64 reason = 0;

	if (vmread_insn(VMCS_EXIT_REASON, &reason) != VMX_SUCCEED) {
		pr_err("VMCS dump: no current VMCS\n");
		return;
	}
	pr_err("VMCS dump: VM-instruction error %u (%s), exit reason 0x%lx (%s%s)\n",
	       (unsigned int)err, err ? vmx_insn_error_string(err) : "none", (unsigned long)reason,
	       reason & VMX_EXIT_REASON_ENTRY_FAILURE ? "VM-entry failure: " : "",
	       vmx_exit_reason_name(reason & VMX_EXIT_REASON_BASIC_MASK));

	for (size_t i = 0; i < vmcs_field_count; i++) {
		const struct vmcs_field_desc *f = &vmcs_field_table[i];
		unsigned int type = VMCS_FIELD_TYPE(f->encoding);
		u64 v;

		/* Fields beyond IA32_VMX_VMCS_ENUM's highest index do not exist on this CPU. */
		if (((f->encoding >> 1) & 0x1ff) > max_index ||
		    vmread_insn(f->encoding, &v) != VMX_SUCCEED) {
			skipped++;
			continue;
		}
		if (type != group) {
			group = type;
			pr_err("  -- %s --\n", group_titles[type]);
		}
		pr_err("  %-28s 0x%0*lx\n", f->name, field_digits(f->encoding), (unsigned long)v);
	}
	if (skipped)
		pr_err("  (%u fields not supported by this CPU)\n", skipped);
}
