/* SPDX-License-Identifier: GPL-2.0-only */
/* Hosted tests of the ACPI parser: real-shaped tables built here, and malformed ones. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <keel/acpi.h>

/*
 * Fake physical memory: each table lives in its own heap block of exactly its length, so an
 * out-of-bounds read by the parser is an ASan error, and map() fails for any range that is not
 * wholly inside one block (which is how "unmappable" memory is modelled).
 */
#define MAX_REGIONS 32

struct region {
	u64 phys;
	u8 *buf;
	size_t len;
};

static struct region regions[MAX_REGIONS];
static unsigned int nr_regions;

static const void *fake_map(u64 phys, size_t len, void *ctx)
{
	for (unsigned int i = 0; i < nr_regions; i++) {
		struct region *r = &regions[i];

		if (phys >= r->phys && len <= r->len && phys - r->phys <= r->len - len)
			return r->buf + (phys - r->phys);
	}
	return NULL;
}

static const struct acpi_mem_ops fake_mem = { .map = fake_map };

/* Puts a copy of data at phys, replacing whatever was placed there before. */
static u8 *place(u64 phys, const void *data, size_t len)
{
	struct region *r = NULL;

	for (unsigned int i = 0; i < nr_regions; i++) {
		if (regions[i].phys == phys) {
			r = &regions[i];
			free(r->buf);
		}
	}
	if (!r) {
		assert_true(nr_regions < MAX_REGIONS);
		r = &regions[nr_regions++];
	}
	r->phys = phys;
	r->len = len;
	r->buf = malloc(len);
	assert_non_null(r->buf);
	memcpy(r->buf, data, len);
	return r->buf;
}

static int free_regions(void **state)
{
	for (unsigned int i = 0; i < nr_regions; i++)
		free(regions[i].buf);
	nr_regions = 0;
	return 0;
}

static u8 checksum_of(const u8 *p, size_t len)
{
	u8 sum = 0;

	while (len--)
		sum += *p++;
	return (u8)-sum;
}

/* ---- table builder ---- */

struct tbuf {
	u8 b[8192];
	size_t len;
};

static void put_le(u8 *p, u64 v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (u8)(v >> (8 * i));
}

static void tb_bytes(struct tbuf *t, const void *p, size_t n)
{
	assert_true(t->len + n <= sizeof(t->b));
	memcpy(t->b + t->len, p, n);
	t->len += n;
}

static void tb_int(struct tbuf *t, u64 v, int bytes)
{
	assert_true(t->len + bytes <= sizeof(t->b));
	put_le(t->b + t->len, v, bytes);
	t->len += bytes;
}

static void tb_init(struct tbuf *t, const char *sig, u8 rev)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->b, sig, 4);
	t->b[ACPI_HDR_OFF_REVISION] = rev;
	memcpy(t->b + ACPI_HDR_OFF_OEMID, "KEELTS", 6);
	memcpy(t->b + 16, "KEELTEST", 8);
	t->len = ACPI_HDR_LEN;
}

/* Sets Length to the bytes written and fixes the checksum. */
static void tb_finish(struct tbuf *t)
{
	put_le(t->b + ACPI_HDR_OFF_LENGTH, t->len, 4);
	t->b[9] = 0;
	t->b[9] = checksum_of(t->b, t->len);
}

static void tb_fix_checksum(u8 *table, size_t len)
{
	table[9] = 0;
	table[9] = checksum_of(table, len);
}

/* MADT entries (5.2.12) */
static void madt_init(struct tbuf *t, u32 lapic_addr, u32 flags)
{
	tb_init(t, "APIC", 5);
	tb_int(t, lapic_addr, 4);
	tb_int(t, flags, 4);
}

static void madt_lapic(struct tbuf *t, u8 uid, u8 apic_id, u32 flags)
{
	u8 e[8] = { 0, 8, uid, apic_id };

	put_le(e + 4, flags, 4);
	tb_bytes(t, e, sizeof(e));
}

static void madt_x2apic(struct tbuf *t, u32 x2apic_id, u32 flags, u32 uid)
{
	u8 e[16] = { 9, 16 };

	put_le(e + 4, x2apic_id, 4);
	put_le(e + 8, flags, 4);
	put_le(e + 12, uid, 4);
	tb_bytes(t, e, sizeof(e));
}

static void madt_ioapic(struct tbuf *t, u8 id, u32 addr, u32 gsi_base)
{
	u8 e[12] = { 1, 12, id, 0 };

	put_le(e + 4, addr, 4);
	put_le(e + 8, gsi_base, 4);
	tb_bytes(t, e, sizeof(e));
}

static void madt_iso(struct tbuf *t, u8 irq, u32 gsi, u16 flags)
{
	u8 e[10] = { 2, 10, 0, irq };

	put_le(e + 4, gsi, 4);
	put_le(e + 8, flags, 2);
	tb_bytes(t, e, sizeof(e));
}

static void madt_nmi_source(struct tbuf *t, u16 flags, u32 gsi)
{
	u8 e[8] = { 3, 8 };

	put_le(e + 2, flags, 2);
	put_le(e + 4, gsi, 4);
	tb_bytes(t, e, sizeof(e));
}

static void madt_lapic_nmi(struct tbuf *t, u8 uid, u16 flags, u8 lint)
{
	u8 e[6] = { 4, 6, uid };

	put_le(e + 3, flags, 2);
	e[5] = lint;
	tb_bytes(t, e, sizeof(e));
}

static void madt_x2apic_nmi(struct tbuf *t, u16 flags, u32 uid, u8 lint)
{
	u8 e[12] = { 10, 12 };

	put_le(e + 2, flags, 2);
	put_le(e + 4, uid, 4);
	e[8] = lint;
	tb_bytes(t, e, sizeof(e));
}

static void madt_lapic_addr(struct tbuf *t, u64 addr)
{
	u8 e[12] = { 5, 12 };

	put_le(e + 4, addr, 8);
	tb_bytes(t, e, sizeof(e));
}

/* A two-CPU machine the way QEMU describes it, plus one of each other entry type. */
static void build_typical_madt(struct tbuf *t)
{
	madt_init(t, 0xfee00000, ACPI_MADT_PCAT_COMPAT);
	madt_lapic(t, 0, 0, ACPI_MADT_CPU_ENABLED);
	madt_lapic(t, 1, 1, ACPI_MADT_CPU_ENABLED);
	madt_ioapic(t, 0, 0xfec00000, 0);
	madt_iso(t, 0, 2, 0);
	madt_iso(t, 9, 9, ACPI_MPS_POLARITY_HIGH | ACPI_MPS_TRIGGER_LEVEL);
	madt_lapic_nmi(t, ACPI_MADT_LAPIC_NMI_ALL_CPUS, 0, 1);
	tb_finish(t);
}

