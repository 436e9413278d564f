/* SPDX-License-Identifier: GPL-2.0-only */
/* One-instruction guest steps for the MMU's write windows: monitor trap flag, else RFLAGS.TF. */
#include <arch/cpu.h>
#include <arch/trap.h>
#include <keel/printk.h>

#include "vcpu.h"

/*
 * A write window (docs/mmu.md) re-enters the guest for one instruction. VMX offers two ways.
 *
 * The monitor trap flag (primary processor-based control bit 27), when the capability MSR (the
 * TRUE one where it exists) allows both settings: policy.c wants it as optional, and it is set
 * in the VMCS only while a step is armed. VM entry makes an MTF VM exit pending at the first
 * instruction boundary after the guest's first instruction; if that instruction causes a VM
 * exit itself (a fault Keel intercepts), that exit comes instead (SDM Vol. 3C, 26.5.2 "Monitor
 * Trap Flag"). An injected event is delivered first and the MTF exit comes before the handler's
 * first instruction, so no step is armed while an event is pending. External interrupts and
 * NMIs exit to Keel and are never delivered to the guest. The pending MTF exit outranks the
 * preemption timer and interrupts, so while MTF works every exit but its own leaves RIP where
 * the step began. One that does not shows a CPU that offers the control without honouring it
 * (Bochs's tigerlake model): the vCPU steps with TF from then on. The window that exit closes
 * is exact all the same, since its diff does not depend on how many instructions ran.
 *
 * RFLAGS.TF otherwise (Bochs's Haswell model has no MTF). Arming sets TF in the guest's RFLAGS
 * and #DB (vector 1) in the exception bitmap; the guest's own #DBs are never intercepted
 * otherwise. The instruction runs and raises a single-step trap (Vol. 3B, 18.3.1.4
 * "Single-Step Exception Condition"), which exits with BS (bit 14) in the exit qualification
 * and DR6 untouched (Vol. 3C, 28.2.1): vmx_step_decode_db() makes it VM_EXIT_SINGLE_STEP. An
 * instruction that faults (a #PF on another tracked frame) exits before completing instead.
 * Disarming, at whatever exit comes, clears TF and the #DB intercept again. The SDM's corners:
 *
 * - No TF step is armed when the guest has TF set itself (its trap is its own, and Keel could
 *   not tell the two apart), while blocking by STI or MOV SS is in the interruptibility state
 *   (VM entry then demands BS in the pending debug exceptions field exactly when TF is set,
 *   Vol. 3C 27.3.1.5, and a BS set for it would bring the #DB before the instruction under
 *   blocking by STI, 27.7.3), or while an event is pending injection (its delivery would push
 *   TF into the guest's frame and run the handler unstepped). Keel never enters a guest in the
 *   HLT activity state, the check's third case. The caller then opens the window without a
 *   step (vmm/vcpu.c).
 * - The guest can see TF only in an RFLAGS image the stepped instruction itself stores: a
 *   PUSHF, or the delivery of an exception the instruction raises and the CPU delivers to the
 *   guest (Keel intercepts #PF; an INT n whose frame hit a tracked page is re-injected, which
 *   means no step). Keel cannot take TF out of such an image: it does not know where the
 *   instruction stored it. The stepped instruction wrote a guest page table, so a PUSHF gets
 *   there only with a stack inside the guest's page tables, and the image is harmful only
 *   when reloaded (POPF, IRET) after the window closed: the guest then gets a single-step #DB
 *   of its own. An exception delivered in the step runs its handler with TF clear and the
 *   window open until the next exit, which closes it as any exit does.
 * - Pending debug exceptions: a #DB VM exit saves the field as clear (Vol. 3C, 28.3.4), but
 *   other exits may save BS (under MOV-SS blocking, or "implementation-specific"). Disarming
 *   clears BS: with TF clear no single-step trap can be pending, and a BS left behind would
 *   deliver a spurious #DB after the next entry (27.7.3) or, with blocking by STI or MOV SS,
 *   fail it (27.3.1.5).
 * - A #DB exit while armed that is not the trap: the guest's TF is clear, DR7 keeps its reset
 *   value (MOV DR stops the VM) and IA32_DEBUGCTL stays 0 (no BTF, which would turn TF into
 *   a step on branches), so no breakpoint can match. What remains is INT1 (ICEBP, a privileged
 *   software exception): its RIP moves past the instruction and handle_exception() reflects the
 *   #DB as a hardware exception, which is what the CPU would have delivered. A hardware #DB
 *   without BS is reflected the same way.
 */
int vmx_step_init(struct vmx_vcpu *vx)
{
	const struct vmx_ctl_caps *c = &vmx_get_caps()->ctl[VMX_CTL_PROC];
	u64 *proc = &vx->ctls.value[VMX_CTL_PROC];

	vx->step_mode = VMX_STEP_TF;
	if (!(*proc & VMX_PROC_MONITOR_TRAP_FLAG) || (c->must_be_one & VMX_PROC_MONITOR_TRAP_FLAG))
		return 0;
	vx->step_mode = VMX_STEP_MTF;
	*proc &= ~(u64)VMX_PROC_MONITOR_TRAP_FLAG;
	return vmcs_write(VMCS_PROC_CONTROLS, *proc);
}

