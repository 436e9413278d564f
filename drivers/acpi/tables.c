/* SPDX-License-Identifier: GPL-2.0-only */
/* ACPI table walk: RSDP, XSDT/RSDT, MADT and FADT, every length and checksum checked. */
#include <keel/acpi.h>
#include <string.h>

/*
 * Firmware tables are byte-packed and their multi-byte fields are often misaligned, so every
 * field is read a byte at a time: no alignment assumptions, no packed-struct casts.
 */
static u16 get16(const u8 *p)
{
	return (u16)(p[0] | (u16)p[1] << 8);
}

static u32 get32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static u64 get64(const u8 *p)
{
	return (u64)get32(p) | (u64)get32(p + 4) << 32;
}

static u8 byte_sum(const u8 *p, size_t len)
{
	u8 sum = 0;

	while (len--)
		sum += *p++;
	return sum;
}

static const char *const status_text[ACPI_STATUS_COUNT] = {
	[ACPI_OK] = "ok",
	[ACPI_E_NO_RSDP] = "no RSDP",
	[ACPI_E_UNMAPPABLE] = "address is not readable memory",
	[ACPI_E_SIGNATURE] = "bad signature",
	[ACPI_E_CHECKSUM] = "bad checksum",
	[ACPI_E_LENGTH] = "length smaller than its header",
	[ACPI_E_TRUNCATED] = "table truncated",
	[ACPI_E_TOO_LARGE] = "length too large",
	[ACPI_E_ENTRY_ZERO_LEN] = "entry with zero length",
	[ACPI_E_ENTRY_TRUNCATED] = "entry runs past the table's end",
	[ACPI_E_ENTRY_SHORT] = "entry too short for its type",
	[ACPI_E_FULL] = "too many entries, extra ones dropped",
	[ACPI_E_NULL_ENTRY] = "null table address",
	[ACPI_E_MISSING] = "table missing",
	[ACPI_E_DUPLICATE] = "duplicate table ignored",
	[ACPI_E_ADDR_SPACE] = "register address space not supported",
	[ACPI_E_BAD_REGISTER] = "invalid register",
	[ACPI_E_NO_S5] = "no _S5_ package",
	[ACPI_E_AML] = "malformed _S5_ AML",
};

const char *acpi_strerror(enum acpi_status st)
{
	if ((unsigned int)st >= ACPI_STATUS_COUNT)
		return "unknown error";
	return status_text[st];
}

/* Records a problem; a signature byte that is not printable ASCII is shown as '?'. */
static void report(struct acpi_info *info, enum acpi_status st, const char *sig, u64 phys)
{
	struct acpi_diag *d;

	if (info->diag_count >= ACPI_MAX_DIAGS) {
		info->diag_dropped++;
		return;
	}
	d = &info->diags[info->diag_count++];
	d->status = st;
	d->phys = phys;
	for (int i = 0; i < 4; i++)
		d->sig[i] = (sig[i] >= 0x20 && sig[i] < 0x7f) ? sig[i] : '?';
	d->sig[4] = '\0';
}

enum acpi_status acpi_check_table(const u8 *table, size_t len, const char *sig)
{
	u32 declared;

	if (len < ACPI_HDR_LEN)
		return ACPI_E_TRUNCATED;
	if (sig && memcmp(table, sig, 4) != 0)
		return ACPI_E_SIGNATURE;
	declared = get32(table + ACPI_HDR_OFF_LENGTH);
	if (declared < ACPI_HDR_LEN)
		return ACPI_E_LENGTH;
	if (declared > ACPI_TABLE_MAX_LEN)
		return ACPI_E_TOO_LARGE;
	if (declared > len)
		return ACPI_E_TRUNCATED;
	if (byte_sum(table, declared) != 0)
		return ACPI_E_CHECKSUM;
	return ACPI_OK;
}

/* ---- MADT (5.2.12) ---- */