/* FADT (5.2.9) */
struct fadt_spec {
	size_t len;
	u32 dsdt;
	u64 x_dsdt;
	u16 sci;
	u32 smi_cmd;
	u8 acpi_enable;
	u32 pm1a, pm1b;
	u8 pm1_cnt_len;
	u32 flags;
	u8 x_pm1a_space;
	u64 x_pm1a, x_pm1b;
	u8 reset_space;
	u64 reset_addr;
	u8 reset_value;
};

static void put_gas(u8 *p, u8 space, u8 width, u64 addr)
{
	p[0] = space;
	p[1] = width;
	p[2] = 0;
	p[3] = 0;
	put_le(p + 4, addr, 8);
}

static void build_fadt(struct tbuf *t, const struct fadt_spec *s)
{
	tb_init(t, "FACP", s->len > ACPI_FADT_V1_LEN ? 6 : 1);
	t->len = s->len;
	put_le(t->b + ACPI_FADT_OFF_DSDT, s->dsdt, 4);
	put_le(t->b + ACPI_FADT_OFF_SCI_INT, s->sci, 2);
	put_le(t->b + ACPI_FADT_OFF_SMI_CMD, s->smi_cmd, 4);
	t->b[ACPI_FADT_OFF_ACPI_ENABLE] = s->acpi_enable;
	put_le(t->b + ACPI_FADT_OFF_PM1A_CNT, s->pm1a, 4);
	put_le(t->b + ACPI_FADT_OFF_PM1B_CNT, s->pm1b, 4);
	t->b[ACPI_FADT_OFF_PM1_CNT_LEN] = s->pm1_cnt_len;
	put_le(t->b + ACPI_FADT_OFF_FLAGS, s->flags, 4);
	if (s->len >= ACPI_FADT_OFF_RESET_VALUE + 1) {
		put_gas(t->b + ACPI_FADT_OFF_RESET_REG, s->reset_space, 8, s->reset_addr);
		t->b[ACPI_FADT_OFF_RESET_VALUE] = s->reset_value;
	}
	if (s->len >= ACPI_FADT_OFF_X_DSDT + 8)
		put_le(t->b + ACPI_FADT_OFF_X_DSDT, s->x_dsdt, 8);
	if (s->len >= ACPI_FADT_OFF_X_PM1A_CNT + ACPI_GAS_LEN && s->x_pm1a)
		put_gas(t->b + ACPI_FADT_OFF_X_PM1A_CNT, s->x_pm1a_space, 16, s->x_pm1a);
	if (s->len >= ACPI_FADT_OFF_X_PM1B_CNT + ACPI_GAS_LEN && s->x_pm1b)
		put_gas(t->b + ACPI_FADT_OFF_X_PM1B_CNT, ACPI_GAS_SPACE_IO, 16, s->x_pm1b);
	tb_finish(t);
}

/* A DSDT whose AML is the given bytes. */
static void build_dsdt(struct tbuf *t, const u8 *aml, size_t len)
{
	tb_init(t, "DSDT", 2);
	tb_bytes(t, aml, len);
	tb_finish(t);
}

/* Scope (\_SB) {}, Name (_S3_, ...), Name (\_S5_, Package (4) { 5, 5, Zero, Zero }). */
static const u8 aml_s5_small[] = {
	0x10, 0x06, 0x5c, 0x5f, 0x53, 0x42, 0x5f,				      /* Scope */
	0x08, 0x5f, 0x53, 0x33, 0x5f, 0x12, 0x07, 0x04, 0x0a, 0x01, 0x0a, 0x01, 0x00, /* _S3_ */
	0x08, 0x5c, 0x5f, 0x53, 0x35, 0x5f, 0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00,
};

/* RSDP (5.2.5.3) */
static void build_rsdp(u8 *r, u8 rev, u32 rsdt, u64 xsdt)
{
	memset(r, 0, ACPI_RSDP_V2_LEN);
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + ACPI_RSDP_OFF_OEMID, "KEELTS", 6);
	r[ACPI_RSDP_OFF_REVISION] = rev;
	put_le(r + ACPI_RSDP_OFF_RSDT, rsdt, 4);
	r[ACPI_RSDP_OFF_CHECKSUM] = checksum_of(r, ACPI_RSDP_V1_LEN);
	if (rev < 2)
		return;
	put_le(r + ACPI_RSDP_OFF_LENGTH, ACPI_RSDP_V2_LEN, 4);
	put_le(r + ACPI_RSDP_OFF_XSDT, xsdt, 8);
	r[32] = checksum_of(r, ACPI_RSDP_V2_LEN);
}

static void build_root(struct tbuf *t, bool xsdt, const u64 *addrs, size_t n)
{
	tb_init(t, xsdt ? "XSDT" : "RSDT", 1);
	for (size_t i = 0; i < n; i++)
		tb_int(t, addrs[i], xsdt ? 8 : 4);
	tb_finish(t);
}

enum {
	RSDP_PHYS = 0xe0000,
	RSDT_PHYS = 0x7fe0000,
	XSDT_PHYS = 0x7fe1000,
	MADT_PHYS = 0x7fe2000,
	FADT_PHYS = 0x7fe3000,
	DSDT_PHYS = 0x7fe4000,
	EXTRA_PHYS = 0x7fe5000,
};

static const struct fadt_spec qemu_fadt = {
	.len = 244,
	.dsdt = DSDT_PHYS,
	.sci = 9,
	.pm1a = 0x604,
	.pm1_cnt_len = 2,
	.flags = ACPI_FADT_RESET_REG_SUP,
	.reset_space = ACPI_GAS_SPACE_IO,
	.reset_addr = 0xcf9,
	.reset_value = 0x0f,
};

/* Places a whole, valid table set: RSDP rev 0 or 2, root, MADT, FADT and DSDT. */
static void place_machine(u8 rsdp_rev, const struct fadt_spec *fs, const u8 *aml, size_t aml_len)
{
	u64 tables[] = { FADT_PHYS, MADT_PHYS };
	u8 rsdp[ACPI_RSDP_V2_LEN];
	struct tbuf t;

	build_rsdp(rsdp, rsdp_rev, RSDT_PHYS, rsdp_rev >= 2 ? XSDT_PHYS : 0);
	place(RSDP_PHYS, rsdp, rsdp_rev >= 2 ? ACPI_RSDP_V2_LEN : ACPI_RSDP_V1_LEN);
	build_root(&t, false, tables, 2);
	place(RSDT_PHYS, t.b, t.len);
	if (rsdp_rev >= 2) {
		build_root(&t, true, tables, 2);
		place(XSDT_PHYS, t.b, t.len);
	}
	build_typical_madt(&t);
	place(MADT_PHYS, t.b, t.len);
	build_fadt(&t, fs);
	place(FADT_PHYS, t.b, t.len);
	build_dsdt(&t, aml, aml_len);
	place(DSDT_PHYS, t.b, t.len);
}

