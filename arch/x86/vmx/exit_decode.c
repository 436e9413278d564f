/* SPDX-License-Identifier: GPL-2.0-only */
/* From a VMX exit reason and qualification to Keel's arch-neutral struct vm_exit. */
#include <arch/trap.h>

#include "vcpu.h"

/*
 * VM-exit instruction information for INVEPT, INVPCID and INVVPID (SDM Vol. 3C, 28.2.5,
 * "Format of the VM-Exit Instruction-Information Field as Used for INVEPT, INVPCID, and
 * INVVPID"): the memory operand as scale/index/base/segment, the register operand in 31:28.
 */
#define INSN_INFO_SCALE(v)	((v)&0x3)
#define INSN_INFO_ADDR_SIZE(v)	(((v) >> 7) & 0x7) /* 0: 16-bit, 1: 32-bit, 2: 64-bit */
#define INSN_INFO_SEG(v)	(((v) >> 15) & 0x7)
#define INSN_INFO_INDEX(v)	(((v) >> 18) & 0xf)
#define INSN_INFO_INDEX_INVALID BIT(22)
#define INSN_INFO_BASE(v)	(((v) >> 23) & 0xf)
#define INSN_INFO_BASE_INVALID	BIT(27)
#define INSN_INFO_REG2(v)	(((v) >> 28) & 0xf)
#define INSN_INFO_SEG_FS	4 /* segment numbers: ES, CS, SS, DS, FS, GS */

/*
 * INS and OUTS (SDM Vol. 3C, 28.2.5, with IA32_VMX_BASIC[54]): the address size in bits 9:7, as
 * above; the guest-linear address field holds the memory operand's linear address.
 */
#define INSN_INFO_IO_ADDR_BYTES(v) (2u << INSN_INFO_ADDR_SIZE(v))

static u64 gpr(struct vcpu *vcpu, unsigned int reg)
{
	return vcpu_reg_read(vcpu, (enum vcpu_reg)reg);
}

/*
 * The descriptor's linear address: the effective address at the instruction's address size,
 * plus the segment base, which 64-bit mode ignores for ES, CS, SS and DS (SDM Vol. 3A, 3.4.4);
 * outside 64-bit mode linear addresses have 32 bits.
 * Out of line: its register use would otherwise burden every other exit's decode.
 */
static __attribute__((noinline)) void decode_invpcid(struct vcpu *vcpu, struct vm_exit *exit)
{
	u64 info = vmcs_read_raw(VMCS_EXIT_INSTRUCTION_INFO);
	u64 addr = exit->arch_qualification; /* the displacement */
	unsigned int size = INSN_INFO_ADDR_SIZE(info), seg = INSN_INFO_SEG(info);
	bool mode64 = vcpu->ops->mode64(vcpu);

	if (!(info & INSN_INFO_BASE_INVALID))
		addr += gpr(vcpu, INSN_INFO_BASE(info));
	if (!(info & INSN_INFO_INDEX_INVALID))
		addr += gpr(vcpu, INSN_INFO_INDEX(info)) << INSN_INFO_SCALE(info);
	if (size == 0)
		addr &= 0xffff;
	else if (size == 1)
		addr &= 0xffffffff;
	if (!mode64 || seg >= INSN_INFO_SEG_FS)
		addr += vmcs_read_raw(VMCS_GUEST_ES_BASE + 2 * seg);
	exit->invpcid.desc_gva = mode64 ? addr : (u32)addr;
	exit->invpcid.type = gpr(vcpu, INSN_INFO_REG2(info));
}

static void decode_exception(struct vm_exit *exit)
{
	u64 info = vmcs_read_raw(VMCS_EXIT_INTR_INFO);

	if (INTR_INFO_TYPE(info) == INTR_TYPE_NMI) {
		exit->kind = VM_EXIT_NMI;
		return;
	}
	exit->kind = VM_EXIT_EXCEPTION;
	exit->exception.vector = INTR_INFO_VECTOR(info);
	exit->exception.software = INTR_INFO_TYPE(info) == INTR_TYPE_SW_EXCEPTION;
	exit->exception.has_error_code = info & INTR_INFO_ERROR_CODE;
	exit->exception.error_code =
		exit->exception.has_error_code ? (u32)vmcs_read_raw(VMCS_EXIT_INTR_ERROR_CODE) : 0;
	exit->arch_qualification = vmcs_read_raw(VMCS_EXIT_QUALIFICATION);
	exit->exception.cr2 = exit->exception.vector == VM_EXC_PF ? exit->arch_qualification : 0;
}

