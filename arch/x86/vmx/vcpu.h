/* SPDX-License-Identifier: GPL-2.0-only */
/* One vCPU's VMX state: its VMCS, controls, the guest-visible control registers, pending events. */
#ifndef VMX_VCPU_H
#define VMX_VCPU_H

#include <arch/cpu.h>
#include <arch/msr.h>
#include <arch/vmx.h>
#include <vmm/vmm.h>

/*
 * Interruption information, one format for event injection, exit interruption information and
 * IDT-vectoring information (SDM Vol. 3C, 25.8.3 "VM-Entry Controls for Event Injection",
 * 25.9.2 "Information for VM Exits Due to Vectored Events").
 */
#define INTR_INFO_VECTOR(v)    ((v)&0xff)
#define INTR_INFO_TYPE(v)      (((v) >> 8) & 0x7)
#define INTR_INFO_ERROR_CODE   BIT(11)
#define INTR_INFO_VALID	       BIT(31)
#define INTR_TYPE_EXT_INTR     0
#define INTR_TYPE_NMI	       2
#define INTR_TYPE_HW_EXCEPTION 3
#define INTR_TYPE_SW_INTERRUPT 4
#define INTR_TYPE_PRIV_SW_EXC  5
#define INTR_TYPE_SW_EXCEPTION 6

/*
 * Segment access rights as the VMCS holds them (SDM Vol. 3C, 25.4.1 "Guest Register State",
 * table "Format of Access Rights"): the descriptor's type, S, DPL, P, AVL, L, D/B, G bits, plus
 * bit 16 "segment unusable".
 */
#define AR_TYPE_DATA_RW_A 0x3 /* read/write data, accessed */
#define AR_TYPE_CODE_RX_A 0xb /* execute/read code, accessed */
#define AR_TYPE_TSS_BUSY  0xb /* 32-bit (or 64-bit) busy TSS */
#define AR_S		  BIT(4)
#define AR_DPL(n)	  ((u32)(n) << 5)
#define AR_P		  BIT(7)
#define AR_L		  BIT(13) /* CS: 64-bit code (with IA-32e mode) */
#define AR_DB		  BIT(14)
#define AR_G		  BIT(15)
#define AR_UNUSABLE	  BIT(16)

#define AR_FLAT32_CODE	  (AR_TYPE_CODE_RX_A | AR_S | AR_P | AR_DB | AR_G)
#define AR_FLAT32_DATA	  (AR_TYPE_DATA_RW_A | AR_S | AR_P | AR_DB | AR_G)
#define AR_REAL_CODE	  (AR_TYPE_CODE_RX_A | AR_S | AR_P)
#define AR_REAL_DATA	  (AR_TYPE_DATA_RW_A | AR_S | AR_P)
#define AR_TR		  (AR_TYPE_TSS_BUSY | AR_P)
/* What every segment register holds in virtual-8086 mode (SDM Vol. 3C, 27.3.1.2). */
#define AR_VM86 (AR_TYPE_DATA_RW_A | AR_S | AR_DPL(3) | AR_P)