static bool has_diag(const struct acpi_info *info, enum acpi_status st, const char *sig)
{
	for (u32 i = 0; i < info->diag_count; i++) {
		if (info->diags[i].status == st && !strcmp(info->diags[i].sig, sig))
			return true;
	}
	return false;
}

static struct region *find_region(u64 phys)
{
	for (unsigned int i = 0; i < nr_regions; i++) {
		if (regions[i].phys == phys)
			return &regions[i];
	}
	fail_msg("no region at %#llx", (unsigned long long)phys);
	return NULL;
}

/* ---- whole walks ---- */

static void check_typical_machine(const struct acpi_info *info)
{
	assert_true(info->madt_found);
	assert_int_equal(info->cpu_count, 2);
	assert_int_equal(info->cpus_enabled, 2);
	assert_int_equal(info->cpus[1].apic_id, 1);
	assert_int_equal(info->lapic_address, 0xfee00000);
	assert_int_equal(info->ioapic_count, 1);
	assert_int_equal(info->ioapics[0].address, 0xfec00000);
	assert_int_equal(info->override_count, 2);
	assert_int_equal(info->overrides[0].gsi, 2);
	assert_int_equal(info->lapic_nmi_count, 1);
	assert_true(info->lapic_nmis[0].all_cpus);
	assert_true(info->fadt_found);
	assert_true(info->pm1a_cnt.present);
	assert_int_equal(info->pm1a_cnt.port, 0x604);
	assert_false(info->pm1b_cnt.present);
	assert_int_equal(info->sci_irq, 9);
	assert_true(info->s5_found);
	assert_int_equal(info->slp_typa, 5);
	assert_int_equal(info->slp_typb, 5);
}

static void test_rsdp_v1_rsdt(void **state)
{
	struct acpi_info info;

	place_machine(0, &qemu_fadt, aml_s5_small, sizeof(aml_s5_small));
	assert_int_equal(acpi_parse(RSDP_PHYS, &fake_mem, &info), ACPI_OK);
	assert_int_equal(info.rsdp_revision, 0);
	assert_false(info.use_xsdt);
	assert_int_equal(info.root_phys, RSDT_PHYS);
	assert_string_equal(info.oem_id, "KEELTS");
	assert_int_equal(info.diag_count, 0);
	check_typical_machine(&info);
}

static void test_rsdp_v2_xsdt(void **state)
{
	struct acpi_info info;

	place_machine(2, &qemu_fadt, aml_s5_small, sizeof(aml_s5_small));
	assert_int_equal(acpi_parse(RSDP_PHYS, &fake_mem, &info), ACPI_OK);
	assert_int_equal(info.rsdp_revision, 2);
	assert_true(info.use_xsdt);
	assert_int_equal(info.root_phys, XSDT_PHYS);
	assert_int_equal(info.table_count, 2);
	assert_int_equal(info.diag_count, 0);
	check_typical_machine(&info);
}

static void test_bad_xsdt_falls_back_to_rsdt(void **state)
{
	struct acpi_info info;

	place_machine(2, &qemu_fadt, aml_s5_small, sizeof(aml_s5_small));
	find_region(XSDT_PHYS)->buf[9] ^= 0x55;
	assert_int_equal(acpi_parse(RSDP_PHYS, &fake_mem, &info), ACPI_OK);
	assert_false(info.use_xsdt);
	assert_true(has_diag(&info, ACPI_E_CHECKSUM, "XSDT"));
	check_typical_machine(&info);
}

static void test_rsdp_rejected(void **state)
{
	struct acpi_info info;
	u8 r[ACPI_RSDP_V2_LEN];

	assert_int_equal(acpi_parse(0, &fake_mem, &info), ACPI_E_NO_RSDP);
	assert_int_equal(acpi_parse(0x1234000, &fake_mem, &info), ACPI_E_UNMAPPABLE);
	assert_true(has_diag(&info, ACPI_E_UNMAPPABLE, "RSDP"));

	build_rsdp(r, 0, RSDT_PHYS, 0);
	r[0] = 'X';
	place(0x1000, r, ACPI_RSDP_V1_LEN);
	assert_int_equal(acpi_parse(0x1000, &fake_mem, &info), ACPI_E_SIGNATURE);

	build_rsdp(r, 0, RSDT_PHYS, 0);
	r[ACPI_RSDP_OFF_RSDT] ^= 1;
	place(0x2000, r, ACPI_RSDP_V1_LEN);
	assert_int_equal(acpi_parse(0x2000, &fake_mem, &info), ACPI_E_CHECKSUM);

	/* Revision 2, but only the first 20 bytes are memory. */
	build_rsdp(r, 2, RSDT_PHYS, XSDT_PHYS);
	place(0x3000, r, ACPI_RSDP_V1_LEN);
	assert_int_equal(acpi_parse(0x3000, &fake_mem, &info), ACPI_E_UNMAPPABLE);

	/* Revision 2 with a broken extended checksum. */
	build_rsdp(r, 2, RSDT_PHYS, XSDT_PHYS);
	r[ACPI_RSDP_OFF_XSDT + 7] = 0x80;
	place(0x4000, r, ACPI_RSDP_V2_LEN);
	assert_int_equal(acpi_parse(0x4000, &fake_mem, &info), ACPI_E_CHECKSUM);

	/* Revision 2 whose Length is below the structure's size, or absurd. */
	build_rsdp(r, 2, RSDT_PHYS, XSDT_PHYS);
	put_le(r + ACPI_RSDP_OFF_LENGTH, 20, 4);
	place(0x5000, r, ACPI_RSDP_V2_LEN);
	assert_int_equal(acpi_parse(0x5000, &fake_mem, &info), ACPI_E_LENGTH);
	put_le(r + ACPI_RSDP_OFF_LENGTH, 0xffffffff, 4);
	place(0x6000, r, ACPI_RSDP_V2_LEN);
	assert_int_equal(acpi_parse(0x6000, &fake_mem, &info), ACPI_E_TOO_LARGE);

	/* A valid RSDP whose root tables are not memory. */
	build_rsdp(r, 2, 0xdead000, 0xbeef000);
	place(0x7000, r, ACPI_RSDP_V2_LEN);
	assert_int_equal(acpi_parse(0x7000, &fake_mem, &info), ACPI_E_MISSING);
	assert_true(has_diag(&info, ACPI_E_UNMAPPABLE, "XSDT"));
	assert_true(has_diag(&info, ACPI_E_UNMAPPABLE, "RSDT"));
}

