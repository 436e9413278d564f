/* SPDX-License-Identifier: GPL-2.0-only */
/* Hosted tests of VMX capability decoding, control computation and CR fixed bits. */
#include <arch/vmcs_fields.h>
#include <arch/vmx_caps.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

struct msr_val {
	u32 msr;
	u64 val;
};

/*
 * Measured: Debian's Bochs 2.7, `cpu: model=corei7_haswell_4770`, read with RDMSR by a multiboot2
 * probe booted from GRUB (see docs/vmx.md). IA32_FEATURE_CONTROL read 0x5 there: the BIOS locks
 * it with VMX outside SMX enabled.
 */
static const struct msr_val bochs_haswell[] = {
	{ 0x480, 0x00d810000000002bull },
	{ 0x481, 0x0000007f00000016ull },
	{ 0x482, 0xf7f9fffe0401e172ull },
	{ 0x483, 0x007fffff00036dffull },
	{ 0x484, 0x0000ffff000011ffull },
	{ 0x485, 0x00000000200401e0ull },
	{ 0x486, 0x0000000080000021ull },
	{ 0x487, 0x00000000ffffffffull },
	{ 0x488, 0x0000000000002000ull },
	{ 0x489, 0x00000000001727ffull },
	{ 0x48a, 0x0000000000000034ull },
	{ 0x48b, 0x00047fff00000000ull },
	{ 0x48c, 0x00000f0106334141ull },
	{ 0x48d, 0x0000007f00000016ull },
	{ 0x48e, 0xf7f9fffe04006172ull },
	{ 0x48f, 0x007fffff00036dfbull },
	{ 0x490, 0x0000ffff000011fbull },
	{ 0x491, 0x0000000000000001ull },
	{ 0 },
};

/* Measured the same way with `cpu: model=tigerlake`: revision 4, bit 56, CET exit/entry controls.
 */
static const struct msr_val bochs_tigerlake[] = {
	{ 0x480, 0x01d8100000000004ull },
	{ 0x481, 0x0000007f00000016ull },
	{ 0x482, 0xfff9fffe0401e172ull },
	{ 0x483, 0x107fffff00036dffull },
	{ 0x484, 0x0010ffff000011ffull },
	{ 0x485, 0x00000000600401e0ull },
	{ 0x486, 0x0000000080000021ull },
	{ 0x487, 0x00000000ffffffffull },
	{ 0x488, 0x0000000000002000ull },
	{ 0x489, 0x0000000000f72fffull },
	{ 0x48a, 0x0000000000000034ull },
	{ 0x48b, 0x02977fff00000000ull },
	{ 0x48c, 0x00000f0106b34141ull },
	{ 0x48d, 0x0000007f00000016ull },
	{ 0x48e, 0xfff9fffe04006172ull },
	{ 0x48f, 0x107fffff00036dfbull },
	{ 0x490, 0x0010ffff000011fbull },
	{ 0x491, 0x0000000000000001ull },
	{ 0 },
};

/*
 * A real CPU: the capability MSRs VirtualBox logged (VBox.log "HM:" lines, published in a GitHub
 * issue) for a Coffee Lake host, CPUID.1:EAX 0x906ea, with TRUE controls.
 */
static const struct msr_val coffeelake[] = {
	{ 0x480, 0x00da040000000004ull },
	{ 0x481, 0x0000007f00000016ull },
	{ 0x482, 0xfff9fffe0401e172ull },
	{ 0x483, 0x01ffffff00036dffull },
	{ 0x484, 0x0003ffff000011ffull },
	{ 0x485, 0x000000007004c1e7ull },
	{ 0x486, 0x0000000080000021ull },
	{ 0x487, 0x00000000ffffffffull },
	{ 0x488, 0x0000000000002000ull },
	{ 0x489, 0x00000000003727ffull },
	{ 0x48a, 0x000000000000002eull },
	{ 0x48b, 0x005fbcff00000000ull },
	{ 0x48c, 0x00000f0106734141ull },
	{ 0x48d, 0x0000007f00000016ull },
	{ 0x48e, 0xfff9fffe04006172ull },
	{ 0x48f, 0x01ffffff00036dfbull },
	{ 0x490, 0x0003ffff000011fbull },
	{ 0x491, 0x0000000000000001ull },
	{ 0 },
};

/*
 * Composed, not measured: a CPU shaped like those before Nehalem. IA32_VMX_BASIC bit 55 is clear,
 * so the TRUE MSRs do not exist (this table has none: reading one fails the test), and the plain
 * MSRs force the default1 controls (CR3-load/store exiting among them) to 1. It has secondary
 * controls but only "virtualize APIC accesses" and "WBINVD exiting": no EPT, no VPID, so
 * IA32_VMX_EPT_VPID_CAP does not exist either.
 */
