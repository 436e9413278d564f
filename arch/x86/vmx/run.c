/* SPDX-License-Identifier: GPL-2.0-only */
/* Running a vCPU under VMX: VMXON per CPU, one entry and exit at a time, the vcpu_ops. */
#include <arch/cpu.h>
#include <arch/msr.h>
#include <keel/mm.h>
#include <keel/printk.h>
#include <keel/smp.h>

#include <errno.h>
#include <stdio.h>

#include "vcpu.h"

/* CR0 bits the guest owns outright (every other one is in the guest/host mask). */
#define CR0_GUEST_OWNED (X86_CR0_TS | X86_CR0_MP)
/* EFER bits a guest may set (SDM Vol. 3A, 2.2.1); LMA is the CPU's to set. */
#define EFER_GUEST_BITS (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)
/*
 * A MOV to CR0 or CR4 that changes one of these bits, with PAE paging in use after it, loads the
 * PDPTE registers from the PDPT at CR3 (SDM Vol. 3A, 4.4.1).
 */
#define CR0_PDPTE_RELOAD (X86_CR0_PG | X86_CR0_CD | X86_CR0_NW)
#define CR4_PDPTE_RELOAD (X86_CR4_PAE | X86_CR4_PGE | X86_CR4_PSE | X86_CR4_SMEP)
/* PAE paging: CR3 bits 31:5 locate the 32-byte PDPT (SDM Vol. 3A, 4.4.1, table 4-7). */
#define CR3_PAE_PDPT_MASK 0xffffffe0ull

static struct vmx_cpu vmx_cpus[KEEL_MAX_CPUS];

/*
 * The vCPU current on each CPU: its VMCS is the current VMCS, and the CPU's CR2 holds its
 * guest's CR2. Keel's host never writes CR2 and takes no page faults while a vCPU is current
 * (the only expected ones are ktests' arch_try_call(), outside any vCPU's life), so CR2 can stay
 * the guest's across exits and entries: it is saved to vx->cr2 only when another vCPU becomes
 * current or VMX is turned off, and loaded from there by make_current().
 */
static struct vmx_vcpu *current_vx[KEEL_MAX_CPUS];

static void write_cr2(u64 val)
{
	__asm__ volatile("mov %0, %%cr2" : : "r"(val) : "memory");
}

static u64 guest_cr2(const struct vmx_vcpu *vx)
{
	return current_vx[vx->vcpu->cpu] == vx ? read_cr2() : vx->cr2;
}

static void set_guest_cr2(struct vmx_vcpu *vx, u64 val)
{
	vx->cr2 = val;
	if (current_vx[vx->vcpu->cpu] == vx)
		write_cr2(val);
}

/* No vCPU current on this CPU any more: the one that was keeps its CR2 in vx->cr2. */
static void release_current(unsigned int cpu)
{
	if (current_vx[cpu])
		current_vx[cpu]->cr2 = read_cr2();
	current_vx[cpu] = NULL;
}

static void flush_all_guest_tlbs(void)
{
	const struct vmx_caps *c = vmx_get_caps();

	if (c->ept.invept_all)
		vmx_invept(VMX_INVEPT_ALL_CONTEXT, 0);
	if (c->vpid.invvpid_all)
		vmx_invvpid(VMX_INVVPID_ALL_CONTEXT, 0, 0);
}

int arch_vmm_cpu_enable(char *err, size_t errlen)
{
	struct vmx_cpu *vc = &vmx_cpus[smp_cpu_id()];
	int ret;

	if (vc->on)
		return 0;
	ret = vmx_cpu_init(vc, err, errlen);
	if (ret)
		return ret;
	/* Translations tagged before an earlier VMXOFF must not outlive it. */
	flush_all_guest_tlbs();
	return 0;
}

void arch_vmm_cpu_disable(void)
{
	unsigned int cpu = smp_cpu_id();

	if (!vmx_cpus[cpu].on)
		return;
	release_current(cpu);
	vmx_cpu_exit(&vmx_cpus[cpu]);
}

void arch_vmm_flush_guest_tlbs(void)
{
	if (vmx_cpus[smp_cpu_id()].on)
		flush_all_guest_tlbs();
}