/* Root entries that are null, unmappable, garbage or a second MADT are reported and skipped. */
static void test_root_bad_entries(void **state)
{
	u64 tables[] = { 0,	    0xdead0000, EXTRA_PHYS, MADT_PHYS, EXTRA_PHYS + 0x1000,
			 FADT_PHYS, MADT_PHYS };
	struct acpi_info info;
	u8 rsdp[ACPI_RSDP_V2_LEN];
	struct tbuf t;

	place_machine(2, &qemu_fadt, aml_s5_small, sizeof(aml_s5_small));
	build_root(&t, true, tables, ARRAY_SIZE(tables));
	place(0x9000000, t.b, t.len);
	build_rsdp(rsdp, 2, 0, 0x9000000);
	place(0x8000, rsdp, ACPI_RSDP_V2_LEN);
	tb_init(&t, "SSDT", 2);
	tb_int(&t, 0x1234, 4);
	tb_finish(&t);
	t.b[20] ^= 0xff; /* checksum now wrong */
	place(EXTRA_PHYS, t.b, t.len);
	tb_init(&t, "HPET", 1);
	put_le(t.b + ACPI_HDR_OFF_LENGTH, 12, 4); /* length below the header */
	place(EXTRA_PHYS + 0x1000, t.b, ACPI_HDR_LEN);

	assert_int_equal(acpi_parse(0x8000, &fake_mem, &info), ACPI_OK);
	assert_true(has_diag(&info, ACPI_E_NULL_ENTRY, "XSDT"));
	assert_true(has_diag(&info, ACPI_E_UNMAPPABLE, "????"));
	assert_true(has_diag(&info, ACPI_E_CHECKSUM, "SSDT"));
	assert_true(has_diag(&info, ACPI_E_LENGTH, "HPET"));
	assert_true(has_diag(&info, ACPI_E_DUPLICATE, "APIC"));
	assert_int_equal(info.cpu_count, 2);
	assert_true(info.s5_found);
}

static void test_missing_tables(void **state)
{
	struct acpi_info info;
	u8 rsdp[ACPI_RSDP_V2_LEN];
	struct tbuf t;

	build_root(&t, false, NULL, 0);
	place(RSDT_PHYS, t.b, t.len);
	build_rsdp(rsdp, 0, RSDT_PHYS, 0);
	place(RSDP_PHYS, rsdp, ACPI_RSDP_V1_LEN);
	assert_int_equal(acpi_parse(RSDP_PHYS, &fake_mem, &info), ACPI_OK);
	assert_false(info.madt_found);
	assert_false(info.fadt_found);
	assert_false(info.s5_found);
	assert_true(has_diag(&info, ACPI_E_MISSING, "APIC"));
	assert_true(has_diag(&info, ACPI_E_MISSING, "FACP"));
}

/* An XSDT whose entry area is not a whole number of 8-byte entries. */
static void test_xsdt_ragged_length(void **state)
{
	u64 tables[] = { MADT_PHYS };
	struct acpi_info info;
	struct tbuf t;

	place_machine(2, &qemu_fadt, aml_s5_small, sizeof(aml_s5_small));
	build_root(&t, true, tables, 1);
	tb_int(&t, 0xaabbcc, 3);
	tb_finish(&t);
	place(XSDT_PHYS, t.b, t.len);
	assert_int_equal(acpi_parse(RSDP_PHYS, &fake_mem, &info), ACPI_OK);
	assert_true(info.use_xsdt);
	assert_int_equal(info.table_count, 1);
	assert_true(has_diag(&info, ACPI_E_LENGTH, "XSDT"));
	assert_true(info.madt_found);
}

/* ---- table headers ---- */

static void test_table_header_checks(void **state)
{
	struct tbuf t;

	build_typical_madt(&t);
	assert_int_equal(acpi_check_table(t.b, t.len, "APIC"), ACPI_OK);
	assert_int_equal(acpi_check_table(t.b, t.len, "FACP"), ACPI_E_SIGNATURE);
	assert_int_equal(acpi_check_table(t.b, t.len - 1, "APIC"), ACPI_E_TRUNCATED);
	assert_int_equal(acpi_check_table(t.b, 20, "APIC"), ACPI_E_TRUNCATED);
	t.b[40] ^= 1;
	assert_int_equal(acpi_check_table(t.b, t.len, "APIC"), ACPI_E_CHECKSUM);
	put_le(t.b + ACPI_HDR_OFF_LENGTH, 35, 4);
	assert_int_equal(acpi_check_table(t.b, t.len, "APIC"), ACPI_E_LENGTH);
	put_le(t.b + ACPI_HDR_OFF_LENGTH, 0x40000000, 4);
	assert_int_equal(acpi_check_table(t.b, t.len, "APIC"), ACPI_E_TOO_LARGE);
}

/* A table whose header claims more bytes than exist: mapping the declared length fails. */
static void test_table_longer_than_memory(void **state)
{
	struct acpi_info info;
	struct region *r;

	place_machine(2, &qemu_fadt, aml_s5_small, sizeof(aml_s5_small));
	r = find_region(MADT_PHYS);
	put_le(r->buf + ACPI_HDR_OFF_LENGTH, r->len + 64, 4);
	tb_fix_checksum(r->buf, r->len);
	assert_int_equal(acpi_parse(RSDP_PHYS, &fake_mem, &info), ACPI_OK);
	assert_false(info.madt_found);
	assert_int_equal(info.cpu_count, 0);
	assert_true(has_diag(&info, ACPI_E_UNMAPPABLE, "APIC"));
	assert_true(info.fadt_found);
}

/* ---- MADT ---- */

