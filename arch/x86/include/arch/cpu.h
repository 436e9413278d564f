/* SPDX-License-Identifier: GPL-2.0-only */
/* CPUID, control registers and RFLAGS: named bits and accessors. */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#include <arch/layout.h>

#ifndef __ASSEMBLER__
#include <keel/types.h>
#endif

/* CR0 (SDM Vol. 3A, 2.5 "Control Registers") */
#define X86_CR0_PE (_UL(1) << 0)
#define X86_CR0_MP (_UL(1) << 1)
#define X86_CR0_EM (_UL(1) << 2)
#define X86_CR0_TS (_UL(1) << 3)
#define X86_CR0_ET (_UL(1) << 4)
#define X86_CR0_NE (_UL(1) << 5)
#define X86_CR0_WP (_UL(1) << 16)
#define X86_CR0_AM (_UL(1) << 18)
#define X86_CR0_NW (_UL(1) << 29)
#define X86_CR0_CD (_UL(1) << 30)
#define X86_CR0_PG (_UL(1) << 31)

/* CR4 (SDM Vol. 3A, 2.5) */
#define X86_CR4_VME	   (_UL(1) << 0)
#define X86_CR4_PVI	   (_UL(1) << 1)
#define X86_CR4_TSD	   (_UL(1) << 2)
#define X86_CR4_DE	   (_UL(1) << 3)
#define X86_CR4_PSE	   (_UL(1) << 4)
#define X86_CR4_PAE	   (_UL(1) << 5)
#define X86_CR4_PGE	   (_UL(1) << 7)
#define X86_CR4_PCE	   (_UL(1) << 8)
#define X86_CR4_OSFXSR	   (_UL(1) << 9)
#define X86_CR4_OSXMMEXCPT (_UL(1) << 10)
#define X86_CR4_UMIP	   (_UL(1) << 11)
#define X86_CR4_LA57	   (_UL(1) << 12)
#define X86_CR4_VMXE	   (_UL(1) << 13)
#define X86_CR4_FSGSBASE   (_UL(1) << 16)
#define X86_CR4_PCIDE	   (_UL(1) << 17)
#define X86_CR4_OSXSAVE	   (_UL(1) << 18)
#define X86_CR4_SMEP	   (_UL(1) << 20)
#define X86_CR4_SMAP	   (_UL(1) << 21)
#define X86_CR4_PKE	   (_UL(1) << 22)

/* RFLAGS (SDM Vol. 1, 3.4.3 "EFLAGS Register") */
#define X86_RFLAGS_TF	(_UL(1) << 8)
#define X86_RFLAGS_IF	(_UL(1) << 9)
#define X86_RFLAGS_DF	(_UL(1) << 10)
#define X86_RFLAGS_IOPL (_UL(3) << 12)
#define X86_RFLAGS_RF	(_UL(1) << 16)
#define X86_RFLAGS_VM	(_UL(1) << 17)
#define X86_RFLAGS_AC	(_UL(1) << 18)

/*
 * CPUID feature bits (SDM Vol. 2A, CPUID instruction, tables 3-8 to 3-10 and leaf 07H).
 * Each is named for its leaf and register.
 */
#define CPUID_1_ECX_VMX		   (_UL(1) << 5)
#define CPUID_1_ECX_PCID	   (_UL(1) << 17)
#define CPUID_1_ECX_X2APIC	   (_UL(1) << 21)
#define CPUID_1_ECX_XSAVE	   (_UL(1) << 26)
#define CPUID_1_ECX_HYPERVISOR	   (_UL(1) << 31)
#define CPUID_1_EDX_PAE		   (_UL(1) << 6)
#define CPUID_1_EDX_APIC	   (_UL(1) << 9)
#define CPUID_7_EBX_SMEP	   (_UL(1) << 7)
#define CPUID_7_EBX_INVPCID	   (_UL(1) << 10)
#define CPUID_7_EBX_SMAP	   (_UL(1) << 20)
#define CPUID_80000001_EDX_NX	   (_UL(1) << 20)
#define CPUID_80000001_EDX_PAGE1GB (_UL(1) << 26)
#define CPUID_80000001_EDX_LM	   (_UL(1) << 29)

#define CPUID_LEAF_EXT_BASE	   _UL(0x80000000)

