/* SPDX-License-Identifier: GPL-2.0-only */
/* Hosted tests for the multiboot2 tag parser: good, truncated, oversized, overlapping, garbage. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "arch/x86/boot/mb2.h"

#define KERNEL_PHYS 0x200000
#define KERNEL_SIZE 0x100000
#define BUF_MAX	    (64 * 1024)

/* Builds an information structure tag by tag, the way a boot loader lays it out. */
struct builder {
	u8 buf[BUF_MAX] __aligned(8);
	size_t len;
};

static struct builder b;
static struct boot_info bi;

static void start(void)
{
	memset(&b, 0, sizeof(b));
	b.len = sizeof(struct mb2_info_header);
}

static void put(const void *p, size_t n)
{
	assert_true(b.len + n <= BUF_MAX);
	if (n)
		memcpy(b.buf + b.len, p, n);
	b.len += n;
}

static void tag(u32 type, const void *payload, u32 payload_len)
{
	struct mb2_tag t = { .type = type, .size = sizeof(t) + payload_len };

	put(&t, sizeof(t));
	put(payload, payload_len);
	b.len = ALIGN_UP(b.len, MB2_TAG_ALIGN);
}

static void finish(void)
{
	struct mb2_info_header h;

	tag(MB2_TAG_END, NULL, 0);
	h.total_size = b.len;
	h.reserved = 0;
	memcpy(b.buf, &h, sizeof(h));
}

static void set_total_size(u32 total)
{
	memcpy(b.buf, &total, sizeof(total));
}

static void cmdline_tag(const char *s)
{
	tag(MB2_TAG_CMDLINE, s, strlen(s) + 1);
}

static void module_tag(u32 start_addr, u32 end_addr, const char *s)
{
	u8 payload[1024];
	size_t n = strlen(s) + 1;

	assert_true(8 + n <= sizeof(payload));
	memcpy(payload, &start_addr, 4);
	memcpy(payload + 4, &end_addr, 4);
	memcpy(payload + 8, s, n);
	tag(MB2_TAG_MODULE, payload, 8 + n);
}

struct mmap_spec {
	u64 base, length;
	u32 type;
};

static void mmap_tag(const struct mmap_spec *e, unsigned int n)
{
	static u8 payload[8 + 600 * sizeof(struct mb2_mmap_entry)];
	u32 entry_size = sizeof(struct mb2_mmap_entry), version = 0;
	unsigned int i;

	assert_true(n <= 600);
	memcpy(payload, &entry_size, 4);
	memcpy(payload + 4, &version, 4);
	for (i = 0; i < n; i++) {
		struct mb2_mmap_entry me = { e[i].base, e[i].length, e[i].type, 0 };

		memcpy(payload + 8 + i * entry_size, &me, entry_size);
	}
	tag(MB2_TAG_MMAP, payload, 8 + n * entry_size);
}

static void basic_mmap(void)
{
	static const struct mmap_spec e[] = {
		{ 0, 0x9fc00, MB2_MEM_AVAILABLE },
		{ 0x100000, 0x7ee0000, MB2_MEM_AVAILABLE },
	};

	mmap_tag(e, 2);
}

static void make_rsdp(u8 *r, unsigned int len, u8 revision)
{
	u8 sum = 0;
	unsigned int i;

	memset(r, 0, len);
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "KEELTS", 6);
	r[15] = revision;
	for (i = 0; i < 20; i++)
		sum += r[i];
	r[8] = -sum;
	if (len > 20) {
		u32 l = len;

		memcpy(r + 20, &l, 4);
		for (sum = 0, i = 0; i < len; i++)
			sum += r[i];
		r[32] = -sum;
	}
}

/* Parse a heap copy of exactly avail bytes, so ASan sees any read past the structure. */
static int parse_avail(size_t avail, struct mb2_parse_out *out)
{
	u8 *copy = malloc(avail ? avail : 1);
	struct mb2_parse_in in = {
		.mbi = copy,
		.mbi_avail = avail,
		.kernel_phys = KERNEL_PHYS,
		.kernel_size = KERNEL_SIZE,
	};
	int rc;

	assert_non_null(copy);
	memcpy(copy, b.buf, MIN(avail, (size_t)BUF_MAX));
	memset(out, 0, sizeof(*out));
	out->bi = &bi;
	rc = mb2_parse(&in, out);
	if (rc)
		assert_non_null(out->error);
	else
		assert_null(out->error);
	free(copy);
	return rc;
}