static u64 vread(u32 field)
{
	u64 v = 0;

	vmcs_read(field, &v);
	return v;
}

static struct vmx_vcpu *to_vmx(struct vcpu *vcpu)
{
	return vcpu->arch;
}

/*
 * Writes what the CPU runs the guest with for the guest's CR0, CR4 and EFER, the read shadows,
 * and "IA-32e mode guest", which must equal the EFER.LMA the CPU gets (SDM Vol. 3C, 27.3.1.1).
 * Shadow paging keeps EFER.NXE on in the CPU whatever the guest's: an SPTE may need XD where
 * the guest's entry has none (a CR0.WP = 0 write under SMEP), and the walker enforces the
 * guest's own NXE on its entries. It also runs a guest with paging off with CR0.PG set, so
 * the CPU's EFER.LME must follow LMA (VM entry demands LME = LMA when CR0.PG is 1, SDM Vol. 3C
 * 27.3.1.1) while the guest's LME waits for its CR0.PG. The guest reads its EFER from Keel,
 * never from the CPU.
 */
static int apply_paging(struct vmx_vcpu *vx)
{
	u64 efer = vx->efer;
	u64 entry = vx->ctls.value[VMX_CTL_ENTRY] & ~(u64)VMX_ENTRY_CTL_IA32E_GUEST;
	struct vcpu *vcpu = vx->vcpu;
	int e = 0;
	u64 owned = vread(VMCS_GUEST_CR0) & CR0_GUEST_OWNED;

	if (!vx->ept) {
		efer |= EFER_NXE;
		if (!(efer & EFER_LMA))
			efer &= ~EFER_LME;
	}
	if (efer & EFER_LMA)
		entry |= VMX_ENTRY_CTL_IA32E_GUEST;
	vx->ctls.value[VMX_CTL_ENTRY] = entry;
	e |= vmcs_write(VMCS_GUEST_CR0, vmx_guest_cr0(vx, vx->cr0) | owned);
	e |= vmcs_write(VMCS_CR0_READ_SHADOW, vx->cr0);
	e |= vmcs_write(VMCS_GUEST_CR4, vmx_guest_cr4(vx, vx->cr4));
	e |= vmcs_write(VMCS_CR4_READ_SHADOW, vx->cr4);
	e |= vmcs_write(VMCS_GUEST_EFER, efer);
	e |= vmcs_write(VMCS_ENTRY_CONTROLS, entry);
	vcpu->paging.cr0 = vx->cr0;
	vcpu->paging.cr3 = vx->cr3;
	vcpu->paging.cr4 = vx->cr4;
	vcpu->paging.efer = vx->efer;
	return e ? -EIO : 0;
}

/* The guest's RIP, CS and SS access rights, read from the VMCS at most once per exit. */
static u64 cached_rip(struct vmx_vcpu *vx)
{
	if (!(vx->cached & VMX_CACHED_RIP)) {
		vx->rip = vmcs_read_raw(VMCS_GUEST_RIP);
		vx->cached |= VMX_CACHED_RIP;
	}
	return vx->rip;
}

static u32 cached_cs_ar(struct vmx_vcpu *vx)
{
	if (!(vx->cached & VMX_CACHED_CS_AR)) {
		vx->cs_ar = (u32)vmcs_read_raw(VMCS_GUEST_CS_AR);
		vx->cached |= VMX_CACHED_CS_AR;
	}
	return vx->cs_ar;
}

static u32 cached_ss_ar(struct vmx_vcpu *vx)
{
	if (!(vx->cached & VMX_CACHED_SS_AR)) {
		vx->ss_ar = (u32)vmcs_read_raw(VMCS_GUEST_SS_AR);
		vx->cached |= VMX_CACHED_SS_AR;
	}
	return vx->ss_ar;
}

static void set_rip(struct vmx_vcpu *vx, u64 rip)
{
	vmcs_write_raw(VMCS_GUEST_RIP, rip);
	vx->rip = rip;
	vx->cached |= VMX_CACHED_RIP;
}

