/* SPDX-License-Identifier: GPL-2.0-only */
/* The controls Keel asks for: required ones it needs, optional ones it uses if offered. */
#include <arch/vmx_caps.h>

#include <string.h>

/*
 * Every guest runs under deny-by-default exits: external interrupts and NMIs return to Keel,
 * I/O and MSR accesses go through bitmaps, HLT exits. EPT mode needs EPT and unrestricted guest
 * (guests start in real mode); shadow mode instead intercepts CR3 and INVLPG so the shadow
 * tables stay true. Both want a 64-bit host and EFER switched on every transition.
 */
void vmx_keel_wanted(struct vmx_wanted *want, enum vmx_mmu_mode mode)
{
	memset(want, 0, sizeof(*want));

	want->ctl[VMX_CTL_PIN].required = VMX_PIN_EXT_INTR_EXITING | VMX_PIN_NMI_EXITING;
	want->ctl[VMX_CTL_PIN].optional = VMX_PIN_VIRTUAL_NMIS | VMX_PIN_PREEMPTION_TIMER;

	want->ctl[VMX_CTL_PROC].required = VMX_PROC_HLT_EXITING | VMX_PROC_IO_BITMAPS |
					   VMX_PROC_MSR_BITMAPS | VMX_PROC_MOV_DR_EXITING;
	want->ctl[VMX_CTL_PROC].optional = VMX_PROC_MWAIT_EXITING | VMX_PROC_MONITOR_EXITING;

	want->ctl[VMX_CTL_PROC2].optional = VMX_PROC2_VPID | VMX_PROC2_RDTSCP | VMX_PROC2_INVPCID |
					    VMX_PROC2_XSAVES | VMX_PROC2_WBINVD_EXITING;

	if (mode == VMX_MMU_EPT) {
		want->ctl[VMX_CTL_PROC2].required |= VMX_PROC2_EPT | VMX_PROC2_UNRESTRICTED_GUEST;
	} else {
		want->ctl[VMX_CTL_PROC].required |= VMX_PROC_INVLPG_EXITING |
						    VMX_PROC_CR3_LOAD_EXITING |
						    VMX_PROC_CR3_STORE_EXITING;
		/* single steps for write windows; step.c keeps it clear until one is armed */
		want->ctl[VMX_CTL_PROC].optional |= VMX_PROC_MONITOR_TRAP_FLAG;
	}

	want->ctl[VMX_CTL_EXIT].required =
		VMX_EXIT_CTL_HOST_ADDR64 | VMX_EXIT_CTL_SAVE_EFER | VMX_EXIT_CTL_LOAD_EFER;
	/*
	 * No "acknowledge interrupt on exit": the run loop lets the host's IDT take an interrupt
	 * that caused an exit by opening the interrupt window once, which needs it still pending.
	 */
	want->ctl[VMX_CTL_EXIT].optional =
		VMX_EXIT_CTL_SAVE_PAT | VMX_EXIT_CTL_LOAD_PAT | VMX_EXIT_CTL_SAVE_PREEMPT_TIMER;

	want->ctl[VMX_CTL_ENTRY].required = VMX_ENTRY_CTL_LOAD_EFER;
	want->ctl[VMX_CTL_ENTRY].optional = VMX_ENTRY_CTL_LOAD_PAT;
}
