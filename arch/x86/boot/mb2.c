/* SPDX-License-Identifier: GPL-2.0-only */
/* Multiboot2 information parser: tags in, a checked struct boot_info out (also built hosted). */
#include "arch/x86/boot/mb2.h"

#include <string.h>

#define MB2_RSDP_V1_LEN 20
#define MB2_PHYS_LIMIT	(1ULL << 52) /* the widest physical address x86-64 paging can express */

struct mb2_state {
	const struct mb2_parse_in *in;
	struct mb2_parse_out *out;
	bool seen_cmdline, seen_mmap, seen_fb, seen_acpi_new;
};

static int fail(struct mb2_state *s, const char *why)
{
	s->out->error = why;
	return -1;
}

/* Length of the NUL-terminated string in [p, p + max), or -1 when it has no terminator there. */
static long bounded_strlen(const char *p, size_t max)
{
	const char *nul = memchr(p, '\0', max);

	return nul ? nul - p : -1;
}

static int parse_cmdline(struct mb2_state *s, const u8 *tag, u32 size)
{
	struct boot_info *bi = s->out->bi;
	long len = bounded_strlen((const char *)tag + sizeof(struct mb2_tag), size - 8);

	if (s->seen_cmdline)
		return fail(s, "more than one command-line tag");
	s->seen_cmdline = true;
	if (len < 0)
		return fail(s, "command line is not NUL-terminated inside its tag");
	if (len >= BOOT_CMDLINE_MAX)
		return fail(s, "command line is longer than BOOT_CMDLINE_MAX - 1");
	memcpy(bi->cmdline, tag + sizeof(struct mb2_tag), len + 1);
	return 0;
}

/* Copies [p, p + len) into dst (size dst_max) with a NUL; fails when it does not fit. */
static bool copy_word(char *dst, size_t dst_max, const char *p, size_t len)
{
	if (len >= dst_max)
		return false;
	memcpy(dst, p, len);
	dst[len] = '\0';
	return true;
}

static int parse_module(struct mb2_state *s, const u8 *tag, u32 size)
{
	struct boot_info *bi = s->out->bi;
	struct mb2_tag_module m;
	struct boot_module *bm;
	const char *str, *name_end;
	long len;

	if (size < sizeof(m) + 1)
		return fail(s, "module tag is too short");
	memcpy(&m, tag, sizeof(m));
	if (m.mod_end < m.mod_start)
		return fail(s, "module ends before it starts");
	if (m.mod_start % 4096)
		return fail(s, "module is not page aligned");
	if (bi->module_count >= BOOT_MODULES_MAX)
		return fail(s, "more modules than BOOT_MODULES_MAX");
	str = (const char *)tag + sizeof(m);
	len = bounded_strlen(str, size - sizeof(m));
	if (len < 0)
		return fail(s, "module string is not NUL-terminated inside its tag");

	/* "NAME [CMDLINE]": the first word names the module, the rest is its command line. */
	while (*str == ' ')
		str++;
	name_end = str;
	while (*name_end && *name_end != ' ')
		name_end++;
	if (name_end == str)
		return fail(s, "module without a name (its string must start with one)");
	bm = &bi->modules[bi->module_count];
	if (!copy_word(bm->name, sizeof(bm->name), str, name_end - str))
		return fail(s, "module name is longer than BOOT_MODULE_NAME_MAX - 1");
	while (*name_end == ' ')
		name_end++;
	if (!copy_word(bm->cmdline, sizeof(bm->cmdline), name_end, strlen(name_end)))
		return fail(s, "module command line is longer than BOOT_MODULE_CMDLINE_MAX - 1");
	bm->base = m.mod_start;
	bm->size = (u64)m.mod_end - m.mod_start;
	bi->module_count++;
	return 0;
}

static u32 mem_type(u32 mb2_type)
{
	switch (mb2_type) {
	case MB2_MEM_AVAILABLE:
		return BOOT_MEM_USABLE;
	case MB2_MEM_ACPI_RECLAIMABLE:
		return BOOT_MEM_ACPI_RECLAIM;
	case MB2_MEM_NVS:
		return BOOT_MEM_ACPI_NVS;
	case MB2_MEM_BADRAM:
		return BOOT_MEM_BAD;
	default:
		return BOOT_MEM_RESERVED;
	}
}

