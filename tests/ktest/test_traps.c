/* SPDX-License-Identifier: GPL-2.0-only */
/* Exception ktests: each vector is raised on purpose, caught by arch_try_call(), and checked. */
#include <keel/ktest.h>
#include <arch/fault.h>
#include <arch/layout.h>
#include <arch/paging.h>
#include <arch/trap.h>

/*
 * Functions written in assembly so the faulting instruction's address is a symbol: ud2 and a
 * divide by zero at the function's first instruction, int3 with a label after it, and one that
 * trashes every callee-saved register before faulting (arch_try_call must restore them).
 */
__asm__(".pushsection .text\n"
	"ktest_ud2:\n"
	"	ud2\n"
	"	ret\n"
	"ktest_divide_zero:\n"
	"	xorl %ecx, %ecx\n"
	"ktest_divide_insn:\n"
	"	divl %ecx\n"
	"	ret\n"
	"ktest_int3:\n"
	"	int3\n"
	"ktest_int3_after:\n"
	"	ret\n"
	"ktest_clobber_and_fault:\n"
	"	movq $-1, %rbx\n"
	"	movq $-1, %rbp\n"
	"	movq $-1, %r12\n"
	"	movq $-1, %r13\n"
	"	movq $-1, %r14\n"
	"	movq $-1, %r15\n"
	"	ud2\n"
	".popsection");

void ktest_ud2(void *arg);
void ktest_divide_zero(void *arg);
void ktest_int3(void *arg);
void ktest_clobber_and_fault(void *arg);
extern char ktest_divide_insn[], ktest_int3_after[];

/* Below the kernel image's first section: in the kernel's slot, never mapped. */
#define UNMAPPED_ADDR	  (KEEL_KERNEL_VIRT_BASE + 0x1234)
#define NONCANONICAL_ADDR 0x8000000000000000UL

static void read_u64(void *p)
{
	(void)*(volatile u64 *)p;
}

static void write_u64(void *p)
{
	*(volatile u64 *)p = 0;
}

static void set_flag(void *p)
{
	*(bool *)p = true;
}

static struct arch_fault expect_fault(struct ktest_ctx *t, void (*fn)(void *), void *arg,
				      u32 vector, u64 error_code)
{
	struct arch_fault f = { 0 };

	KTEST_EXPECT(t, !arch_try_call(fn, arg, &f));
	KTEST_EXPECT_EQ(t, f.vector, vector);
	KTEST_EXPECT_EQ(t, f.error_code, error_code);
	return f;
}

KTEST(traps_try_call_returns)
{
	struct arch_fault f = { 0 };
	bool ran = false;

	KTEST_EXPECT(t, arch_try_call(set_flag, &ran, &f));
	KTEST_EXPECT(t, ran);
}

KTEST(traps_ud)
{
	struct arch_fault f = expect_fault(t, ktest_ud2, NULL, X86_TRAP_UD, 0);

	KTEST_EXPECT_EQ(t, f.rip, (u64)ktest_ud2);
}

KTEST(traps_pf_read_unmapped)
{
	struct arch_fault f = expect_fault(t, read_u64, (void *)UNMAPPED_ADDR, X86_TRAP_PF, 0);

	KTEST_EXPECT_EQ(t, f.cr2, UNMAPPED_ADDR);
}

KTEST(traps_pf_write_unmapped)
{
	struct arch_fault f =
		expect_fault(t, write_u64, (void *)UNMAPPED_ADDR, X86_TRAP_PF, PF_ERR_W);

	KTEST_EXPECT_EQ(t, f.cr2, UNMAPPED_ADDR);
}

KTEST(traps_gp_noncanonical)
{
	expect_fault(t, read_u64, (void *)NONCANONICAL_ADDR, X86_TRAP_GP, 0);
}

KTEST(traps_de)
{
	struct arch_fault f = expect_fault(t, ktest_divide_zero, NULL, X86_TRAP_DE, 0);

	KTEST_EXPECT_EQ(t, f.rip, (u64)ktest_divide_insn);
}

/* #BP is a trap: the saved RIP is the instruction after int3. */
KTEST(traps_bp)
{
	struct arch_fault f = expect_fault(t, ktest_int3, NULL, X86_TRAP_BP, 0);

	KTEST_EXPECT_EQ(t, f.rip, (u64)ktest_int3_after);
}

/* Values live in callee-saved registers across the call; a wrong restore changes them. */
KTEST(traps_recovery_restores_registers)
{
	volatile u64 canary = 0x6b65656c6b65656cUL;
	struct arch_fault f = { 0 };
	unsigned int i;
	u64 sum = 0;

	for (i = 0; i < 3; i++) {
		KTEST_EXPECT(t, !arch_try_call(ktest_clobber_and_fault, NULL, &f));
		KTEST_EXPECT_EQ(t, f.vector, X86_TRAP_UD);
		sum += i;
	}
	KTEST_EXPECT_EQ(t, sum, 3);
	KTEST_EXPECT_EQ(t, canary, 0x6b65656c6b65656cUL);
}
