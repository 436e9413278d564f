/* SPDX-License-Identifier: GPL-2.0-only */
/* ELF64 structures the loader reads, and the checker that plans where keel.elf goes. */
#ifndef BOOT_ELF_H
#define BOOT_ELF_H

#include <keel/types.h>

/* System V ABI, gABI ch. 4 "ELF Header" (e_ident, e_type, e_version). */
#define ELF_MAG0    0x7f
#define ELF_MAG1    'E'
#define ELF_MAG2    'L'
#define ELF_MAG3    'F'
#define EI_CLASS    4
#define EI_DATA	    5
#define EI_VERSION  6
#define EI_NIDENT   16
#define ELFCLASS64  2
#define ELFDATA2LSB 1
#define EV_CURRENT  1
#define ET_EXEC	    2
/* System V ABI AMD64 psABI, sec. 4.1.1 "Machine Information": e_machine for x86-64. */
#define EM_X86_64 62
/* gABI ch. 5 "Program Header": p_type and p_flags values. */
#define PT_LOAD 1
#define PF_X	0x1
#define PF_W	0x2
#define PF_R	0x4

struct elf64_ehdr {
	u8 e_ident[EI_NIDENT];
	u16 e_type;
	u16 e_machine;
	u32 e_version;
	u64 e_entry;
	u64 e_phoff;
	u64 e_shoff;
	u32 e_flags;
	u16 e_ehsize;
	u16 e_phentsize;
	u16 e_phnum;
	u16 e_shentsize;
	u16 e_shnum;
	u16 e_shstrndx;
};

struct elf64_phdr {
	u32 p_type;
	u32 p_flags;
	u64 p_offset;
	u64 p_vaddr;
	u64 p_paddr;
	u64 p_filesz;
	u64 p_memsz;
	u64 p_align;
};

/* Keel's own limits on what it is willing to load. */
#define ELF_PHNUM_MAX 64	    /* program headers in all */
#define ELF_LOADS_MAX 16	    /* PT_LOAD segments */
#define ELF_SPAN_MAX  (64ULL << 20) /* [lowest p_paddr, highest p_paddr + p_memsz) */
#define ELF_ERROR_MAX 160

struct elf_load {
	u64 offset; /* in the file */
	u64 filesz;
	u64 memsz;
	u64 vaddr;
	u64 paddr;
	u32 flags; /* PF_* */
	u32 index; /* program header number, for messages */
};

struct elf_plan {
	u64 entry;     /* e_entry, a virtual address */
	u64 span_base; /* lowest p_paddr */
	u64 span_size; /* bytes up to the end of the highest segment in memory */
	u32 load_count;
	struct elf_load loads[ELF_LOADS_MAX]; /* sorted by p_paddr */
};

/*
 * Check the ELF header and program headers of an executable of file_size bytes whose first
 * head_len bytes are at head (they must include the program header table), and plan its loading.
 * Returns 0, or -1 with a one-line reason in err.
 */
int elf_plan(const void *head, size_t head_len, u64 file_size, struct elf_plan *plan, char *err,
	     size_t err_size);

/* The segment holding virtual address va in the first len bytes of its memory image, or NULL. */
const struct elf_load *elf_find_load(const struct elf_plan *plan, u64 va, u64 len);

#endif