static int parse_mmap(struct mb2_state *s, const u8 *tag, u32 size)
{
	struct boot_info *bi = s->out->bi;
	struct mb2_tag_mmap hdr;
	u32 n, i;

	if (s->seen_mmap)
		return fail(s, "more than one memory-map tag");
	s->seen_mmap = true;
	if (size < sizeof(hdr))
		return fail(s, "memory-map tag is too short");
	memcpy(&hdr, tag, sizeof(hdr));
	if (hdr.entry_size < sizeof(struct mb2_mmap_entry) || hdr.entry_size % 8)
		return fail(s, "memory-map entry_size is too small or not a multiple of 8");
	if ((size - sizeof(hdr)) % hdr.entry_size)
		return fail(s, "memory-map tag is not a whole number of entries");
	n = (size - sizeof(hdr)) / hdr.entry_size;
	for (i = 0; i < n; i++) {
		struct mb2_mmap_entry e;
		struct boot_mmap_entry *be;

		memcpy(&e, tag + sizeof(hdr) + (size_t)i * hdr.entry_size, sizeof(e));
		if (e.length == 0)
			continue;
		if (e.base_addr >= MB2_PHYS_LIMIT || e.length > MB2_PHYS_LIMIT - e.base_addr)
			return fail(s, "memory-map entry reaches past the physical address limit");
		if (bi->mmap_count >= BOOT_MMAP_MAX)
			return fail(s, "more memory-map entries than BOOT_MMAP_MAX");
		be = &bi->mmap[bi->mmap_count++];
		be->base = e.base_addr;
		be->length = e.length;
		be->type = mem_type(e.type);
	}
	return 0;
}

static int parse_framebuffer(struct mb2_state *s, const u8 *tag, u32 size)
{
	struct boot_framebuffer *fb = &s->out->bi->fb;
	struct mb2_tag_framebuffer t;

	if (s->seen_fb)
		return fail(s, "more than one framebuffer tag");
	s->seen_fb = true;
	memset(&t, 0, sizeof(t));
	if (size < offsetof(struct mb2_tag_framebuffer, red_pos))
		return fail(s, "framebuffer tag is too short");
	memcpy(&t, tag, MIN((size_t)size, sizeof(t)));
	/* Indexed-colour and EGA text modes are not a framebuffer Keel can draw on. */
	if (t.fb_type != MB2_FRAMEBUFFER_TYPE_RGB)
		return 0;
	if (size < offsetof(struct mb2_tag_framebuffer, blue_size) + 1)
		return fail(s, "RGB framebuffer tag lacks its colour information");
	if (!t.addr || !t.width || !t.height || !t.bpp || !t.pitch)
		return fail(s, "RGB framebuffer tag has a zero address or dimension");
	fb->base = t.addr;
	fb->width = t.width;
	fb->height = t.height;
	fb->pitch = t.pitch;
	fb->bpp = t.bpp;
	fb->red_pos = t.red_pos;
	fb->red_size = t.red_size;
	fb->green_pos = t.green_pos;
	fb->green_size = t.green_size;
	fb->blue_pos = t.blue_pos;
	fb->blue_size = t.blue_size;
	return 0;
}

static bool rsdp_sum_ok(const u8 *p, size_t len)
{
	u8 sum = 0;

	while (len--)
		sum += *p++;
	return sum == 0;
}

/* ACPI 2.0+ (new) RSDP copies win over ACPI 1.0 (old) ones, whatever their order. */
static int parse_acpi(struct mb2_state *s, const u8 *tag, u32 size, bool is_new)
{
	u32 len = is_new ? MB2_RSDP_MAX : MB2_RSDP_V1_LEN;
	const u8 *rsdp = tag + sizeof(struct mb2_tag);

	if (size < sizeof(struct mb2_tag) + len)
		return fail(s, "ACPI tag is too short for an RSDP");
	if (memcmp(rsdp, "RSD PTR ", 8) || !rsdp_sum_ok(rsdp, MB2_RSDP_V1_LEN))
		return fail(s, "ACPI tag does not hold a valid RSDP");
	if (is_new && !rsdp_sum_ok(rsdp, MB2_RSDP_MAX))
		return fail(s, "ACPI 2.0 RSDP has a bad extended checksum");
	if (s->seen_acpi_new)
		return is_new ? fail(s, "more than one ACPI 2.0 RSDP tag") : 0;
	s->seen_acpi_new = is_new;
	memcpy(s->out->rsdp, rsdp, len);
	s->out->rsdp_len = len;
	return 0;
}