static u64 vmx_get_reg(struct vcpu *vcpu, enum vcpu_reg reg)
{
	switch (reg) {
	case VCPU_RSP:
		return vmcs_read_raw(VMCS_GUEST_RSP);
	case VCPU_RIP:
		return cached_rip(to_vmx(vcpu));
	case VCPU_RFLAGS:
		return vmx_vm86_guest_rflags(to_vmx(vcpu), vmcs_read_raw(VMCS_GUEST_RFLAGS));
	default:
		return vcpu->gprs[reg];
	}
}

static void vmx_set_reg(struct vcpu *vcpu, enum vcpu_reg reg, u64 val)
{
	switch (reg) {
	case VCPU_RSP:
		vmcs_write(VMCS_GUEST_RSP, val);
		break;
	case VCPU_RIP:
		set_rip(to_vmx(vcpu), val);
		break;
	case VCPU_RFLAGS:
		vmcs_write(VMCS_GUEST_RFLAGS, vmx_vm86_cpu_rflags(to_vmx(vcpu), val));
		break;
	default:
		vcpu->gprs[reg] = val;
		break;
	}
}

static u64 vmx_get_creg(struct vcpu *vcpu, enum vcpu_creg reg)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);

	switch (reg) {
	case VCPU_CR0:
		return (vx->cr0 & ~CR0_GUEST_OWNED) |
		       (vmcs_read_raw(VMCS_GUEST_CR0) & CR0_GUEST_OWNED);
	case VCPU_CR2:
		return guest_cr2(vx);
	case VCPU_CR3:
		return vx->ept ? vmcs_read_raw(VMCS_GUEST_CR3) : vx->cr3;
	case VCPU_CR4:
		return vx->cr4;
	case VCPU_EFER:
		return vx->efer;
	default:
		return 0;
	}
}

/*
 * With EPT the CPU keeps a PAE guest's PDPTE registers in the VMCS guest PDPTE fields: VM exit
 * saves them there and VM entry loads them from there, not from memory (SDM Vol. 3C, VM entries,
 * "Loading Page-Directory-Pointer-Table Entries"). A guest MOV to CR3 loads them itself (CR3 is
 * the guest's own in EPT mode), but the CR0 and CR4 writes Keel emulates must do the load the
 * instruction would have done: read the PDPT at the guest's CR3 and check each present entry.
 * Returns -EINVAL, with nothing changed, when the guest must get #GP(0) instead.
 */
static int load_pdptes(struct vmx_vcpu *vx, u64 cr0, u64 cr4, u64 efer)
{
	static const u32 fields[4] = { VMCS_GUEST_PDPTE0, VMCS_GUEST_PDPTE1, VMCS_GUEST_PDPTE2,
				       VMCS_GUEST_PDPTE3 };
	struct vcpu *vcpu = vx->vcpu;
	u64 pdpte[4];
	int e = 0;

	if (!vx->ept || guest_paging_mode(cr0, cr4, efer) != GUEST_PAGING_PAE)
		return 0;
	/* A PDPT outside guest RAM reads as all ones: present with reserved bits set. */
	if (vm_read_guest(vcpu->vm, vread(VMCS_GUEST_CR3) & CR3_PAE_PDPT_MASK, pdpte,
			  sizeof(pdpte)))
		return -EINVAL;
	for (unsigned int i = 0; i < ARRAY_SIZE(pdpte); i++)
		if (!guest_pae_pdpte_valid(pdpte[i], vcpu->paging.maxphyaddr))
			return -EINVAL;
	for (unsigned int i = 0; i < ARRAY_SIZE(pdpte); i++) {
		e |= vmcs_write(fields[i], pdpte[i]);
		vcpu->paging.pdptes[i] = pdpte[i];
	}
	return e ? -EIO : 0;
}