/* The rest of the feature bits a guest may see (vmm/exit/cpuid_filter.c), same tables. */
#define CPUID_1_ECX_SSE3	   (_UL(1) << 0)
#define CPUID_1_ECX_PCLMULQDQ	   (_UL(1) << 1)
#define CPUID_1_ECX_SSSE3	   (_UL(1) << 9)
#define CPUID_1_ECX_FMA		   (_UL(1) << 12)
#define CPUID_1_ECX_CX16	   (_UL(1) << 13)
#define CPUID_1_ECX_SSE41	   (_UL(1) << 19)
#define CPUID_1_ECX_SSE42	   (_UL(1) << 20)
#define CPUID_1_ECX_MOVBE	   (_UL(1) << 22)
#define CPUID_1_ECX_POPCNT	   (_UL(1) << 23)
#define CPUID_1_ECX_AES		   (_UL(1) << 25)
#define CPUID_1_ECX_OSXSAVE	   (_UL(1) << 27)
#define CPUID_1_ECX_AVX		   (_UL(1) << 28)
#define CPUID_1_ECX_F16C	   (_UL(1) << 29)
#define CPUID_1_ECX_RDRAND	   (_UL(1) << 30)
#define CPUID_1_EDX_FPU		   (_UL(1) << 0)
#define CPUID_1_EDX_VME		   (_UL(1) << 1)
#define CPUID_1_EDX_DE		   (_UL(1) << 2)
#define CPUID_1_EDX_PSE		   (_UL(1) << 3)
#define CPUID_1_EDX_TSC		   (_UL(1) << 4)
#define CPUID_1_EDX_MSR		   (_UL(1) << 5)
#define CPUID_1_EDX_CX8		   (_UL(1) << 8)
#define CPUID_1_EDX_SEP		   (_UL(1) << 11)
#define CPUID_1_EDX_MTRR	   (_UL(1) << 12)
#define CPUID_1_EDX_PGE		   (_UL(1) << 13)
#define CPUID_1_EDX_CMOV	   (_UL(1) << 15)
#define CPUID_1_EDX_PAT		   (_UL(1) << 16)
#define CPUID_1_EDX_PSE36	   (_UL(1) << 17)
#define CPUID_1_EDX_CLFSH	   (_UL(1) << 19)
#define CPUID_1_EDX_MMX		   (_UL(1) << 23)
#define CPUID_1_EDX_FXSR	   (_UL(1) << 24)
#define CPUID_1_EDX_SSE		   (_UL(1) << 25)
#define CPUID_1_EDX_SSE2	   (_UL(1) << 26)
#define CPUID_1_EDX_SS		   (_UL(1) << 27)
#define CPUID_7_EBX_FSGSBASE	   (_UL(1) << 0)
#define CPUID_7_EBX_BMI1	   (_UL(1) << 3)
#define CPUID_7_EBX_AVX2	   (_UL(1) << 5)
#define CPUID_7_EBX_FDP_EXCPTN	   (_UL(1) << 6)
#define CPUID_7_EBX_BMI2	   (_UL(1) << 8)
#define CPUID_7_EBX_ERMS	   (_UL(1) << 9)
#define CPUID_7_EBX_FPU_CSDS	   (_UL(1) << 13)
#define CPUID_7_EBX_RDSEED	   (_UL(1) << 18)
#define CPUID_7_EBX_ADX		   (_UL(1) << 19)
#define CPUID_7_EBX_CLFLUSHOPT	   (_UL(1) << 23)
#define CPUID_7_EBX_CLWB	   (_UL(1) << 24)
#define CPUID_7_EBX_SHA		   (_UL(1) << 29)
#define CPUID_7_ECX_LA57	   (_UL(1) << 16)
#define CPUID_D1_EAX_XSAVEOPT	   (_UL(1) << 0)
#define CPUID_80000001_ECX_LAHF	   (_UL(1) << 0)
#define CPUID_80000001_ECX_ABM	   (_UL(1) << 5)
#define CPUID_80000001_ECX_PREFW   (_UL(1) << 8)
#define CPUID_80000001_EDX_SYSCALL (_UL(1) << 11)
#define CPUID_80000007_EDX_INVTSC  (_UL(1) << 8)

#ifndef __ASSEMBLER__

struct cpuid_regs {
	u32 eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid_count(u32 leaf, u32 subleaf)
{
	struct cpuid_regs r;

	__asm__ volatile("cpuid"
			 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(subleaf));
	return r;
}

static inline struct cpuid_regs cpuid(u32 leaf)
{
	return cpuid_count(leaf, 0);
}

/* The highest basic (0) or extended (0x80000000) leaf, so callers never read past it. */
static inline u32 cpuid_max_leaf(u32 base)
{
	return cpuid(base).eax;
}

#define DEFINE_CR_ACCESSORS(n)                                             \
	static inline u64 read_cr##n(void)                                 \
	{                                                                  \
		u64 v;                                                     \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));          \
		return v;                                                  \
	}                                                                  \
	static inline void write_cr##n(u64 v)                              \
	{                                                                  \
		__asm__ volatile("mov %0, %%cr" #n : : "r"(v) : "memory"); \
	}

DEFINE_CR_ACCESSORS(0)
DEFINE_CR_ACCESSORS(3)
DEFINE_CR_ACCESSORS(4)

static inline u64 read_cr2(void)
{
	u64 v;

	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline u64 read_rflags(void)
{
	u64 v;

	__asm__ volatile("pushfq; popq %0" : "=r"(v));
	return v;
}

#ifdef KEEL_HOSTED
/*
 * Hosted tests play CPUs with threads, which the host may deschedule: a spinner that only
 * pauses can burn its whole time slice waiting for a preempted ticket holder.
 */
#include <sched.h>
static inline void cpu_relax(void)
{
	sched_yield();
}
#else
static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}
#endif

static inline void irq_disable(void)
{
	__asm__ volatile("cli" ::: "memory");
}

static inline void irq_enable(void)
{
	__asm__ volatile("sti" ::: "memory");
}

/* Disables interrupts and returns whether they were on, for irq_restore(). */
static inline bool irq_save(void)
{
	bool was_on = read_rflags() & X86_RFLAGS_IF;

	irq_disable();
	return was_on;
}

static inline void irq_restore(bool was_on)
{
	if (was_on)
		irq_enable();
}

/* Vendor, model and the features Keel cares about, read once by cpu_detect(). */
struct cpu_features {
	char vendor[13];
	char brand[49];
	u32 family, model, stepping;
	u32 phys_bits; /* MAXPHYADDR */
	bool nx, page1gb, smep, smap, pcid, invpcid, x2apic, xsave, hypervisor, vmx;
};

extern struct cpu_features cpu_features;
void cpu_detect(void);

#endif /* !__ASSEMBLER__ */
#endif
