/* SPDX-License-Identifier: GPL-2.0-only */
/* Hosted tests for the loader's ELF checker and planner (boot/elf.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "boot/elf.h"

#define PH_MAX	  80
#define FILE_SIZE 0x8000 /* bytes in the synthetic file: headers, then segment data */
#define HIGH	  0xffffffff80000000ULL

/* A synthetic keel.elf laid out like the real one: a low trampoline and two high segments. */
struct image {
	struct elf64_ehdr eh;
	struct elf64_phdr ph[PH_MAX];
};

static struct image img;
static struct elf_plan plan;
static char err[ELF_ERROR_MAX];

static void set_load(int i, u64 off, u64 paddr, u64 vaddr, u64 filesz, u64 memsz, u32 flags)
{
	img.ph[i] = (struct elf64_phdr){ .p_type = PT_LOAD,
					 .p_flags = flags,
					 .p_offset = off,
					 .p_vaddr = vaddr,
					 .p_paddr = paddr,
					 .p_filesz = filesz,
					 .p_memsz = memsz,
					 .p_align = 0x1000 };
}

static int setup(void **state)
{
	memset(&img, 0, sizeof(img));
	memcpy(img.eh.e_ident,
	       "\x7f"
	       "ELF",
	       4);
	img.eh.e_ident[EI_CLASS] = ELFCLASS64;
	img.eh.e_ident[EI_DATA] = ELFDATA2LSB;
	img.eh.e_ident[EI_VERSION] = EV_CURRENT;
	img.eh.e_type = ET_EXEC;
	img.eh.e_machine = EM_X86_64;
	img.eh.e_version = EV_CURRENT;
	img.eh.e_entry = HIGH + 0x201010;
	img.eh.e_phoff = sizeof(struct elf64_ehdr);
	img.eh.e_ehsize = sizeof(struct elf64_ehdr);
	img.eh.e_phentsize = sizeof(struct elf64_phdr);
	img.eh.e_phnum = 4;
	set_load(0, 0x1000, 0x200000, 0x200000, 0x100, 0x100, PF_R | PF_X);
	set_load(1, 0x2000, 0x201000, HIGH + 0x201000, 0x3000, 0x3000, PF_R | PF_X);
	set_load(2, 0x5000, 0x204000, HIGH + 0x204000, 0x800, 0x10000, PF_R | PF_W);
	img.ph[3] = (struct elf64_phdr){ .p_type = 0x6474e551 }; /* PT_GNU_STACK: ignored */
	return 0;
}

/* Plans from a heap copy of exactly head_len bytes, so ASan sees any read past the end. */
static int plan_sized(size_t head_len, u64 file_size)
{
	u8 *buf = malloc(head_len ? head_len : 1);
	int ret;

	assert_non_null(buf);
	memcpy(buf, &img, MIN(head_len, sizeof(img)));
	if (head_len > sizeof(img))
		memset(buf + sizeof(img), 0, head_len - sizeof(img));
	ret = elf_plan(buf, head_len, file_size, &plan, err, sizeof(err));
	free(buf);
	return ret;
}

static int run_plan(void)
{
	return plan_sized(sizeof(img), FILE_SIZE);
}

static void expect_error(const char *msg)
{
	assert_int_equal(run_plan(), -1);
	assert_string_equal(err, msg);
}

static void test_good_image(void **state)
{
	assert_int_equal(run_plan(), 0);
	assert_string_equal(err, "");
	assert_int_equal(plan.load_count, 3);
	assert_int_equal(plan.span_base, 0x200000);
	assert_int_equal(plan.span_size, 0x14000);
	assert_int_equal(plan.entry, HIGH + 0x201010);
	assert_int_equal(plan.loads[0].paddr, 0x200000);
	assert_int_equal(plan.loads[2].memsz, 0x10000);
	assert_int_equal(plan.loads[2].index, 2);
	assert_ptr_equal(elf_find_load(&plan, HIGH + 0x204800, 8), &plan.loads[2]);
	assert_null(elf_find_load(&plan, HIGH + 0x214000, 1));
	assert_null(elf_find_load(&plan, HIGH + 0x213fff, 2));
}

static void test_loads_sorted_by_paddr(void **state)
{
	struct elf64_phdr first = img.ph[0];

	img.ph[0] = img.ph[2];
	img.ph[2] = first;
	assert_int_equal(run_plan(), 0);
	assert_int_equal(plan.loads[0].paddr, 0x200000);
	assert_int_equal(plan.loads[0].index, 2);
	assert_int_equal(plan.loads[2].paddr, 0x204000);
}