static void decode_ept_violation(struct vm_exit *exit)
{
	u64 q = vmcs_read_raw(VMCS_EXIT_QUALIFICATION);

	exit->arch_qualification = q;
	exit->ept.gpa = vmcs_read_raw(VMCS_GUEST_PHYSICAL_ADDR);
	exit->ept.gva_valid = q & VMX_QUAL_EPT_LINEAR_VALID;
	exit->ept.gva = exit->ept.gva_valid ? vmcs_read_raw(VMCS_GUEST_LINEAR_ADDR) : 0;
	exit->ept.read = q & VMX_QUAL_EPT_READ;
	exit->ept.write = q & VMX_QUAL_EPT_WRITE;
	exit->ept.fetch = q & VMX_QUAL_EPT_FETCH;
	exit->ept.readable = q & VMX_QUAL_EPT_READABLE;
	exit->ept.writable = q & VMX_QUAL_EPT_WRITABLE;
	exit->ept.executable = q & VMX_QUAL_EPT_EXECUTABLE;
}

static void decode_io(struct vm_exit *exit)
{
	u64 q = vmcs_read_raw(VMCS_EXIT_QUALIFICATION);

	exit->arch_qualification = q;
	exit->io.port = VMX_QUAL_IO_PORT(q);
	exit->io.size = VMX_QUAL_IO_SIZE(q);
	exit->io.in = VMX_QUAL_IO_IN(q);
	exit->io.string = VMX_QUAL_IO_STRING(q);
	exit->io.rep = VMX_QUAL_IO_REP(q);
	exit->io.addr_size = 0;
	if (exit->io.string && vmx_get_caps()->ins_outs_info) {
		exit->io.addr_size =
			(u8)INSN_INFO_IO_ADDR_BYTES(vmcs_read_raw(VMCS_EXIT_INSTRUCTION_INFO));
		exit->io.gva = vmcs_read_raw(VMCS_GUEST_LINEAR_ADDR);
	}
}

static void decode_cr(struct vm_exit *exit)
{
	static const enum vm_cr_access_type types[] = {
		[VMX_CR_ACCESS_MOV_TO_CR] = VM_CR_MOV_TO,
		[VMX_CR_ACCESS_MOV_FROM_CR] = VM_CR_MOV_FROM,
		[VMX_CR_ACCESS_CLTS] = VM_CR_CLTS,
		[VMX_CR_ACCESS_LMSW] = VM_CR_LMSW,
	};
	u64 q = vmcs_read_raw(VMCS_EXIT_QUALIFICATION);

	exit->arch_qualification = q;
	exit->cr.cr = VMX_QUAL_CR_NUM(q);
	exit->cr.gpr = VMX_QUAL_CR_GPR(q);
	exit->cr.type = types[VMX_QUAL_CR_ACCESS_TYPE(q)];
	exit->cr.lmsw_data = VMX_QUAL_CR_LMSW_DATA(q);
}

static void decode_entry_failure(struct vm_exit *exit, u32 basic)
{
	exit->kind = VM_EXIT_ENTRY_FAILURE;
	exit->entry_failure.vmfail = false;
	exit->entry_failure.reason = basic;
	exit->entry_failure.qualification = vmcs_read_raw(VMCS_EXIT_QUALIFICATION);
	exit->arch_qualification = exit->entry_failure.qualification;
	exit->entry_failure.what = vmx_exit_reason_name(basic);
}

