/* SPDX-License-Identifier: GPL-2.0-only */
/* The VMX instructions as inline functions that return how they ended (SDM Vol. 3C, 31.2). */
#ifndef VMX_INSN_H
#define VMX_INSN_H

#include <keel/types.h>

/*
 * "Conventions" (SDM Vol. 3C, 31.2): VMsucceed clears CF and ZF, VMfailInvalid (no current VMCS)
 * sets CF, VMfailValid sets ZF and leaves the error number in the VM-instruction error field.
 */
enum vmx_status {
	VMX_SUCCEED = 0,
	VMX_FAIL_INVALID = 1,
	VMX_FAIL_VALID = 2,
};

static inline enum vmx_status vmx_status(bool cf, bool zf)
{
	if (cf)
		return VMX_FAIL_INVALID;
	return zf ? VMX_FAIL_VALID : VMX_SUCCEED;
}

static inline enum vmx_status vmxon_insn(paddr_t region)
{
	bool cf, zf;

	__asm__ volatile("vmxon %2" : "=@ccc"(cf), "=@ccz"(zf) : "m"(region) : "memory");
	return vmx_status(cf, zf);
}

static inline enum vmx_status vmxoff_insn(void)
{
	bool cf, zf;

	__asm__ volatile("vmxoff" : "=@ccc"(cf), "=@ccz"(zf) : : "memory");
	return vmx_status(cf, zf);
}

static inline enum vmx_status vmclear_insn(paddr_t vmcs)
{
	bool cf, zf;

	__asm__ volatile("vmclear %2" : "=@ccc"(cf), "=@ccz"(zf) : "m"(vmcs) : "memory");
	return vmx_status(cf, zf);
}

static inline enum vmx_status vmptrld_insn(paddr_t vmcs)
{
	bool cf, zf;

	__asm__ volatile("vmptrld %2" : "=@ccc"(cf), "=@ccz"(zf) : "m"(vmcs) : "memory");
	return vmx_status(cf, zf);
}

static inline enum vmx_status vmread_insn(u64 field, u64 *val)
{
	bool cf, zf;
	u64 v = 0;

	__asm__ volatile("vmread %3, %2" : "=@ccc"(cf), "=@ccz"(zf), "=r"(v) : "r"(field));
	*val = v;
	return vmx_status(cf, zf);
}

static inline enum vmx_status vmwrite_insn(u64 field, u64 val)
{
	bool cf, zf;

	__asm__ volatile("vmwrite %3, %2" : "=@ccc"(cf), "=@ccz"(zf) : "r"(field), "rm"(val));
	return vmx_status(cf, zf);
}

/* The 128-bit descriptors of INVEPT and INVVPID (SDM Vol. 3C, 31.3). */
struct invept_desc {
	u64 eptp;
	u64 reserved;
};

struct invvpid_desc {
	u64 vpid; /* bits 15:0; the rest must be 0 */
	u64 linear_addr;
};

static inline enum vmx_status invept_insn(u64 type, const struct invept_desc *d)
{
	bool cf, zf;

	__asm__ volatile("invept %2, %3"
			 : "=@ccc"(cf), "=@ccz"(zf)
			 : "m"(*d), "r"(type)
			 : "memory");
	return vmx_status(cf, zf);
}

static inline enum vmx_status invvpid_insn(u64 type, const struct invvpid_desc *d)
{
	bool cf, zf;

	__asm__ volatile("invvpid %2, %3"
			 : "=@ccc"(cf), "=@ccz"(zf)
			 : "m"(*d), "r"(type)
			 : "memory");
	return vmx_status(cf, zf);
}

#endif