static int parse(struct mb2_parse_out *out)
{
	return parse_avail(b.len, out);
}

static void expect_error(const char *fragment)
{
	struct mb2_parse_out out;

	assert_int_equal(parse(&out), -1);
	if (!strstr(out.error, fragment))
		fail_msg("error \"%s\" does not mention \"%s\"", out.error, fragment);
}

static void test_well_formed(void **state)
{
	static const struct mmap_spec e[] = {
		{ 0x100000, 0x7ee0000, MB2_MEM_AVAILABLE }, /* out of order on purpose */
		{ 0, 0x9fc00, MB2_MEM_AVAILABLE },
		{ 0x9fc00, 0x400, MB2_MEM_RESERVED },
		{ 0x8000000, 0, MB2_MEM_AVAILABLE }, /* empty: dropped */
		{ 0x7fe0000, 0x20000, MB2_MEM_ACPI_RECLAIMABLE },
		{ 0xfffc0000, 0x40000, 7 }, /* unknown type: reserved */
		{ 0x100000000ULL, 0x40000000, MB2_MEM_BADRAM },
		{ 0x140000000ULL, 0x1000, MB2_MEM_NVS },
	};
	struct mb2_tag_framebuffer fb = { .addr = 0xfd000000,
					  .pitch = 4096,
					  .width = 1024,
					  .height = 768,
					  .bpp = 32,
					  .fb_type = 1,
					  .red_pos = 16,
					  .red_size = 8,
					  .green_pos = 8,
					  .green_size = 8,
					  .blue_pos = 0,
					  .blue_size = 8 };
	struct mb2_parse_out out;
	u8 rsdp1[20], rsdp2[36];

	make_rsdp(rsdp1, 20, 0);
	make_rsdp(rsdp2, 36, 2);
	start();
	tag(2, "GRUB 2.06", 10); /* boot loader name: ignored */
	cmdline_tag("ktest=all loglevel=7");
	module_tag(0x1000000, 0x1000800, "guest  console=ttyS0 quiet");
	module_tag(0x1002000, 0x1002000, "empty");
	tag(MB2_TAG_ACPI_NEW, rsdp2, 36);
	tag(MB2_TAG_ACPI_OLD, rsdp1, 20); /* the 2.0 copy still wins */
	mmap_tag(e, ARRAY_SIZE(e));
	tag(MB2_TAG_FRAMEBUFFER, (u8 *)&fb + 8,
	    offsetof(struct mb2_tag_framebuffer, blue_size) + 1 - 8);
	finish();

	assert_int_equal(parse(&out), 0);
	assert_true(bi.magic == BOOT_INFO_MAGIC);
	assert_int_equal(bi.version, BOOT_INFO_VERSION);
	assert_int_equal(bi.size, sizeof(bi));
	assert_int_equal(bi.source, BOOT_SOURCE_MULTIBOOT2);
	assert_int_equal(bi.kernel_phys, KERNEL_PHYS);
	assert_int_equal(bi.kernel_size, KERNEL_SIZE);
	assert_string_equal(bi.cmdline, "ktest=all loglevel=7");

	assert_int_equal(bi.module_count, 2);
	assert_string_equal(bi.modules[0].name, "guest");
	assert_string_equal(bi.modules[0].cmdline, "console=ttyS0 quiet");
	assert_int_equal(bi.modules[0].base, 0x1000000);
	assert_int_equal(bi.modules[0].size, 0x800);
	assert_string_equal(bi.modules[1].name, "empty");
	assert_string_equal(bi.modules[1].cmdline, "");
	assert_int_equal(bi.modules[1].size, 0);

	assert_int_equal(bi.mmap_count, 7);
	assert_int_equal(bi.mmap[0].base, 0);
	assert_int_equal(bi.mmap[0].type, BOOT_MEM_USABLE);
	assert_int_equal(bi.mmap[1].base, 0x9fc00);
	assert_int_equal(bi.mmap[1].type, BOOT_MEM_RESERVED);
	assert_int_equal(bi.mmap[2].base, 0x100000);
	assert_int_equal(bi.mmap[2].length, 0x7ee0000);
	assert_int_equal(bi.mmap[3].type, BOOT_MEM_ACPI_RECLAIM);
	assert_int_equal(bi.mmap[4].type, BOOT_MEM_RESERVED);
	assert_int_equal(bi.mmap[5].type, BOOT_MEM_BAD);
	assert_int_equal(bi.mmap[6].type, BOOT_MEM_ACPI_NVS);

	assert_true(bi.fb.base == 0xfd000000);
	assert_int_equal(bi.fb.width, 1024);
	assert_int_equal(bi.fb.height, 768);
	assert_int_equal(bi.fb.pitch, 4096);
	assert_int_equal(bi.fb.bpp, 32);
	assert_int_equal(bi.fb.red_pos, 16);
	assert_int_equal(bi.fb.blue_size, 8);

	assert_int_equal(out.rsdp_len, 36);
	assert_memory_equal(out.rsdp, rsdp2, 36);
	assert_true(bi.acpi_rsdp == 0); /* the caller turns the copy into an address */
}

