/* SPDX-License-Identifier: GPL-2.0-only */
/* ACPI static tables: what Keel learns from the RSDP, XSDT/RSDT, MADT, FADT and the DSDT's _S5_. */
#ifndef KEEL_ACPI_H
#define KEEL_ACPI_H

#include <keel/types.h>

/*
 * Spec constants, ACPI 6.5 (section numbers in the comments). Everything Keel reads from firmware
 * tables is named here and nowhere else.
 */

/* 5.2.5.3 Root System Description Pointer */
#define ACPI_RSDP_SIGNATURE	"RSD PTR "
#define ACPI_RSDP_SIGNATURE_LEN 8
#define ACPI_RSDP_V1_LEN	20 /* the part the first checksum covers */
#define ACPI_RSDP_V2_LEN	36 /* minimum Length of a revision 2 RSDP */
#define ACPI_RSDP_MAX_LEN	4096
#define ACPI_RSDP_OFF_CHECKSUM	8
#define ACPI_RSDP_OFF_OEMID	9
#define ACPI_RSDP_OFF_REVISION	15
#define ACPI_RSDP_OFF_RSDT	16
#define ACPI_RSDP_OFF_LENGTH	20
#define ACPI_RSDP_OFF_XSDT	24
#define ACPI_RSDP_REVISION_2	2 /* ACPI 2.0 and later: Length, XsdtAddress, extended checksum */

/* 5.2.6 System Description Table Header */
#define ACPI_HDR_LEN	      36
#define ACPI_HDR_OFF_LENGTH   4
#define ACPI_HDR_OFF_REVISION 8
#define ACPI_HDR_OFF_OEMID    10
#define ACPI_OEMID_LEN	      6
#define ACPI_TABLE_MAX_LEN    (1u << 20) /* Keel's bound: no sane firmware table is larger */

/* 5.2.7 RSDT (32-bit entries), 5.2.8 XSDT (64-bit entries), both right after the header */
#define ACPI_SIG_RSDT "RSDT"
#define ACPI_SIG_XSDT "XSDT"
#define ACPI_SIG_MADT "APIC"
#define ACPI_SIG_FADT "FACP"
#define ACPI_SIG_DSDT "DSDT"

/* 5.2.12 Multiple APIC Description Table */
#define ACPI_MADT_OFF_LAPIC_ADDR 36
#define ACPI_MADT_OFF_FLAGS	 40
#define ACPI_MADT_OFF_ENTRIES	 44
#define ACPI_MADT_PCAT_COMPAT	 BIT(0) /* dual 8259 PICs present */

/* 5.2.12: interrupt controller structure types and their lengths */
#define ACPI_MADT_TYPE_LAPIC	  0
#define ACPI_MADT_TYPE_IOAPIC	  1
#define ACPI_MADT_TYPE_ISO	  2
#define ACPI_MADT_TYPE_NMI_SOURCE 3
#define ACPI_MADT_TYPE_LAPIC_NMI  4
#define ACPI_MADT_TYPE_LAPIC_ADDR 5
#define ACPI_MADT_TYPE_X2APIC	  9
#define ACPI_MADT_TYPE_X2APIC_NMI 10
#define ACPI_MADT_LEN_LAPIC	  8
#define ACPI_MADT_LEN_IOAPIC	  12
#define ACPI_MADT_LEN_ISO	  10
#define ACPI_MADT_LEN_NMI_SOURCE  8
#define ACPI_MADT_LEN_LAPIC_NMI	  6
#define ACPI_MADT_LEN_LAPIC_ADDR  12
#define ACPI_MADT_LEN_X2APIC	  16
#define ACPI_MADT_LEN_X2APIC_NMI  12

/* 5.2.12.2 Local APIC flags (also used by the x2APIC structure, 5.2.12.12) */
#define ACPI_MADT_CPU_ENABLED	      BIT(0)
#define ACPI_MADT_CPU_ONLINE_CAPABLE  BIT(1)
#define ACPI_MADT_LAPIC_NMI_ALL_CPUS  0xff	 /* 5.2.12.7 processor UID: every CPU */
#define ACPI_MADT_X2APIC_NMI_ALL_CPUS 0xffffffff /* 5.2.12.13 */

