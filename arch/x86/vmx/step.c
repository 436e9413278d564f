/* SPDX-License-Identifier: GPL-2.0-only */
/* One-instruction steps of a guest under the monitor trap flag, for the MMU's write windows. */
#include "vcpu.h"

/*
 * With the "monitor trap flag" control (primary processor-based control bit 27) set, VM entry
 * makes an MTF VM exit pending at the first instruction boundary after the guest's first
 * instruction; if that instruction causes a VM exit itself (a fault Keel intercepts), that exit
 * comes instead (SDM Vol. 3C, 26.5.2 "Monitor Trap Flag"). Event injection changes this: an
 * injected event is delivered first and the MTF exit comes before the handler's first
 * instruction, so no step is offered while an event is pending. External interrupts and NMIs
 * exit to Keel and are never delivered to the guest, so nothing else can come between.
 *
 * The control is wanted as optional (policy.c), so it is in the computed controls exactly when
 * the capability MSR (the TRUE one where it exists) allows it to be 1; it is set in the VMCS
 * only while a step is armed.
 */
int vmx_step_init(struct vmx_vcpu *vx)
{
	const struct vmx_ctl_caps *c = &vmx_get_caps()->ctl[VMX_CTL_PROC];
	u64 *proc = &vx->ctls.value[VMX_CTL_PROC];

	vx->can_step = (*proc & VMX_PROC_MONITOR_TRAP_FLAG) &&
		       !(c->must_be_one & VMX_PROC_MONITOR_TRAP_FLAG);
	if (!vx->can_step)
		return 0;
	*proc &= ~(u64)VMX_PROC_MONITOR_TRAP_FLAG;
	return vmcs_write(VMCS_PROC_CONTROLS, *proc);
}

bool vmx_can_single_step(struct vcpu *vcpu)
{
	struct vmx_vcpu *vx = vcpu->arch;

	return vx->can_step && !vx->inject_info;
}

void vmx_single_step(struct vcpu *vcpu, bool on)
{
	struct vmx_vcpu *vx = vcpu->arch;
	u64 proc = vx->ctls.value[VMX_CTL_PROC];

	KEEL_BUG_ON(on && !vx->can_step);
	if (on)
		proc |= VMX_PROC_MONITOR_TRAP_FLAG;
	else
		proc &= ~(u64)VMX_PROC_MONITOR_TRAP_FLAG;
	if (proc == vx->ctls.value[VMX_CTL_PROC])
		return;
	vx->ctls.value[VMX_CTL_PROC] = proc;
	vmcs_write_raw(VMCS_PROC_CONTROLS, proc);
}