static void test_minimal_and_text_framebuffer(void **state)
{
	struct mb2_tag_framebuffer fb = {
		.addr = 0xb8000, .pitch = 160, .width = 80, .height = 25, .bpp = 16, .fb_type = 2
	};
	struct mb2_parse_out out;
	u8 rsdp1[20];

	make_rsdp(rsdp1, 20, 0);
	start();
	basic_mmap();
	tag(MB2_TAG_FRAMEBUFFER, (u8 *)&fb + 8, 24);
	tag(MB2_TAG_ACPI_OLD, rsdp1, 20);
	finish();
	assert_int_equal(parse(&out), 0);
	assert_string_equal(bi.cmdline, "");
	assert_int_equal(bi.module_count, 0);
	assert_true(bi.fb.base == 0); /* EGA text is no framebuffer */
	assert_int_equal(out.rsdp_len, 20);
}

static void build_full(void)
{
	u8 rsdp1[20];

	make_rsdp(rsdp1, 20, 0);
	start();
	cmdline_tag("ktest=all");
	module_tag(0x1000000, 0x1000800, "guest console=ttyS0");
	basic_mmap();
	tag(MB2_TAG_ACPI_OLD, rsdp1, 20);
	finish();
}

/* Every shorter view of a good structure is rejected, and nothing is read past it. */
static void test_truncated(void **state)
{
	struct mb2_parse_out out;
	size_t full, n;

	build_full();
	full = b.len;
	assert_int_equal(parse(&out), 0);
	for (n = 0; n < full; n++)
		assert_int_equal(parse_avail(n, &out), -1);
	/* total_size cut short inside the list: a tag runs past it, or the end tag is gone */
	for (n = 0; n < full; n++) {
		build_full();
		set_total_size(n);
		assert_int_equal(parse_avail(full, &out), -1);
	}
	build_full();
	set_total_size(full + 8);
	expect_error("larger");
}

static void test_bad_header_and_tags(void **state)
{
	struct mb2_parse_out out;
	struct mb2_parse_in in = { .mbi = NULL, .mbi_avail = 64 };
	u32 zero = 0;

	memset(&out, 0, sizeof(out));
	out.bi = &bi;
	assert_int_equal(mb2_parse(&in, &out), -1);
	assert_non_null(out.error);

	/* misaligned structure */
	build_full();
	in.mbi = b.buf + 4;
	in.mbi_avail = b.len - 4;
	assert_int_equal(mb2_parse(&in, &out), -1);
	assert_non_null(strstr(out.error, "aligned"));

	/* a tag smaller than its header */
	start();
	basic_mmap();
	put(&(struct mb2_tag){ .type = 1, .size = 4 }, 8);
	finish();
	expect_error("smaller");

	/* an end tag with a payload */
	start();
	basic_mmap();
	tag(MB2_TAG_END, &zero, 4);
	finish();
	expect_error("end tag");

	/* no memory map */
	start();
	cmdline_tag("x");
	finish();
	expect_error("no memory map");

	/* duplicates */
	start();
	basic_mmap();
	cmdline_tag("a");
	cmdline_tag("b");
	finish();
	expect_error("more than one command-line");
	start();
	basic_mmap();
	basic_mmap();
	finish();
	expect_error("more than one memory-map");
}