struct vmx_vcpu {
	struct vcpu *vcpu;
	paddr_t vmcs;
	bool launched;
	bool ept;	   /* EPT mode; otherwise shadow paging */
	bool unrestricted; /* unrestricted guest is on */
	u16 vpid;	   /* 0 without VPID */
	struct vmx_controls ctls;
	/* the guest's own view; the VMCS holds what the CPU really runs with */
	u64 cr0, cr3, cr4, efer;
	u64 cr2; /* not in the VMCS: the CPU holds it while the vCPU is current (run.c) */
	/*
	 * Work due before the next entry. entry_work overlays all of it: the way into the guest
	 * tests one word and takes the slow path only when something is due.
	 */
	union {
		struct {
			bool flush_tlb;	       /* INVVPID (or INVEPT) */
			bool inject;	       /* deliver inject_info */
			bool timer_reload;     /* load the preemption timer with a full slice */
			bool timer_each_entry; /* no timer save on exit: load it every time */
		};
		u32 entry_work;
	};
	/* the event to deliver (VMCS_ENTRY_INTR_INFO format) when inject is set */
	u32 inject_info;
	u32 inject_error_code;
	u32 inject_insn_len;
	u64 slice_ticks;  /* preemption-timer slice in TSC ticks, 0 without a timer */
	bool timer_saved; /* the CPU saves the timer on exit: reload only after expiry */
	/*
	 * Guest fields read once per exit: VMX_CACHED_* bits say which are valid, cleared at each
	 * exit. Code that writes GUEST_RIP, GUEST_CS_AR or GUEST_SS_AR other than through run.c's
	 * set_rip() must clear the field's bit.
	 */
	u32 cached;
	u64 rip;
	u32 cs_ar, ss_ar;
	/* step.c: how this vCPU steps, and the step armed for the next entry (or VMX_STEP_OFF) */
	u8 step_mode, step_armed;
	u64 step_rip; /* guest RIP when the armed MTF step began */
	/*
	 * Real mode in shadow mode runs in virtual-8086 mode (vm86.c). vm86_tss: the TSS pages,
	 * 0 for a VM that never enters real mode; vm86: the CPU runs the guest in vm86 now, with
	 * IOPL 3 and the guest's own IOPL kept in vm86_iopl; saved_tr and saved_exc_bitmap: the
	 * guest's TR and the exception bitmap of protected mode meanwhile.
	 */
	paddr_t vm86_tss;
	bool vm86;
	u64 vm86_iopl;
	struct vcpu_segment saved_tr;
	u32 saved_exc_bitmap;
};

enum vmx_step_mode {
	VMX_STEP_OFF,
	VMX_STEP_MTF, /* the monitor trap flag */
	VMX_STEP_TF,  /* RFLAGS.TF and a #DB intercept */
};

/* entry_work must cover every flag beside it: a new flag that does not fit widens it. */
_Static_assert(__builtin_offsetof(struct vmx_vcpu, inject_info) -
			       __builtin_offsetof(struct vmx_vcpu, entry_work) ==
		       sizeof(u32),
	       "entry_work does not cover all the entry flags");

#define VMX_CACHED_RIP	 BIT(0)
#define VMX_CACHED_CS_AR BIT(1)
#define VMX_CACHED_SS_AR BIT(2)

/*
 * VMREAD and VMWRITE for the exit path and the vcpu_ops: fields every VMCS has, on the vCPU's
 * VMCS, current on this CPU, so they cannot fail and no status is checked. Everything else uses
 * vmcs_read()/vmcs_write(), which check and report (insn.h has the checked instructions).
 */
static inline u64 vmcs_read_raw(u32 field)
{
	u64 v;

	__asm__ volatile("vmread %1, %0" : "=r"(v) : "r"((u64)field) : "cc");
	return v;
}

static inline void vmcs_write_raw(u32 field, u64 val)
{
	__asm__ volatile("vmwrite %1, %0" : : "r"((u64)field), "r"(val) : "cc", "memory");
}

/* entry.S: loads the guest GPRs, VMLAUNCH/VMRESUME, saves them on exit. */
enum vmx_enter_result {
	VMX_ENTER_EXITED = 0,
	VMX_ENTER_FAIL_INVALID = 1,
	VMX_ENTER_FAIL_VALID = 2,
};
void vmx_exit_stub(void);

/*
 * Calls entry.S's vmx_enter, which keeps only RBP and RSP of the host's registers: every other
 * one is named clobbered here. The call from inline asm is sound because the kernel is built
 * with -mno-red-zone (nothing of the caller's lives below RSP) and vmx_enter needs no particular
 * stack alignment.
 */