static const struct msr_val no_true_ctls[] = {
	{ 0x480, 0x005a08000000000dull },
	{ 0x481, 0x0000003f00000016ull },
	{ 0x482, 0xf7f9fffe0401e172ull },
	{ 0x483, 0x007fffff00036dffull },
	{ 0x484, 0x0000ffff000011ffull },
	{ 0x485, 0x00000000000401c0ull },
	{ 0x486, 0x0000000080000021ull },
	{ 0x487, 0x00000000ffffffffull },
	{ 0x488, 0x0000000000002000ull },
	{ 0x489, 0x00000000000067ffull },
	{ 0x48a, 0x000000000000002cull },
	{ 0x48b, 0x0000004100000000ull },
	{ 0 },
};

struct fake_cpu {
	const struct msr_val *msrs;
	u64 override_msr; /* when non-zero, replaces this MSR's value with override_val */
	u64 override_val;
	u32 reads[32];
	int nreads;
};

static int fake_read(void *ctx, u32 msr, u64 *val)
{
	struct fake_cpu *cpu = ctx;

	if (cpu->nreads < (int)ARRAY_SIZE(cpu->reads))
		cpu->reads[cpu->nreads++] = msr;
	if (cpu->override_msr && msr == cpu->override_msr) {
		*val = cpu->override_val;
		return 0;
	}
	for (const struct msr_val *m = cpu->msrs; m->msr; m++) {
		if (m->msr == msr) {
			*val = m->val;
			return 0;
		}
	}
	return -1;
}

static bool was_read(const struct fake_cpu *cpu, u32 msr)
{
	for (int i = 0; i < cpu->nreads; i++) {
		if (cpu->reads[i] == msr)
			return true;
	}
	return false;
}

static void decode_ok(const struct msr_val *msrs, struct vmx_caps *caps, struct fake_cpu *cpu)
{
	char err[160] = "";

	memset(cpu, 0, sizeof(*cpu));
	cpu->msrs = msrs;
	assert_int_equal(vmx_decode_caps(caps, fake_read, cpu, err, sizeof(err)), 0);
	assert_string_equal(err, "");
}

/* What VM entry checks: every must-be-one bit set, nothing outside may-be-one. */
static void assert_controls_allowed(const struct vmx_caps *caps, const struct vmx_controls *c)
{
	for (int w = 0; w < VMX_CTL_COUNT; w++) {
		assert_int_equal(c->value[w] & caps->ctl[w].must_be_one, caps->ctl[w].must_be_one);
		assert_int_equal(c->value[w] & ~caps->ctl[w].may_be_one, 0);
	}
}

static void test_bochs_haswell_decode(void **state)
{
	struct vmx_caps caps;
	struct fake_cpu cpu;

	decode_ok(bochs_haswell, &caps, &cpu);
	assert_int_equal(caps.revision_id, 0x2b);
	assert_int_equal(caps.vmcs_size, 4096);
	assert_int_equal(caps.vmcs_memtype, VMX_MEMTYPE_WB);
	assert_true(caps.true_ctls);
	assert_true(caps.ins_outs_info);
	assert_false(caps.any_exc_error_code);

	/* TRUE controls in use: CR3-load/store exiting may be 0, unlike in the plain MSR. */
	assert_int_equal(caps.ctl[VMX_CTL_PROC].must_be_one, 0x04006172);
	assert_int_equal(caps.ctl[VMX_CTL_PROC].may_be_one, 0xf7f9fffe);
	assert_int_equal(caps.ctl[VMX_CTL_EXIT].must_be_one, 0x00036dfb);
	assert_int_equal(caps.ctl[VMX_CTL_ENTRY].must_be_one, 0x000011fb);
	assert_int_equal(caps.ctl[VMX_CTL_PROC2].may_be_one, 0x00047fff);
	assert_int_equal(caps.ctl[VMX_CTL_PROC3].may_be_one, 0);
	assert_true(was_read(&cpu, MSR_IA32_VMX_TRUE_PROCBASED_CTLS));
	assert_false(was_read(&cpu, MSR_IA32_VMX_PROCBASED_CTLS3));

	assert_true(caps.ept.walk4);
	assert_false(caps.ept.walk5);
	assert_true(caps.ept.exec_only);
	assert_true(caps.ept.memtype_wb);
	assert_true(caps.ept.memtype_uc);
	assert_true(caps.ept.page_2m);
	assert_true(caps.ept.page_1g);
	assert_true(caps.ept.invept);
	assert_true(caps.ept.invept_single);
	assert_true(caps.ept.invept_all);
	assert_true(caps.ept.ad_bits);
	assert_false(caps.ept.advanced_exit_info);
	assert_true(caps.vpid.invvpid);
	assert_true(caps.vpid.invvpid_addr);
	assert_true(caps.vpid.invvpid_single);
	assert_true(caps.vpid.invvpid_all);
	assert_true(caps.vpid.invvpid_single_keep_globals);

	assert_int_equal(caps.preempt_timer_rate, 0);
	assert_int_equal(caps.cr3_target_count, 4);
	assert_int_equal(caps.max_msr_list, 512);
	assert_true(caps.store_lma);
	assert_true(caps.activity_hlt && caps.activity_shutdown && caps.activity_wait_sipi);
	assert_true(caps.vmwrite_any_field);
	assert_int_equal(caps.vmcs_max_index, 0x1a);
	assert_int_equal(caps.vmfunc, 1);
	assert_int_equal(caps.cr0_fixed0, 0x80000021);
	assert_int_equal(caps.cr4_fixed1, 0x1727ff);
}