static void test_madt_all_entry_types(void **state)
{
	struct acpi_info info = { 0 };
	struct tbuf t;

	madt_init(&t, 0xfee00000, 0);
	madt_lapic(&t, 0, 0, ACPI_MADT_CPU_ENABLED);
	madt_lapic(&t, 1, 2, ACPI_MADT_CPU_ONLINE_CAPABLE);
	madt_lapic(&t, 2, 4, 0);    /* unusable: ignored */
	madt_lapic(&t, 3, 0xff, 1); /* broadcast ID: ignored */
	madt_x2apic(&t, 300, ACPI_MADT_CPU_ENABLED, 300);
	madt_x2apic(&t, 0, ACPI_MADT_CPU_ENABLED, 0); /* same CPU as the first: not twice */
	madt_ioapic(&t, 8, 0xfec00000, 0);
	madt_ioapic(&t, 9, 0xfec01000, 24);
	madt_iso(&t, 0, 2, 0);
	madt_nmi_source(&t, ACPI_MPS_POLARITY_LOW, 23);
	madt_lapic_nmi(&t, 1, ACPI_MPS_TRIGGER_EDGE, 1);
	madt_x2apic_nmi(&t, 0, ACPI_MADT_X2APIC_NMI_ALL_CPUS, 1);
	madt_lapic_addr(&t, 0xfee0000000ULL);
	tb_bytes(&t, (u8[]){ 0x7f, 3, 0 }, 3); /* unknown type: skipped */
	tb_finish(&t);

	assert_int_equal(acpi_parse_madt(t.b, t.len, &info), ACPI_OK);
	assert_int_equal(info.diag_count, 0);
	assert_int_equal(info.cpu_count, 3);
	assert_int_equal(info.cpus_enabled, 2);
	assert_true(info.cpus[0].enabled);
	assert_false(info.cpus[1].enabled);
	assert_true(info.cpus[1].online_capable);
	assert_int_equal(info.cpus[1].apic_id, 2);
	assert_int_equal(info.cpus[2].apic_id, 300);
	assert_int_equal(info.cpus[2].uid, 300);
	assert_true(info.cpus[2].x2apic_entry);
	assert_int_equal(info.ioapic_count, 2);
	assert_int_equal(info.ioapics[1].id, 9);
	assert_int_equal(info.ioapics[1].gsi_base, 24);
	assert_int_equal(info.override_count, 1);
	assert_int_equal(info.overrides[0].source_irq, 0);
	assert_int_equal(info.nmi_source_count, 1);
	assert_int_equal(info.nmi_sources[0].gsi, 23);
	assert_int_equal(info.nmi_sources[0].flags, ACPI_MPS_POLARITY_LOW);
	assert_int_equal(info.lapic_nmi_count, 2);
	assert_false(info.lapic_nmis[0].all_cpus);
	assert_int_equal(info.lapic_nmis[0].uid, 1);
	assert_int_equal(info.lapic_nmis[0].flags, ACPI_MPS_TRIGGER_EDGE);
	assert_true(info.lapic_nmis[1].all_cpus);
	assert_int_equal(info.lapic_nmis[1].lint, 1);
	assert_int_equal(info.lapic_address, 0xfee0000000ULL);
}

static void test_madt_zero_length_entry(void **state)
{
	struct acpi_info info = { 0 };
	struct tbuf t;

	madt_init(&t, 0xfee00000, 0);
	madt_lapic(&t, 0, 0, ACPI_MADT_CPU_ENABLED);
	tb_bytes(&t, (u8[]){ ACPI_MADT_TYPE_IOAPIC, 0, 0, 0 }, 4);
	madt_lapic(&t, 1, 1, ACPI_MADT_CPU_ENABLED);
	tb_finish(&t);
	assert_int_equal(acpi_parse_madt(t.b, t.len, &info), ACPI_E_ENTRY_ZERO_LEN);
	assert_int_equal(info.cpu_count, 1);
	assert_int_equal(info.ioapic_count, 0);

	memset(&info, 0, sizeof(info));
	madt_init(&t, 0xfee00000, 0);
	tb_bytes(&t, (u8[]){ ACPI_MADT_TYPE_LAPIC, 1 }, 2); /* length 1: would advance by 1 */
	tb_finish(&t);
	assert_int_equal(acpi_parse_madt(t.b, t.len, &info), ACPI_E_ENTRY_ZERO_LEN);
}

static void test_madt_entry_past_end(void **state)
{
	struct acpi_info info = { 0 };
	struct tbuf t;

	madt_init(&t, 0xfee00000, 0);
	madt_lapic(&t, 0, 0, ACPI_MADT_CPU_ENABLED);
	madt_ioapic(&t, 0, 0xfec00000, 0);
	t.len -= 4; /* the IOAPIC entry is cut short by the table's end */
	tb_finish(&t);
	assert_int_equal(acpi_parse_madt(t.b, t.len, &info), ACPI_E_ENTRY_TRUNCATED);
	assert_int_equal(info.cpu_count, 1);
	assert_int_equal(info.ioapic_count, 0);

	/* A lone type byte at the very end: no room for its length byte. */
	memset(&info, 0, sizeof(info));
	madt_init(&t, 0xfee00000, 0);
	madt_lapic(&t, 0, 0, ACPI_MADT_CPU_ENABLED);
	tb_int(&t, ACPI_MADT_TYPE_LAPIC, 1);
	tb_finish(&t);
	assert_int_equal(acpi_parse_madt(t.b, t.len, &info), ACPI_E_ENTRY_TRUNCATED);
	assert_int_equal(info.cpu_count, 1);
}

static void test_madt_short_entry_skipped(void **state)
{
	struct acpi_info info = { 0 };
	struct tbuf t;

	madt_init(&t, 0xfee00000, 0);
	tb_bytes(&t, (u8[]){ ACPI_MADT_TYPE_X2APIC, 8, 0, 0, 1, 0, 0, 0 }, 8);
	madt_lapic(&t, 1, 1, ACPI_MADT_CPU_ENABLED);
	tb_finish(&t);
	assert_int_equal(acpi_parse_madt(t.b, t.len, &info), ACPI_OK);
	assert_int_equal(info.cpu_count, 1);
	assert_int_equal(info.cpus[0].apic_id, 1);
	assert_true(has_diag(&info, ACPI_E_ENTRY_SHORT, "APIC"));
}

static void test_madt_bad_header(void **state)
{
	struct acpi_info info = { 0 };
	struct tbuf t;

	/* Longer than the table header but too short for the MADT's own fields. */
	tb_init(&t, "APIC", 5);
	tb_int(&t, 0xfee00000, 4);
	tb_finish(&t);
	assert_int_equal(acpi_parse_madt(t.b, t.len, &info), ACPI_E_LENGTH);
	assert_false(info.madt_found);

	build_typical_madt(&t);
	t.b[50] ^= 0x10;
	assert_int_equal(acpi_parse_madt(t.b, t.len, &info), ACPI_E_CHECKSUM);
	assert_false(info.madt_found);
	assert_int_equal(info.cpu_count, 0);
}

static void test_madt_too_many_cpus(void **state)
{
	struct acpi_info info = { 0 };
	struct tbuf t;

	madt_init(&t, 0xfee00000, 0);
	for (u32 i = 0; i < ACPI_MAX_CPUS + 10; i++)
		madt_x2apic(&t, i, ACPI_MADT_CPU_ENABLED, i);
	for (u32 i = 0; i < ACPI_MAX_IOAPICS + 1; i++)
		madt_ioapic(&t, (u8)i, 0xfec00000 + i * 0x1000, i * 24);
	tb_finish(&t);
	assert_int_equal(acpi_parse_madt(t.b, t.len, &info), ACPI_OK);
	assert_int_equal(info.cpu_count, ACPI_MAX_CPUS);
	assert_int_equal(info.cpus_dropped, 10);
	assert_int_equal(info.ioapic_count, ACPI_MAX_IOAPICS);
	assert_int_equal(info.diag_count, 2); /* one for the CPUs, one for the extra IOAPIC */
	assert_true(has_diag(&info, ACPI_E_FULL, "APIC"));
}

/* ---- FADT ---- */

