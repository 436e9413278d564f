/* SPDX-License-Identifier: GPL-2.0-only */
/* Finding the S5 (soft-off) sleep type values in the DSDT's AML without an AML interpreter. */
#include <keel/acpi.h>
#include <string.h>

/*
 * Keel has no AML interpreter, so it looks for the one shape firmware uses for \_S5_:
 *
 *	NameOp [RootChar] '_S5_' PackageOp PkgLength NumElements Integer Integer ...
 *
 * Every read is checked against the end of the enclosing object: first the AML block, then the
 * package's own PkgLength. A package that does not fit, or holds something other than integer
 * constants where the sleep types should be, is rejected.
 */

/* 20.2.4 PkgLength; on success *pos is just past the encoding and *end is the package's end. */
static enum acpi_status read_pkg_length(const u8 *aml, size_t len, size_t *pos, size_t *end)
{
	size_t start = *pos;
	u8 lead, follow;
	u32 value;

	if (start >= len)
		return ACPI_E_AML;
	lead = aml[start];
	follow = lead >> AML_PKGLEN_FOLLOW_SHIFT;
	if (follow > len - start - 1)
		return ACPI_E_AML;
	if (follow == 0) {
		value = lead & AML_PKGLEN_SMALL_MASK;
	} else {
		if (lead & AML_PKGLEN_RESERVED)
			return ACPI_E_AML;
		value = lead & AML_PKGLEN_LOW_MASK;
		for (u8 i = 1; i <= follow; i++)
			value |= (u32)aml[start + i] << (4 + 8 * (i - 1));
	}
	/* The length counts its own bytes; the package also needs its NumElements byte. */
	if (value < (u32)follow + 2 || value > len - start)
		return ACPI_E_AML;
	*pos = start + 1 + follow;
	*end = start + value;
	return ACPI_OK;
}

/* One integer constant (20.2.3 ComputationalData) at *pos, not reaching past end. */
static enum acpi_status read_integer(const u8 *aml, size_t end, size_t *pos, u64 *value)
{
	size_t p = *pos, size;

	if (p >= end)
		return ACPI_E_AML;
	switch (aml[p]) {
	case AML_ZERO_OP:
		*value = 0;
		*pos = p + 1;
		return ACPI_OK;
	case AML_ONE_OP:
		*value = 1;
		*pos = p + 1;
		return ACPI_OK;
	case AML_ONES_OP:
		*value = ~0ULL;
		*pos = p + 1;
		return ACPI_OK;
	case AML_BYTE_PREFIX:
		size = 1;
		break;
	case AML_WORD_PREFIX:
		size = 2;
		break;
	case AML_DWORD_PREFIX:
		size = 4;
		break;
	case AML_QWORD_PREFIX:
		size = 8;
		break;
	default:
		return ACPI_E_AML;
	}
	if (size > end - p - 1)
		return ACPI_E_AML;
	*value = 0;
	for (size_t i = 0; i < size; i++)
		*value |= (u64)aml[p + 1 + i] << (8 * i);
	*pos = p + 1 + size;
	return ACPI_OK;
}

static enum acpi_status decode_s5_package(const u8 *aml, size_t len, size_t pos, u8 *typa, u8 *typb)
{
	enum acpi_status st;
	size_t end;
	u64 a, b;
	u8 count;

	st = read_pkg_length(aml, len, &pos, &end);
	if (st != ACPI_OK)
		return st;
	count = aml[pos++];
	if (count == 0)
		return ACPI_E_AML;
	st = read_integer(aml, end, &pos, &a);
	if (st != ACPI_OK)
		return st;
	if (count == 1) {
		/* A single integer carries SLP_TYPa in bits 7-0 and SLP_TYPb in bits 15-8. */
		b = (a >> 8) & 0xff;
		a &= 0xff;
	} else {
		st = read_integer(aml, end, &pos, &b);
		if (st != ACPI_OK)
			return st;
	}
	if (a > ACPI_SLP_TYP_MAX || b > ACPI_SLP_TYP_MAX)
		return ACPI_E_AML;
	*typa = (u8)a;
	*typb = (u8)b;
	return ACPI_OK;
}

enum acpi_status acpi_find_s5(const u8 *aml, size_t len, u8 *slp_typa, u8 *slp_typb)
{
	for (size_t i = 0; i < len; i++) {
		size_t p = i + 1;

		if (aml[i] != AML_NAME_OP)
			continue;
		if (p < len && aml[p] == AML_ROOT_CHAR)
			p++;
		if (len - p < AML_NAMESEG_LEN + 1)
			break;
		if (memcmp(aml + p, AML_S5_NAME, AML_NAMESEG_LEN) != 0)
			continue;
		p += AML_NAMESEG_LEN;
		if (aml[p] != AML_PACKAGE_OP)
			return ACPI_E_AML;
		return decode_s5_package(aml, len, p + 1, slp_typa, slp_typb);
	}
	return ACPI_E_NO_S5;
}
