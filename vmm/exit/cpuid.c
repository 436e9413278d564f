/* SPDX-License-Identifier: GPL-2.0-only */
/* CPUID exits: the filtered leaf in EAX..EDX; and the guest state the other rules derive from it.
 */
#include <vmm/exit/exit.h>

#include <arch/cpu.h>

static struct cpuid_regs physical_cpuid(void *ctx, u32 leaf, u32 subleaf)
{
	return cpuid_count(leaf, subleaf);
}

const struct cpuid_source host_cpuid = { physical_cpuid, NULL };

enum exit_action handle_cpuid(struct vcpu *vcpu, const struct vm_exit *exit)
{
	struct cpuid_guest g = {
		.cr4 = vcpu_creg_read(vcpu, VCPU_CR4),
		.xcr0 = vcpu_creg_read(vcpu, VCPU_XCR0),
		.no_invpcid = vcpu->no_invpcid,
	};
	u32 leaf = (u32)vcpu_reg_read(vcpu, VCPU_RAX);
	u32 subleaf = (u32)vcpu_reg_read(vcpu, VCPU_RCX);
	struct cpuid_regs r = cpuid_guest_leaf(&host_cpuid, &g, leaf, subleaf);

	/* CPUID writes 32-bit results: the upper halves are zeroed in 64-bit mode */
	vcpu_reg_write(vcpu, VCPU_RAX, r.eax);
	vcpu_reg_write(vcpu, VCPU_RBX, r.ebx);
	vcpu_reg_write(vcpu, VCPU_RCX, r.ecx);
	vcpu_reg_write(vcpu, VCPU_RDX, r.edx);
	return exit_done(vcpu, exit);
}

void vcpu_cr_state(struct vcpu *vcpu, struct cr_state *s)
{
	s->cr0 = vcpu_creg_read(vcpu, VCPU_CR0);
	s->cr4 = vcpu_creg_read(vcpu, VCPU_CR4);
	s->efer = vcpu_creg_read(vcpu, VCPU_EFER);
	s->mode64 = vcpu->ops->mode64(vcpu);
	s->cr4_allowed = cpuid_cr4_allowed(&host_cpuid);
	s->maxphyaddr = cpuid_maxphyaddr(&host_cpuid);
}