static void test_fadt_v1(void **state)
{
	struct fadt_spec s = { .len = ACPI_FADT_V1_LEN,
			       .dsdt = 0x1000,
			       .sci = 9,
			       .smi_cmd = 0xb2,
			       .acpi_enable = 0xf1,
			       .pm1a = 0xb004,
			       .pm1b = 0xb008,
			       .pm1_cnt_len = 2,
			       .flags = ACPI_FADT_RESET_REG_SUP };
	struct acpi_info info = { 0 };
	struct tbuf t;

	build_fadt(&t, &s);
	assert_int_equal(acpi_parse_fadt(t.b, t.len, &info), ACPI_OK);
	assert_true(info.fadt_found);
	assert_int_equal(info.fadt_revision, 1);
	assert_int_equal(info.dsdt_phys, 0x1000);
	assert_int_equal(info.sci_irq, 9);
	assert_int_equal(info.smi_cmd, 0xb2);
	assert_int_equal(info.acpi_enable, 0xf1);
	assert_true(info.pm1a_cnt.present);
	assert_false(info.pm1a_cnt.from_x_field);
	assert_int_equal(info.pm1a_cnt.port, 0xb004);
	assert_int_equal(info.pm1b_cnt.port, 0xb008);
	/* RESET_REG_SUP, but an ACPI 1.0 FADT has no reset register field. */
	assert_false(info.reset_supported);
	assert_int_equal(info.diag_count, 0);

	/* An SMI command "port" beyond the I/O space is reported and not used. */
	memset(&info, 0, sizeof(info));
	s.smi_cmd = 0x10000;
	build_fadt(&t, &s);
	assert_int_equal(acpi_parse_fadt(t.b, t.len, &info), ACPI_OK);
	assert_int_equal(info.smi_cmd, 0);
	assert_true(has_diag(&info, ACPI_E_BAD_REGISTER, "FACP"));
}

static void test_fadt_x_fields_preferred(void **state)
{
	struct fadt_spec s = { .len = 276,
			       .dsdt = 0x1000,
			       .x_dsdt = 0x100002000ULL,
			       .pm1a = 0xb004,
			       .pm1_cnt_len = 2,
			       .x_pm1a_space = ACPI_GAS_SPACE_IO,
			       .x_pm1a = 0x604,
			       .x_pm1b = 0x608,
			       .flags = ACPI_FADT_RESET_REG_SUP,
			       .reset_space = ACPI_GAS_SPACE_IO,
			       .reset_addr = 0xcf9,
			       .reset_value = 6 };
	struct acpi_info info = { 0 };
	struct tbuf t;

	build_fadt(&t, &s);
	assert_int_equal(acpi_parse_fadt(t.b, t.len, &info), ACPI_OK);
	assert_int_equal(info.dsdt_phys, 0x100002000ULL);
	assert_true(info.pm1a_cnt.from_x_field);
	assert_int_equal(info.pm1a_cnt.port, 0x604);
	assert_true(info.pm1b_cnt.present);
	assert_int_equal(info.pm1b_cnt.port, 0x608);
	assert_true(info.reset_supported);
	assert_int_equal(info.reset_reg.space, ACPI_GAS_SPACE_IO);
	assert_int_equal(info.reset_reg.address, 0xcf9);
	assert_int_equal(info.reset_value, 6);

	/* Without RESET_REG_SUP the reset register is not trusted. */
	memset(&info, 0, sizeof(info));
	s.flags = 0;
	build_fadt(&t, &s);
	assert_int_equal(acpi_parse_fadt(t.b, t.len, &info), ACPI_OK);
	assert_false(info.reset_supported);
}

static void test_fadt_unusable_x_fields(void **state)
{
	struct fadt_spec s = { .len = 244,
			       .dsdt = 0x1000,
			       .pm1a = 0xb004,
			       .pm1_cnt_len = 2,
			       .x_pm1a_space = ACPI_GAS_SPACE_MEMORY,
			       .x_pm1a = 0xfe000004 };
	struct acpi_info info = { 0 };
	struct tbuf t;

	build_fadt(&t, &s);
	assert_int_equal(acpi_parse_fadt(t.b, t.len, &info), ACPI_OK);
	assert_true(has_diag(&info, ACPI_E_ADDR_SPACE, "FACP"));
	assert_false(info.pm1a_cnt.from_x_field);
	assert_int_equal(info.pm1a_cnt.port, 0xb004);
	assert_int_equal(info.dsdt_phys, 0x1000); /* X_DSDT zero: the 32-bit field */

	memset(&info, 0, sizeof(info));
	s.x_pm1a_space = ACPI_GAS_SPACE_IO;
	s.x_pm1a = 0x12345;
	build_fadt(&t, &s);
	assert_int_equal(acpi_parse_fadt(t.b, t.len, &info), ACPI_OK);
	assert_true(has_diag(&info, ACPI_E_BAD_REGISTER, "FACP"));
	assert_int_equal(info.pm1a_cnt.port, 0xb004);

	/* A legacy block that is too narrow to be a PM1 control register. */
	memset(&info, 0, sizeof(info));
	s.x_pm1a = 0;
	s.pm1_cnt_len = 1;
	build_fadt(&t, &s);
	assert_int_equal(acpi_parse_fadt(t.b, t.len, &info), ACPI_OK);
	assert_false(info.pm1a_cnt.present);
	assert_true(has_diag(&info, ACPI_E_BAD_REGISTER, "FACP"));

	/* A reset register claimed but left at address zero. */
	memset(&info, 0, sizeof(info));
	s.pm1_cnt_len = 2;
	s.flags = ACPI_FADT_RESET_REG_SUP;
	build_fadt(&t, &s);
	assert_int_equal(acpi_parse_fadt(t.b, t.len, &info), ACPI_OK);
	assert_false(info.reset_supported);
	assert_true(has_diag(&info, ACPI_E_BAD_REGISTER, "FACP"));
}

static void test_fadt_hw_reduced_and_short(void **state)
{
	struct fadt_spec s = {
		.len = 276, .pm1a = 0xb004, .pm1_cnt_len = 2, .flags = ACPI_FADT_HW_REDUCED
	};
	struct acpi_info info = { 0 };
	struct tbuf t;

	build_fadt(&t, &s);
	assert_int_equal(acpi_parse_fadt(t.b, t.len, &info), ACPI_OK);
	assert_false(info.pm1a_cnt.present);

	memset(&info, 0, sizeof(info));
	s.len = 100;
	build_fadt(&t, &s);
	assert_int_equal(acpi_parse_fadt(t.b, t.len, &info), ACPI_E_LENGTH);
	assert_false(info.fadt_found);
}

/* ---- _S5_ ---- */