static void madt_add_cpu(struct acpi_info *info, u32 apic_id, u32 uid, u32 flags, bool x2apic)
{
	struct acpi_cpu *c;

	/* 5.2.12.2: neither Enabled nor Online Capable means the entry is to be ignored. */
	if (!(flags & (ACPI_MADT_CPU_ENABLED | ACPI_MADT_CPU_ONLINE_CAPABLE)))
		return;
	/* Firmware may describe one CPU in both forms; the first entry wins. */
	for (u32 i = 0; i < info->cpu_count; i++) {
		if (info->cpus[i].apic_id == apic_id)
			return;
	}
	if (info->cpu_count >= ACPI_MAX_CPUS) {
		if (info->cpus_dropped++ == 0)
			report(info, ACPI_E_FULL, ACPI_SIG_MADT, info->madt_phys);
		return;
	}
	c = &info->cpus[info->cpu_count++];
	c->apic_id = apic_id;
	c->uid = uid;
	c->enabled = flags & ACPI_MADT_CPU_ENABLED;
	c->online_capable = !c->enabled && (flags & ACPI_MADT_CPU_ONLINE_CAPABLE);
	c->x2apic_entry = x2apic;
	if (c->enabled)
		info->cpus_enabled++;
}

/* Reserves the next slot of a fixed array, or reports that it is full. */
static bool madt_slot(struct acpi_info *info, u32 *count, u32 max)
{
	if (*count >= max) {
		report(info, ACPI_E_FULL, ACPI_SIG_MADT, info->madt_phys);
		return false;
	}
	(*count)++;
	return true;
}

static void madt_ioapic(struct acpi_info *info, const u8 *e)
{
	struct acpi_ioapic *io;

	if (!madt_slot(info, &info->ioapic_count, ACPI_MAX_IOAPICS))
		return;
	io = &info->ioapics[info->ioapic_count - 1];
	io->id = e[2];
	io->address = get32(e + 4);
	io->gsi_base = get32(e + 8);
}

static void madt_override(struct acpi_info *info, const u8 *e)
{
	struct acpi_override *o;

	if (!madt_slot(info, &info->override_count, ACPI_MAX_OVERRIDES))
		return;
	o = &info->overrides[info->override_count - 1];
	o->bus = e[2];
	o->source_irq = e[3];
	o->gsi = get32(e + 4);
	o->flags = get16(e + 8);
}

static void madt_nmi_source(struct acpi_info *info, const u8 *e)
{
	struct acpi_nmi_source *n;

	if (!madt_slot(info, &info->nmi_source_count, ACPI_MAX_NMI_SOURCES))
		return;
	n = &info->nmi_sources[info->nmi_source_count - 1];
	n->flags = get16(e + 2);
	n->gsi = get32(e + 4);
}

static void madt_lapic_nmi(struct acpi_info *info, u32 uid, bool all, u16 flags, u8 lint)
{
	struct acpi_lapic_nmi *n;

	if (!madt_slot(info, &info->lapic_nmi_count, ACPI_MAX_LAPIC_NMIS))
		return;
	n = &info->lapic_nmis[info->lapic_nmi_count - 1];
	n->uid = uid;
	n->all_cpus = all;
	n->flags = flags;
	n->lint = lint;
}

/* Minimum length of each entry type Keel decodes; 0 for types it skips. */
static u8 madt_min_len(u8 type)
{
	switch (type) {
	case ACPI_MADT_TYPE_LAPIC:
		return ACPI_MADT_LEN_LAPIC;
	case ACPI_MADT_TYPE_IOAPIC:
		return ACPI_MADT_LEN_IOAPIC;
	case ACPI_MADT_TYPE_ISO:
		return ACPI_MADT_LEN_ISO;
	case ACPI_MADT_TYPE_NMI_SOURCE:
		return ACPI_MADT_LEN_NMI_SOURCE;
	case ACPI_MADT_TYPE_LAPIC_NMI:
		return ACPI_MADT_LEN_LAPIC_NMI;
	case ACPI_MADT_TYPE_LAPIC_ADDR:
		return ACPI_MADT_LEN_LAPIC_ADDR;
	case ACPI_MADT_TYPE_X2APIC:
		return ACPI_MADT_LEN_X2APIC;
	case ACPI_MADT_TYPE_X2APIC_NMI:
		return ACPI_MADT_LEN_X2APIC_NMI;
	default:
		return 0;
	}
}

