/* SPDX-License-Identifier: GPL-2.0-only */
/* RDMSR and WRMSR exits: msr_policy.c's table applied to the vCPU; anything else is #GP. */
#include <vmm/exit/exit.h>

#include <arch/msr.h>
#include <keel/printk.h>

/* CPUID.80000008H:EAX[15:8]: bits of a linear address; 48 without the leaf (SDM Vol. 3A, 4.1.4) */
#define LINEAR_BITS_DEFAULT 48

static unsigned int linear_bits(void)
{
	const struct cpuid_guest none = { 0 };
	u32 eax = cpuid_guest_leaf(&host_cpuid, &none, 0x80000008, 0).eax;

	return (eax >> 8) & 0xff ? (eax >> 8) & 0xff : LINEAR_BITS_DEFAULT;
}

/* Base and entry-point MSRs hold linear addresses: a non-canonical one is #GP (SDM WRMSR). */
static bool state_value_valid(unsigned int slot, u64 val)
{
	unsigned int bits = linear_bits();
	s64 sext = (s64)(val << (64 - bits)) >> (64 - bits);

	switch (slot) {
	case VCPU_MSR_SYSENTER_CS:
	case VCPU_MSR_STAR:
	case VCPU_MSR_SFMASK:
		return true;
	}
	return (u64)sext == val;
}

static void deny(struct vcpu *vcpu, const char *what, u32 msr)
{
	pr_debug("vm %s: %s MSR 0x%x denied: #GP\n", vcpu->vm->opt.name, what, msr);
}

enum exit_action handle_msr_read(struct vcpu *vcpu, const struct vm_exit *exit)
{
	struct msr_rule r = msr_rule_lookup(exit->msr.msr);
	u64 val;

	switch (r.class) {
	case MSR_EFER_REG:
		val = vcpu_creg_read(vcpu, VCPU_EFER);
		break;
	case MSR_STATE:
	case MSR_PAT_REG:
		val = vcpu->ops->get_msr(vcpu, r.state);
		break;
	case MSR_TSC_REG:
		val = vcpu->ops->read_tsc(vcpu);
		break;
	case MSR_FIXED:
	case MSR_MTRR:
		val = r.value;
		break;
	default:
		deny(vcpu, "rdmsr", exit->msr.msr);
		return inject_gp(vcpu);
	}
	vcpu_reg_write(vcpu, VCPU_RAX, (u32)val);
	vcpu_reg_write(vcpu, VCPU_RDX, val >> 32);
	return exit_done(vcpu, exit);
}

static enum exit_action write_efer(struct vcpu *vcpu, const struct vm_exit *exit, u64 val)
{
	u64 old = vcpu_creg_read(vcpu, VCPU_EFER), efer;

	if (!efer_write_valid(old, val, vcpu_creg_read(vcpu, VCPU_CR0), efer_allowed(&host_cpuid),
			      &efer))
		return inject_gp(vcpu);
	if (vcpu_creg_write(vcpu, VCPU_EFER, efer))
		return inject_gp(vcpu);
	vcpu->paging.efer = efer;
	if ((old ^ efer) & EFER_NXE) /* NX changes what a guest PTE's bit 63 means */
		mmu_paging_changed(&vcpu->mmu);
	return exit_done(vcpu, exit);
}

enum exit_action handle_msr_write(struct vcpu *vcpu, const struct vm_exit *exit)
{
	struct msr_rule r = msr_rule_lookup(exit->msr.msr);
	u64 val = (vcpu_reg_read(vcpu, VCPU_RDX) << 32) | (u32)vcpu_reg_read(vcpu, VCPU_RAX);
	bool ok;

	switch (r.class) {
	case MSR_EFER_REG:
		return write_efer(vcpu, exit, val);
	case MSR_STATE:
		ok = state_value_valid(r.state, val);
		break;
	case MSR_PAT_REG:
		ok = pat_valid(val);
		break;
	case MSR_FIXED:
		ok = val == r.value;
		break;
	case MSR_MTRR:
		ok = mtrr_write_valid(exit->msr.msr, val, cpuid_maxphyaddr(&host_cpuid));
		break;
	default: /* MSR_TSC_REG too: a guest does not move its TSC */
		ok = false;
		break;
	}
	if (!ok) {
		deny(vcpu, "wrmsr", exit->msr.msr);
		return inject_gp(vcpu);
	}
	if (r.class == MSR_STATE || r.class == MSR_PAT_REG)
		vcpu->ops->set_msr(vcpu, r.state, val);
	return exit_done(vcpu, exit);
}
