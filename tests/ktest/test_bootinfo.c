/* SPDX-License-Identifier: GPL-2.0-only */
/* In-kernel tests of the boot_info the kernel received: header, memory map, kernel, cmdline. */
#include <keel/cmdline.h>
#include <keel/init.h>
#include <keel/ktest.h>
#include <keel/mm.h>

#include <string.h>

KTEST(bootinfo_header)
{
	KTEST_EXPECT_EQ(t, boot_info.magic, BOOT_INFO_MAGIC);
	KTEST_EXPECT_EQ(t, boot_info.version, BOOT_INFO_VERSION);
	KTEST_EXPECT_EQ(t, boot_info.size, sizeof(struct boot_info));
	KTEST_EXPECT(t, boot_info.source == BOOT_SOURCE_UEFI ||
				boot_info.source == BOOT_SOURCE_MULTIBOOT2);
	KTEST_EXPECT(t, boot_info.mmap_count > 0 && boot_info.mmap_count <= BOOT_MMAP_MAX);
	KTEST_EXPECT(t, boot_info.module_count <= BOOT_MODULES_MAX);
}

KTEST(bootinfo_mmap_sorted)
{
	u64 usable = 0;

	for (u32 i = 0; i < boot_info.mmap_count; i++) {
		const struct boot_mmap_entry *e = &boot_info.mmap[i];

		KTEST_EXPECT(t, e->length > 0);
		KTEST_EXPECT(t, e->base + e->length > e->base);
		KTEST_EXPECT(t, e->type >= BOOT_MEM_USABLE && e->type <= BOOT_MEM_LOADER);
		if (i + 1 < boot_info.mmap_count) {
			const struct boot_mmap_entry *n = &boot_info.mmap[i + 1];

			if (e->base + e->length > n->base)
				ktest_diag(t, "entry %u [0x%lx+0x%lx) overlaps the next", i,
					   (unsigned long)e->base, (unsigned long)e->length);
			KTEST_EXPECT(t, e->base + e->length <= n->base);
		}
		if (e->type == BOOT_MEM_USABLE)
			usable += e->length;
	}
	KTEST_EXPECT(t, usable >= (16ULL << 20));
}

/* Every byte of [base, end) is described by map entries of the given kinds. */
static bool covered(u64 base, u64 end)
{
	while (base < end) {
		bool found = false;

		for (u32 i = 0; i < boot_info.mmap_count; i++) {
			const struct boot_mmap_entry *e = &boot_info.mmap[i];

			if (e->type == BOOT_MEM_BAD || e->type == BOOT_MEM_ACPI_NVS ||
			    e->type == BOOT_MEM_ACPI_RECLAIM)
				continue;
			if (base >= e->base && base < e->base + e->length) {
				base = e->base + e->length;
				found = true;
				break;
			}
		}
		if (!found)
			return false;
	}
	return true;
}

KTEST(bootinfo_kernel_range)
{
	u64 kb = boot_info.kernel_phys, ke = kb + boot_info.kernel_size;
	paddr_t self = virt_to_phys(&boot_info);

	KTEST_EXPECT(t, IS_ALIGNED(kb, PAGE_SIZE));
	KTEST_EXPECT(t, boot_info.kernel_size > 0);
	KTEST_EXPECT(t, covered(kb, ke));
	/* The boot_info copy lives in the kernel's .bss, so it lies inside the image. */
	KTEST_EXPECT(t, self >= kb && self + sizeof(boot_info) <= ke);
	for (u32 i = 0; i < boot_info.module_count; i++) {
		const struct boot_module *m = &boot_info.modules[i];

		KTEST_EXPECT(t, IS_ALIGNED(m->base, PAGE_SIZE));
		KTEST_EXPECT(t, covered(m->base, m->base + m->size));
		KTEST_EXPECT(t, memchr(m->name, '\0', sizeof(m->name)) != NULL);
	}
}

KTEST(bootinfo_cmdline)
{
	struct cmdline_opts o;

	KTEST_EXPECT(t, memchr(boot_info.cmdline, '\0', sizeof(boot_info.cmdline)) != NULL);
	/* We are running tests, so the line asked for them; parsing it again agrees with boot. */
	KTEST_EXPECT(t, strstr(boot_info.cmdline, "ktest=") != NULL);
	KTEST_EXPECT_EQ(
		t, cmdline_parse(boot_info.cmdline, sizeof(boot_info.cmdline), &o, NULL, NULL), 0);
	KTEST_EXPECT(t, o.ktest_given && !strcmp(o.ktest, cmdline_opts.ktest));
	KTEST_EXPECT_EQ(t, o.loglevel, cmdline_opts.loglevel);
	KTEST_EXPECT_EQ(t, o.console, cmdline_opts.console);
}