static void madt_entry(struct acpi_info *info, const u8 *e)
{
	switch (e[0]) {
	case ACPI_MADT_TYPE_LAPIC:
		/* An xAPIC ID of 0xff is the broadcast address, never a CPU. */
		if (e[3] != 0xff)
			madt_add_cpu(info, e[3], e[2], get32(e + 4), false);
		break;
	case ACPI_MADT_TYPE_X2APIC:
		if (get32(e + 4) != 0xffffffff)
			madt_add_cpu(info, get32(e + 4), get32(e + 12), get32(e + 8), true);
		break;
	case ACPI_MADT_TYPE_IOAPIC:
		madt_ioapic(info, e);
		break;
	case ACPI_MADT_TYPE_ISO:
		madt_override(info, e);
		break;
	case ACPI_MADT_TYPE_NMI_SOURCE:
		madt_nmi_source(info, e);
		break;
	case ACPI_MADT_TYPE_LAPIC_NMI:
		madt_lapic_nmi(info, e[2], e[2] == ACPI_MADT_LAPIC_NMI_ALL_CPUS, get16(e + 3),
			       e[5]);
		break;
	case ACPI_MADT_TYPE_X2APIC_NMI:
		madt_lapic_nmi(info, get32(e + 4), get32(e + 4) == ACPI_MADT_X2APIC_NMI_ALL_CPUS,
			       get16(e + 2), e[8]);
		break;
	case ACPI_MADT_TYPE_LAPIC_ADDR:
		info->lapic_address = get64(e + 4);
		break;
	}
}

/*
 * Entries already decoded when a malformed one is met are kept: the table passed its checksum,
 * so they are what the firmware wrote. Parsing stops there, because the lengths after a bad
 * entry can no longer be trusted to lead to the next one.
 */
enum acpi_status acpi_parse_madt(const u8 *t, size_t len, struct acpi_info *info)
{
	enum acpi_status st = acpi_check_table(t, len, ACPI_SIG_MADT);
	size_t end, off;

	if (st != ACPI_OK)
		return st;
	end = get32(t + ACPI_HDR_OFF_LENGTH);
	if (end < ACPI_MADT_OFF_ENTRIES)
		return ACPI_E_LENGTH;
	info->madt_found = true;
	info->lapic_address = get32(t + ACPI_MADT_OFF_LAPIC_ADDR);
	info->madt_flags = get32(t + ACPI_MADT_OFF_FLAGS);

	for (off = ACPI_MADT_OFF_ENTRIES; off < end; off += t[off + 1]) {
		if (end - off < 2) {
			st = ACPI_E_ENTRY_TRUNCATED;
			break;
		}
		if (t[off + 1] < 2) {
			st = ACPI_E_ENTRY_ZERO_LEN;
			break;
		}
		if (t[off + 1] > end - off) {
			st = ACPI_E_ENTRY_TRUNCATED;
			break;
		}
		if (t[off + 1] < madt_min_len(t[off])) {
			report(info, ACPI_E_ENTRY_SHORT, ACPI_SIG_MADT, info->madt_phys);
			continue;
		}
		madt_entry(info, t + off);
	}
	return st;
}

/* ---- FADT (5.2.9) ---- */

static void decode_gas(const u8 *p, struct acpi_gas *g)
{
	g->space = p[0];
	g->bit_width = p[1];
	g->bit_offset = p[2];
	g->access_size = p[3];
	g->address = get64(p + 4);
}

/*
 * A PM1 control block: the X_ generic address when it is set and usable, else the 32-bit I/O
 * port field. Keel drives only I/O ports; anything else is reported.
 */
static void fadt_pm1_cnt(const u8 *t, size_t flen, size_t off, size_t x_off, struct acpi_info *info,
			 struct acpi_pm1_cnt *cnt)
{
	u32 legacy = get32(t + off);
	struct acpi_gas g;