/* 5.2.12.5: MPS INTI flags (interrupt source overrides and NMI entries) */
#define ACPI_MPS_POLARITY_MASK 0x3
#define ACPI_MPS_POLARITY_BUS  0x0
#define ACPI_MPS_POLARITY_HIGH 0x1
#define ACPI_MPS_POLARITY_LOW  0x3
#define ACPI_MPS_TRIGGER_SHIFT 2
#define ACPI_MPS_TRIGGER_MASK  (0x3 << ACPI_MPS_TRIGGER_SHIFT)
#define ACPI_MPS_TRIGGER_BUS   (0x0 << ACPI_MPS_TRIGGER_SHIFT)
#define ACPI_MPS_TRIGGER_EDGE  (0x1 << ACPI_MPS_TRIGGER_SHIFT)
#define ACPI_MPS_TRIGGER_LEVEL (0x3 << ACPI_MPS_TRIGGER_SHIFT)

/* 5.2.9 Fixed ACPI Description Table: field offsets */
#define ACPI_FADT_OFF_DSDT	  40
#define ACPI_FADT_OFF_SCI_INT	  46
#define ACPI_FADT_OFF_SMI_CMD	  48
#define ACPI_FADT_OFF_ACPI_ENABLE 52
#define ACPI_FADT_OFF_PM1A_CNT	  64
#define ACPI_FADT_OFF_PM1B_CNT	  68
#define ACPI_FADT_OFF_PM1_CNT_LEN 89
#define ACPI_FADT_OFF_FLAGS	  112
#define ACPI_FADT_OFF_RESET_REG	  116
#define ACPI_FADT_OFF_RESET_VALUE 128
#define ACPI_FADT_OFF_X_DSDT	  140
#define ACPI_FADT_OFF_X_PM1A_CNT  172
#define ACPI_FADT_OFF_X_PM1B_CNT  184
#define ACPI_FADT_V1_LEN	  116 /* ACPI 1.0: everything up to and including Flags */

/* 5.2.9 FADT fixed feature flags */
#define ACPI_FADT_RESET_REG_SUP BIT(10)
#define ACPI_FADT_HW_REDUCED	BIT(20)

/* 5.2.3.2 Generic Address Structure */
#define ACPI_GAS_LEN		  12
#define ACPI_GAS_SPACE_MEMORY	  0
#define ACPI_GAS_SPACE_IO	  1
#define ACPI_GAS_SPACE_PCI_CONFIG 2

/* 4.8, Table 4.13: PM1 control register bits */
#define ACPI_PM1_CNT_MIN_LEN   2      /* bytes */
#define ACPI_PM1_SCI_EN	       BIT(0) /* set by the firmware once the OS owns ACPI (ACPI mode) */
#define ACPI_PM1_SLP_TYP_SHIFT 10
#define ACPI_PM1_SLP_TYP_MASK  (0x7 << ACPI_PM1_SLP_TYP_SHIFT)
#define ACPI_PM1_SLP_EN	       BIT(13)
#define ACPI_SLP_TYP_MAX       7 /* SLP_TYPx is a 3-bit field */

/* 20.2 ACPI Machine Language encodings used to find \_S5_ (Name (_S5_, Package () {...})) */
#define AML_ZERO_OP		0x00
#define AML_ONE_OP		0x01
#define AML_NAME_OP		0x08
#define AML_BYTE_PREFIX		0x0a
#define AML_WORD_PREFIX		0x0b
#define AML_DWORD_PREFIX	0x0c
#define AML_QWORD_PREFIX	0x0e
#define AML_PACKAGE_OP		0x12
#define AML_ROOT_CHAR		0x5c /* '\' */
#define AML_ONES_OP		0xff
#define AML_NAMESEG_LEN		4
#define AML_PKGLEN_FOLLOW_SHIFT 6 /* 20.2.4 PkgLength: bits 7-6 = number of bytes that follow */
#define AML_PKGLEN_MAX_FOLLOW	3
#define AML_PKGLEN_SMALL_MASK	0x3f /* one-byte form: bits 5-0 are the length */
#define AML_PKGLEN_LOW_MASK	0x0f /* multi-byte form: bits 3-0 are the low nibble */
#define AML_PKGLEN_RESERVED	0x30 /* multi-byte form: bits 5-4 must be zero */
#define AML_S5_NAME		"_S5_"