static void test_short_files(void **state)
{
	assert_int_equal(plan_sized(0, 0), -1);
	assert_string_equal(err, "file is 0 bytes, too short for an ELF header");
	assert_int_equal(plan_sized(63, 63), -1);
	assert_string_equal(err, "file is 63 bytes, too short for an ELF header");
	assert_int_equal(plan_sized(64, 64), -1);
	assert_string_equal(err,
			    "program headers at 0x40 (224 bytes) lie outside the file (64 bytes)");
	assert_int_equal(plan_sized(100, FILE_SIZE), -1);
	assert_string_equal(err, "program headers at 0x40 lie beyond the first 100 bytes");
	assert_int_equal(plan_sized(sizeof(img), 100), -1);
	assert_string_equal(err, "read 4544 bytes of a 100-byte file");
}

static void test_ident_fields(void **state)
{
	img.eh.e_ident[1] = 'X';
	expect_error("not an ELF file (magic 7f 58 4c 46)");
	setup(state);
	img.eh.e_ident[EI_CLASS] = 1;
	expect_error("bad ELF header: EI_CLASS is 1, want 2 (64-bit)");
	setup(state);
	img.eh.e_ident[EI_DATA] = 2;
	expect_error("bad ELF header: EI_DATA is 2, want 1 (little endian)");
	setup(state);
	img.eh.e_ident[EI_VERSION] = 0;
	expect_error("bad ELF header: EI_VERSION is 0, want 1");
}

static void test_header_fields(void **state)
{
	img.eh.e_version = 7;
	expect_error("bad ELF header: e_version is 7, want 1");
	setup(state);
	img.eh.e_machine = 3;
	expect_error("bad ELF header: e_machine is 3, want 62 (x86-64)");
	setup(state);
	img.eh.e_type = 3;
	expect_error("bad ELF header: e_type is 3, want 2 (executable)");
	setup(state);
	img.eh.e_ehsize = 52;
	expect_error("bad ELF header: e_ehsize is 52, want 64");
	setup(state);
	img.eh.e_phentsize = 32;
	expect_error("bad ELF header: e_phentsize is 32, want 56");
	setup(state);
	img.eh.e_phnum = 0;
	expect_error("bad ELF header: no program headers");
	setup(state);
	img.eh.e_phnum = 0xffff;
	expect_error("bad ELF header: e_phnum is 65535, at most 64");
	setup(state);
	img.eh.e_phoff = ~0ULL - 8;
	expect_error("program headers at 0xfffffffffffffff7 (224 bytes) lie outside the file "
		     "(32768 bytes)");
}

static void test_segment_fields(void **state)
{
	img.ph[1].p_filesz = 0x4000;
	expect_error("segment 1: p_filesz 0x4000 is larger than p_memsz 0x3000");
	setup(state);
	img.ph[1].p_offset = FILE_SIZE - 0x1000;
	expect_error("segment 1: file bytes [0x7000, +0x3000) lie outside the file (32768 bytes)");
	setup(state);
	img.ph[2].p_offset = ~0ULL - 0x10;
	expect_error("segment 2: file bytes [0xffffffffffffffef, +0x800) lie outside the file "
		     "(32768 bytes)");
	setup(state);
	img.ph[2].p_memsz = ELF_SPAN_MAX + 1;
	expect_error("segment 2: p_memsz 0x4000001 is larger than 64 MiB");
	setup(state);
	img.ph[2].p_vaddr = ~0ULL - 0x100;
	expect_error("segment 2: address range wraps around");
	setup(state);
	img.ph[2].p_paddr = 0x204800;
	expect_error("segment 2: p_vaddr 0xffffffff80204000 and p_paddr 0x204800 differ in page "
		     "offset");
}

static void test_load_counts(void **state)
{
	img.ph[0].p_type = img.ph[1].p_type = img.ph[2].p_type = 6;
	expect_error("no PT_LOAD segments");
	setup(state);
	img.eh.e_phnum = ELF_LOADS_MAX + 1;
	for (int i = 0; i <= ELF_LOADS_MAX; i++)
		set_load(i, 0x1000, 0x200000 + i * 0x1000, HIGH + 0x200000 + i * 0x1000, 0x10, 0x10,
			 PF_R | PF_X);
	expect_error("more than 16 PT_LOAD segments");
	/* Empty PT_LOADs take no slot. */
	img.ph[ELF_LOADS_MAX].p_memsz = img.ph[ELF_LOADS_MAX].p_filesz = 0;
	img.eh.e_entry = HIGH + 0x200000;
	assert_int_equal(run_plan(), 0);
	assert_int_equal(plan.load_count, ELF_LOADS_MAX);
}