	if (flen >= x_off + ACPI_GAS_LEN) {
		decode_gas(t + x_off, &g);
		if (g.address && g.space != ACPI_GAS_SPACE_IO) {
			report(info, ACPI_E_ADDR_SPACE, ACPI_SIG_FADT, info->fadt_phys);
		} else if (g.address && (g.address > 0xffff || (g.bit_width && g.bit_width < 16))) {
			report(info, ACPI_E_BAD_REGISTER, ACPI_SIG_FADT, info->fadt_phys);
		} else if (g.address) {
			cnt->present = true;
			cnt->from_x_field = true;
			cnt->port = (u16)g.address;
			return;
		}
	}
	if (!legacy)
		return;
	if (legacy > 0xffff || t[ACPI_FADT_OFF_PM1_CNT_LEN] < ACPI_PM1_CNT_MIN_LEN) {
		report(info, ACPI_E_BAD_REGISTER, ACPI_SIG_FADT, info->fadt_phys);
		return;
	}
	cnt->present = true;
	cnt->port = (u16)legacy;
}

static void fadt_reset_reg(const u8 *t, size_t flen, struct acpi_info *info)
{
	struct acpi_gas g;

	if (!(info->fadt_flags & ACPI_FADT_RESET_REG_SUP) || flen <= ACPI_FADT_OFF_RESET_VALUE)
		return;
	decode_gas(t + ACPI_FADT_OFF_RESET_REG, &g);
	if (!g.address) {
		report(info, ACPI_E_BAD_REGISTER, ACPI_SIG_FADT, info->fadt_phys);
		return;
	}
	if (g.space != ACPI_GAS_SPACE_IO && g.space != ACPI_GAS_SPACE_MEMORY &&
	    g.space != ACPI_GAS_SPACE_PCI_CONFIG) {
		report(info, ACPI_E_ADDR_SPACE, ACPI_SIG_FADT, info->fadt_phys);
		return;
	}
	info->reset_supported = true;
	info->reset_reg = g;
	info->reset_value = t[ACPI_FADT_OFF_RESET_VALUE];
}

enum acpi_status acpi_parse_fadt(const u8 *t, size_t len, struct acpi_info *info)
{
	enum acpi_status st = acpi_check_table(t, len, ACPI_SIG_FADT);
	size_t flen;
	u64 x_dsdt = 0;

	if (st != ACPI_OK)
		return st;
	flen = get32(t + ACPI_HDR_OFF_LENGTH);
	if (flen < ACPI_FADT_V1_LEN)
		return ACPI_E_LENGTH;
	info->fadt_found = true;
	info->fadt_revision = t[ACPI_HDR_OFF_REVISION];
	info->fadt_flags = get32(t + ACPI_FADT_OFF_FLAGS);
	info->sci_irq = get16(t + ACPI_FADT_OFF_SCI_INT);
	if (get32(t + ACPI_FADT_OFF_SMI_CMD) <= 0xffff) {
		info->smi_cmd = (u16)get32(t + ACPI_FADT_OFF_SMI_CMD);
		info->acpi_enable = t[ACPI_FADT_OFF_ACPI_ENABLE];
	} else {
		report(info, ACPI_E_BAD_REGISTER, ACPI_SIG_FADT, info->fadt_phys);
	}

	if (flen >= ACPI_FADT_OFF_X_DSDT + 8)
		x_dsdt = get64(t + ACPI_FADT_OFF_X_DSDT);
	info->dsdt_phys = x_dsdt ? x_dsdt : get32(t + ACPI_FADT_OFF_DSDT);

	/* Hardware-reduced platforms have no PM1 blocks, whatever the fields say. */
	if (!(info->fadt_flags & ACPI_FADT_HW_REDUCED)) {
		fadt_pm1_cnt(t, flen, ACPI_FADT_OFF_PM1A_CNT, ACPI_FADT_OFF_X_PM1A_CNT, info,
			     &info->pm1a_cnt);
		fadt_pm1_cnt(t, flen, ACPI_FADT_OFF_PM1B_CNT, ACPI_FADT_OFF_X_PM1B_CNT, info,
			     &info->pm1b_cnt);
	}
	fadt_reset_reg(t, flen, info);
	return ACPI_OK;
}