static void test_s5_forms(void **state)
{
	u8 a = 0xaa, b = 0xaa;
	u8 big[200];
	size_t n = 0;

	assert_int_equal(acpi_find_s5(aml_s5_small, sizeof(aml_s5_small), &a, &b), ACPI_OK);
	assert_int_equal(a, 5);
	assert_int_equal(b, 5);

	/* No root prefix, One/Zero ops. */
	static const u8 ops[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x01, 0x00 };
	assert_int_equal(acpi_find_s5(ops, sizeof(ops), &a, &b), ACPI_OK);
	assert_int_equal(a, 1);
	assert_int_equal(b, 0);

	/* Word and dword constants. */
	static const u8 wide[] = { 0x08, '_',  'S',  '5',  '_',	 0x12, 0x0a, 0x02,
				   0x0b, 0x07, 0x00, 0x0c, 0x03, 0x00, 0x00, 0x00 };
	assert_int_equal(acpi_find_s5(wide, sizeof(wide), &a, &b), ACPI_OK);
	assert_int_equal(a, 7);
	assert_int_equal(b, 3);

	/* One integer carrying both values (SLP_TYPb in bits 15-8). */
	static const u8 one[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x01, 0x0b, 0x05, 0x06 };
	assert_int_equal(acpi_find_s5(one, sizeof(one), &a, &b), ACPI_OK);
	assert_int_equal(a, 5);
	assert_int_equal(b, 6);

	/* A 2-byte PkgLength: a package of 64 elements, 128 bytes of body. */
	memcpy(big, (u8[]){ 0x08, 0x5c, '_', 'S', '5', '_', 0x12 }, 7);
	n = 7;
	{
		size_t pkglen = 2 + 1 + 64 * 2;

		big[n++] = (u8)(0x40 | (pkglen & 0x0f));
		big[n++] = (u8)(pkglen >> 4);
		big[n++] = 64;
		for (int i = 0; i < 64; i++) {
			big[n++] = 0x0a;
			big[n++] = (u8)(i == 0 ? 3 : 4);
		}
	}
	assert_int_equal(acpi_find_s5(big, n, &a, &b), ACPI_OK);
	assert_int_equal(a, 3);
	assert_int_equal(b, 4);

	/* The same through a whole DSDT in acpi_parse. */
	struct acpi_info info;

	place_machine(2, &qemu_fadt, big, n);
	assert_int_equal(acpi_parse(RSDP_PHYS, &fake_mem, &info), ACPI_OK);
	assert_true(info.s5_found);
	assert_int_equal(info.slp_typa, 3);
	assert_int_equal(info.slp_typb, 4);
}

static void test_s5_malformed(void **state)
{
	u8 a, b;

	static const u8 none[] = { 0x08, '_', 'S', '4', '_', 0x12, 0x04, 0x02, 0x01, 0x00 };
	assert_int_equal(acpi_find_s5(none, sizeof(none), &a, &b), ACPI_E_NO_S5);
	assert_int_equal(acpi_find_s5(none, 0, &a, &b), ACPI_E_NO_S5);

	/* The name is the last thing in the block. */
	static const u8 at_end[] = { 0x00, 0x08, '_', 'S', '5', '_' };
	assert_int_equal(acpi_find_s5(at_end, sizeof(at_end), &a, &b), ACPI_E_NO_S5);

	/* _S5_ named, but not a package. */
	static const u8 not_pkg[] = { 0x08, '_', 'S', '5', '_', 0x0a, 0x05 };
	assert_int_equal(acpi_find_s5(not_pkg, sizeof(not_pkg), &a, &b), ACPI_E_AML);

	/* PackageOp with nothing after it. */
	static const u8 no_len[] = { 0x08, '_', 'S', '5', '_', 0x12 };
	assert_int_equal(acpi_find_s5(no_len, sizeof(no_len), &a, &b), ACPI_E_AML);

	/* PkgLength says 8 bytes; the block ends after 4. */
	static const u8 cut[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, 0x05 };
	assert_int_equal(acpi_find_s5(cut, sizeof(cut), &a, &b), ACPI_E_AML);

	/* Multi-byte PkgLength whose following bytes are missing. */
	static const u8 cut_len[] = { 0x08, '_', 'S', '5', '_', 0x12, 0xc4 };
	assert_int_equal(acpi_find_s5(cut_len, sizeof(cut_len), &a, &b), ACPI_E_AML);

	/* Reserved bits 5-4 set in a multi-byte PkgLength. */
	static const u8 resv[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x75, 0x00, 0x02, 0x00, 0x00 };
	assert_int_equal(acpi_find_s5(resv, sizeof(resv), &a, &b), ACPI_E_AML);

	/* PkgLength too small to hold its own bytes and NumElements. */
	static const u8 tiny[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x01, 0x02, 0x00, 0x00 };
	assert_int_equal(acpi_find_s5(tiny, sizeof(tiny), &a, &b), ACPI_E_AML);

	/* A byte constant whose value lies outside the package. */
	static const u8 elem_cut[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x00, 0x0a, 0x05
	};
	assert_int_equal(acpi_find_s5(elem_cut, sizeof(elem_cut), &a, &b), ACPI_E_AML);

	/* Two elements announced, one present. */
	static const u8 one_short[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x03, 0x02, 0x00 };
	assert_int_equal(acpi_find_s5(one_short, sizeof(one_short), &a, &b), ACPI_E_AML);

	/* Zero elements announced, though integers follow. */
	static const u8 empty[] = { 0x08, '_',	'S',  '5',  '_',  0x12,
				    0x06, 0x00, 0x0a, 0x05, 0x0a, 0x05 };
	assert_int_equal(acpi_find_s5(empty, sizeof(empty), &a, &b), ACPI_E_AML);

	/* A name string where an integer should be. */
	static const u8 name_elem[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x07,
					0x02, 'A', 'B', 'C', 'D', 0x00 };
	assert_int_equal(acpi_find_s5(name_elem, sizeof(name_elem), &a, &b), ACPI_E_AML);

	/* A sleep type that does not fit the 3-bit SLP_TYP field. */
	static const u8 wide_val[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x0a, 0x08, 0x00
	};
	assert_int_equal(acpi_find_s5(wide_val, sizeof(wide_val), &a, &b), ACPI_E_AML);
	static const u8 ones[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0xff, 0x00 };
	assert_int_equal(acpi_find_s5(ones, sizeof(ones), &a, &b), ACPI_E_AML);
}

