/* SPDX-License-Identifier: GPL-2.0-only */
/* CPU identification: vendor, model, the paging and VMX features Keel depends on. */
#include <keel/arch.h>
#include <keel/printk.h>
#include <arch/cpu.h>
#include <arch/msr.h>
#include <arch/vmx_defs.h>
#include <string.h>

#define CPUID_DEFAULT_PHYS_BITS 36 /* when leaf 0x80000008 is missing (SDM Vol. 3A, 4.1.4) */

struct cpu_features cpu_features;

static void read_brand(char *brand)
{
	u32 leaf;

	for (leaf = 0; leaf < 3; leaf++) {
		struct cpuid_regs r = cpuid(CPUID_LEAF_EXT_BASE + 2 + leaf);

		memcpy(brand + leaf * 16, &r, 16);
	}
	brand[48] = '\0';
}

void cpu_detect(void)
{
	struct cpu_features *f = &cpu_features;
	struct cpuid_regs r = cpuid(0);
	u32 max_basic = r.eax, max_ext, sig, base_family;

	memset(f, 0, sizeof(*f));
	memcpy(f->vendor + 0, &r.ebx, 4);
	memcpy(f->vendor + 4, &r.edx, 4);
	memcpy(f->vendor + 8, &r.ecx, 4);

	r = cpuid(1);
	sig = r.eax;
	base_family = (sig >> 8) & 0xf;
	f->family = base_family == 0xf ? base_family + ((sig >> 20) & 0xff) : base_family;
	f->model = (sig >> 4) & 0xf;
	if (base_family == 0x6 || base_family == 0xf)
		f->model |= ((sig >> 16) & 0xf) << 4;
	f->stepping = sig & 0xf;
	f->vmx = r.ecx & CPUID_1_ECX_VMX;
	f->pcid = r.ecx & CPUID_1_ECX_PCID;
	f->x2apic = r.ecx & CPUID_1_ECX_X2APIC;
	f->xsave = r.ecx & CPUID_1_ECX_XSAVE;
	f->hypervisor = r.ecx & CPUID_1_ECX_HYPERVISOR;

	if (max_basic >= 7) {
		r = cpuid_count(7, 0);
		f->smep = r.ebx & CPUID_7_EBX_SMEP;
		f->smap = r.ebx & CPUID_7_EBX_SMAP;
		f->invpcid = r.ebx & CPUID_7_EBX_INVPCID;
	}

	max_ext = cpuid_max_leaf(CPUID_LEAF_EXT_BASE);
	if (max_ext >= CPUID_LEAF_EXT_BASE + 1) {
		r = cpuid(CPUID_LEAF_EXT_BASE + 1);
		f->nx = r.edx & CPUID_80000001_EDX_NX;
		f->page1gb = r.edx & CPUID_80000001_EDX_PAGE1GB;
	}
	if (max_ext >= CPUID_LEAF_EXT_BASE + 4)
		read_brand(f->brand);
	f->phys_bits = CPUID_DEFAULT_PHYS_BITS;
	if (max_ext >= CPUID_LEAF_EXT_BASE + 8)
		f->phys_bits = cpuid(CPUID_LEAF_EXT_BASE + 8).eax & 0xff;
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

/* Only called when CPUID.1:ECX.VMX is set: the VMX MSRs raise #GP otherwise. */
static void print_vmx_summary(void)
{
	u64 basic = rdmsr(MSR_IA32_VMX_BASIC);
	u64 fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	u32 proc = VMX_CTL_ALLOWED1(rdmsr(MSR_IA32_VMX_PROCBASED_CTLS));
	u32 proc2 = 0;

	if (proc & VMX_PROC_SECONDARY_CONTROLS)
		proc2 = VMX_CTL_ALLOWED1(rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2));
	pr_info("cpu: VMX: yes, VMCS revision 0x%lx, %lu bytes; EPT %s, VPID %s, "
		"unrestricted guest %s; feature control %s%s\n",
		(unsigned long)VMX_BASIC_REVISION(basic), (unsigned long)VMX_BASIC_VMCS_SIZE(basic),
		yes_no(proc2 & VMX_PROC2_EPT), yes_no(proc2 & VMX_PROC2_VPID),
		yes_no(proc2 & VMX_PROC2_UNRESTRICTED_GUEST),
		fc & FEATURE_CONTROL_LOCKED ? "locked" : "unlocked",
		fc & FEATURE_CONTROL_VMXON_OUTSIDE_SMX ? ", VMXON allowed" : "");
}

void arch_print_cpu_summary(void)
{
	const struct cpu_features *f = &cpu_features;

	pr_info("cpu: %s family 0x%x model 0x%x stepping %u: %s\n", f->vendor, f->family, f->model,
		f->stepping, f->brand[0] ? f->brand : "(no brand string)");
	pr_info("cpu: features: nx %s, 1g-pages %s, smep %s, smap %s, pcid %s, invpcid %s, "
		"x2apic %s, xsave %s, hypervisor %s, phys-bits %u\n",
		yes_no(f->nx), yes_no(f->page1gb), yes_no(f->smep), yes_no(f->smap),
		yes_no(f->pcid), yes_no(f->invpcid), yes_no(f->x2apic), yes_no(f->xsave),
		yes_no(f->hypervisor), f->phys_bits);
	if (f->vmx)
		print_vmx_summary();
	else
		pr_info("cpu: VMX: not present\n");
}