/* ---- The walk from the RSDP ---- */

/*
 * Maps a whole table and checks its header: first the fixed header, then the length it
 * declares. Returns NULL (and reports why) when the table must not be used.
 */
static const u8 *map_table(const struct acpi_mem_ops *mem, u64 phys, const char *sig,
			   struct acpi_info *info, size_t *len)
{
	const u8 *hdr = mem->map(phys, ACPI_HDR_LEN, mem->ctx);
	const u8 *t = hdr;
	enum acpi_status st;
	u32 declared;

	if (!hdr) {
		report(info, ACPI_E_UNMAPPABLE, sig ? sig : "????", phys);
		return NULL;
	}
	declared = get32(hdr + ACPI_HDR_OFF_LENGTH);
	st = acpi_check_table(hdr, ACPI_HDR_LEN, sig);
	if (st == ACPI_E_TRUNCATED) {
		/* The header is sound and announces more than itself: map all of it. */
		t = mem->map(phys, declared, mem->ctx);
		st = t ? acpi_check_table(t, declared, sig) : ACPI_E_UNMAPPABLE;
	}
	if (st != ACPI_OK) {
		report(info, st, (const char *)hdr, phys);
		return NULL;
	}
	*len = declared;
	return t;
}

static enum acpi_status parse_rsdp(u64 phys, const struct acpi_mem_ops *mem, struct acpi_info *info,
				   u64 *rsdt, u64 *xsdt)
{
	const u8 *r = mem->map(phys, ACPI_RSDP_V1_LEN, mem->ctx);
	u32 len;

	if (!r)
		return ACPI_E_UNMAPPABLE;
	if (memcmp(r, ACPI_RSDP_SIGNATURE, ACPI_RSDP_SIGNATURE_LEN) != 0)
		return ACPI_E_SIGNATURE;
	if (byte_sum(r, ACPI_RSDP_V1_LEN) != 0)
		return ACPI_E_CHECKSUM;
	info->rsdp_revision = r[ACPI_RSDP_OFF_REVISION];
	memcpy(info->oem_id, r + ACPI_RSDP_OFF_OEMID, ACPI_OEMID_LEN);
	info->oem_id[ACPI_OEMID_LEN] = '\0';
	*rsdt = get32(r + ACPI_RSDP_OFF_RSDT);
	*xsdt = 0;
	if (info->rsdp_revision < ACPI_RSDP_REVISION_2)
		return ACPI_OK;

	r = mem->map(phys, ACPI_RSDP_V2_LEN, mem->ctx);
	if (!r)
		return ACPI_E_UNMAPPABLE;
	len = get32(r + ACPI_RSDP_OFF_LENGTH);
	if (len < ACPI_RSDP_V2_LEN)
		return ACPI_E_LENGTH;
	if (len > ACPI_RSDP_MAX_LEN)
		return ACPI_E_TOO_LARGE;
	r = mem->map(phys, len, mem->ctx);
	if (!r)
		return ACPI_E_UNMAPPABLE;
	if (byte_sum(r, len) != 0)
		return ACPI_E_CHECKSUM;
	*xsdt = get64(r + ACPI_RSDP_OFF_XSDT);
	return ACPI_OK;
}

static void parse_dsdt(const struct acpi_mem_ops *mem, struct acpi_info *info)
{
	enum acpi_status st;
	const u8 *t;
	size_t len;

	if (!info->dsdt_phys) {
		report(info, ACPI_E_MISSING, ACPI_SIG_DSDT, 0);
		return;
	}
	t = map_table(mem, info->dsdt_phys, ACPI_SIG_DSDT, info, &len);
	if (!t)
		return;
	st = acpi_find_s5(t + ACPI_HDR_LEN, len - ACPI_HDR_LEN, &info->slp_typa, &info->slp_typb);
	if (st != ACPI_OK)
		report(info, st, ACPI_SIG_DSDT, info->dsdt_phys);
	info->s5_found = st == ACPI_OK;
}

