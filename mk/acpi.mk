# SPDX-License-Identifier: GPL-2.0-only
# Hosted unit test of the ACPI table parser (drivers/acpi/tables.c, drivers/acpi/s5.c).

$(eval $(call unit_test,test_acpi,tests/unit/test_acpi.c drivers/acpi/tables.c drivers/acpi/s5.c))
