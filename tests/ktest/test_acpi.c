/* SPDX-License-Identifier: GPL-2.0-only */
/* In-kernel tests of the ACPI parser on the firmware's real tables. */
#include <keel/acpi.h>
#include <keel/init.h>
#include <keel/ktest.h>
#include <keel/mm.h>
#include <arch/cpu.h>

#include <string.h>

/*
 * SDM Vol. 2A, CPUID: leaf 01H EBX[31:24] is the initial (xAPIC) APIC ID; leaf 0BH EDX is the
 * x2APIC ID, valid when the leaf exists and its EBX (logical processors at this level) is non-zero.
 */
#define CPUID_LEAF_TOPOLOGY	  0x0b
#define CPUID_1_EBX_APIC_ID_SHIFT 24

static u32 boot_cpu_apic_id(void)
{
	if (cpuid_max_leaf(0) >= CPUID_LEAF_TOPOLOGY) {
		struct cpuid_regs r = cpuid_count(CPUID_LEAF_TOPOLOGY, 0);

		if (r.ebx)
			return r.edx;
	}
	return cpuid(1).ebx >> CPUID_1_EBX_APIC_ID_SHIFT;
}

/*
 * The parsed tables, or NULL. Firmware without ACPI is a fact to report, not a failure: OVMF
 * installs ACPI tables only from QEMU's fw_cfg, so under Bochs+OVMF there are none. Then the
 * parser must have nothing to offer either.
 */
static const struct acpi_info *tables(struct ktest_ctx *t)
{
	const struct acpi_info *ai = acpi_get_info();

	if (!boot_info.acpi_rsdp) {
		ktest_diag(t, "the firmware provides no ACPI tables: nothing to check");
		KTEST_EXPECT(t, ai == NULL);
		return NULL;
	}
	KTEST_EXPECT(t, ai != NULL);
	if (!ai)
		ktest_diag(t, "acpi_init() found no usable tables (RSDP at 0x%lx)",
			   (unsigned long)boot_info.acpi_rsdp);
	return ai;
}

/* The RSDP the boot path handed over is valid on its own terms, checked here without the parser. */
KTEST(acpi_rsdp)
{
	const struct acpi_info *ai = tables(t);
	const u8 *r;
	u8 sum = 0;

	if (!ai)
		return;
	KTEST_EXPECT_EQ(t, ai->rsdp_phys, boot_info.acpi_rsdp);
	r = phys_to_virt(boot_info.acpi_rsdp);
	KTEST_EXPECT(t, memcmp(r, ACPI_RSDP_SIGNATURE, ACPI_RSDP_SIGNATURE_LEN) == 0);
	for (int i = 0; i < ACPI_RSDP_V1_LEN; i++)
		sum += r[i];
	KTEST_EXPECT_EQ(t, sum, 0);
	KTEST_EXPECT(t, ai->root_phys != 0);
	KTEST_EXPECT(t, ai->table_count >= 2);
	/* ACPI 2.0+ firmware must be walked through its XSDT. */
	if (ai->rsdp_revision >= ACPI_RSDP_REVISION_2)
		KTEST_EXPECT(t, ai->use_xsdt);
}

KTEST(acpi_madt_boot_cpu)
{
	const struct acpi_info *ai = tables(t);
	u32 apic_id = boot_cpu_apic_id();
	bool listed = false;

	if (!ai)
		return;
	KTEST_EXPECT(t, ai->madt_found);
	KTEST_EXPECT(t, ai->cpus_enabled >= 1);
	KTEST_EXPECT(t, ai->ioapic_count >= 1);
	KTEST_EXPECT(t, ai->lapic_address != 0);
	for (u32 i = 0; i < ai->cpu_count; i++) {
		if (ai->cpus[i].apic_id == apic_id && ai->cpus[i].enabled)
			listed = true;
	}
	if (!listed)
		ktest_diag(t, "boot CPU APIC ID %u is not an enabled CPU in the MADT", apic_id);
	KTEST_EXPECT(t, listed);
}

KTEST(acpi_fadt_pm1a)
{
	const struct acpi_info *ai = tables(t);

	if (!ai)
		return;
	KTEST_EXPECT(t, ai->fadt_found);
	KTEST_EXPECT(t, ai->pm1a_cnt.present);
	KTEST_EXPECT(t, ai->pm1a_cnt.port != 0);
	KTEST_EXPECT(t, ai->dsdt_phys != 0);
}

KTEST(acpi_s5)
{
	const struct acpi_info *ai = tables(t);

	if (!ai)
		return;
	KTEST_EXPECT(t, ai->s5_found);
	KTEST_EXPECT(t, ai->slp_typa <= ACPI_SLP_TYP_MAX);
	KTEST_EXPECT(t, ai->slp_typb <= ACPI_SLP_TYP_MAX);
}

/* The firmware of every rig is well-formed: any table the parser rejected is a parser bug. */
KTEST(acpi_tables_clean)
{
	const struct acpi_info *ai = tables(t);

	if (!ai)
		return;
	for (u32 i = 0; i < ai->diag_count; i++)
		ktest_diag(t, "%s at 0x%lx: %s", ai->diags[i].sig, (unsigned long)ai->diags[i].phys,
			   acpi_strerror(ai->diags[i].status));
	KTEST_EXPECT_EQ(t, ai->diag_count + ai->diag_dropped, 0);
}