static void test_bad_strings_and_modules(void **state)
{
	char raw[8];

	start();
	basic_mmap();
	memset(raw, 'x', sizeof(raw)); /* no NUL */
	tag(MB2_TAG_CMDLINE, raw, sizeof(raw));
	finish();
	expect_error("NUL");

	start();
	basic_mmap();
	module_tag(0x1000000, 0x1001000, "   ");
	finish();
	expect_error("without a name");

	start();
	basic_mmap();
	module_tag(0x1000800, 0x1001000, "m");
	finish();
	expect_error("page aligned");

	start();
	basic_mmap();
	module_tag(0x1002000, 0x1001000, "m");
	finish();
	expect_error("ends before");

	start();
	basic_mmap();
	tag(MB2_TAG_MODULE, "\0\0\0\0\0\0\0", 8); /* no room for a string */
	finish();
	expect_error("too short");
}

static void test_oversized(void **state)
{
	static char longstr[BOOT_CMDLINE_MAX + 1];
	static struct mmap_spec many[BOOT_MMAP_MAX + 1];
	struct mb2_parse_out out;
	unsigned int i;

	memset(longstr, 'a', BOOT_CMDLINE_MAX - 1);
	longstr[BOOT_CMDLINE_MAX - 1] = '\0';
	start();
	basic_mmap();
	cmdline_tag(longstr); /* exactly the longest that fits */
	finish();
	assert_int_equal(parse(&out), 0);
	assert_int_equal(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);

	memset(longstr, 'a', BOOT_CMDLINE_MAX);
	longstr[BOOT_CMDLINE_MAX] = '\0';
	start();
	basic_mmap();
	cmdline_tag(longstr);
	finish();
	expect_error("longer");

	memset(longstr, 'n', BOOT_MODULE_NAME_MAX);
	longstr[BOOT_MODULE_NAME_MAX] = '\0';
	start();
	basic_mmap();
	module_tag(0x1000000, 0x1001000, longstr);
	finish();
	expect_error("module name");

	longstr[0] = 'n';
	longstr[1] = ' ';
	memset(longstr + 2, 'c', BOOT_MODULE_CMDLINE_MAX);
	longstr[2 + BOOT_MODULE_CMDLINE_MAX] = '\0';
	start();
	basic_mmap();
	module_tag(0x1000000, 0x1001000, longstr);
	finish();
	expect_error("module command line");

	start();
	basic_mmap();
	for (i = 0; i <= BOOT_MODULES_MAX; i++)
		module_tag(0x1000000 + i * 0x1000, 0x1000000 + i * 0x1000 + 0x800, "m");
	finish();
	expect_error("BOOT_MODULES_MAX");

	for (i = 0; i <= BOOT_MMAP_MAX; i++)
		many[i] = (struct mmap_spec){ (u64)i << 12, 0x1000, MB2_MEM_AVAILABLE };
	start();
	mmap_tag(many, BOOT_MMAP_MAX);
	finish();
	assert_int_equal(parse(&out), 0);
	assert_int_equal(bi.mmap_count, BOOT_MMAP_MAX);
	start();
	mmap_tag(many, BOOT_MMAP_MAX + 1);
	finish();
	expect_error("BOOT_MMAP_MAX");

	many[0] = (struct mmap_spec){ 0xfffffffffffff000ULL, 0x2000, MB2_MEM_AVAILABLE };
	start();
	mmap_tag(many, 1);
	finish();
	expect_error("physical address limit");
}

