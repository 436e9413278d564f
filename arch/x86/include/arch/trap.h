/* SPDX-License-Identifier: GPL-2.0-only */
/* Exception vectors and the register frame the trap entry code saves. */
#ifndef ARCH_TRAP_H
#define ARCH_TRAP_H

/* Exception vectors (SDM Vol. 3A, 7.15 "Exception and Interrupt Reference", table 7-1) */
#define X86_TRAP_DE	  0
#define X86_TRAP_DB	  1
#define X86_TRAP_NMI	  2
#define X86_TRAP_BP	  3
#define X86_TRAP_OF	  4
#define X86_TRAP_BR	  5
#define X86_TRAP_UD	  6
#define X86_TRAP_NM	  7
#define X86_TRAP_DF	  8
#define X86_TRAP_TS	  10
#define X86_TRAP_NP	  11
#define X86_TRAP_SS	  12
#define X86_TRAP_GP	  13
#define X86_TRAP_PF	  14
#define X86_TRAP_MF	  16
#define X86_TRAP_AC	  17
#define X86_TRAP_MC	  18
#define X86_TRAP_XM	  19
#define X86_TRAP_VE	  20
#define X86_TRAP_CP	  21
#define X86_TRAP_VC	  29
#define X86_TRAP_SX	  30
#define X86_NR_EXCEPTIONS 32

/* Byte offsets into struct trap_frame, for the assembly entry code. */
#define TF_VECTOR 120
#define TF_SIZE	  176

#ifndef __ASSEMBLER__
#include <keel/types.h>

/* Pushed by trap_entry.S (GPRs, vector, error code) and by the CPU (from rip on). */
struct trap_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector;
	u64 error_code; /* 0 for vectors without one */
	u64 rip, cs, rflags, rsp, ss;
};

_Static_assert(__builtin_offsetof(struct trap_frame, vector) == TF_VECTOR, "TF_VECTOR");
_Static_assert(sizeof(struct trap_frame) == TF_SIZE, "TF_SIZE");

void trap_handler(struct trap_frame *tf);
const char *trap_name(unsigned int vector);
#endif

#endif
