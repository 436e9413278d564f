/* SPDX-License-Identifier: GPL-2.0-only */
/* Entering and leaving VMX root operation on one CPU (SDM Vol. 3C, 24.7). */
#include <arch/cpu.h>
#include <arch/msr.h>
#include <arch/vmx.h>
#include <keel/mm.h>
#include <keel/printk.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "insn.h"

/*
 * Decoded once by the first CPU to get here (caps_state EMPTY -> FILLING -> VALID); the others
 * wait for VALID and compare theirs against it.
 */
enum { CAPS_EMPTY, CAPS_FILLING, CAPS_VALID };
static struct vmx_caps caps;
static u32 caps_state;

static int read_msr_direct(void *ctx, u32 msr, u64 *val)
{
	*val = rdmsr(msr);
	return 0;
}

bool vmx_cpu_has_vmx(void)
{
	return cpuid(1).ecx & CPUID_1_ECX_VMX;
}

const struct vmx_caps *vmx_get_caps(void)
{
	return __atomic_load_n(&caps_state, __ATOMIC_ACQUIRE) == CAPS_VALID ? &caps : NULL;
}

/* Firmware either left the MSR unlocked (Keel locks it with VMX on) or locked it for us. */
static int enable_feature_control(char *err, size_t errlen)
{
	u64 fc = rdmsr(MSR_IA32_FEATURE_CONTROL);

	if (!(fc & FEATURE_CONTROL_LOCKED)) {
		fc |= FEATURE_CONTROL_LOCKED | FEATURE_CONTROL_VMXON_OUTSIDE_SMX;
		wrmsr(MSR_IA32_FEATURE_CONTROL, fc);
		return 0;
	}
	if (fc & FEATURE_CONTROL_VMXON_OUTSIDE_SMX)
		return 0;
	snprintf(err, errlen, "VMX disabled by firmware (IA32_FEATURE_CONTROL locked)");
	return -EPERM;
}

/* Every CPU must report what the first did, or one VMCS layout would not fit all. */
static int decode_and_check_caps(char *err, size_t errlen)
{
	struct vmx_caps mine;
	u32 expected = CAPS_EMPTY;
	int ret = vmx_decode_caps(&mine, read_msr_direct, NULL, err, errlen);

	if (ret)
		return ret;
	if (__atomic_compare_exchange_n(&caps_state, &expected, CAPS_FILLING, false,
					__ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
		caps = mine;
		__atomic_store_n(&caps_state, CAPS_VALID, __ATOMIC_RELEASE);
		return 0;
	}
	while (__atomic_load_n(&caps_state, __ATOMIC_ACQUIRE) != CAPS_VALID)
		cpu_relax();
	if (memcmp(&caps, &mine, sizeof(mine)) == 0)
		return 0;
	snprintf(err, errlen,
		 "VMX: this CPU's capability MSRs differ from the first CPU's (revision 0x%x vs "
		 "0x%x, basic 0x%lx vs 0x%lx)",
		 (unsigned int)mine.revision_id, (unsigned int)caps.revision_id,
		 (unsigned long)mine.basic, (unsigned long)caps.basic);
	return -EINVAL;
}

int vmx_cpu_init(struct vmx_cpu *vc, char *err, size_t errlen)
{
	enum vmx_status st;
	u32 *region;
	int ret;

	memset(vc, 0, sizeof(*vc));
	if (!vmx_cpu_has_vmx()) {
		snprintf(err, errlen, "VMX: not supported by this CPU (CPUID.1:ECX.VMX is 0)");
		return -ENODEV;
	}
	ret = enable_feature_control(err, errlen);
	if (!ret)
		ret = decode_and_check_caps(err, errlen);
	if (ret)
		return ret;

	vc->vmxon_region = pmm_alloc_pages(0);
	if (!vc->vmxon_region) {
		snprintf(err, errlen, "VMX: no memory for the VMXON region");
		return -ENOMEM;
	}
	/* Bits 30:0 of the first dword hold the revision id, bit 31 must be 0 (24.11.5). */
	region = phys_to_virt(vc->vmxon_region);
	region[0] = caps.revision_id;

	vc->cr0_before = read_cr0();
	vc->cr4_before = read_cr4();
	write_cr0(vmx_cr0_fixed(&caps, vc->cr0_before, false));
	write_cr4(vmx_cr4_fixed(&caps, vc->cr4_before | X86_CR4_VMXE));

	st = vmxon_insn(vc->vmxon_region);
	if (st == VMX_SUCCEED) {
		vc->on = true;
		return 0;
	}
	write_cr4(vc->cr4_before);
	write_cr0(vc->cr0_before);
	pmm_free_pages(vc->vmxon_region, 0);
	vc->vmxon_region = 0;
	snprintf(err, errlen, "VMX: VMXON failed (%s)",
		 st == VMX_FAIL_INVALID ? "VMfailInvalid: bad VMXON region"
					: "VMfailValid: already in VMX operation");
	return -EIO;
}

void vmx_cpu_exit(struct vmx_cpu *vc)
{
	if (!vc->on)
		return;
	if (vmxoff_insn() != VMX_SUCCEED)
		pr_err("VMX: VMXOFF failed (dual-monitor treatment active?)\n");
	write_cr4(vc->cr4_before & ~X86_CR4_VMXE);
	write_cr0(vc->cr0_before);
	pmm_free_pages(vc->vmxon_region, 0);
	vc->vmxon_region = 0;
	vc->on = false;
}