static bool tf_step_possible(void)
{
	if (vmcs_read_raw(VMCS_GUEST_RFLAGS) & X86_RFLAGS_TF)
		return false;
	return !(vmcs_read_raw(VMCS_GUEST_INTERRUPTIBILITY) &
		 (VMX_INTR_BLOCKING_STI | VMX_INTR_BLOCKING_MOV_SS));
}

bool vmx_can_single_step(struct vcpu *vcpu)
{
	struct vmx_vcpu *vx = vcpu->arch;

	if (vx->inject_info)
		return false;
	return vx->step_mode == VMX_STEP_MTF || tf_step_possible();
}

static void set_proc_mtf(struct vmx_vcpu *vx, bool on)
{
	u64 proc = vx->ctls.value[VMX_CTL_PROC];

	if (on)
		proc |= VMX_PROC_MONITOR_TRAP_FLAG;
	else
		proc &= ~(u64)VMX_PROC_MONITOR_TRAP_FLAG;
	vx->ctls.value[VMX_CTL_PROC] = proc;
	vmcs_write_raw(VMCS_PROC_CONTROLS, proc);
}

static void set_tf_and_db_intercept(struct vmx_vcpu *vx, bool on)
{
	u64 rflags = vmcs_read_raw(VMCS_GUEST_RFLAGS);
	u64 bitmap = vmcs_read_raw(VMCS_EXCEPTION_BITMAP);

	if (on) {
		rflags |= X86_RFLAGS_TF;
		bitmap |= BIT(X86_TRAP_DB);
	} else {
		rflags &= ~X86_RFLAGS_TF;
		/* vm86 intercepts every exception (vm86.c): #DB stays intercepted there */
		if (!vx->vm86)
			bitmap &= ~(u64)BIT(X86_TRAP_DB);
	}
	vmcs_write_raw(VMCS_GUEST_RFLAGS, rflags);
	vmcs_write_raw(VMCS_EXCEPTION_BITMAP, bitmap);
}

/*
 * With MTF armed, every exit but the MTF exit leaves RIP where the step began (see above):
 * another exit elsewhere means the CPU does not honour the control.
 */
static void check_mtf_honoured(struct vmx_vcpu *vx)
{
	u32 reason = (u32)vmcs_read_raw(VMCS_EXIT_REASON);
	u64 rip = vcpu_reg_read(vx->vcpu, VCPU_RIP);

	if ((reason & VMX_EXIT_REASON_BASIC_MASK) == VMX_EXIT_MONITOR_TRAP_FLAG ||
	    (reason & VMX_EXIT_REASON_ENTRY_FAILURE) || rip == vx->step_rip)
		return;
	printk_raw("# vmx: %s: the monitor trap flag let the guest run on past one instruction "
		   "(exit reason %u at rip 0x%lx): single steps use RFLAGS.TF from now on\n",
		   vx->vcpu->vm->opt.name, reason & VMX_EXIT_REASON_BASIC_MASK, (unsigned long)rip);
	vx->step_mode = VMX_STEP_TF;
}

static void disarm(struct vmx_vcpu *vx)
{
	u64 pending;

	if (vx->step_armed == VMX_STEP_MTF) {
		set_proc_mtf(vx, false);
		check_mtf_honoured(vx);
	} else {
		set_tf_and_db_intercept(vx, false);
		pending = vmcs_read_raw(VMCS_GUEST_PENDING_DBG_EXCEPTIONS);
		if (pending & VMX_DBG_BS)
			vmcs_write_raw(VMCS_GUEST_PENDING_DBG_EXCEPTIONS, pending & ~VMX_DBG_BS);
	}
	vx->step_armed = VMX_STEP_OFF;
}

void vmx_single_step(struct vcpu *vcpu, bool on)
{
	struct vmx_vcpu *vx = vcpu->arch;

	if (!on) {
		if (vx->step_armed)
			disarm(vx);
		return;
	}
	KEEL_BUG_ON(vx->step_armed);
	vx->step_armed = vx->step_mode;
	if (vx->step_mode == VMX_STEP_MTF) {
		vx->step_rip = vcpu_reg_read(vcpu, VCPU_RIP);
		set_proc_mtf(vx, true);
	} else {
		set_tf_and_db_intercept(vx, true);
	}
}

/*
 * The #DB exit of an armed TF step is its single-step trap, or INT1, which handle_exception()
 * reflects once RIP is past it. Unarmed, #DB is not intercepted.
 */
void vmx_step_decode_db(struct vmx_vcpu *vx, struct vm_exit *exit)
{
	if (vx->step_armed != VMX_STEP_TF)
		return;
	if (INTR_INFO_TYPE(vmcs_read_raw(VMCS_EXIT_INTR_INFO)) == INTR_TYPE_PRIV_SW_EXC)
		vx->vcpu->ops->skip_insn(vx->vcpu, exit);
	else if (exit->arch_qualification & VMX_DBG_BS)
		exit->kind = VM_EXIT_SINGLE_STEP;
}
