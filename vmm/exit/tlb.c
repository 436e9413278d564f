/* SPDX-License-Identifier: GPL-2.0-only */
/* INVLPG and INVPCID exits: guest TLB flushes, which the shadow MMU turns into syncs. */
#include <vmm/exit/exit.h>

/* INVPCID types (SDM Vol. 2A, INVPCID): address, single context, all incl. globals, all. */
#define INVPCID_ADDRESS	       0
#define INVPCID_SINGLE_CONTEXT 1
#define INVPCID_ALL_GLOBAL     2
#define INVPCID_ALL	       3
#define INVPCID_DESC_LEN       16

enum exit_action handle_invlpg(struct vcpu *vcpu, const struct vm_exit *exit)
{
	mmu_invlpg(&vcpu->mmu, exit->invlpg.gva);
	return exit_done(vcpu, exit);
}

/*
 * CPUID hides INVPCID, so the CPU raises #UD itself unless the arch enabled the instruction;
 * when an INVPCID does exit, it is handled exactly: CPL > 0 or a type above 3 is #GP(0), and
 * the flush reaches the MMU. The descriptor (PCID, address) lives in guest-virtual memory, which
 * vmm.h cannot read yet, so every type flushes at least the current context: a wider flush than
 * asked for is always allowed.
 */
enum exit_action handle_invpcid(struct vcpu *vcpu, const struct vm_exit *exit)
{
	if (vcpu->ops->cpl(vcpu) != 0 || exit->invpcid.type > INVPCID_ALL)
		return inject_gp(vcpu);
	mmu_flush_guest_tlb(&vcpu->mmu, exit->invpcid.type >= INVPCID_ALL_GLOBAL);
	return exit_done(vcpu, exit);
}