/* Keel's capacities; entries beyond them are counted and reported, not stored. */
#define ACPI_MAX_CPUS	      256
#define ACPI_MAX_IOAPICS      16
#define ACPI_MAX_OVERRIDES    32
#define ACPI_MAX_NMI_SOURCES  16
#define ACPI_MAX_LAPIC_NMIS   32
#define ACPI_MAX_DIAGS	      16
#define ACPI_MAX_ROOT_ENTRIES 256

enum acpi_status {
	ACPI_OK = 0,
	ACPI_E_NO_RSDP,		/* the boot path found no RSDP */
	ACPI_E_UNMAPPABLE,	/* the address range is not memory Keel can read */
	ACPI_E_SIGNATURE,	/* wrong signature */
	ACPI_E_CHECKSUM,	/* bytes do not sum to zero */
	ACPI_E_LENGTH,		/* length smaller than the structure's header */
	ACPI_E_TRUNCATED,	/* fewer bytes at hand than the header's length says */
	ACPI_E_TOO_LARGE,	/* length beyond Keel's bound */
	ACPI_E_ENTRY_ZERO_LEN,	/* a MADT entry whose length is below 2: parsing stops */
	ACPI_E_ENTRY_TRUNCATED, /* an entry runs past its table's end: parsing stops */
	ACPI_E_ENTRY_SHORT,	/* an entry shorter than its type requires: skipped */
	ACPI_E_FULL,		/* more entries than Keel stores: extra ones dropped */
	ACPI_E_NULL_ENTRY,	/* a zero address in the XSDT/RSDT */
	ACPI_E_MISSING,		/* a table Keel needs is not listed */
	ACPI_E_DUPLICATE,	/* a second copy of a table: the first valid one is used */
	ACPI_E_ADDR_SPACE,	/* a register in an address space Keel does not drive */
	ACPI_E_BAD_REGISTER,	/* a register description that makes no sense */
	ACPI_E_NO_S5,		/* no Name (_S5_, Package ...) in the DSDT */
	ACPI_E_AML,		/* malformed AML where _S5_ was expected */
	ACPI_STATUS_COUNT,
};

const char *acpi_strerror(enum acpi_status st);

/* One problem found while parsing: which table (signature, physical address) and what. */
struct acpi_diag {
	enum acpi_status status;
	char sig[5]; /* "RSDP", "XSDT", "APIC", ..., NUL-terminated */
	u64 phys;
};

/* 5.2.3.2 Generic Address Structure, decoded. */
struct acpi_gas {
	u8 space;
	u8 bit_width;
	u8 bit_offset;
	u8 access_size;
	u64 address;
};

struct acpi_cpu {
	u32 apic_id;
	u32 uid; /* ACPI processor UID */
	bool enabled;
	bool online_capable; /* disabled now, may be brought online later */
	bool x2apic_entry;   /* listed by an x2APIC structure (type 9) */
};

struct acpi_ioapic {
	u32 id;
	u32 address;
	u32 gsi_base;
};

/* An ISA IRQ that is not identity-mapped to a GSI, or has non-default polarity/trigger. */
struct acpi_override {
	u8 bus; /* 0 = ISA */
	u8 source_irq;
	u16 flags; /* ACPI_MPS_* */
	u32 gsi;
};

struct acpi_nmi_source {
	u16 flags;
	u32 gsi;
};

/* Which LINT pin of which CPU's local APIC carries NMI. */
struct acpi_lapic_nmi {
	u32 uid; /* ACPI processor UID; all_cpus says it applies to every CPU */
	bool all_cpus;
	u16 flags;
	u8 lint;
};

