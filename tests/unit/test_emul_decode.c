/* SPDX-License-Identifier: GPL-2.0-only */
/* Hosted tests of the real-mode decoder: prefixes, 16- and 32-bit ModRM, lengths, refusals. */
#include <vmm/emul/decode.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#define ES 0
#define CS 1
#define SS 2
#define DS 3
#define FS 4

/* x86 register numbers */
#define AX 0
#define CX 1
#define DX 2
#define BX 3
#define SP 4
#define BP 5
#define SI 6
#define DI 7

static struct emul_insn decode_ok(const u8 *bytes, unsigned int n)
{
	struct emul_insn in;

	assert_int_equal(emul_decode16(bytes, n, &in), EMUL_DECODE_OK);
	return in;
}

#define DECODE(...)                                     \
	({                                              \
		static const u8 b_[] = { __VA_ARGS__ }; \
		decode_ok(b_, sizeof(b_));              \
	})

static void test_no_operand(void **state)
{
	assert_int_equal(DECODE(0xf4).op, EMUL_OP_HLT);
	assert_int_equal(DECODE(0xf4).len, 1);
	assert_int_equal(DECODE(0x0f, 0x06).op, EMUL_OP_CLTS);
	assert_int_equal(DECODE(0x0f, 0x08).op, EMUL_OP_INVD);
	assert_int_equal(DECODE(0x0f, 0x09).op, EMUL_OP_WBINVD);
	assert_int_equal(DECODE(0x0f, 0x30).op, EMUL_OP_WRMSR);
	assert_int_equal(DECODE(0x0f, 0x32).op, EMUL_OP_RDMSR);
	assert_int_equal(DECODE(0x0f, 0x32).len, 2);
	/* REP is ignored, and counts in the length */
	assert_int_equal(DECODE(0xf3, 0xf4).len, 2);
}

static void test_mov_cr(void **state)
{
	struct emul_insn in = DECODE(0x0f, 0x20, 0xc0); /* mov %cr0, %eax */

	assert_int_equal(in.op, EMUL_OP_MOV_FROM_CR);
	assert_int_equal(in.reg, 0);
	assert_int_equal(in.rm, AX);
	assert_int_equal(in.len, 3);
	in = DECODE(0x0f, 0x22, 0xdb); /* mov %ebx, %cr3 */
	assert_int_equal(in.op, EMUL_OP_MOV_TO_CR);
	assert_int_equal(in.reg, 3);
	assert_int_equal(in.rm, BX);
	/* mod is ignored: 0x20 (mod 0) still names %eax, and no displacement follows */
	in = DECODE(0x0f, 0x22, 0x20);
	assert_int_equal(in.reg, 4);
	assert_false(in.is_mem);
	assert_int_equal(in.len, 3);
	/* 0x66 changes nothing but the length */
	assert_int_equal(DECODE(0x66, 0x0f, 0x22, 0xc0).len, 4);
}

static void test_modrm16(void **state)
{
	u64 gprs[8] = { [BX] = 0x1000, [SI] = 0x20, [DI] = 0x300, [BP] = 0xfff0 };
	struct emul_insn in = DECODE(0x0f, 0x01, 0x16, 0x34, 0x12); /* lgdt 0x1234 */

	assert_int_equal(in.op, EMUL_OP_LGDT);
	assert_int_equal(in.len, 5);
	assert_true(in.is_mem);
	assert_int_equal(in.mem.seg, DS);
	assert_int_equal(emul_mem_offset(&in, gprs), 0x1234);
	in = DECODE(0x0f, 0x01, 0x18); /* lidt (%bx,%si) */
	assert_int_equal(in.op, EMUL_OP_LIDT);
	assert_int_equal(emul_mem_offset(&in, gprs), 0x1020);
	assert_int_equal(in.mem.seg, DS);
	in = DECODE(0x0f, 0x01, 0x56, 0x20); /* lgdt 0x20(%bp): SS, wraps at 64 KiB */
	assert_int_equal(in.mem.seg, SS);
	assert_int_equal(in.len, 4);
	assert_int_equal(emul_mem_offset(&in, gprs), 0x10);
	in = DECODE(0x0f, 0x01, 0x5b, 0xfe); /* lidt -2(%bp,%di) */
	assert_int_equal(in.mem.seg, SS);
	assert_int_equal(emul_mem_offset(&in, gprs), (0xfff0 + 0x300 - 2) & 0xffff);
	in = DECODE(0x26, 0x0f, 0x01, 0x97, 0x00, 0x01); /* lgdt %es:0x100(%bx) */
	assert_int_equal(in.mem.seg, ES);
	assert_int_equal(in.len, 6);
	assert_int_equal(emul_mem_offset(&in, gprs), 0x1100);
	in = DECODE(0x64, 0x0f, 0x01, 0x56, 0x00); /* override beats the BP default */
	assert_int_equal(in.mem.seg, FS);
}

