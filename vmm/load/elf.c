/* SPDX-License-Identifier: GPL-2.0-only */
/* ELF32 and ELF64 guest images: every PT_LOAD segment checked, then copied to its p_paddr. */
#include <vmm/load/load.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* System V gABI ch. 4 "ELF Header" and ch. 5 "Program Header". */
#define ELF_MAGIC     0x464c457fu /* "\x7fELF" read as a little-endian u32 */
#define EI_CLASS      4
#define EI_DATA	      5
#define ELFCLASS32    1
#define ELFCLASS64    2
#define ELFDATA2LSB   1
#define ET_EXEC	      2
#define EM_386	      3
#define EM_X86_64     62
#define PT_LOAD	      1
#define ELF_PHNUM_MAX 64

struct elf32_ehdr {
	u8 e_ident[16];
	u16 e_type, e_machine;
	u32 e_version, e_entry, e_phoff, e_shoff, e_flags;
	u16 e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};

struct elf32_phdr {
	u32 p_type, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_flags, p_align;
};

struct elf64_ehdr {
	u8 e_ident[16];
	u16 e_type, e_machine;
	u32 e_version;
	u64 e_entry, e_phoff, e_shoff;
	u32 e_flags;
	u16 e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};

struct elf64_phdr {
	u32 p_type, p_flags;
	u64 p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
};

/* One program header, whichever class it came from. */
struct seg {
	u32 type;
	u64 offset, paddr, filesz, memsz;
};

static void read_phdr(const u8 *image, bool is64, u64 off, struct seg *s)
{
	if (is64) {
		const struct elf64_phdr *p = (const void *)(image + off);

		*s = (struct seg){ p->p_type, p->p_offset, p->p_paddr, p->p_filesz, p->p_memsz };
	} else {
		const struct elf32_phdr *p = (const void *)(image + off);

		*s = (struct seg){ p->p_type, p->p_offset, p->p_paddr, p->p_filesz, p->p_memsz };
	}
}

static int check_seg(const struct vm *vm, u64 size, const struct seg *s, unsigned int i, char *err,
		     size_t errlen)
{
	if (s->filesz > s->memsz) {
		snprintf(err, errlen, "segment %u: p_filesz %lu above p_memsz %lu", i,
			 (unsigned long)s->filesz, (unsigned long)s->memsz);
		return -ENOEXEC;
	}
	if (s->offset > size || s->filesz > size - s->offset) {
		snprintf(err, errlen, "segment %u: file bytes [0x%lx, +0x%lx) beyond the image", i,
			 (unsigned long)s->offset, (unsigned long)s->filesz);
		return -ENOEXEC;
	}
	if (s->paddr > vm->ram_size || s->memsz > vm->ram_size - s->paddr) {
		snprintf(err, errlen, "segment %u: [0x%lx, +0x%lx) outside guest RAM (%u MiB)", i,
			 (unsigned long)s->paddr, (unsigned long)s->memsz, vm->opt.mem_mib);
		return -ENOEXEC;
	}
	return 0;
}

static int check_header(const u8 *image, u64 size, bool *is64, u64 *phoff, u32 *phnum,
			u32 *phentsize, u64 *entry, char *err, size_t errlen)
{
	const struct elf32_ehdr *h32 = (const void *)image;
	const struct elf64_ehdr *h64 = (const void *)image;
	u32 magic;

	if (size < sizeof(struct elf32_ehdr)) {
		snprintf(err, errlen, "image of %lu bytes is too small for ELF",
			 (unsigned long)size);
		return -ENOEXEC;
	}
	memcpy(&magic, image, sizeof(magic));
	if (magic != ELF_MAGIC || image[EI_DATA] != ELFDATA2LSB) {
		snprintf(err, errlen, "not a little-endian ELF image");
		return -ENOEXEC;
	}
	*is64 = image[EI_CLASS] == ELFCLASS64;
	if (!*is64 && image[EI_CLASS] != ELFCLASS32) {
		snprintf(err, errlen, "unknown ELF class %u", image[EI_CLASS]);
		return -ENOEXEC;
	}
	if (*is64 && size < sizeof(struct elf64_ehdr)) {
		snprintf(err, errlen, "truncated ELF64 header");
		return -ENOEXEC;
	}
	if ((*is64 ? h64->e_type : h32->e_type) != ET_EXEC ||
	    (*is64 ? h64->e_machine != EM_X86_64 : h32->e_machine != EM_386)) {
		snprintf(err, errlen, "not an x86 executable (ET_EXEC, EM_386 or EM_X86_64)");
		return -ENOEXEC;
	}
	*phoff = *is64 ? h64->e_phoff : h32->e_phoff;
	*phnum = *is64 ? h64->e_phnum : h32->e_phnum;
	*phentsize = *is64 ? h64->e_phentsize : h32->e_phentsize;
	*entry = *is64 ? h64->e_entry : h32->e_entry;
	if (*phentsize < (*is64 ? sizeof(struct elf64_phdr) : sizeof(struct elf32_phdr)) ||
	    *phnum == 0 || *phnum > ELF_PHNUM_MAX || *phoff > size ||
	    (u64)*phnum * *phentsize > size - *phoff) {
		snprintf(err, errlen, "bad program header table (%u entries of %u bytes at 0x%lx)",
			 *phnum, *phentsize, (unsigned long)*phoff);
		return -ENOEXEC;
	}
	return 0;
}

int vm_load_elf(struct vm *vm, const void *image, u64 size, u64 *entry, char *err, size_t errlen)
{
	const u8 *img = image;
	u32 phnum, phentsize, loads = 0;
	u64 phoff;
	bool is64;
	struct seg s;
	int ret;

	ret = check_header(img, size, &is64, &phoff, &phnum, &phentsize, entry, err, errlen);
	if (ret)
		return ret;
	/* Check everything before copying anything. */
	for (u32 i = 0; i < phnum; i++) {
		read_phdr(img, is64, phoff + (u64)i * phentsize, &s);
		if (s.type != PT_LOAD)
			continue;
		ret = check_seg(vm, size, &s, i, err, errlen);
		if (ret)
			return ret;
		loads++;
	}
	if (!loads) {
		snprintf(err, errlen, "no PT_LOAD segment");
		return -ENOEXEC;
	}
	for (u32 i = 0; i < phnum; i++) {
		u8 zero[256] = { 0 };

		read_phdr(img, is64, phoff + (u64)i * phentsize, &s);
		if (s.type != PT_LOAD)
			continue;
		vm_write_guest(vm, s.paddr, img + s.offset, s.filesz);
		/* Guest RAM starts zeroed, but an earlier segment may overlap this one's bss. */
		for (u64 off = s.filesz; off < s.memsz; off += sizeof(zero))
			vm_write_guest(vm, s.paddr + off, zero, MIN(sizeof(zero), s.memsz - off));
	}
	if (*entry >= vm->ram_size) {
		snprintf(err, errlen, "entry point 0x%lx outside guest RAM", (unsigned long)*entry);
		return -ENOEXEC;
	}
	return 0;
}