/* MOV to CR0: the #GP cases of SDM Vol. 3A 2.5 and of long-mode activation (10.8.5). */
static int set_cr0(struct vmx_vcpu *vx, u64 val)
{
	bool pg_on = (val & X86_CR0_PG) && !(vx->cr0 & X86_CR0_PG);
	u64 efer = vx->efer;

	if (val >> 32)
		return -EINVAL;
	if ((val & X86_CR0_PG) && !(val & X86_CR0_PE))
		return -EINVAL;
	if ((val & X86_CR0_NW) && !(val & X86_CR0_CD))
		return -EINVAL;
	if (pg_on && (efer & EFER_LME)) {
		if (!(vx->cr4 & X86_CR4_PAE))
			return -EINVAL;
		efer |= EFER_LMA;
	}
	if (!(val & X86_CR0_PG))
		efer &= ~EFER_LMA;
	if (((val ^ vx->cr0) & CR0_PDPTE_RELOAD) && load_pdptes(vx, val, vx->cr4, efer))
		return -EINVAL;
	vmcs_write(VMCS_GUEST_CR0,
		   (vread(VMCS_GUEST_CR0) & ~CR0_GUEST_OWNED) | (val & CR0_GUEST_OWNED));
	if (!vx->ept && ((val ^ vx->cr0) & X86_CR0_PE))
		vmx_vm86_cr0_pe_changed(vx, val & X86_CR0_PE);
	vx->efer = efer;
	vx->cr0 = val & ~CR0_GUEST_OWNED;
	return apply_paging(vx);
}

static int set_cr4(struct vmx_vcpu *vx, u64 val)
{
	const struct vmx_caps *c = vmx_get_caps();

	/* VMX is hidden from the guest, and bits the CPU cannot hold in VMX operation are reserved.
	 */
	if ((val & X86_CR4_VMXE) || (val & ~c->cr4_fixed1))
		return -EINVAL;
	if ((vx->efer & EFER_LMA) && !(val & X86_CR4_PAE))
		return -EINVAL;
	if (((val ^ vx->cr4) & CR4_PDPTE_RELOAD) && load_pdptes(vx, vx->cr0, val, vx->efer))
		return -EINVAL;
	vx->cr4 = val;
	vx->flush_tlb = true;
	return apply_paging(vx);
}

static int set_efer(struct vmx_vcpu *vx, u64 val)
{
	if (val & ~EFER_GUEST_BITS)
		return -EINVAL;
	if ((vx->cr0 & X86_CR0_PG) && ((val ^ vx->efer) & EFER_LME))
		return -EINVAL;
	vx->efer = (val & ~EFER_LMA) | (vx->efer & EFER_LMA);
	return apply_paging(vx);
}

static int vmx_set_creg(struct vcpu *vcpu, enum vcpu_creg reg, u64 val)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);

	switch (reg) {
	case VCPU_CR0:
		return set_cr0(vx, val);
	case VCPU_CR2:
		set_guest_cr2(vx, val);
		return 0;
	case VCPU_CR3:
		vx->cr3 = val;
		vcpu->paging.cr3 = val;
		if (vx->ept)
			return vmcs_write(VMCS_GUEST_CR3, val);
		vx->flush_tlb = true;
		return 0;
	case VCPU_CR4:
		return set_cr4(vx, val);
	case VCPU_EFER:
		return set_efer(vx, val);
	default:
		return -EINVAL;
	}
}

static unsigned int vmx_cpl(struct vcpu *vcpu)
{
	/* The CPL is SS.DPL (SDM Vol. 3C, 27.3.1.2), bits 6:5 of the access rights; vm86 runs
	 * real mode, whose CPL is 0. */
	if (to_vmx(vcpu)->vm86)
		return 0;
	return (cached_ss_ar(to_vmx(vcpu)) >> 5) & 3;
}

static bool vmx_mode64(struct vcpu *vcpu)
{
	/* 64-bit mode: IA-32e active and CS.L, bit 13 of the access rights (25.4.1). */
	struct vmx_vcpu *vx = to_vmx(vcpu);

	return (vx->efer & EFER_LMA) && (cached_cs_ar(vx) & AR_L);
}

/*
 * MSRs with a VMCS field are switched by VM entry and exit. The SYSCALL MSRs and
 * KERNEL_GS_BASE are not, and Keel's host never executes SYSCALL or SWAPGS: they hold the
 * guest's values in the CPU itself (reset for each new vCPU by arch_vcpu_init()).
 */