static void test_modrm32(void **state)
{
	u64 gprs[8] = { [AX] = 0x10000, [CX] = 3, [SP] = 0x7000, [BP] = 0x9000 };
	/* 67 66 lgdtl 8(%esp): SIB, disp8, SS */
	struct emul_insn in = DECODE(0x67, 0x66, 0x0f, 0x01, 0x54, 0x24, 0x08);

	assert_int_equal(in.op, EMUL_OP_LGDT);
	assert_true(in.op32);
	assert_true(in.addr32);
	assert_int_equal(in.len, 7);
	assert_int_equal(in.mem.seg, SS);
	assert_int_equal(emul_mem_offset(&in, gprs), 0x7008);
	/* lidt 0x12345678: mod 0 rm 5 is a bare disp32 */
	in = DECODE(0x67, 0x0f, 0x01, 0x1d, 0x78, 0x56, 0x34, 0x12);
	assert_int_equal(in.len, 8);
	assert_int_equal(in.mem.seg, DS);
	assert_int_equal(emul_mem_offset(&in, gprs), 0x12345678);
	/* lgdt 0x10(%eax,%ecx,4) */
	in = DECODE(0x67, 0x0f, 0x01, 0x54, 0x88, 0x10);
	assert_int_equal(emul_mem_offset(&in, gprs), 0x10000 + 12 + 0x10);
	/* SIB base 5 with mod 0: disp32 and no base; index 4: none */
	in = DECODE(0x67, 0x0f, 0x01, 0x14, 0x25, 0x00, 0x20, 0x00, 0x00);
	assert_int_equal(in.len, 9);
	assert_int_equal(in.mem.seg, DS);
	assert_int_equal(emul_mem_offset(&in, gprs), 0x2000);
	/* disp32 off %ebp: SS */
	in = DECODE(0x67, 0x0f, 0x01, 0x95, 0x00, 0x01, 0x00, 0x00);
	assert_int_equal(in.mem.seg, SS);
	assert_int_equal(emul_mem_offset(&in, gprs), 0x9100);
}

static void test_group7(void **state)
{
	u64 gprs[8] = { [BX] = 0x40 };
	struct emul_insn in = DECODE(0x0f, 0x01, 0xf0); /* lmsw %ax */

	assert_int_equal(in.op, EMUL_OP_LMSW);
	assert_false(in.is_mem);
	assert_int_equal(in.rm, AX);
	in = DECODE(0x0f, 0x01, 0x37); /* lmsw (%bx) */
	assert_int_equal(in.op, EMUL_OP_LMSW);
	assert_true(in.is_mem);
	assert_int_equal(emul_mem_offset(&in, gprs), 0x40);
	assert_int_equal(DECODE(0x0f, 0x01, 0x3f).op, EMUL_OP_INVLPG); /* invlpg (%bx) */
	assert_int_equal(DECODE(0x0f, 0x01, 0xd1).op, EMUL_OP_XSETBV);
	assert_int_equal(DECODE(0x0f, 0x01, 0xd1).len, 3);
}

static void test_refused(void **state)
{
	static const u8 ud2[] = { 0x0f, 0x0b };
	static const u8 vmcall[] = { 0x0f, 0x01, 0xc1 }; /* group 7 reg 0, register form */
	static const u8 xgetbv[] = { 0x0f, 0x01, 0xd0 }; /* group 7 reg 2, register form */
	static const u8 lock_hlt[] = { 0xf0, 0xf4 };
	static const u8 mov_dr[] = { 0x0f, 0x21, 0xc0 };
	static const u8 nop[] = { 0x90 };
	static const u8 short_disp[] = { 0x0f, 0x01, 0x16, 0x34 };
	static const u8 short_sib[] = { 0x67, 0x0f, 0x01, 0x14 };
	static const u8 only_prefixes[] = { 0x66, 0x67 };
	u8 long_insn[EMUL_INSN_MAX + 1];
	struct emul_insn in;

	assert_int_equal(emul_decode16(ud2, sizeof(ud2), &in), EMUL_DECODE_UNKNOWN);
	assert_int_equal(emul_decode16(vmcall, sizeof(vmcall), &in), EMUL_DECODE_UNKNOWN);
	assert_int_equal(emul_decode16(xgetbv, sizeof(xgetbv), &in), EMUL_DECODE_UNKNOWN);
	assert_int_equal(emul_decode16(lock_hlt, sizeof(lock_hlt), &in), EMUL_DECODE_UNKNOWN);
	assert_int_equal(emul_decode16(mov_dr, sizeof(mov_dr), &in), EMUL_DECODE_UNKNOWN);
	assert_int_equal(emul_decode16(nop, sizeof(nop), &in), EMUL_DECODE_UNKNOWN);
	assert_int_equal(emul_decode16(short_disp, sizeof(short_disp), &in), EMUL_DECODE_TRUNCATED);
	assert_int_equal(emul_decode16(short_sib, sizeof(short_sib), &in), EMUL_DECODE_TRUNCATED);
	assert_int_equal(emul_decode16(only_prefixes, sizeof(only_prefixes), &in),
			 EMUL_DECODE_TRUNCATED);
	assert_int_equal(emul_decode16(NULL, 0, &in), EMUL_DECODE_TRUNCATED);
	/* 14 prefixes and HLT is 15 bytes; one more prefix is too long */
	for (unsigned int i = 0; i < EMUL_INSN_MAX; i++)
		long_insn[i] = 0x66;
	long_insn[EMUL_INSN_MAX - 1] = 0xf4;
	assert_int_equal(emul_decode16(long_insn, EMUL_INSN_MAX, &in), EMUL_DECODE_OK);
	assert_int_equal(in.len, EMUL_INSN_MAX);
	long_insn[EMUL_INSN_MAX - 1] = 0x66;
	long_insn[EMUL_INSN_MAX] = 0xf4;
	assert_int_equal(emul_decode16(long_insn, sizeof(long_insn), &in), EMUL_DECODE_TOO_LONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_operand), cmocka_unit_test(test_mov_cr),
		cmocka_unit_test(test_modrm16),	   cmocka_unit_test(test_modrm32),
		cmocka_unit_test(test_group7),	   cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