/* A PM1 control block Keel can drive: I/O ports only. */
struct acpi_pm1_cnt {
	bool present;
	bool from_x_field; /* taken from X_PM1x_CNT_BLK rather than the 32-bit field */
	u16 port;
};

struct acpi_info {
	/* RSDP and root table */
	u64 rsdp_phys;
	u8 rsdp_revision;
	char oem_id[ACPI_OEMID_LEN + 1];
	bool use_xsdt; /* the XSDT was valid and used; otherwise the RSDT */
	u64 root_phys;
	u32 table_count; /* entries in the root table */

	/* MADT */
	bool madt_found;
	u64 madt_phys;
	u64 lapic_address; /* after any type-5 override */
	u32 madt_flags;
	u32 cpu_count;
	u32 cpus_enabled;
	u32 cpus_dropped;
	struct acpi_cpu cpus[ACPI_MAX_CPUS];
	u32 ioapic_count;
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	u32 override_count;
	struct acpi_override overrides[ACPI_MAX_OVERRIDES];
	u32 nmi_source_count;
	struct acpi_nmi_source nmi_sources[ACPI_MAX_NMI_SOURCES];
	u32 lapic_nmi_count;
	struct acpi_lapic_nmi lapic_nmis[ACPI_MAX_LAPIC_NMIS];

	/* FADT */
	bool fadt_found;
	u64 fadt_phys;
	u8 fadt_revision;
	u32 fadt_flags;
	u16 sci_irq;
	u16 smi_cmd;	/* port to switch to ACPI mode; 0 when there is none (already in it) */
	u8 acpi_enable; /* the value to write to smi_cmd for that */
	struct acpi_pm1_cnt pm1a_cnt;
	struct acpi_pm1_cnt pm1b_cnt;
	bool reset_supported;
	struct acpi_gas reset_reg;
	u8 reset_value;
	u64 dsdt_phys;

	/* \_S5_ from the DSDT */
	bool s5_found;
	u8 slp_typa;
	u8 slp_typb;

	/* what went wrong, in order; diag_dropped counts those that did not fit */
	u32 diag_count;
	u32 diag_dropped;
	struct acpi_diag diags[ACPI_MAX_DIAGS];
};

/*
 * How the parser reaches physical memory: map returns a readable pointer to [phys, phys + len),
 * or NULL when that range is not memory. The pointers must stay valid until acpi_parse() returns.
 */
struct acpi_mem_ops {
	const void *(*map)(u64 phys, size_t len, void *ctx);
	void *ctx;
};

/*
 * Walk the tables from the RSDP at rsdp_phys into *info (zeroed first). Returns ACPI_OK when the
 * RSDP and a root table (XSDT or RSDT) are valid; other tables that fail are listed in
 * info->diags and ignored. Any other return value means nothing in *info may be trusted.
 */
enum acpi_status acpi_parse(u64 rsdp_phys, const struct acpi_mem_ops *mem, struct acpi_info *info);

/*
 * The parts of acpi_parse(), usable on their own on a table of len bytes. The MADT and FADT
 * parsers return why they stopped (header checks included); problems they step over are added
 * to info->diags.
 */
enum acpi_status acpi_parse_madt(const u8 *table, size_t len, struct acpi_info *info);
enum acpi_status acpi_parse_fadt(const u8 *table, size_t len, struct acpi_info *info);
enum acpi_status acpi_find_s5(const u8 *aml, size_t len, u8 *slp_typa, u8 *slp_typb);
/* Header checks (signature, length bounds, checksum) on a table whose bytes are all at hand. */
enum acpi_status acpi_check_table(const u8 *table, size_t len, const char *sig);

/* Kernel side (drivers/acpi/acpi.c). */
#ifdef KEEL_KERNEL
/* Parses the tables through the direct map and prints a summary; call after paging is up. */
void acpi_init(u64 rsdp_phys);
/* The parsed tables, or NULL when acpi_init() found none it could trust. */
const struct acpi_info *acpi_get_info(void);
#endif

#endif