static const u32 msr_fields[VCPU_NR_MSRS] = {
	[VCPU_MSR_FS_BASE] = VMCS_GUEST_FS_BASE,
	[VCPU_MSR_GS_BASE] = VMCS_GUEST_GS_BASE,
	[VCPU_MSR_SYSENTER_CS] = VMCS_GUEST_SYSENTER_CS,
	[VCPU_MSR_SYSENTER_ESP] = VMCS_GUEST_SYSENTER_ESP,
	[VCPU_MSR_SYSENTER_EIP] = VMCS_GUEST_SYSENTER_EIP,
	[VCPU_MSR_PAT] = VMCS_GUEST_PAT,
};

static const u32 msr_numbers[VCPU_NR_MSRS] = {
	[VCPU_MSR_KERNEL_GS_BASE] = MSR_KERNEL_GS_BASE,
	[VCPU_MSR_STAR] = MSR_STAR,
	[VCPU_MSR_LSTAR] = MSR_LSTAR,
	[VCPU_MSR_CSTAR] = MSR_CSTAR,
	[VCPU_MSR_SFMASK] = MSR_SFMASK,
};

static u64 vmx_get_msr(struct vcpu *vcpu, enum vcpu_msr msr)
{
	if (msr >= VCPU_NR_MSRS)
		return 0;
	if (msr_fields[msr])
		return vread(msr_fields[msr]);
	return rdmsr(msr_numbers[msr]);
}

static void vmx_set_msr(struct vcpu *vcpu, enum vcpu_msr msr, u64 val)
{
	if (msr >= VCPU_NR_MSRS)
		return;
	if (msr_fields[msr])
		vmcs_write(msr_fields[msr], val);
	else
		wrmsr(msr_numbers[msr], val);
}

static void reset_cpu_held_msrs(void)
{
	for (unsigned int i = 0; i < VCPU_NR_MSRS; i++)
		if (msr_numbers[i])
			wrmsr(msr_numbers[i], 0);
}

static u64 vmx_read_tsc(struct vcpu *vcpu)
{
	u32 lo, hi;

	/* No TSC offsetting: the guest reads the host's TSC. */
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

/*
 * The rest of vmx_skip_insn(), for the rare case of an STI or MOV SS shadow or RFLAGS.TF. The
 * exiting instruction completed as Keel emulated it, so what the CPU does at the end of an
 * instruction is Keel's to do: an STI or MOV SS shadow before it has ended, and with RFLAGS.TF
 * set a single-step trap follows it. That trap is left pending in the VMCS, and VM entry delivers
 * it before the guest's next instruction (SDM Vol. 3C, 27.7.3; 32.2 asks this of VMMs that
 * emulate). IA32_DEBUGCTL.BTF, which would turn TF into a step on branches, is 0 for every
 * guest (msr_policy.c holds DEBUGCTL at 0).
 */
static void end_of_insn_events(u64 intr, u64 rflags)
{
	if (intr & (VMX_INTR_BLOCKING_STI | VMX_INTR_BLOCKING_MOV_SS))
		vmcs_write_raw(VMCS_GUEST_INTERRUPTIBILITY,
			       intr & ~(VMX_INTR_BLOCKING_STI | VMX_INTR_BLOCKING_MOV_SS));
	if (rflags & X86_RFLAGS_TF)
		vmcs_write_raw(VMCS_GUEST_PENDING_DBG_EXCEPTIONS,
			       vmcs_read_raw(VMCS_GUEST_PENDING_DBG_EXCEPTIONS) | VMX_DBG_BS);
}

static void vmx_skip_insn(struct vcpu *vcpu, const struct vm_exit *exit)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);
	u64 intr = vmcs_read_raw(VMCS_GUEST_INTERRUPTIBILITY);
	u64 rflags = vmcs_read_raw(VMCS_GUEST_RFLAGS);

	/* The VMCS always holds the current RIP (set_rip() writes through): no cache lookup. */
	vmcs_write_raw(VMCS_GUEST_RIP, vmcs_read_raw(VMCS_GUEST_RIP) + exit->insn_len);
	vx->cached &= ~VMX_CACHED_RIP;
	if (unlikely((intr & (VMX_INTR_BLOCKING_STI | VMX_INTR_BLOCKING_MOV_SS)) |
		     (rflags & X86_RFLAGS_TF)))
		end_of_insn_events(intr, rflags);
}

