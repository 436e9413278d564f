/* SPDX-License-Identifier: GPL-2.0-only */
/* Checks keel.elf's headers and plans its segments: pure C, no EFI, hosted-testable. */
#include <arch/layout.h>
#include "elf.h"
#include "fmt.h"

struct elf_ctx {
	char *err;
	size_t err_size;
};

static int fail(struct elf_ctx *c, const char *fmt, ...) __printf(2, 3);

static int fail(struct elf_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(c->err, c->err_size, fmt, ap);
	va_end(ap);
	return -1;
}

/* Whether [off, off + len) lies inside [0, limit), without overflowing. */
static bool range_inside(u64 off, u64 len, u64 limit)
{
	return off <= limit && len <= limit - off;
}

static bool ranges_overlap(u64 a, u64 alen, u64 b, u64 blen)
{
	return a < b + blen && b < a + alen;
}

static int check_ident(struct elf_ctx *c, const struct elf64_ehdr *eh)
{
	const u8 *id = eh->e_ident;

	if (id[0] != ELF_MAG0 || id[1] != ELF_MAG1 || id[2] != ELF_MAG2 || id[3] != ELF_MAG3)
		return fail(c, "not an ELF file (magic %02x %02x %02x %02x)", id[0], id[1], id[2],
			    id[3]);
	if (id[EI_CLASS] != ELFCLASS64)
		return fail(c, "bad ELF header: EI_CLASS is %u, want %u (64-bit)", id[EI_CLASS],
			    ELFCLASS64);
	if (id[EI_DATA] != ELFDATA2LSB)
		return fail(c, "bad ELF header: EI_DATA is %u, want %u (little endian)",
			    id[EI_DATA], ELFDATA2LSB);
	if (id[EI_VERSION] != EV_CURRENT)
		return fail(c, "bad ELF header: EI_VERSION is %u, want %u", id[EI_VERSION],
			    EV_CURRENT);
	return 0;
}

static int check_ehdr(struct elf_ctx *c, const struct elf64_ehdr *eh, size_t head_len,
		      u64 file_size)
{
	u64 ph_bytes;

	if (check_ident(c, eh))
		return -1;
	if (eh->e_version != EV_CURRENT)
		return fail(c, "bad ELF header: e_version is %u, want %u", eh->e_version,
			    EV_CURRENT);
	if (eh->e_machine != EM_X86_64)
		return fail(c, "bad ELF header: e_machine is %u, want %u (x86-64)", eh->e_machine,
			    EM_X86_64);
	if (eh->e_type != ET_EXEC)
		return fail(c, "bad ELF header: e_type is %u, want %u (executable)", eh->e_type,
			    ET_EXEC);
	if (eh->e_ehsize != sizeof(struct elf64_ehdr))
		return fail(c, "bad ELF header: e_ehsize is %u, want %zu", eh->e_ehsize,
			    sizeof(struct elf64_ehdr));
	if (eh->e_phentsize != sizeof(struct elf64_phdr))
		return fail(c, "bad ELF header: e_phentsize is %u, want %zu", eh->e_phentsize,
			    sizeof(struct elf64_phdr));
	if (!eh->e_phnum)
		return fail(c, "bad ELF header: no program headers");
	if (eh->e_phnum > ELF_PHNUM_MAX)
		return fail(c, "bad ELF header: e_phnum is %u, at most %d", eh->e_phnum,
			    ELF_PHNUM_MAX);
	ph_bytes = (u64)eh->e_phnum * sizeof(struct elf64_phdr);
	if (!range_inside(eh->e_phoff, ph_bytes, file_size))
		return fail(
			c,
			"program headers at 0x%llx (%llu bytes) lie outside the file (%llu bytes)",
			(unsigned long long)eh->e_phoff, (unsigned long long)ph_bytes,
			(unsigned long long)file_size);
	if (!range_inside(eh->e_phoff, ph_bytes, head_len))
		return fail(c, "program headers at 0x%llx lie beyond the first %zu bytes",
			    (unsigned long long)eh->e_phoff, head_len);
	return 0;
}

static int check_load(struct elf_ctx *c, const struct elf64_phdr *ph, u32 index, u64 file_size)
{
	if (ph->p_filesz > ph->p_memsz)
		return fail(c, "segment %u: p_filesz 0x%llx is larger than p_memsz 0x%llx", index,
			    (unsigned long long)ph->p_filesz, (unsigned long long)ph->p_memsz);
	if (!range_inside(ph->p_offset, ph->p_filesz, file_size))
		return fail(c,
			    "segment %u: file bytes [0x%llx, +0x%llx) lie outside the file (%llu "
			    "bytes)",
			    index, (unsigned long long)ph->p_offset,
			    (unsigned long long)ph->p_filesz, (unsigned long long)file_size);
	if (ph->p_memsz > ELF_SPAN_MAX)
		return fail(c, "segment %u: p_memsz 0x%llx is larger than %llu MiB", index,
			    (unsigned long long)ph->p_memsz, ELF_SPAN_MAX >> 20);
	if (ph->p_paddr > ~0ULL - ph->p_memsz || ph->p_vaddr > ~0ULL - ph->p_memsz)
		return fail(c, "segment %u: address range wraps around", index);
	if ((ph->p_vaddr ^ ph->p_paddr) & (PAGE_SIZE - 1))
		return fail(
			c, "segment %u: p_vaddr 0x%llx and p_paddr 0x%llx differ in page offset",
			index, (unsigned long long)ph->p_vaddr, (unsigned long long)ph->p_paddr);
	return 0;
}