static void test_bad_mmap_shapes(void **state)
{
	u8 payload[8 + 2 * 24];
	u32 entry_size = 16, version = 0;

	memset(payload, 0, sizeof(payload));
	memcpy(payload, &entry_size, 4);
	memcpy(payload + 4, &version, 4);
	start();
	tag(MB2_TAG_MMAP, payload, 8 + 32);
	finish();
	expect_error("entry_size");

	entry_size = 24;
	memcpy(payload, &entry_size, 4);
	start();
	tag(MB2_TAG_MMAP, payload, 8 + 24 + 8); /* one and a third entries */
	finish();
	expect_error("whole number");

	start();
	tag(MB2_TAG_MMAP, payload, 4);
	finish();
	expect_error("too short");
}

static void test_overlapping(void **state)
{
	static const struct mmap_spec e[] = {
		{ 0, 0xa0000, MB2_MEM_AVAILABLE },
		{ 0x100000, 0x1000000, MB2_MEM_AVAILABLE },
		{ 0x800000, 0x1000, MB2_MEM_RESERVED },
	};

	start();
	mmap_tag(e, ARRAY_SIZE(e));
	finish();
	expect_error("memory-map entries overlap");

	start();
	basic_mmap();
	module_tag(0x1000000, 0x1002000, "a");
	module_tag(0x1001000, 0x1003000, "b");
	finish();
	expect_error("two modules overlap");

	start();
	basic_mmap();
	module_tag(KERNEL_PHYS + 0x1000, KERNEL_PHYS + 0x2000, "k");
	finish();
	expect_error("kernel image");
}

static void test_bad_acpi_and_framebuffer(void **state)
{
	struct mb2_tag_framebuffer fb = { .addr = 0xfd000000,
					  .pitch = 4096,
					  .width = 1024,
					  .height = 768,
					  .bpp = 32,
					  .fb_type = 1 };
	u8 rsdp[36];

	make_rsdp(rsdp, 20, 0);
	rsdp[10] ^= 1;
	start();
	basic_mmap();
	tag(MB2_TAG_ACPI_OLD, rsdp, 20);
	finish();
	expect_error("valid RSDP");

	make_rsdp(rsdp, 36, 2);
	start();
	basic_mmap();
	tag(MB2_TAG_ACPI_NEW, rsdp, 20);
	finish();
	expect_error("too short");

	rsdp[30] ^= 1;
	start();
	basic_mmap();
	tag(MB2_TAG_ACPI_NEW, rsdp, 36);
	finish();
	expect_error("extended checksum");

	start();
	basic_mmap();
	tag(MB2_TAG_FRAMEBUFFER, (u8 *)&fb + 8, 24); /* RGB without colour info */
	finish();
	expect_error("colour");

	fb.width = 0;
	start();
	basic_mmap();
	tag(MB2_TAG_FRAMEBUFFER, (u8 *)&fb + 8, 30);
	finish();
	expect_error("zero");
}

/* Random bytes after a plausible header, and random mutations of a good structure. */
static void test_garbage(void **state)
{
	struct mb2_parse_out out;
	u64 seed = 0x6b65656c;
	unsigned int round, i;
	size_t full;

	for (round = 0; round < 4000; round++) {
		size_t len = 16 + (round % 512);

		for (i = 0; i < len; i++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			b.buf[i] = seed >> 56;
		}
		if (round & 1)
			set_total_size(len - (seed >> 40) % 16);
		parse_avail(len, &out);
	}

	build_full();
	full = b.len;
	for (round = 0; round < 20000; round++) {
		unsigned int flips = 1 + round % 4;

		build_full();
		for (i = 0; i < flips; i++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			b.buf[(seed >> 33) % full] ^= 1 << ((seed >> 20) % 8);
		}
		parse_avail(full, &out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_well_formed),
		cmocka_unit_test(test_minimal_and_text_framebuffer),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_bad_header_and_tags),
		cmocka_unit_test(test_bad_strings_and_modules),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_bad_mmap_shapes),
		cmocka_unit_test(test_overlapping),
		cmocka_unit_test(test_bad_acpi_and_framebuffer),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
