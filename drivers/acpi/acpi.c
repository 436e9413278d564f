/* SPDX-License-Identifier: GPL-2.0-only */
/* Kernel glue for the ACPI parser: tables read through the direct map, a boot summary printed. */
#include <keel/acpi.h>
#include <keel/mm.h>
#include <keel/printk.h>
#include <arch/paging.h>
#include <stdio.h>

static struct acpi_info acpi_tables;
static bool acpi_tables_valid;

/* Anything inside the direct map is readable; anything past it would fault. */
static const void *direct_map(u64 phys, size_t len, void *ctx)
{
	if (phys >= direct_map_end || len > direct_map_end - phys)
		return NULL;
	return phys_to_virt(phys);
}

static void print_summary(const struct acpi_info *ai)
{
	char madt[64] = "MADT missing", fadt[64] = "FADT missing";

	if (ai->madt_found)
		snprintf(madt, sizeof(madt), "MADT: %u cpus, %u ioapic", ai->cpus_enabled,
			 ai->ioapic_count);
	if (ai->fadt_found && ai->s5_found && ai->pm1a_cnt.present)
		snprintf(fadt, sizeof(fadt), "FADT: S5 via PM1a 0x%x", ai->pm1a_cnt.port);
	else if (ai->fadt_found)
		snprintf(fadt, sizeof(fadt), "FADT: no S5");
	pr_info("acpi: RSDP rev %u (%s), %s, %s, %s\n", ai->rsdp_revision, ai->oem_id,
		ai->use_xsdt ? "XSDT" : "RSDT", madt, fadt);
	if (ai->madt_found)
		pr_info("acpi: local APIC 0x%lx, %u cpus listed, %u irq overrides, %u nmi "
			"entries, "
			"sci %u\n",
			(unsigned long)ai->lapic_address, ai->cpu_count, ai->override_count,
			ai->nmi_source_count + ai->lapic_nmi_count, ai->sci_irq);
}

void acpi_init(u64 rsdp_phys)
{
	static const struct acpi_mem_ops mem = { .map = direct_map };
	enum acpi_status st = acpi_parse(rsdp_phys, &mem, &acpi_tables);

	for (u32 i = 0; i < acpi_tables.diag_count; i++) {
		const struct acpi_diag *d = &acpi_tables.diags[i];

		pr_warn("acpi: %s at 0x%lx: %s\n", d->sig, (unsigned long)d->phys,
			acpi_strerror(d->status));
	}
	if (acpi_tables.diag_dropped)
		pr_warn("acpi: %u more problems not shown\n", acpi_tables.diag_dropped);
	if (st != ACPI_OK) {
		pr_warn("acpi: no usable tables (%s); no SMP, no ACPI power-off\n",
			acpi_strerror(st));
		return;
	}
	acpi_tables_valid = true;
	print_summary(&acpi_tables);
}

const struct acpi_info *acpi_get_info(void)
{
	return acpi_tables_valid ? &acpi_tables : NULL;
}