static void test_dsdt_problems_reported(void **state)
{
	static const u8 no_s5[] = { 0x08, '_', 'S', '3', '_', 0x12, 0x04, 0x02, 0x01, 0x01 };
	struct acpi_info info;

	place_machine(2, &qemu_fadt, no_s5, sizeof(no_s5));
	assert_int_equal(acpi_parse(RSDP_PHYS, &fake_mem, &info), ACPI_OK);
	assert_false(info.s5_found);
	assert_true(has_diag(&info, ACPI_E_NO_S5, "DSDT"));
	free_regions(state);

	place_machine(2, &qemu_fadt, aml_s5_small, sizeof(aml_s5_small));
	find_region(DSDT_PHYS)->buf[ACPI_HDR_LEN] ^= 0x20;
	assert_int_equal(acpi_parse(RSDP_PHYS, &fake_mem, &info), ACPI_OK);
	assert_false(info.s5_found);
	assert_true(has_diag(&info, ACPI_E_CHECKSUM, "DSDT"));
	free_regions(state);

	struct fadt_spec s = qemu_fadt;

	s.dsdt = 0;
	place_machine(2, &s, aml_s5_small, sizeof(aml_s5_small));
	assert_int_equal(acpi_parse(RSDP_PHYS, &fake_mem, &info), ACPI_OK);
	assert_false(info.s5_found);
	assert_true(has_diag(&info, ACPI_E_MISSING, "DSDT"));
}

/* Re-seals a region after a mutation so the parser gets past the checksums to the contents. */
static void reseal(u64 phys, struct region *reg, size_t changed)
{
	if (phys == RSDP_PHYS) {
		if (changed != ACPI_RSDP_OFF_CHECKSUM) {
			reg->buf[ACPI_RSDP_OFF_CHECKSUM] = 0;
			reg->buf[ACPI_RSDP_OFF_CHECKSUM] = checksum_of(reg->buf, ACPI_RSDP_V1_LEN);
		}
		if (changed != 32) {
			reg->buf[32] = 0;
			reg->buf[32] = checksum_of(reg->buf, reg->len);
		}
	} else if (changed != 9) {
		tb_fix_checksum(reg->buf, reg->len);
	}
}

static void check_bounds(const struct acpi_info *info)
{
	assert_true(info->cpu_count <= ACPI_MAX_CPUS);
	assert_true(info->cpus_enabled <= info->cpu_count);
	assert_true(info->diag_count <= ACPI_MAX_DIAGS);
	assert_true(info->ioapic_count <= ACPI_MAX_IOAPICS);
	assert_true(info->override_count <= ACPI_MAX_OVERRIDES);
	assert_true(info->nmi_source_count <= ACPI_MAX_NMI_SOURCES);
	assert_true(info->lapic_nmi_count <= ACPI_MAX_LAPIC_NMIS);
	assert_true(!info->s5_found || info->slp_typa <= ACPI_SLP_TYP_MAX);
	assert_true(!info->s5_found || info->slp_typb <= ACPI_SLP_TYP_MAX);
}

static const u64 machine_bases[] = { RSDP_PHYS, XSDT_PHYS, RSDT_PHYS,
				     MADT_PHYS, FADT_PHYS, DSDT_PHYS };

/*
 * Every byte of every table of a valid machine set to several values in turn, checksums then
 * fixed up so the parser reads on into the damaged contents. Whatever it makes of them, it must
 * return, stay inside its buffers (ASan) and keep its counts within their arrays.
 */
static void test_every_byte_corrupted(void **state)
{
	static const u8 values[] = { 0x00, 0x01, 0x02, 0x3f, 0x40, 0x7f, 0x80, 0xc0, 0xff };
	struct acpi_info info;
	unsigned long runs = 0;

	place_machine(2, &qemu_fadt, aml_s5_small, sizeof(aml_s5_small));
	for (size_t r = 0; r < ARRAY_SIZE(machine_bases); r++) {
		struct region *reg = find_region(machine_bases[r]);

		for (size_t i = 0; i < reg->len; i++) {
			u8 saved = reg->buf[i];

			for (size_t v = 0; v < ARRAY_SIZE(values); v++) {
				reg->buf[i] = values[v];
				reseal(machine_bases[r], reg, i);
				acpi_parse(RSDP_PHYS, &fake_mem, &info);
				check_bounds(&info);
				runs++;
			}
			reg->buf[i] = saved;
			reseal(machine_bases[r], reg, i);
		}
	}
	assert_true(runs > 1000);
	/* Restored: the machine parses cleanly again. */
	assert_int_equal(acpi_parse(RSDP_PHYS, &fake_mem, &info), ACPI_OK);
	assert_int_equal(info.diag_count, 0);
	check_typical_machine(&info);
}

/* Several random bytes at once in one table (a fixed seed: the run is reproducible). */
static void test_random_corruption(void **state)
{
	u64 seed = 0x9e3779b97f4a7c15ULL;
	struct acpi_info info;

	place_machine(2, &qemu_fadt, aml_s5_small, sizeof(aml_s5_small));
	for (int iter = 0; iter < 20000; iter++) {
		struct region *reg;
		u8 saved[8192];
		u64 base;
		int n;

		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		base = machine_bases[seed % ARRAY_SIZE(machine_bases)];
		reg = find_region(base);
		memcpy(saved, reg->buf, reg->len);
		n = 1 + (int)((seed >> 8) % 4);
		for (int k = 0; k < n; k++) {
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			reg->buf[(seed >> 16) % reg->len] = (u8)(seed >> 40);
		}
		reseal(base, reg, SIZE_MAX);
		acpi_parse(RSDP_PHYS, &fake_mem, &info);
		check_bounds(&info);
		memcpy(reg->buf, saved, reg->len);
	}
	assert_int_equal(acpi_parse(RSDP_PHYS, &fake_mem, &info), ACPI_OK);
	check_typical_machine(&info);
}

static void test_strerror(void **state)
{
	for (int st = 0; st < ACPI_STATUS_COUNT; st++) {
		assert_non_null(acpi_strerror(st));
		assert_true(strlen(acpi_strerror(st)) > 0);
	}
	assert_string_equal(acpi_strerror(ACPI_STATUS_COUNT), "unknown error");
}

#define T(fn) cmocka_unit_test_teardown(fn, free_regions)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_rsdp_v1_rsdt),
		T(test_rsdp_v2_xsdt),
		T(test_bad_xsdt_falls_back_to_rsdt),
		T(test_rsdp_rejected),
		T(test_root_bad_entries),
		T(test_missing_tables),
		T(test_xsdt_ragged_length),
		T(test_table_header_checks),
		T(test_table_longer_than_memory),
		T(test_madt_all_entry_types),
		T(test_madt_zero_length_entry),
		T(test_madt_entry_past_end),
		T(test_madt_short_entry_skipped),
		T(test_madt_bad_header),
		T(test_madt_too_many_cpus),
		T(test_fadt_v1),
		T(test_fadt_x_fields_preferred),
		T(test_fadt_unusable_x_fields),
		T(test_fadt_hw_reduced_and_short),
		T(test_s5_forms),
		T(test_s5_malformed),
		T(test_dsdt_problems_reported),
		T(test_every_byte_corrupted),
		T(test_random_corruption),
		T(test_strerror),
	};

	return cmocka_run_group_tests_name("acpi", tests, NULL, NULL);
}
