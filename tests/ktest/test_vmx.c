/* SPDX-License-Identifier: GPL-2.0-only */
/* In-kernel VMX tests: VMXON/VMXOFF, VMCS access and its errors, controls against the real MSRs. */
#include <arch/cpu.h>
#include <arch/msr.h>
#include <arch/vmx.h>
#include <keel/ktest.h>
#include <keel/mm.h>

#include <errno.h>

/* Rigs without VMX (QEMU TCG) run the same kernel: these tests then report a skip. */
static bool skip_without_vmx(struct ktest_ctx *t)
{
	if (vmx_cpu_has_vmx())
		return false;
	ktest_skip(t, "no VMX (CPUID.1:ECX.VMX is 0)");
	return true;
}

static bool vmx_on(struct ktest_ctx *t, struct vmx_cpu *vc)
{
	char err[160] = "";
	int ret = vmx_cpu_init(vc, err, sizeof(err));

	if (ret)
		ktest_diag(t, "%s", err);
	KTEST_EXPECT_EQ(t, ret, 0);
	return ret == 0;
}

/* A page whose revision id is wrong: VMPTRLD must refuse it with error 11. */
static void check_bad_revision(struct ktest_ctx *t, const struct vmx_caps *c)
{
	paddr_t bad = pmm_alloc_pages(0);

	KTEST_EXPECT(t, bad != 0);
	if (!bad)
		return;
	*(u32 *)phys_to_virt(bad) = c->revision_id ^ 1;
	KTEST_EXPECT_EQ(t, vmcs_load(bad), -EIO);
	KTEST_EXPECT_EQ(t, vmcs_insn_error(), VMX_ERR_VMPTRLD_BAD_REVISION);
	pmm_free_pages(bad, 0);
}

static void check_vmcs_access(struct ktest_ctx *t)
{
	const u64 rip = 0xffffffff81234567ull;
	/* Index 0x1ff of the natural-width host fields: beyond any CPU's VMCS_ENUM. */
	const u32 no_such_field = 0x6ffe;
	u64 v = 0;

	KTEST_EXPECT_EQ(t, vmcs_write(VMCS_GUEST_RIP, rip), 0);
	KTEST_EXPECT_EQ(t, vmcs_read(VMCS_GUEST_RIP, &v), 0);
	KTEST_EXPECT_EQ(t, v, rip);
	KTEST_EXPECT_EQ(t, vmcs_write(VMCS_GUEST_CS_SEL, 0x0010), 0);
	KTEST_EXPECT_EQ(t, vmcs_read(VMCS_GUEST_CS_SEL, &v), 0);
	KTEST_EXPECT_EQ(t, v, 0x0010);
	/* A 16-bit field keeps only 16 bits. */
	KTEST_EXPECT_EQ(t, vmcs_write(VMCS_GUEST_SS_SEL, 0x12345), 0);
	KTEST_EXPECT_EQ(t, vmcs_read(VMCS_GUEST_SS_SEL, &v), 0);
	KTEST_EXPECT_EQ(t, v, 0x2345);

	KTEST_EXPECT_EQ(t, vmcs_write(no_such_field, 1), -EIO);
	KTEST_EXPECT_EQ(t, vmcs_insn_error(), VMX_ERR_UNSUPPORTED_FIELD);
}

static void check_invalidations(struct ktest_ctx *t, const struct vmx_caps *c)
{
	if (c->ept.invept_all)
		KTEST_EXPECT_EQ(t, vmx_invept(VMX_INVEPT_ALL_CONTEXT, 0), 0);
	else
		KTEST_EXPECT_EQ(t, vmx_invept(VMX_INVEPT_ALL_CONTEXT, 0), -ENOTSUP);
	if (c->vpid.invvpid_all)
		KTEST_EXPECT_EQ(t, vmx_invvpid(VMX_INVVPID_ALL_CONTEXT, 1, 0), 0);
	else
		KTEST_EXPECT_EQ(t, vmx_invvpid(VMX_INVVPID_ALL_CONTEXT, 1, 0), -ENOTSUP);
	/* Type 7 exists in neither instruction. */
	KTEST_EXPECT_EQ(t, vmx_invept(7, 0), -ENOTSUP);
	KTEST_EXPECT_EQ(t, vmx_invvpid(7, 1, 0), -ENOTSUP);
}

