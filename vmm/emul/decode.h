/* SPDX-License-Identifier: GPL-2.0-only */
/* The real-mode instruction decoder: prefixes, 16- and 32-bit ModRM, the opcodes Keel emulates. */
#ifndef KEEL_VMM_EMUL_DECODE_H
#define KEEL_VMM_EMUL_DECODE_H

#include <keel/types.h>

/* An instruction is at most 15 bytes, prefixes included (SDM Vol. 2A, 2.3.11). */
#define EMUL_INSN_MAX 15

/* Register and segment numbers are the x86 encodings: enum vcpu_reg and enum vcpu_seg. */
#define EMUL_REG_SP   4
#define EMUL_REG_BP   5
#define EMUL_REG_NONE 0xff
#define EMUL_SEG_SS   2
#define EMUL_SEG_DS   3

/*
 * The instructions a real-mode guest runs natively but Keel's virtual-8086 mode turns into #GP
 * (CPL 3): they are legal at real mode's CPL 0. Everything else is EMUL_OP_NONE.
 */
enum emul_op {
	EMUL_OP_NONE,
	EMUL_OP_MOV_FROM_CR, /* 0F 20 /r */
	EMUL_OP_MOV_TO_CR,   /* 0F 22 /r */
	EMUL_OP_LGDT,	     /* 0F 01 /2, memory */
	EMUL_OP_LIDT,	     /* 0F 01 /3, memory */
	EMUL_OP_LMSW,	     /* 0F 01 /6 */
	EMUL_OP_INVLPG,	     /* 0F 01 /7, memory */
	EMUL_OP_XSETBV,	     /* 0F 01 D1 */
	EMUL_OP_CLTS,	     /* 0F 06 */
	EMUL_OP_INVD,	     /* 0F 08 */
	EMUL_OP_WBINVD,	     /* 0F 09 */
	EMUL_OP_WRMSR,	     /* 0F 30 */
	EMUL_OP_RDMSR,	     /* 0F 32 */
	EMUL_OP_HLT,	     /* F4 */
};

/* A memory operand: seg:(base + index * scale + disp), wrapped to the address size. */
struct emul_mem {
	u8 seg;	  /* the override, else the default of the addressing form */
	u8 base;  /* EMUL_REG_NONE for none */
	u8 index; /* EMUL_REG_NONE for none */
	u8 scale; /* 1, 2, 4 or 8 */
	s32 disp;
};

struct emul_insn {
	enum emul_op op;
	u8 len;
	bool op32;   /* 0x66: 32-bit operand size (the default is 16) */
	bool addr32; /* 0x67: 32-bit addressing */
	u8 mod, reg, rm;
	bool has_modrm;
	bool is_mem; /* the ModRM names memory (mod != 3): mem is valid */
	struct emul_mem mem;
};

enum emul_decode_result {
	EMUL_DECODE_OK,
	EMUL_DECODE_UNKNOWN,   /* not one of enum emul_op's instructions */
	EMUL_DECODE_TRUNCATED, /* the bytes ran out before the instruction did */
	EMUL_DECODE_TOO_LONG,  /* more than EMUL_INSN_MAX bytes: #GP on a real CPU */
};

/* Decodes one instruction of 16-bit code (real or virtual-8086 mode) from @avail bytes. */
enum emul_decode_result emul_decode16(const u8 *bytes, unsigned int avail, struct emul_insn *insn);

/* The memory operand's offset in its segment; gprs[] is indexed by the x86 register number. */
u32 emul_mem_offset(const struct emul_insn *insn, const u64 *gprs);

#endif