static void test_bochs_tigerlake_decode(void **state)
{
	struct vmx_caps caps;
	struct fake_cpu cpu;

	decode_ok(bochs_tigerlake, &caps, &cpu);
	assert_int_equal(caps.revision_id, 4);
	assert_true(caps.any_exc_error_code);
	/* Bit 23 (supervisor shadow-stack control) is set, bit 22 is not. */
	assert_false(caps.ept.advanced_exit_info);
	assert_true(caps.ept_vpid_raw & (1ull << 23));
	assert_true(caps.ctl[VMX_CTL_EXIT].may_be_one & VMX_EXIT_CTL_LOAD_CET);
	assert_true(caps.ctl[VMX_CTL_ENTRY].may_be_one & VMX_ENTRY_CTL_LOAD_CET);
	assert_true(caps.ctl[VMX_CTL_PROC2].may_be_one & VMX_PROC2_PML);
	assert_false(caps.ctl[VMX_CTL_PROC].may_be_one & VMX_PROC_TERTIARY_CONTROLS);
}

static void test_real_cpu_decode(void **state)
{
	struct vmx_caps caps;
	struct fake_cpu cpu;

	decode_ok(coffeelake, &caps, &cpu);
	assert_int_equal(caps.revision_id, 4);
	assert_int_equal(caps.vmcs_size, 1024);
	assert_int_equal(caps.preempt_timer_rate, 7);
	assert_int_equal(caps.vmcs_max_index, 0x17);
	assert_true(caps.ept.advanced_exit_info);
	assert_false(caps.ctl[VMX_CTL_PROC2].may_be_one & VMX_PROC2_APIC_REG_VIRT);
	assert_false(caps.ctl[VMX_CTL_PIN].may_be_one & VMX_PIN_POSTED_INTERRUPTS);
}

static void test_no_true_ctls_decode(void **state)
{
	struct vmx_caps caps;
	struct fake_cpu cpu;

	decode_ok(no_true_ctls, &caps, &cpu);
	assert_false(caps.true_ctls);
	for (u32 msr = MSR_IA32_VMX_TRUE_PINBASED_CTLS; msr <= MSR_IA32_VMX_TRUE_ENTRY_CTLS; msr++)
		assert_false(was_read(&cpu, msr));
	assert_false(was_read(&cpu, MSR_IA32_VMX_EPT_VPID_CAP));
	assert_false(was_read(&cpu, MSR_IA32_VMX_VMFUNC));
	/* The plain MSR's default1 bits are must-be-one. */
	assert_int_equal(caps.ctl[VMX_CTL_PROC].must_be_one, VMX_PROC_DEFAULT1);
	assert_int_equal(caps.ctl[VMX_CTL_EXIT].must_be_one, VMX_EXIT_CTL_DEFAULT1);
	assert_false(caps.ept.walk4);
	assert_false(caps.vpid.invvpid);
	assert_int_equal(caps.vmcs_size, 2048);
}