static void test_overlaps(void **state)
{
	img.ph[2].p_paddr = 0x203000;
	img.ph[2].p_vaddr = HIGH + 0x210000;
	expect_error("segments 1 and 2 overlap in physical memory");
	setup(state);
	img.ph[2].p_vaddr = HIGH + 0x203000;
	expect_error("segments 1 and 2 overlap in virtual memory");
	setup(state);
	/* Touching the same page, but at different physical offsets. */
	img.ph[1].p_memsz = img.ph[1].p_filesz = 0x3400;
	img.ph[2].p_paddr = 0x208800;
	img.ph[2].p_vaddr = HIGH + 0x204800;
	expect_error("segments 1 and 2 share a page at different physical offsets");
	setup(state);
	/* Sharing a page at the same offset is what linkers do, and fine. */
	img.ph[1].p_memsz = img.ph[1].p_filesz = 0x2800;
	img.ph[2].p_paddr = 0x203800;
	img.ph[2].p_vaddr = HIGH + 0x203800;
	assert_int_equal(run_plan(), 0);
}

static void test_span(void **state)
{
	img.ph[2].p_paddr = 0x200000 + ELF_SPAN_MAX;
	img.ph[2].p_vaddr = HIGH + 0x200000 + ELF_SPAN_MAX;
	expect_error("segments span 0x4010000 bytes of physical memory, at most 64 MiB");
	setup(state);
	img.ph[0].p_paddr = img.ph[0].p_vaddr = 0x1ff800;
	expect_error("lowest segment's p_paddr 0x1ff800 is not page aligned");
}

static void test_entry(void **state)
{
	img.eh.e_entry = HIGH + 0x204010;
	expect_error("e_entry 0xffffffff80204010 is not inside an executable segment");
	setup(state);
	img.eh.e_entry = 0x1000;
	expect_error("e_entry 0x1000 is not inside an executable segment");
	setup(state);
	img.ph[1].p_filesz = 0x10;
	img.eh.e_entry = HIGH + 0x201100;
	expect_error("e_entry 0xffffffff80201100 is not inside an executable segment");
	setup(state);
	img.eh.e_entry = 0x200000;
	assert_int_equal(run_plan(), 0);
}

static void test_garbage_never_crashes(void **state)
{
	unsigned int seed = 4242;

	for (int round = 0; round < 20000; round++) {
		u8 *bytes = (u8 *)&img;
		int flips = 1 + rand_r(&seed) % 4;

		setup(state);
		for (int i = 0; i < flips; i++) {
			/* Mostly the header and the first program headers, where checks live. */
			size_t at =
				(size_t)rand_r(&seed) % (sizeof(img.eh) + 4 * sizeof(img.ph[0]));

			bytes[at] = (u8)rand_r(&seed);
		}
		if (run_plan()) {
			assert_true(err[0] != '\0');
			continue;
		}
		assert_true(plan.load_count >= 1 && plan.load_count <= ELF_LOADS_MAX);
		assert_true(plan.span_size <= ELF_SPAN_MAX);
		for (u32 i = 0; i < plan.load_count; i++) {
			assert_true(plan.loads[i].filesz <= plan.loads[i].memsz);
			assert_true(plan.loads[i].offset + plan.loads[i].filesz <= FILE_SIZE);
			assert_true(plan.loads[i].paddr >= plan.span_base);
		}
		assert_non_null(elf_find_load(&plan, plan.entry, 1));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_good_image, setup),
		cmocka_unit_test_setup(test_loads_sorted_by_paddr, setup),
		cmocka_unit_test_setup(test_short_files, setup),
		cmocka_unit_test_setup(test_ident_fields, setup),
		cmocka_unit_test_setup(test_header_fields, setup),
		cmocka_unit_test_setup(test_segment_fields, setup),
		cmocka_unit_test_setup(test_load_counts, setup),
		cmocka_unit_test_setup(test_overlaps, setup),
		cmocka_unit_test_setup(test_span, setup),
		cmocka_unit_test_setup(test_entry, setup),
		cmocka_unit_test_setup(test_garbage_never_crashes, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