static int collect_loads(struct elf_ctx *c, const u8 *head, const struct elf64_ehdr *eh,
			 u64 file_size, struct elf_plan *plan)
{
	for (u32 i = 0; i < eh->e_phnum; i++) {
		struct elf64_phdr ph;
		struct elf_load *l;
		u32 n;

		__builtin_memcpy(&ph, head + eh->e_phoff + (u64)i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || !ph.p_memsz)
			continue;
		if (check_load(c, &ph, i, file_size))
			return -1;
		if (plan->load_count == ELF_LOADS_MAX)
			return fail(c, "more than %d PT_LOAD segments", ELF_LOADS_MAX);
		/* Insertion by p_paddr keeps loads[] sorted. */
		for (n = plan->load_count; n > 0 && plan->loads[n - 1].paddr > ph.p_paddr; n--)
			plan->loads[n] = plan->loads[n - 1];
		l = &plan->loads[n];
		l->offset = ph.p_offset;
		l->filesz = ph.p_filesz;
		l->memsz = ph.p_memsz;
		l->vaddr = ph.p_vaddr;
		l->paddr = ph.p_paddr;
		l->flags = ph.p_flags;
		l->index = i;
		plan->load_count++;
	}
	if (!plan->load_count)
		return fail(c, "no PT_LOAD segments");
	return 0;
}

/* Two segments whose pages meet must map them to the same physical pages. */
static int check_pair(struct elf_ctx *c, const struct elf_load *a, const struct elf_load *b)
{
	u64 a_page = ALIGN_DOWN(a->vaddr, PAGE_SIZE);
	u64 a_len = ALIGN_UP(a->vaddr + a->memsz, PAGE_SIZE) - a_page;
	u64 b_page = ALIGN_DOWN(b->vaddr, PAGE_SIZE);
	u64 b_len = ALIGN_UP(b->vaddr + b->memsz, PAGE_SIZE) - b_page;
	u32 lo = MIN(a->index, b->index), hi = MAX(a->index, b->index);

	if (ranges_overlap(a->paddr, a->memsz, b->paddr, b->memsz))
		return fail(c, "segments %u and %u overlap in physical memory", lo, hi);
	if (ranges_overlap(a->vaddr, a->memsz, b->vaddr, b->memsz))
		return fail(c, "segments %u and %u overlap in virtual memory", lo, hi);
	if (ranges_overlap(a_page, a_len, b_page, b_len) &&
	    a->vaddr - a->paddr != b->vaddr - b->paddr)
		return fail(c, "segments %u and %u share a page at different physical offsets", lo,
			    hi);
	return 0;
}

static int check_layout(struct elf_ctx *c, struct elf_plan *plan)
{
	const struct elf_load *first = &plan->loads[0];
	u64 end = 0;

	for (u32 i = 0; i < plan->load_count; i++) {
		for (u32 j = i + 1; j < plan->load_count; j++)
			if (check_pair(c, &plan->loads[i], &plan->loads[j]))
				return -1;
		end = MAX(end, plan->loads[i].paddr + plan->loads[i].memsz);
	}
	if (!IS_ALIGNED(first->paddr, PAGE_SIZE))
		return fail(c, "lowest segment's p_paddr 0x%llx is not page aligned",
			    (unsigned long long)first->paddr);
	if (end - first->paddr > ELF_SPAN_MAX)
		return fail(c, "segments span 0x%llx bytes of physical memory, at most %llu MiB",
			    (unsigned long long)(end - first->paddr), ELF_SPAN_MAX >> 20);
	plan->span_base = first->paddr;
	plan->span_size = end - first->paddr;
	return 0;
}

const struct elf_load *elf_find_load(const struct elf_plan *plan, u64 va, u64 len)
{
	for (u32 i = 0; i < plan->load_count; i++) {
		const struct elf_load *l = &plan->loads[i];

		if (va >= l->vaddr && range_inside(va - l->vaddr, len, l->memsz))
			return l;
	}
	return NULL;
}

int elf_plan(const void *head, size_t head_len, u64 file_size, struct elf_plan *plan, char *err,
	     size_t err_size)
{
	struct elf_ctx c = { .err = err, .err_size = err_size };
	const struct elf_load *l;
	struct elf64_ehdr eh;

	__builtin_memset(plan, 0, sizeof(*plan));
	if (err_size)
		err[0] = '\0';
	if (head_len > file_size)
		return fail(&c, "read %zu bytes of a %llu-byte file", head_len,
			    (unsigned long long)file_size);
	if (head_len < sizeof(eh))
		return fail(&c, "file is %zu bytes, too short for an ELF header", head_len);
	__builtin_memcpy(&eh, head, sizeof(eh));
	if (check_ehdr(&c, &eh, head_len, file_size))
		return -1;
	if (collect_loads(&c, head, &eh, file_size, plan))
		return -1;
	if (check_layout(&c, plan))
		return -1;
	/* The entry must lie in code the file provides, not in an executable segment's .bss. */
	l = elf_find_load(plan, eh.e_entry, 1);
	if (!l || !(l->flags & PF_X) || eh.e_entry - l->vaddr >= l->filesz)
		return fail(&c, "e_entry 0x%llx is not inside an executable segment",
			    (unsigned long long)eh.e_entry);
	plan->entry = eh.e_entry;
	return 0;
}