static void compute_ok(const struct vmx_caps *caps, enum vmx_mmu_mode mode, struct vmx_controls *c)
{
	struct vmx_wanted want;
	char err[160] = "";

	vmx_keel_wanted(&want, mode);
	assert_int_equal(vmx_compute_controls(caps, &want, c, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_controls_allowed(caps, c);
	for (int w = 0; w < VMX_CTL_COUNT; w++) {
		/* Every required bit is there; every optional one is there or reported dropped. */
		assert_int_equal(c->value[w] & want.ctl[w].required, want.ctl[w].required);
		assert_int_equal((c->value[w] | c->dropped[w]) & want.ctl[w].optional,
				 want.ctl[w].optional);
		assert_int_equal(c->value[w] & c->dropped[w], 0);
	}
}

static void test_keel_controls_bochs_ept(void **state)
{
	struct vmx_caps caps;
	struct fake_cpu cpu;
	struct vmx_controls c;

	decode_ok(bochs_haswell, &caps, &cpu);
	compute_ok(&caps, VMX_MMU_EPT, &c);
	assert_true(c.value[VMX_CTL_PROC] & VMX_PROC_SECONDARY_CONTROLS);
	assert_false(c.value[VMX_CTL_PROC] & VMX_PROC_TERTIARY_CONTROLS);
	assert_true(c.value[VMX_CTL_PROC2] & VMX_PROC2_EPT);
	assert_true(c.value[VMX_CTL_PROC2] & VMX_PROC2_UNRESTRICTED_GUEST);
	assert_true(c.value[VMX_CTL_PROC2] & VMX_PROC2_VPID);
	/* EPT mode leaves CR3 accesses to the guest: TRUE controls let these be 0. */
	assert_false(c.value[VMX_CTL_PROC] & VMX_PROC_CR3_LOAD_EXITING);
	assert_false(c.value[VMX_CTL_PROC] & VMX_PROC_CR3_STORE_EXITING);
	assert_int_equal(c.value[VMX_CTL_PROC3], 0);
	assert_true(c.value[VMX_CTL_PIN] & VMX_PIN_PREEMPTION_TIMER);
	assert_true(c.value[VMX_CTL_EXIT] & VMX_EXIT_CTL_SAVE_PREEMPT_TIMER);
	/* Bochs's Haswell has no XSAVES control: optional, so dropped and reported. */
	assert_int_equal(c.dropped[VMX_CTL_PROC2], VMX_PROC2_XSAVES);
	assert_int_equal(c.value[VMX_CTL_PIN], 0x16 | VMX_PIN_EXT_INTR_EXITING |
						       VMX_PIN_NMI_EXITING | VMX_PIN_VIRTUAL_NMIS |
						       VMX_PIN_PREEMPTION_TIMER);
}

static void test_keel_controls_shadow(void **state)
{
	struct vmx_caps caps;
	struct fake_cpu cpu;
	struct vmx_controls c;

	decode_ok(coffeelake, &caps, &cpu);
	compute_ok(&caps, VMX_MMU_SHADOW, &c);
	assert_true(c.value[VMX_CTL_PROC] & VMX_PROC_CR3_LOAD_EXITING);
	assert_true(c.value[VMX_CTL_PROC] & VMX_PROC_INVLPG_EXITING);
	assert_false(c.value[VMX_CTL_PROC2] & VMX_PROC2_EPT);
	assert_true(c.value[VMX_CTL_PROC2] & VMX_PROC2_XSAVES);
	assert_int_equal(c.dropped[VMX_CTL_PROC2], 0);
}

static void test_no_true_ctls_controls(void **state)
{
	struct vmx_caps caps;
	struct fake_cpu cpu;
	struct vmx_controls c;
	struct vmx_wanted want;
	char err[160];

	decode_ok(no_true_ctls, &caps, &cpu);

	/* EPT mode needs EPT, which this CPU lacks. */
	vmx_keel_wanted(&want, VMX_MMU_EPT);
	assert_int_equal(vmx_compute_controls(&caps, &want, &c, err, sizeof(err)), -ENOTSUP);
	assert_string_equal(err, "VMX: secondary control 'enable EPT' not supported by this CPU");

	/* Shadow mode runs; VPID and friends are dropped, and default1 bits are forced on. */
	compute_ok(&caps, VMX_MMU_SHADOW, &c);
	assert_true(c.dropped[VMX_CTL_PROC2] & VMX_PROC2_VPID);
	assert_true(c.value[VMX_CTL_PROC2] & VMX_PROC2_WBINVD_EXITING);
	assert_true(c.value[VMX_CTL_PROC] & VMX_PROC_SECONDARY_CONTROLS);
	assert_int_equal(c.value[VMX_CTL_PROC] & VMX_PROC_DEFAULT1, VMX_PROC_DEFAULT1);
	assert_int_equal(c.value[VMX_CTL_EXIT] & VMX_EXIT_CTL_DEFAULT1, VMX_EXIT_CTL_DEFAULT1);
	/* No preemption timer here: the exit control that saves it goes too. */
	assert_true(c.dropped[VMX_CTL_PIN] & VMX_PIN_PREEMPTION_TIMER);
	assert_true(c.dropped[VMX_CTL_EXIT] & VMX_EXIT_CTL_SAVE_PREEMPT_TIMER);
}

static void test_required_missing_fails(void **state)
{
	struct vmx_caps caps;
	struct fake_cpu cpu;
	struct vmx_controls c;
	struct vmx_wanted want = { 0 };
	char err[160];

	decode_ok(bochs_haswell, &caps, &cpu);

	want.ctl[VMX_CTL_PROC2].required = VMX_PROC2_PML;
	assert_int_equal(vmx_compute_controls(&caps, &want, &c, err, sizeof(err)), -ENOTSUP);
	assert_string_equal(err, "VMX: secondary control 'enable PML' not supported by this CPU");

	memset(&want, 0, sizeof(want));
	want.ctl[VMX_CTL_PROC].required = VMX_PROC_MONITOR_TRAP_FLAG;
	assert_int_equal(vmx_compute_controls(&caps, &want, &c, err, sizeof(err)), -ENOTSUP);
	assert_string_equal(err,
			    "VMX: primary control 'monitor trap flag' not supported by this CPU");

	memset(&want, 0, sizeof(want));
	want.ctl[VMX_CTL_PIN].required = VMX_PIN_POSTED_INTERRUPTS;
	assert_int_equal(vmx_compute_controls(&caps, &want, &c, err, sizeof(err)), -ENOTSUP);
	assert_string_equal(
		err, "VMX: pin-based control 'process posted interrupts' not supported by this "
		     "CPU");

	/* A bit Keel has no name for is reported by number. */
	memset(&want, 0, sizeof(want));
	want.ctl[VMX_CTL_ENTRY].required = 1ull << 30;
	assert_int_equal(vmx_compute_controls(&caps, &want, &c, err, sizeof(err)), -ENOTSUP);
	assert_string_equal(err, "VMX: VM-entry control bit 30 not supported by this CPU");

	/* Optional, the same bits are simply dropped. */
	memset(&want, 0, sizeof(want));
	want.ctl[VMX_CTL_PROC2].optional = VMX_PROC2_PML | VMX_PROC2_EPT;
	want.ctl[VMX_CTL_PROC].optional = VMX_PROC_MONITOR_TRAP_FLAG;
	assert_int_equal(vmx_compute_controls(&caps, &want, &c, err, sizeof(err)), 0);
	assert_int_equal(c.value[VMX_CTL_PROC2], VMX_PROC2_EPT);
	assert_int_equal(c.dropped[VMX_CTL_PROC2], VMX_PROC2_PML);
	assert_int_equal(c.dropped[VMX_CTL_PROC], VMX_PROC_MONITOR_TRAP_FLAG);
	assert_controls_allowed(&caps, &c);
}

static void test_dependencies(void **state)
{
	struct vmx_caps caps;
	struct fake_cpu cpu;
	struct vmx_controls c;
	struct vmx_wanted want = { 0 };
	char err[160];

	decode_ok(bochs_haswell, &caps, &cpu);

	/* Unrestricted guest without EPT asked for: VM entry would fail, so compute does. */
	want.ctl[VMX_CTL_PROC2].required = VMX_PROC2_UNRESTRICTED_GUEST;
	assert_int_equal(vmx_compute_controls(&caps, &want, &c, err, sizeof(err)), -ENOTSUP);
	assert_string_equal(err, "VMX: secondary control 'unrestricted guest' needs secondary "
				 "control 'enable EPT', which is not requested");

	/* Optional, it goes quietly. */
	want.ctl[VMX_CTL_PROC2].required = 0;
	want.ctl[VMX_CTL_PROC2].optional = VMX_PROC2_UNRESTRICTED_GUEST;
	assert_int_equal(vmx_compute_controls(&caps, &want, &c, err, sizeof(err)), 0);
	assert_int_equal(c.value[VMX_CTL_PROC2], 0);
	assert_int_equal(c.dropped[VMX_CTL_PROC2], VMX_PROC2_UNRESTRICTED_GUEST);
	assert_false(c.value[VMX_CTL_PROC] & VMX_PROC_SECONDARY_CONTROLS);

	/* A chain: NMI-window exiting needs virtual NMIs, which need NMI exiting. */
	memset(&want, 0, sizeof(want));
	want.ctl[VMX_CTL_PROC].optional = VMX_PROC_NMI_WINDOW_EXITING;
	want.ctl[VMX_CTL_PIN].optional = VMX_PIN_VIRTUAL_NMIS;
	assert_int_equal(vmx_compute_controls(&caps, &want, &c, err, sizeof(err)), 0);
	assert_false(c.value[VMX_CTL_PROC] & VMX_PROC_NMI_WINDOW_EXITING);
	assert_false(c.value[VMX_CTL_PIN] & VMX_PIN_VIRTUAL_NMIS);
	want.ctl[VMX_CTL_PIN].required = VMX_PIN_NMI_EXITING;
	assert_int_equal(vmx_compute_controls(&caps, &want, &c, err, sizeof(err)), 0);
	assert_true(c.value[VMX_CTL_PROC] & VMX_PROC_NMI_WINDOW_EXITING);
	assert_true(c.value[VMX_CTL_PIN] & VMX_PIN_VIRTUAL_NMIS);

	/* The partner exists in the wanted set but the CPU dropped it. */
	decode_ok(no_true_ctls, &caps, &cpu);
	memset(&want, 0, sizeof(want));
	want.ctl[VMX_CTL_PIN].optional = VMX_PIN_PREEMPTION_TIMER;
	want.ctl[VMX_CTL_EXIT].required = VMX_EXIT_CTL_SAVE_PREEMPT_TIMER;
	assert_int_equal(vmx_compute_controls(&caps, &want, &c, err, sizeof(err)), -ENOTSUP);
	assert_string_equal(err, "VMX: VM-exit control 'save VMX-preemption timer value' needs "
				 "pin-based control 'activate VMX-preemption timer', which is not "
				 "supported by this CPU");
}

static void test_tertiary_controls(void **state)
{
	struct vmx_caps caps;
	struct fake_cpu cpu = { .msrs = bochs_haswell };
	struct vmx_controls c;
	struct vmx_wanted want = { 0 };
	const struct msr_val extra[] = { { MSR_IA32_VMX_PROCBASED_CTLS3, 0x11 }, { 0 } };
	struct fake_cpu cpu3 = { .msrs = extra };
	char err[160] = "";

	/* Haswell with "activate tertiary controls" allowed: CTLS3 must now be read. */
	cpu.override_msr = MSR_IA32_VMX_TRUE_PROCBASED_CTLS;
	cpu.override_val = 0xf7fbfffe04006172ull;
	assert_int_equal(vmx_decode_caps(&caps, fake_read, &cpu, err, sizeof(err)), -EIO);
	assert_string_equal(err, "VMX: cannot read capability MSR 0x492");

	/* Give it CTLS3 as well, through a second table behind the first. */
	struct msr_val merged[32];
	size_t n = 0;

	for (const struct msr_val *m = bochs_haswell; m->msr; m++)
		merged[n++] = *m;
	merged[n++] = extra[0];
	merged[n] = (struct msr_val){ 0 };
	cpu3.msrs = merged;
	cpu3.override_msr = MSR_IA32_VMX_TRUE_PROCBASED_CTLS;
	cpu3.override_val = 0xf7fbfffe04006172ull;
	assert_int_equal(vmx_decode_caps(&caps, fake_read, &cpu3, err, sizeof(err)), 0);
	assert_int_equal(caps.ctl[VMX_CTL_PROC3].may_be_one, 0x11);
	assert_int_equal(caps.ctl[VMX_CTL_PROC3].must_be_one, 0);

	want.ctl[VMX_CTL_PROC3].optional = VMX_PROC3_LOADIWKEY_EXITING | VMX_PROC3_HLAT;
	assert_int_equal(vmx_compute_controls(&caps, &want, &c, err, sizeof(err)), 0);
	assert_int_equal(c.value[VMX_CTL_PROC3], VMX_PROC3_LOADIWKEY_EXITING);
	assert_int_equal(c.dropped[VMX_CTL_PROC3], VMX_PROC3_HLAT);
	assert_true(c.value[VMX_CTL_PROC] & VMX_PROC_TERTIARY_CONTROLS);
	assert_false(c.value[VMX_CTL_PROC] & VMX_PROC_SECONDARY_CONTROLS);

	want.ctl[VMX_CTL_PROC3].required = VMX_PROC3_HLAT;
	assert_int_equal(vmx_compute_controls(&caps, &want, &c, err, sizeof(err)), -ENOTSUP);
	assert_string_equal(err, "VMX: tertiary control 'enable HLAT' not supported by this CPU");
}

static void decode_fails(u32 msr, u64 val, int expect, const char *msg)
{
	struct vmx_caps caps;
	struct fake_cpu cpu = { .msrs = bochs_haswell, .override_msr = msr, .override_val = val };
	char err[160] = "";

	assert_int_equal(vmx_decode_caps(&caps, fake_read, &cpu, err, sizeof(err)), expect);
	assert_string_equal(err, msg);
}

static void test_decode_errors(void **state)
{
	struct vmx_caps caps;
	const struct msr_val none[] = { { 0 } };
	struct fake_cpu cpu = { .msrs = none };
	char err[160];

	assert_int_equal(vmx_decode_caps(&caps, fake_read, &cpu, err, sizeof(err)), -EIO);
	assert_string_equal(err, "VMX: cannot read capability MSR 0x480");

	decode_fails(MSR_IA32_VMX_BASIC, 0x00d800000000002bull, -EINVAL,
		     "VMX: IA32_VMX_BASIC reports a VMCS size of 0 bytes");
	decode_fails(MSR_IA32_VMX_BASIC, 0x00c010000000002bull, -ENOTSUP,
		     "VMX: IA32_VMX_BASIC asks for VMCS memory type 0, Keel supports only "
		     "write-back (6)");
	decode_fails(MSR_IA32_VMX_BASIC, 0x00d910000000002bull, -ENOTSUP,
		     "VMX: IA32_VMX_BASIC limits VMX structures to 32-bit addresses");
	decode_fails(MSR_IA32_VMX_TRUE_ENTRY_CTLS, 0x0000fff0000011fbull, -EINVAL,
		     "VMX: capability MSR 0x490 requires controls it does not allow "
		     "(0xfff0000011fb)");
	decode_fails(MSR_IA32_VMX_CR4_FIXED1, 0x1007ff, -EINVAL,
		     "VMX: CR fixed-bit MSRs contradict each other (CR0 0x80000021/0xffffffff, "
		     "CR4 0x2000/0x1007ff)");
}

static void test_cr_fixed_bits(void **state)
{
	struct vmx_caps caps;
	struct fake_cpu cpu;
	const u64 pke = 1ull << 22;

	decode_ok(bochs_haswell, &caps, &cpu);

	/* PE, NE and PG forced on; nothing above bit 31 survives FIXED1. */
	assert_int_equal(vmx_cr0_fixed(&caps, 0, false), 0x80000021);
	assert_int_equal(vmx_cr0_fixed(&caps, 0x100000010ull, false), 0x80000031);
	/* Unrestricted guest: only NE is forced, real mode stays real mode. */
	assert_int_equal(vmx_cr0_fixed(&caps, 0, true), 0x20);
	assert_int_equal(vmx_cr0_fixed(&caps, 0x80000001ull, true), 0x80000021);

	assert_false(vmx_cr0_valid(&caps, 0x20, false));
	assert_true(vmx_cr0_valid(&caps, 0x20, true));
	assert_true(vmx_cr0_valid(&caps, 0x80050033, false));
	assert_false(vmx_cr0_valid(&caps, 0x80050013, true)); /* NE clear */

	assert_int_equal(vmx_cr4_fixed(&caps, 0), 0x2000);
	assert_int_equal(vmx_cr4_fixed(&caps, 0x20 | pke), 0x2020); /* no PKE in this model */
	assert_true(vmx_cr4_valid(&caps, 0x2020));
	assert_false(vmx_cr4_valid(&caps, 0x20));
	assert_false(vmx_cr4_valid(&caps, 0x2020 | pke));
}

static void test_names(void **state)
{
	assert_string_equal(vmx_exit_reason_name(VMX_EXIT_EPT_VIOLATION), "EPT violation");
	assert_string_equal(vmx_exit_reason_name(VMX_EXIT_CPUID), "CPUID");
	assert_string_equal(vmx_exit_reason_name(35), "unknown");
	assert_string_equal(vmx_exit_reason_name(0xffff), "unknown");
	assert_string_equal(vmx_insn_error_string(VMX_ERR_VMPTRLD_BAD_REVISION),
			    "VMPTRLD with incorrect VMCS revision identifier");
	assert_string_equal(vmx_insn_error_string(0), "unknown");
	assert_string_equal(vmx_insn_error_string(14), "unknown");
	assert_string_equal(vmx_insn_error_string(1000), "unknown");
	assert_string_equal(vmcs_field_name(VMCS_GUEST_RIP), "GUEST_RIP");
	assert_string_equal(vmcs_field_name(VMCS_LINK_POINTER), "LINK_POINTER");
	assert_string_equal(vmcs_field_name(0x7fff), "unknown");
	assert_string_equal(vmx_ctl_word_name(VMX_CTL_EXIT), "VM-exit");
	assert_string_equal(vmx_ctl_bit_name(VMX_CTL_PROC2, VMX_PROC2_EPT), "enable EPT");
	assert_null(vmx_ctl_bit_name(VMX_CTL_PROC2, 1ull << 29));
}

/* The field table agrees with the encoding rules of appendix B and names each field once. */
static void test_field_table(void **state)
{
	assert_true(vmcs_field_count > 150);
	for (size_t i = 0; i < vmcs_field_count; i++) {
		const struct vmcs_field_desc *f = &vmcs_field_table[i];
		unsigned int type = VMCS_FIELD_TYPE(f->encoding);

		assert_int_equal(f->encoding & VMCS_ENC_ACCESS_HIGH, 0);
		assert_int_equal(f->encoding & ~0x6fffu, 0); /* bit 12 and bits above 14 are 0 */
		assert_true(f->name[0] != '\0');
		if (type == VMCS_TYPE_HOST)
			assert_memory_equal(f->name, "HOST_", 5);
		if (type == VMCS_TYPE_GUEST)
			assert_true(strncmp(f->name, "GUEST_", 6) == 0 ||
				    strcmp(f->name, "LINK_POINTER") == 0);
		/* The table is grouped by type, in order. */
		if (i > 0)
			assert_true(VMCS_FIELD_TYPE(vmcs_field_table[i - 1].encoding) <= type);
		for (size_t j = i + 1; j < vmcs_field_count; j++) {
			assert_int_not_equal(f->encoding, vmcs_field_table[j].encoding);
			assert_string_not_equal(f->name, vmcs_field_table[j].name);
		}
	}
	assert_int_equal(VMCS_FIELD_WIDTH(VMCS_GUEST_RIP), VMCS_WIDTH_NATURAL);
	assert_int_equal(VMCS_FIELD_WIDTH(VMCS_EPT_POINTER), VMCS_WIDTH_64);
	assert_int_equal(VMCS_FIELD_WIDTH(VMCS_EXIT_REASON), VMCS_WIDTH_32);
	assert_int_equal(VMCS_FIELD_TYPE(VMCS_EXIT_QUALIFICATION), VMCS_TYPE_EXIT_INFO);
	assert_int_equal(VMCS_FIELD_WIDTH(VMCS_VPID), VMCS_WIDTH_16);
}

static void test_exit_qualifications(void **state)
{
	/* MOV CR3 <- RBX: CR 3, access type 0, GPR 3. */
	u64 cr = 0x303;
	/* OUT DX, AL to port 0x3f8, from a register. */
	u64 io = (0x3f8ull << 16) | 0;
	/* REP INSW from port 0x60, with an immediate encoding. */
	u64 ins = (0x60ull << 16) | (1 << 6) | (1 << 5) | (1 << 4) | (1 << 3) | 1;

	assert_int_equal(VMX_QUAL_CR_NUM(cr), 3);
	assert_int_equal(VMX_QUAL_CR_ACCESS_TYPE(cr), VMX_CR_ACCESS_MOV_TO_CR);
	assert_int_equal(VMX_QUAL_CR_GPR(cr), 3);
	assert_int_equal(VMX_QUAL_CR_ACCESS_TYPE(0x30), VMX_CR_ACCESS_LMSW);
	assert_int_equal(VMX_QUAL_CR_LMSW_DATA(0x00010070), 1);
	assert_int_equal(VMX_QUAL_IO_SIZE(io), 1);
	assert_int_equal(VMX_QUAL_IO_IN(io), 0);
	assert_int_equal(VMX_QUAL_IO_PORT(io), 0x3f8);
	assert_int_equal(VMX_QUAL_IO_SIZE(ins), 2);
	assert_int_equal(VMX_QUAL_IO_IN(ins), 1);
	assert_int_equal(VMX_QUAL_IO_STRING(ins), 1);
	assert_int_equal(VMX_QUAL_IO_REP(ins), 1);
	assert_int_equal(VMX_QUAL_IO_IMMEDIATE(ins), 1);
	assert_int_equal(VMX_QUAL_IO_PORT(ins), 0x60);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bochs_haswell_decode),
		cmocka_unit_test(test_bochs_tigerlake_decode),
		cmocka_unit_test(test_real_cpu_decode),
		cmocka_unit_test(test_no_true_ctls_decode),
		cmocka_unit_test(test_keel_controls_bochs_ept),
		cmocka_unit_test(test_keel_controls_shadow),
		cmocka_unit_test(test_no_true_ctls_controls),
		cmocka_unit_test(test_required_missing_fails),
		cmocka_unit_test(test_dependencies),
		cmocka_unit_test(test_tertiary_controls),
		cmocka_unit_test(test_decode_errors),
		cmocka_unit_test(test_cr_fixed_bits),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_field_table),
		cmocka_unit_test(test_exit_qualifications),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