/* Exits that are just "this instruction ran": no qualification worth decoding. */
static const enum vm_exit_kind simple_kinds[VMX_EXIT_REASON_MAX + 1] = {
	[VMX_EXIT_EXTERNAL_INTERRUPT] = VM_EXIT_EXTERNAL_INTERRUPT,
	[VMX_EXIT_TRIPLE_FAULT] = VM_EXIT_TRIPLE_FAULT,
	[VMX_EXIT_CPUID] = VM_EXIT_CPUID,
	[VMX_EXIT_HLT] = VM_EXIT_HLT,
	[VMX_EXIT_INVD] = VM_EXIT_INVD,
	[VMX_EXIT_VMCLEAR] = VM_EXIT_VMX_INSTRUCTION,
	[VMX_EXIT_VMLAUNCH] = VM_EXIT_VMX_INSTRUCTION,
	[VMX_EXIT_VMPTRLD] = VM_EXIT_VMX_INSTRUCTION,
	[VMX_EXIT_VMPTRST] = VM_EXIT_VMX_INSTRUCTION,
	[VMX_EXIT_VMREAD] = VM_EXIT_VMX_INSTRUCTION,
	[VMX_EXIT_VMRESUME] = VM_EXIT_VMX_INSTRUCTION,
	[VMX_EXIT_VMWRITE] = VM_EXIT_VMX_INSTRUCTION,
	[VMX_EXIT_VMXOFF] = VM_EXIT_VMX_INSTRUCTION,
	[VMX_EXIT_VMXON] = VM_EXIT_VMX_INSTRUCTION,
	[VMX_EXIT_INVEPT] = VM_EXIT_VMX_INSTRUCTION,
	[VMX_EXIT_INVVPID] = VM_EXIT_VMX_INSTRUCTION,
	[VMX_EXIT_VMFUNC] = VM_EXIT_VMX_INSTRUCTION,
	[VMX_EXIT_PREEMPTION_TIMER] = VM_EXIT_PREEMPTION_TIMER,
	[VMX_EXIT_WBINVD] = VM_EXIT_WBINVD,
	[VMX_EXIT_MONITOR_TRAP_FLAG] = VM_EXIT_SINGLE_STEP,
};

void vmx_decode_exit(struct vmx_vcpu *vx, struct vm_exit *exit)
{
	struct vcpu *vcpu = vx->vcpu;
	u32 reason = exit->arch_reason;
	u32 basic = reason & VMX_EXIT_REASON_BASIC_MASK;

	if (reason & VMX_EXIT_REASON_ENTRY_FAILURE) {
		decode_entry_failure(exit, basic);
		return;
	}
	exit->kind = VM_EXIT_OTHER;
	if (basic <= VMX_EXIT_REASON_MAX && simple_kinds[basic])
		exit->kind = simple_kinds[basic];
	switch (basic) {
	case VMX_EXIT_EXCEPTION_NMI:
		decode_exception(exit);
		/* #DB is intercepted only while a TF step is armed */
		if (exit->kind == VM_EXIT_EXCEPTION && exit->exception.vector == X86_TRAP_DB)
			vmx_step_decode_db(vx, exit);
		break;
	case VMX_EXIT_CPUID:
		/* simple_kinds[] cannot tell CPUID (kind 0) from "not simple" */
		exit->kind = VM_EXIT_CPUID;
		break;
	case VMX_EXIT_VMCALL:
		vmx_decode_vmcall(vx, exit);
		break;
	case VMX_EXIT_INVLPG:
		exit->kind = VM_EXIT_INVLPG;
		exit->arch_qualification = vmcs_read_raw(VMCS_EXIT_QUALIFICATION);
		exit->invlpg.gva = exit->arch_qualification;
		break;
	case VMX_EXIT_CR_ACCESS:
		exit->kind = VM_EXIT_CR_ACCESS;
		decode_cr(exit);
		break;
	case VMX_EXIT_IO_INSTRUCTION:
		exit->kind = VM_EXIT_IO;
		decode_io(exit);
		break;
	case VMX_EXIT_RDMSR:
	case VMX_EXIT_WRMSR:
		exit->kind = basic == VMX_EXIT_RDMSR ? VM_EXIT_MSR_READ : VM_EXIT_MSR_WRITE;
		exit->msr.msr = (u32)vcpu->gprs[VCPU_RCX];
		break;
	case VMX_EXIT_EPT_VIOLATION:
		exit->kind = VM_EXIT_EPT_VIOLATION;
		decode_ept_violation(exit);
		break;
	case VMX_EXIT_EPT_MISCONFIG:
		exit->kind = VM_EXIT_EPT_MISCONFIG;
		exit->ept.gpa = vmcs_read_raw(VMCS_GUEST_PHYSICAL_ADDR);
		break;
	case VMX_EXIT_XSETBV:
		exit->kind = VM_EXIT_XSETBV;
		exit->xsetbv.xcr = (u32)vcpu->gprs[VCPU_RCX];
		break;
	case VMX_EXIT_INVPCID:
		exit->kind = VM_EXIT_INVPCID;
		exit->arch_qualification = vmcs_read_raw(VMCS_EXIT_QUALIFICATION);
		decode_invpcid(vcpu, exit);
		break;
	default:
		break;
	}
}
