/* SPDX-License-Identifier: GPL-2.0-only */
/* VMX operation on one CPU: VMXON/VMXOFF, VMCS access with error checks, INVEPT/INVVPID. */
#ifndef ARCH_VMX_H
#define ARCH_VMX_H

#include <arch/vmcs_fields.h>
#include <arch/vmx_caps.h>
#include <keel/types.h>

/* One CPU's VMX state; the caller keeps it (per-CPU data) from vmx_cpu_init() to vmx_cpu_exit(). */
struct vmx_cpu {
	paddr_t vmxon_region;	    /* one zeroed page, revision id in its first dword */
	u64 cr0_before, cr4_before; /* restored by vmx_cpu_exit() */
	bool on;
};

/* CPUID.1:ECX.VMX: whether this CPU has VMX at all. */
bool vmx_cpu_has_vmx(void);

/*
 * Enters VMX root operation on the calling CPU: checks CPUID, locks IA32_FEATURE_CONTROL with
 * VMX outside SMX when firmware left it unlocked, decodes the capability MSRs (the first CPU to
 * get here fills vmx_get_caps(); later CPUs must match it), applies the CR0/CR4 fixed bits, sets
 * CR4.VMXE and executes VMXON. Interrupts must be off. Returns 0, or -errno with the reason in
 * err (for example "VMX disabled by firmware (IA32_FEATURE_CONTROL locked)"); on failure the CPU
 * is left as it was found, except for a feature-control lock that was written.
 */
int vmx_cpu_init(struct vmx_cpu *vc, char *err, size_t errlen);

/* VMXOFF, CR4.VMXE cleared, CR0/CR4 as before vmx_cpu_init(), the VMXON region freed. */
void vmx_cpu_exit(struct vmx_cpu *vc);

/* The capabilities decoded by the first vmx_cpu_init(); NULL before it succeeded once. */
const struct vmx_caps *vmx_get_caps(void);

/*
 * VMCS regions: a zeroed page with this CPU's revision id, 0 when memory or VMX caps are lacking.
 * Each helper below returns 0, or -EIO after printing the instruction, the field and the
 * VM-instruction error ("VMX: VMWRITE GUEST_RIP (0x681e): error 12, VMREAD/VMWRITE from/to
 * unsupported VMCS component").
 */
paddr_t vmcs_alloc(void);
void vmcs_free(paddr_t vmcs);
int vmcs_clear(paddr_t vmcs);
int vmcs_load(paddr_t vmcs);
int vmcs_read(u32 field, u64 *val);
int vmcs_write(u32 field, u64 val);

/* The current VMCS's VM-instruction error field (0 when it cannot be read). */
u32 vmcs_insn_error(void);

/*
 * Prints every field of the current VMCS that Keel names and this CPU supports, by name,
 * grouped as control, exit information, guest state and host state; the VM-instruction error is
 * read first, before any read of the dump can change it.
 */
void vmcs_dump(void);

/*
 * INVEPT and INVVPID with an explicit type (VMX_INVEPT_*, VMX_INVVPID_*): -ENOTSUP without
 * calling the instruction when the capability MSRs say the type is not supported.
 */
int vmx_invept(unsigned int type, u64 eptp);
int vmx_invvpid(unsigned int type, u16 vpid, u64 linear_addr);

#endif