static void vmx_inject_exception(struct vcpu *vcpu, u8 vector, bool has_error_code, u32 error_code,
				 u64 cr2)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);

	if (vx->vm86) {
		vmx_vm86_inject(vx, vector);
		return;
	}
	/* Real mode delivers no error code; VM entry refuses one there (27.2.1.3). */
	if (!(vx->cr0 & X86_CR0_PE))
		has_error_code = false;
	vx->inject_info = INTR_INFO_VALID | (INTR_TYPE_HW_EXCEPTION << 8) | vector |
			  (has_error_code ? INTR_INFO_ERROR_CODE : 0);
	vx->inject_error_code = error_code;
	vx->inject_insn_len = 0;
	vx->inject = true;
	if (vector == VM_EXC_PF)
		set_guest_cr2(vx, cr2);
}

static void vmx_flush_guest_tlb(struct vcpu *vcpu)
{
	to_vmx(vcpu)->flush_tlb = true;
}

static void vmx_set_mmu_root(struct vcpu *vcpu, paddr_t root_pa)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);

	if (vx->ept) {
		vmcs_write(VMCS_EPT_POINTER, vmx_eptp(root_pa));
	} else {
		vmcs_write(VMCS_GUEST_CR3, root_pa);
		vx->flush_tlb = true;
	}
}

static void vmx_dump(struct vcpu *vcpu)
{
	static const char *const names[VCPU_NR_GPRS] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp",
							 "rsi", "rdi", "r8",  "r9",  "r10", "r11",
							 "r12", "r13", "r14", "r15" };
	struct vmx_vcpu *vx = to_vmx(vcpu);

	for (unsigned int i = 0; i < VCPU_NR_GPRS; i++) {
		u64 v = vcpu_reg_read(vcpu, (enum vcpu_reg)i);

		printk_raw("# vcpu%u %-3s %016lx%s", vcpu->id, names[i], (unsigned long)v,
			   i % 4 == 3 ? "\n" : "  ");
	}
	printk_raw("# vcpu%u rip %016lx  rflags %016lx  cpl %u\n", vcpu->id,
		   (unsigned long)cached_rip(vx), (unsigned long)vread(VMCS_GUEST_RFLAGS),
		   vmx_cpl(vcpu));
	printk_raw("# vcpu%u guest-visible cr0 %lx cr2 %lx cr3 %lx cr4 %lx efer %lx\n", vcpu->id,
		   (unsigned long)vx->cr0, (unsigned long)guest_cr2(vx),
		   (unsigned long)vmx_get_creg(vcpu, VCPU_CR3), (unsigned long)vx->cr4,
		   (unsigned long)vx->efer);
	vmcs_dump();
}

static const struct vcpu_ops vmx_vcpu_ops = {
	.get_reg = vmx_get_reg,
	.set_reg = vmx_set_reg,
	.get_creg = vmx_get_creg,
	.set_creg = vmx_set_creg,
	.cpl = vmx_cpl,
	.mode64 = vmx_mode64,
	.get_msr = vmx_get_msr,
	.set_msr = vmx_set_msr,
	.read_tsc = vmx_read_tsc,
	.skip_insn = vmx_skip_insn,
	.inject_exception = vmx_inject_exception,
	.flush_guest_tlb = vmx_flush_guest_tlb,
	.set_mmu_root = vmx_set_mmu_root,
	.dump = vmx_dump,
	.can_single_step = vmx_can_single_step,
	.single_step = vmx_single_step,
	.get_seg = vmx_get_seg,
	.set_seg = vmx_set_seg,
	.get_dtable = vmx_get_dtable,
	.set_dtable = vmx_set_dtable,
};

/* The vCPU is pinned: vcpu->cpu is the CPU running this. */
static int make_current(struct vmx_vcpu *vx)
{
	unsigned int cpu = vx->vcpu->cpu;

	if (current_vx[cpu] == vx)
		return 0;
	release_current(cpu);
	if (vmcs_load(vx->vmcs))
		return -EIO;
	write_cr2(vx->cr2);
	current_vx[cpu] = vx;
	return 0;
}