KTEST(vmx_on_off)
{
	struct vmx_cpu vc;
	const struct vmx_caps *c;
	paddr_t vmcs;

	if (skip_without_vmx(t) || !vmx_on(t, &vc))
		return;
	KTEST_EXPECT(t, read_cr4() & X86_CR4_VMXE);
	c = vmx_get_caps();
	KTEST_EXPECT(t, c != NULL);
	vmcs = vmcs_alloc();
	KTEST_EXPECT(t, vmcs != 0);
	if (c && vmcs) {
		KTEST_EXPECT_EQ(t, vmcs_clear(vmcs), 0);
		KTEST_EXPECT_EQ(t, vmcs_load(vmcs), 0);
		check_vmcs_access(t);
		check_invalidations(t, c);
		/* Failures report VMfailValid while a VMCS is current, so test them now. */
		check_bad_revision(t, c);
		KTEST_EXPECT_EQ(t, vmcs_clear(vc.vmxon_region), -EIO);
		KTEST_EXPECT_EQ(t, vmcs_insn_error(), VMX_ERR_VMCLEAR_VMXON_PTR);
		KTEST_EXPECT_EQ(t, vmcs_clear(vmcs), 0);
		vmcs_free(vmcs);
	}
	vmx_cpu_exit(&vc);
	KTEST_EXPECT(t, !(read_cr4() & X86_CR4_VMXE));
	KTEST_EXPECT(t, !vc.on);
}

static int read_msr_direct(void *ctx, u32 msr, u64 *val)
{
	*val = rdmsr(msr);
	return 0;
}

/* Checks one computed word straight against its capability MSR, not against struct vmx_caps. */
static void check_word(struct ktest_ctx *t, u64 value, u32 msr)
{
	u64 raw = rdmsr(msr);

	KTEST_EXPECT_EQ(t, value & (u32)raw, (u32)raw);
	KTEST_EXPECT_EQ(t, value & ~(raw >> 32), 0);
}

static void check_mode(struct ktest_ctx *t, const struct vmx_caps *c, enum vmx_mmu_mode mode)
{
	bool true_ctls = rdmsr(MSR_IA32_VMX_BASIC) & VMX_BASIC_TRUE_CTLS;
	struct vmx_wanted want;
	struct vmx_controls out;
	char err[160] = "";
	int ret;

	vmx_keel_wanted(&want, mode);
	ret = vmx_compute_controls(c, &want, &out, err, sizeof(err));
	if (ret)
		ktest_diag(t, "mmu=%s: %s", mode == VMX_MMU_EPT ? "ept" : "shadow", err);
	KTEST_EXPECT_EQ(t, ret, 0);
	if (ret)
		return;
	check_word(t, out.value[VMX_CTL_PIN],
		   true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS : MSR_IA32_VMX_PINBASED_CTLS);
	check_word(t, out.value[VMX_CTL_PROC],
		   true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS : MSR_IA32_VMX_PROCBASED_CTLS);
	check_word(t, out.value[VMX_CTL_EXIT],
		   true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS : MSR_IA32_VMX_EXIT_CTLS);
	check_word(t, out.value[VMX_CTL_ENTRY],
		   true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS : MSR_IA32_VMX_ENTRY_CTLS);
	if (out.value[VMX_CTL_PROC2])
		check_word(t, out.value[VMX_CTL_PROC2], MSR_IA32_VMX_PROCBASED_CTLS2);
	for (int w = 0; w < VMX_CTL_COUNT; w++) {
		KTEST_EXPECT_EQ(t, out.value[w] & want.ctl[w].required, want.ctl[w].required);
		if (out.dropped[w])
			ktest_diag(t, "mmu=%s: %s controls dropped: 0x%lx",
				   mode == VMX_MMU_EPT ? "ept" : "shadow", vmx_ctl_word_name(w),
				   (unsigned long)out.dropped[w]);
	}
}

KTEST(vmx_controls)
{
	struct vmx_caps c;
	char err[160] = "";
	int ret;

	if (skip_without_vmx(t))
		return;
	ret = vmx_decode_caps(&c, read_msr_direct, NULL, err, sizeof(err));
	if (ret)
		ktest_diag(t, "%s", err);
	KTEST_EXPECT_EQ(t, ret, 0);
	if (ret)
		return;
	KTEST_EXPECT_EQ(t, c.revision_id, rdmsr(MSR_IA32_VMX_BASIC) & 0x7fffffff);
	check_mode(t, &c, VMX_MMU_EPT);
	check_mode(t, &c, VMX_MMU_SHADOW);
}

/* Explicit: prints a whole VMCS dump, the one shown on a VM-entry failure. */
KTEST_EXPLICIT(vmx_vmcs_dump)
{
	struct vmx_cpu vc;
	paddr_t vmcs;

	if (skip_without_vmx(t) || !vmx_on(t, &vc))
		return;
	vmcs = vmcs_alloc();
	KTEST_EXPECT(t, vmcs != 0);
	if (vmcs && vmcs_clear(vmcs) == 0 && vmcs_load(vmcs) == 0) {
		KTEST_EXPECT_EQ(t, vmcs_write(VMCS_GUEST_RIP, 0x1000), 0);
		vmcs_dump();
		KTEST_EXPECT_EQ(t, vmcs_clear(vmcs), 0);
	}
	if (vmcs)
		vmcs_free(vmcs);
	vmx_cpu_exit(&vc);
}