static int parse_tag(struct mb2_state *s, const u8 *tag, u32 type, u32 size)
{
	switch (type) {
	case MB2_TAG_CMDLINE:
		return parse_cmdline(s, tag, size);
	case MB2_TAG_MODULE:
		return parse_module(s, tag, size);
	case MB2_TAG_MMAP:
		return parse_mmap(s, tag, size);
	case MB2_TAG_FRAMEBUFFER:
		return parse_framebuffer(s, tag, size);
	case MB2_TAG_ACPI_OLD:
		return parse_acpi(s, tag, size, false);
	case MB2_TAG_ACPI_NEW:
		return parse_acpi(s, tag, size, true);
	default:
		return 0; /* tags Keel has no use for */
	}
}

static void sort_mmap(struct boot_info *bi)
{
	u32 i, j;

	for (i = 1; i < bi->mmap_count; i++) {
		struct boot_mmap_entry e = bi->mmap[i];

		for (j = i; j > 0 && bi->mmap[j - 1].base > e.base; j--)
			bi->mmap[j] = bi->mmap[j - 1];
		bi->mmap[j] = e;
	}
}

static bool ranges_overlap(u64 a, u64 alen, u64 b, u64 blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

static int check_layout(struct mb2_state *s)
{
	struct boot_info *bi = s->out->bi;
	u32 i, j;

	if (!s->seen_mmap || bi->mmap_count == 0)
		return fail(s, "no memory map");
	sort_mmap(bi);
	for (i = 1; i < bi->mmap_count; i++) {
		const struct boot_mmap_entry *prev = &bi->mmap[i - 1];

		if (bi->mmap[i].base < prev->base + prev->length)
			return fail(s, "memory-map entries overlap");
	}
	for (i = 0; i < bi->module_count; i++) {
		const struct boot_module *m = &bi->modules[i];

		if (ranges_overlap(m->base, m->size, bi->kernel_phys, bi->kernel_size))
			return fail(s, "a module overlaps the kernel image");
		for (j = i + 1; j < bi->module_count; j++)
			if (ranges_overlap(m->base, m->size, bi->modules[j].base,
					   bi->modules[j].size))
				return fail(s, "two modules overlap");
	}
	return 0;
}

static int walk_tags(struct mb2_state *s, const u8 *mbi, u32 total)
{
	size_t off = sizeof(struct mb2_info_header);

	while (off + sizeof(struct mb2_tag) <= total) {
		struct mb2_tag tag;
		int rc;

		memcpy(&tag, mbi + off, sizeof(tag));
		if (tag.size < sizeof(tag))
			return fail(s, "a tag is smaller than its own header");
		if (tag.size > total - off)
			return fail(s, "a tag runs past the end of the information structure");
		if (tag.type == MB2_TAG_END)
			return tag.size == sizeof(tag) ? 0 : fail(s, "end tag has a wrong size");
		rc = parse_tag(s, mbi + off, tag.type, tag.size);
		if (rc)
			return rc;
		off += ALIGN_UP((size_t)tag.size, MB2_TAG_ALIGN);
	}
	return fail(s, "no end tag inside total_size");
}

int mb2_parse(const struct mb2_parse_in *in, struct mb2_parse_out *out)
{
	struct mb2_state s = { .in = in, .out = out };
	struct boot_info *bi = out->bi;
	struct mb2_info_header hdr;
	int rc;

	memset(bi, 0, sizeof(*bi));
	memset(out->rsdp, 0, sizeof(out->rsdp));
	out->rsdp_len = 0;
	out->error = NULL;
	bi->magic = BOOT_INFO_MAGIC;
	bi->version = BOOT_INFO_VERSION;
	bi->size = sizeof(*bi);
	bi->source = BOOT_SOURCE_MULTIBOOT2;
	bi->kernel_phys = in->kernel_phys;
	bi->kernel_size = in->kernel_size;

	if (!in->mbi || (uintptr_t)in->mbi % MB2_TAG_ALIGN)
		return fail(&s, "information structure is missing or not 8-byte aligned");
	if (in->mbi_avail < sizeof(hdr) + sizeof(struct mb2_tag))
		return fail(&s, "information structure is truncated");
	memcpy(&hdr, in->mbi, sizeof(hdr));
	if (hdr.total_size < sizeof(hdr) + sizeof(struct mb2_tag))
		return fail(&s, "total_size is too small to hold an end tag");
	if (hdr.total_size > in->mbi_avail)
		return fail(&s, "total_size is larger than the information structure may be");
	rc = walk_tags(&s, in->mbi, hdr.total_size);
	if (rc)
		return rc;
	return check_layout(&s);
}