int arch_vcpu_init(struct vcpu *vcpu, u64 entry_rip, u64 rbx, u64 slice_ticks, char *err,
		   size_t errlen)
{
	struct vmx_vcpu *vx = kzalloc(sizeof(*vx));
	int ret;

	if (!vx) {
		snprintf(err, errlen, "out of memory for the vCPU");
		return -ENOMEM;
	}
	vx->vcpu = vcpu;
	vx->ept = vcpu->vm->opt.mmu == MMU_MODE_TDP;
	vx->slice_ticks = slice_ticks;
	vx->vmcs = vmcs_alloc();
	if (!vx->vmcs) {
		snprintf(err, errlen, "out of memory for the VMCS");
		kfree(vx);
		return -ENOMEM;
	}
	vcpu->arch = vx;
	vcpu->ops = &vmx_vcpu_ops;
	ret = vmcs_clear(vx->vmcs) ?: make_current(vx);
	if (!ret)
		ret = vmx_vmcs_setup(vx, entry_rip, err, errlen);
	if (!ret && vmx_step_init(vx)) {
		snprintf(err, errlen, "VMWRITE failed while clearing the monitor trap flag");
		ret = -EIO;
	}
	if (!ret && apply_paging(vx)) {
		snprintf(err, errlen, "VMWRITE failed while setting the guest control registers");
		ret = -EIO;
	}
	if (ret) {
		arch_vcpu_destroy(vcpu);
		return ret;
	}
	vcpu->gprs[VCPU_RBX] = rbx;
	/* Without "enable INVPCID" the instruction is #UD in VMX non-root operation (26.3). */
	vcpu->no_invpcid = !(vx->ctls.value[VMX_CTL_PROC2] & VMX_PROC2_INVPCID);
	reset_cpu_held_msrs();
	vx->flush_tlb = true;
	vx->timer_each_entry = vx->slice_ticks && !vx->timer_saved;
	return 0;
}

void arch_vcpu_destroy(struct vcpu *vcpu)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);
	unsigned int cpu = smp_cpu_id();

	if (!vx)
		return;
	vmx_vm86_destroy(vx);
	vmcs_clear(vx->vmcs);
	if (current_vx[cpu] == vx)
		current_vx[cpu] = NULL;
	vmcs_free(vx->vmcs);
	kfree(vx);
	vcpu->arch = NULL;
}

bool arch_vcpu_has_budget_timer(const struct vcpu *vcpu)
{
	return ((const struct vmx_vcpu *)vcpu->arch)->slice_ticks != 0;
}

static void flush_own_tlb(struct vmx_vcpu *vx)
{
	const struct vmx_caps *c = vmx_get_caps();

	if (vx->vpid && c->vpid.invvpid_single)
		vmx_invvpid(VMX_INVVPID_SINGLE_CONTEXT, vx->vpid, 0);
	else if (vx->vpid)
		vmx_invvpid(VMX_INVVPID_ALL_CONTEXT, 0, 0);
	else if (vx->ept)
		vmx_invept(VMX_INVEPT_ALL_CONTEXT, 0);
	vx->flush_tlb = false;
}

/* The entry_work: everything that must reach the VMCS right before VM entry. */
static __attribute__((noinline)) void prepare_entry(struct vmx_vcpu *vx)
{
	if (vx->flush_tlb)
		flush_own_tlb(vx);
	if (vx->inject) {
		vmcs_write(VMCS_ENTRY_INTR_INFO, vx->inject_info);
		if (vx->inject_info & INTR_INFO_ERROR_CODE)
			vmcs_write(VMCS_ENTRY_EXCEPTION_ERROR_CODE, vx->inject_error_code);
		vmcs_write(VMCS_ENTRY_INSTRUCTION_LEN, vx->inject_insn_len);
		vx->inject = false;
	}
	if ((vx->timer_reload || vx->timer_each_entry) && vx->slice_ticks) {
		u64 t = vx->slice_ticks >> vmx_get_caps()->preempt_timer_rate;

		vmcs_write(VMCS_GUEST_PREEMPTION_TIMER, MIN(t, 0xffffffffull));
	}
	vx->timer_reload = false;
}