static inline enum vmx_enter_result vmx_enter_guest(u64 *gprs, bool launched)
{
	u64 resume = launched;
	u32 r;

	__asm__ volatile("call vmx_enter"
			 : "=a"(r), "+D"(gprs), "+S"(resume)
			 :
			 : "rbx", "rcx", "rdx", "r8", "r9", "r10", "r11", "r12", "r13", "r14",
			   "r15", "cc", "memory");
	return (enum vmx_enter_result)r;
}

/* vmcs_setup.c */
int vmx_vmcs_setup(struct vmx_vcpu *vx, u64 entry_rip, char *err, size_t errlen);
u64 vmx_eptp(paddr_t root);
u64 vmx_guest_cr0(const struct vmx_vcpu *vx, u64 cr0);
u64 vmx_guest_cr4(const struct vmx_vcpu *vx, u64 cr4);

/* step.c: one-instruction steps, under the monitor trap flag or RFLAGS.TF */
int vmx_step_init(struct vmx_vcpu *vx);
bool vmx_can_single_step(struct vcpu *vcpu);
void vmx_single_step(struct vcpu *vcpu, bool on);
/* a #DB exception exit: the armed TF step's trap becomes VM_EXIT_SINGLE_STEP */
void vmx_step_decode_db(struct vmx_vcpu *vx, struct vm_exit *exit);

/* vm86.c */
int vmx_vm86_init(struct vmx_vcpu *vx, char *err, size_t errlen);
void vmx_vm86_destroy(struct vmx_vcpu *vx);
void vmx_vm86_cr0_pe_changed(struct vmx_vcpu *vx, bool pe);
void vmx_vm86_inject(struct vmx_vcpu *vx, u8 vector);
void vmx_get_seg(struct vcpu *vcpu, enum vcpu_seg seg, struct vcpu_segment *out);
void vmx_set_seg(struct vcpu *vcpu, enum vcpu_seg seg, const struct vcpu_segment *val);
void vmx_get_dtable(struct vcpu *vcpu, enum vcpu_dtable table, u64 *base, u16 *limit);
void vmx_set_dtable(struct vcpu *vcpu, enum vcpu_dtable table, u64 base, u16 limit);

/* RFLAGS as the guest sees it from what the CPU holds, and back (vm86: VM = 1, IOPL = 3). */
static inline u64 vmx_vm86_guest_rflags(const struct vmx_vcpu *vx, u64 cpu_rflags)
{
	if (!vx->vm86)
		return cpu_rflags;
	return (cpu_rflags & ~(X86_RFLAGS_VM | X86_RFLAGS_IOPL)) | vx->vm86_iopl;
}

static inline u64 vmx_vm86_cpu_rflags(struct vmx_vcpu *vx, u64 guest_rflags)
{
	if (!vx->vm86)
		return guest_rflags;
	vx->vm86_iopl = guest_rflags & X86_RFLAGS_IOPL;
	return guest_rflags | X86_RFLAGS_VM | X86_RFLAGS_IOPL;
}

/* exit_decode.c: the rest of the record, once arch_reason, insn_len and arch_qualification = 0 are
 * in */
void vmx_decode_exit(struct vmx_vcpu *vx, struct vm_exit *exit);

/*
 * VMCALL, on the hypercall round trip (run.c) and through vmx_decode_exit(): the handler needs
 * the caller's CPL, which is SS.DPL (SDM Vol. 3C, 27.3.1.2), bits 6:5 of the access rights, and
 * whether it runs in 64-bit mode: IA-32e active and CS.L, bit 13 of the access rights (25.4.1).
 */
static inline void vmx_decode_vmcall(const struct vmx_vcpu *vx, struct vm_exit *exit)
{
	exit->kind = VM_EXIT_VMCALL;
	exit->vmcall.cpl = (vmcs_read_raw(VMCS_GUEST_SS_AR) >> 5) & 3;
	exit->vmcall.mode64 = (vx->efer & EFER_LMA) && (vmcs_read_raw(VMCS_GUEST_CS_AR) & AR_L);
}

#endif
