/* SPDX-License-Identifier: GPL-2.0-only */
/* The real-mode instruction decoder: legacy prefixes, 16- and 32-bit ModRM/SIB, a few opcodes. */
#include "decode.h"

/* Legacy prefixes (SDM Vol. 2A, 2.1.1). */
#define PFX_OPSIZE   0x66
#define PFX_ADDRSIZE 0x67
#define PFX_LOCK     0xf0
#define PFX_REPNE    0xf2
#define PFX_REP	     0xf3
#define OPC_TWO_BYTE 0x0f
#define OPC_HLT	     0xf4

#define REG_BX	     3
#define REG_SI	     6
#define REG_DI	     7

/* A cursor over the instruction bytes that stops at the end of the input or at 15 bytes. */
struct cursor {
	const u8 *bytes;
	unsigned int avail, pos;
	enum emul_decode_result err;
};

static bool next(struct cursor *c, u8 *out)
{
	if (c->pos >= EMUL_INSN_MAX) {
		c->err = EMUL_DECODE_TOO_LONG;
		return false;
	}
	if (c->pos >= c->avail) {
		c->err = EMUL_DECODE_TRUNCATED;
		return false;
	}
	*out = c->bytes[c->pos++];
	return true;
}

static bool next_disp(struct cursor *c, unsigned int size, s32 *out)
{
	u32 v = 0;
	u8 b;

	for (unsigned int i = 0; i < size; i++) {
		if (!next(c, &b))
			return false;
		v |= (u32)b << (8 * i);
	}
	if (size == 1)
		*out = (s8)v;
	else if (size == 2)
		*out = (s16)v;
	else
		*out = (s32)v;
	return true;
}

/* The segment-override prefixes 26 2E 36 3E 64 65 name ES CS SS DS FS GS. */
static int seg_prefix(u8 b)
{
	switch (b) {
	case 0x26:
		return 0;
	case 0x2e:
		return 1;
	case 0x36:
		return 2;
	case 0x3e:
		return 3;
	case 0x64:
		return 4;
	case 0x65:
		return 5;
	default:
		return -1;
	}
}

/*
 * 16-bit addressing (SDM Vol. 2A, table 2-1): rm picks BX+SI, BX+DI, BP+SI, BP+DI, SI, DI, BP
 * or BX; mod 0 with rm 6 is a bare disp16. BP-based forms default to SS.
 */
static bool modrm16(struct cursor *c, struct emul_insn *in)
{
	static const u8 bases[8] = { REG_BX,	    REG_BX,	   EMUL_REG_BP, EMUL_REG_BP,
				     EMUL_REG_NONE, EMUL_REG_NONE, EMUL_REG_BP, REG_BX };
	static const u8 indexes[8] = { REG_SI, REG_DI, REG_SI,	      REG_DI,
				       REG_SI, REG_DI, EMUL_REG_NONE, EMUL_REG_NONE };
	struct emul_mem *m = &in->mem;

	m->base = bases[in->rm];
	m->index = indexes[in->rm];
	m->scale = 1;
	if (in->mod == 0 && in->rm == 6) {
		m->base = EMUL_REG_NONE;
		return next_disp(c, 2, &m->disp);
	}
	if (m->base == EMUL_REG_BP)
		m->seg = EMUL_SEG_SS;
	if (in->mod == 1)
		return next_disp(c, 1, &m->disp);
	if (in->mod == 2)
		return next_disp(c, 2, &m->disp);
	return true;
}

/*
 * 32-bit addressing (tables 2-2 and 2-3): rm 4 takes a SIB byte (index 4 means none, base 5
 * with mod 0 a bare disp32), rm 5 with mod 0 is a bare disp32. ESP- and EBP-based forms default
 * to SS.
 */
static bool modrm32(struct cursor *c, struct emul_insn *in)
{
	struct emul_mem *m = &in->mem;
	u8 sib;

	m->base = in->rm;
	m->index = EMUL_REG_NONE;
	m->scale = 1;
	if (in->rm == 4) {
		if (!next(c, &sib))
			return false;
		m->base = sib & 7;
		m->index = (sib >> 3) & 7;
		m->scale = 1 << (sib >> 6);
		if (m->index == EMUL_REG_SP)
			m->index = EMUL_REG_NONE;
		if (m->base == EMUL_REG_BP && in->mod == 0) {
			m->base = EMUL_REG_NONE;
			return next_disp(c, 4, &m->disp);
		}
	} else if (in->rm == 5 && in->mod == 0) {
		m->base = EMUL_REG_NONE;
		return next_disp(c, 4, &m->disp);
	}
	if (m->base == EMUL_REG_SP || m->base == EMUL_REG_BP)
		m->seg = EMUL_SEG_SS;
	if (in->mod == 1)
		return next_disp(c, 1, &m->disp);
	if (in->mod == 2)
		return next_disp(c, 4, &m->disp);
	return true;
}