/*
 * An exit in the middle of delivering an event (an EPT violation on the IDT, say) loses that
 * event unless it is delivered again at the next entry (SDM Vol. 3C, 28.2.4).
 */
static void requeue_vectoring_event(struct vmx_vcpu *vx, const struct vm_exit *exit)
{
	u64 info = vmcs_read_raw(VMCS_IDT_VECTORING_INFO);
	u32 type = INTR_INFO_TYPE(info);

	if (!(info & INTR_INFO_VALID))
		return;
	vx->inject = true;
	vx->inject_info = info & (INTR_INFO_VALID | INTR_INFO_ERROR_CODE | 0x7ff);
	if (info & INTR_INFO_ERROR_CODE)
		vx->inject_error_code = (u32)vmcs_read_raw(VMCS_IDT_VECTORING_ERROR_CODE);
	vx->inject_insn_len = (type == INTR_TYPE_SW_INTERRUPT || type == INTR_TYPE_PRIV_SW_EXC ||
			       type == INTR_TYPE_SW_EXCEPTION)
				      ? exit->insn_len
				      : 0;
}

static void entry_failed(struct vm_exit *exit, enum vmx_enter_result r)
{
	u32 e = r == VMX_ENTER_FAIL_VALID ? vmcs_insn_error() : 0;

	exit->kind = VM_EXIT_ENTRY_FAILURE;
	exit->arch_reason = 0;
	exit->arch_qualification = 0;
	exit->insn_len = 0;
	exit->entry_failure.vmfail = true;
	exit->entry_failure.insn_error = e;
	exit->entry_failure.reason = 0;
	exit->entry_failure.qualification = 0;
	exit->entry_failure.what = r == VMX_ENTER_FAIL_VALID ? vmx_insn_error_string(e)
							     : "VMfailInvalid (no current VMCS)";
}

/* What some exits need from the host before anything else runs. */
static void after_exit(struct vmx_vcpu *vx, struct vm_exit *exit)
{
	switch (exit->kind) {
	case VM_EXIT_EXTERNAL_INTERRUPT:
		/* Still pending (no acknowledge on exit): one open window lets the IDT take it. */
		__asm__ volatile("sti; nop; cli" ::: "memory");
		break;
	case VM_EXIT_NMI:
		/* The NMI that caused the exit is the host's: hand it to the host's NMI handler. */
		__asm__ volatile("int $2" ::: "memory");
		break;
	case VM_EXIT_PREEMPTION_TIMER:
		vx->timer_reload = true;
		break;
	case VM_EXIT_EXCEPTION:
	case VM_EXIT_EPT_VIOLATION:
	case VM_EXIT_EPT_MISCONFIG:
	case VM_EXIT_OTHER:
		requeue_vectoring_event(vx, exit);
		break;
	default:
		break;
	}
}

void arch_vcpu_run(struct vcpu *vcpu, struct vm_exit *exit)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);
	enum vmx_enter_result r;
	u32 reason;

	if (unlikely(current_vx[vcpu->cpu] != vx) && make_current(vx)) {
		entry_failed(exit, VMX_ENTER_FAIL_INVALID);
		return;
	}
	if (unlikely(vx->entry_work))
		prepare_entry(vx);
	r = vmx_enter_guest(vcpu->gprs, vx->launched);
	vx->cached = 0;
	if (unlikely(r != VMX_ENTER_EXITED)) {
		entry_failed(exit, r);
		return;
	}
	vx->launched = true;
	reason = (u32)vmcs_read_raw(VMCS_EXIT_REASON);
	exit->arch_reason = reason;
	exit->arch_qualification = 0;
	exit->insn_len = (u32)vmcs_read_raw(VMCS_EXIT_INSTRUCTION_LEN);
	/* The hypercall and CPUID round trips: nothing more to decode, nothing to do first. */
	if (likely(reason == VMX_EXIT_VMCALL)) {
		vmx_decode_vmcall(vx, exit);
		return;
	}
	if (reason == VMX_EXIT_CPUID) {
		exit->kind = VM_EXIT_CPUID;
		return;
	}
	vmx_decode_exit(vx, exit);
	after_exit(vx, exit);
}
