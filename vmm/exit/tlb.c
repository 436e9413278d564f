/* SPDX-License-Identifier: GPL-2.0-only */
/* INVLPG and INVPCID exits: guest TLB flushes, which the shadow MMU turns into syncs. */
#include <vmm/exit/exit.h>

/* INVPCID types (SDM Vol. 2A, INVPCID): address, single context, all incl. globals, all. */
#define INVPCID_ADDRESS	       0
#define INVPCID_SINGLE_CONTEXT 1
#define INVPCID_ALL_GLOBAL     2
#define INVPCID_ALL	       3

enum exit_action handle_invlpg(struct vcpu *vcpu, const struct vm_exit *exit)
{
	mmu_invlpg(&vcpu->mmu, exit->invlpg.gva);
	return exit_done(vcpu, exit);
}

/* The descriptor (SDM Vol. 2A, INVPCID, figure "INVPCID Descriptor"): bits 63:12 are reserved. */
struct invpcid_desc {
	u64 pcid;
	u64 addr;
};

#define INVPCID_PCID_MASK 0xfffull
#define LINEAR_BITS_48	  48

static bool guest_has_invpcid(struct vcpu *vcpu)
{
	struct cpuid_guest g = { .cr4 = vcpu_creg_read(vcpu, VCPU_CR4),
				 .no_invpcid = vcpu->no_invpcid };

	return cpuid_guest_leaf(&host_cpuid, &g, 0x7, 0).ebx & CPUID_7_EBX_INVPCID;
}

/* Canonical for the guest's CPU: its linear-address width (CPUID.80000008H:EAX[15:8]). */
static bool canonical(u64 addr)
{
	struct cpuid_guest g = { 0 };
	unsigned int bits = (cpuid_guest_leaf(&host_cpuid, &g, 0x80000008, 0).eax >> 8) & 0xff;

	if (!bits)
		bits = LINEAR_BITS_48;
	return (u64)((s64)(addr << (64 - bits)) >> (64 - bits)) == addr;
}

/*
 * INVPCID exits in shadow mode (INVLPG exiting with "enable INVPCID"); the CPU has checked
 * nothing but CPL and the operand form, so the SDM's checks are done here, in its order: #UD
 * unless the guest's CPUID shows INVPCID, #GP(0) at CPL > 0 or for a type above 3, the
 * descriptor read (#PF, or #GP(0) for a non-canonical operand), then #GP(0) for reserved
 * descriptor bits, for a PCID other than 0 in types 0 and 1 with CR4.PCIDE = 0, and for a
 * non-canonical address in type 0. A flush of another PCID than the current one flushes every
 * context: the shadow MMU caches roots by CR3, and a wider flush is always allowed.
 */
enum exit_action handle_invpcid(struct vcpu *vcpu, const struct vm_exit *exit)
{
	u64 type = exit->invpcid.type, cr4 = vcpu_creg_read(vcpu, VCPU_CR4);
	struct invpcid_desc d;
	enum vcpu_mem_result r;
	bool current;

	if (!guest_has_invpcid(vcpu))
		return inject_ud(vcpu);
	if (!vcpu->ops->mode64(vcpu))
		type = (u32)type; /* the register operand is 32 bits outside 64-bit mode */
	if (vcpu->ops->cpl(vcpu) != 0 || type > INVPCID_ALL)
		return inject_gp(vcpu);
	r = vcpu_access_gva(vcpu, exit->invpcid.desc_gva, &d, sizeof(d), GUEST_ACCESS_READ);
	if (r != VCPU_MEM_OK)
		return exit_after_mem_failure(r);
	if (d.pcid & ~INVPCID_PCID_MASK)
		return inject_gp(vcpu);
	if (type <= INVPCID_SINGLE_CONTEXT && !(cr4 & X86_CR4_PCIDE) && d.pcid)
		return inject_gp(vcpu);
	if (type == INVPCID_ADDRESS && !canonical(d.addr))
		return inject_gp(vcpu);
	current = d.pcid ==
		  ((cr4 & X86_CR4_PCIDE) ? vcpu_creg_read(vcpu, VCPU_CR3) & INVPCID_PCID_MASK : 0);
	if (type == INVPCID_ADDRESS && current)
		mmu_invlpg(&vcpu->mmu, d.addr);
	else
		mmu_flush_guest_tlb(&vcpu->mmu, type != INVPCID_SINGLE_CONTEXT || !current);
	return exit_done(vcpu, exit);
}