static bool modrm(struct cursor *c, struct emul_insn *in, int seg_override)
{
	u8 b;
	bool ok;

	if (!next(c, &b))
		return false;
	in->has_modrm = true;
	in->mod = b >> 6;
	in->reg = (b >> 3) & 7;
	in->rm = b & 7;
	in->is_mem = in->mod != 3;
	if (!in->is_mem)
		return true;
	in->mem.seg = EMUL_SEG_DS;
	ok = in->addr32 ? modrm32(c, in) : modrm16(c, in);
	if (seg_override >= 0)
		in->mem.seg = (u8)seg_override;
	return ok;
}

/* 0F 01: the group-7 instructions by their reg field; register forms are other instructions. */
static enum emul_op group7(const struct emul_insn *in)
{
	switch (in->reg) {
	case 2:
		if (!in->is_mem)
			return in->rm == 1 ? EMUL_OP_XSETBV : EMUL_OP_NONE;
		return EMUL_OP_LGDT;
	case 3:
		return in->is_mem ? EMUL_OP_LIDT : EMUL_OP_NONE;
	case 6:
		return EMUL_OP_LMSW;
	case 7:
		return in->is_mem ? EMUL_OP_INVLPG : EMUL_OP_NONE;
	default:
		return EMUL_OP_NONE;
	}
}

static enum emul_op two_byte(struct cursor *c, struct emul_insn *in, int seg_override)
{
	u8 op;

	if (!next(c, &op))
		return EMUL_OP_NONE;
	switch (op) {
	case 0x01:
		return modrm(c, in, seg_override) ? group7(in) : EMUL_OP_NONE;
	case 0x06:
		return EMUL_OP_CLTS;
	case 0x08:
		return EMUL_OP_INVD;
	case 0x09:
		return EMUL_OP_WBINVD;
	case 0x20:
	case 0x22:
		/* MOV to/from CRn always names a register: mod is ignored (SDM MOV-Move to/from
		 * CRn). */
		if (!modrm(c, in, seg_override))
			return EMUL_OP_NONE;
		in->is_mem = false;
		return op == 0x20 ? EMUL_OP_MOV_FROM_CR : EMUL_OP_MOV_TO_CR;
	case 0x30:
		return EMUL_OP_WRMSR;
	case 0x32:
		return EMUL_OP_RDMSR;
	default:
		return EMUL_OP_NONE;
	}
}

enum emul_decode_result emul_decode16(const u8 *bytes, unsigned int avail, struct emul_insn *insn)
{
	struct cursor c = { .bytes = bytes, .avail = avail, .err = EMUL_DECODE_OK };
	struct emul_insn in = { .op = EMUL_OP_NONE };
	int seg_override = -1;
	u8 b;

	for (;;) {
		if (!next(&c, &b))
			return c.err;
		if (b == PFX_OPSIZE)
			in.op32 = true;
		else if (b == PFX_ADDRSIZE)
			in.addr32 = true;
		else if (seg_prefix(b) >= 0)
			seg_override = seg_prefix(b);
		else if (b == PFX_LOCK)
			return EMUL_DECODE_UNKNOWN; /* #UD with any of these instructions */
		else if (b != PFX_REP && b != PFX_REPNE)
			break;
	}
	if (b == OPC_HLT)
		in.op = EMUL_OP_HLT;
	else if (b == OPC_TWO_BYTE)
		in.op = two_byte(&c, &in, seg_override);
	if (c.err != EMUL_DECODE_OK)
		return c.err;
	if (in.op == EMUL_OP_NONE)
		return EMUL_DECODE_UNKNOWN;
	in.len = (u8)c.pos;
	*insn = in;
	return EMUL_DECODE_OK;
}

u32 emul_mem_offset(const struct emul_insn *insn, const u64 *gprs)
{
	const struct emul_mem *m = &insn->mem;
	u32 off = (u32)m->disp;

	if (m->base != EMUL_REG_NONE)
		off += (u32)gprs[m->base];
	if (m->index != EMUL_REG_NONE)
		off += (u32)gprs[m->index] * m->scale;
	return insn->addr32 ? off : (off & 0xffff);
}