/* Every table the root lists is checked; the MADT and the FADT are decoded (first valid copy). */
static void parse_table(const struct acpi_mem_ops *mem, u64 phys, struct acpi_info *info)
{
	enum acpi_status st;
	const u8 *t;
	size_t len;

	if (!phys) {
		report(info, ACPI_E_NULL_ENTRY, info->use_xsdt ? ACPI_SIG_XSDT : ACPI_SIG_RSDT,
		       info->root_phys);
		return;
	}
	t = map_table(mem, phys, NULL, info, &len);
	if (!t)
		return;
	if (!memcmp(t, ACPI_SIG_MADT, 4)) {
		if (info->madt_found) {
			report(info, ACPI_E_DUPLICATE, ACPI_SIG_MADT, phys);
			return;
		}
		info->madt_phys = phys;
		st = acpi_parse_madt(t, len, info);
		if (st != ACPI_OK)
			report(info, st, ACPI_SIG_MADT, phys);
	} else if (!memcmp(t, ACPI_SIG_FADT, 4)) {
		if (info->fadt_found) {
			report(info, ACPI_E_DUPLICATE, ACPI_SIG_FADT, phys);
			return;
		}
		info->fadt_phys = phys;
		st = acpi_parse_fadt(t, len, info);
		if (st != ACPI_OK)
			report(info, st, ACPI_SIG_FADT, phys);
	}
}

static enum acpi_status parse_root(const struct acpi_mem_ops *mem, u64 phys, bool xsdt,
				   struct acpi_info *info)
{
	const char *sig = xsdt ? ACPI_SIG_XSDT : ACPI_SIG_RSDT;
	size_t esize = xsdt ? 8 : 4;
	size_t len, count;
	const u8 *t;

	t = map_table(mem, phys, sig, info, &len);
	if (!t)
		return ACPI_E_MISSING;
	info->use_xsdt = xsdt;
	info->root_phys = phys;
	if ((len - ACPI_HDR_LEN) % esize)
		report(info, ACPI_E_LENGTH, sig, phys);
	count = (len - ACPI_HDR_LEN) / esize;
	if (count > ACPI_MAX_ROOT_ENTRIES) {
		report(info, ACPI_E_FULL, sig, phys);
		count = ACPI_MAX_ROOT_ENTRIES;
	}
	info->table_count = (u32)count;
	for (size_t i = 0; i < count; i++) {
		const u8 *e = t + ACPI_HDR_LEN + i * esize;

		parse_table(mem, xsdt ? get64(e) : get32(e), info);
	}
	return ACPI_OK;
}

enum acpi_status acpi_parse(u64 rsdp_phys, const struct acpi_mem_ops *mem, struct acpi_info *info)
{
	enum acpi_status st;
	u64 rsdt, xsdt;

	memset(info, 0, sizeof(*info));
	info->rsdp_phys = rsdp_phys;
	if (!rsdp_phys) {
		report(info, ACPI_E_NO_RSDP, "RSDP", 0);
		return ACPI_E_NO_RSDP;
	}
	st = parse_rsdp(rsdp_phys, mem, info, &rsdt, &xsdt);
	if (st != ACPI_OK) {
		report(info, st, "RSDP", rsdp_phys);
		return st;
	}

	/* 5.2.5.3: an OS that understands the XSDT uses it; the RSDT is the fall-back. */
	st = ACPI_E_MISSING;
	if (xsdt)
		st = parse_root(mem, xsdt, true, info);
	if (st != ACPI_OK && rsdt)
		st = parse_root(mem, rsdt, false, info);
	if (st != ACPI_OK) {
		report(info, ACPI_E_MISSING, "RSDT", rsdt);
		return ACPI_E_MISSING;
	}

	if (!info->madt_found)
		report(info, ACPI_E_MISSING, ACPI_SIG_MADT, 0);
	if (!info->fadt_found)
		report(info, ACPI_E_MISSING, ACPI_SIG_FADT, 0);
	else
		parse_dsdt(mem, info);
	return ACPI_OK;
}
