/* SPDX-License-Identifier: GPL-2.0-only */
/* The guest test kernels' library: console, KTAP, CPU access, fault capture, hypercalls, paging. */
#ifndef GUEST_GUEST_H
#define GUEST_GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <keel/guest_abi.h>

#include "x86.h"

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#define ARRAY_SIZE(a)  (sizeof(a) / sizeof((a)[0]))
#define __noreturn     __attribute__((noreturn))
#define __aligned(n)   __attribute__((aligned(n)))
#define __printf(a, b) __attribute__((format(printf, a, b)))

/* ---- port I/O and privileged registers ---- */
static inline void outb(u16 port, u8 v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(u16 port, u32 v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline u8 inb(u16 port)
{
	u8 v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u32 inl(u16 port)
{
	u32 v;

	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

struct cpuid_regs {
	u32 eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid(u32 leaf, u32 subleaf)
{
	struct cpuid_regs r;

	asm volatile("cpuid"
		     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
		     : "a"(leaf), "c"(subleaf));
	return r;
}

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}

static inline void wrmsr(u32 msr, u64 v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

#define DEFINE_CR(n)                                                   \
	static inline uintptr_t read_cr##n(void)                       \
	{                                                              \
		uintptr_t v;                                           \
		asm volatile("mov %%cr" #n ", %0" : "=r"(v));          \
		return v;                                              \
	}                                                              \
	static inline void write_cr##n(uintptr_t v)                    \
	{                                                              \
		asm volatile("mov %0, %%cr" #n : : "r"(v) : "memory"); \
	}
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)

static inline void invlpg(uintptr_t va)
{
	asm volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static inline void wrpkru(u32 v)
{
	asm volatile("wrpkru" : : "a"(v), "c"(0), "d"(0) : "memory");
}

static inline void barrier(void)
{
	asm volatile("" : : : "memory");
}

/* ---- console and KTAP (lib.c) ---- */
void putstr(const char *s);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
void printf(const char *fmt, ...) __printf(1, 2);

struct guest_test {
	const char *name;
	void (*run)(void);
};

/*
 * Runs the table as one KTAP document and ends the guest with the failure count on the
 * debug-exit port. Inside a test, check() records a failure with a `# ` diagnostic and goes
 * on; skip() marks the test skipped (unless a check already failed).
 */
__noreturn void run_tests(const char *guest, const struct guest_test *tests, int count);
bool check_fn(bool ok, const char *file, int line, const char *fmt, ...) __printf(4, 5);
#define check(cond, ...) check_fn(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
void skip(const char *fmt, ...) __printf(1, 2);
void diag(const char *fmt, ...) __printf(1, 2);
__noreturn void guest_exit(u32 status);
__noreturn void guest_panic(const char *fmt, ...) __printf(1, 2);

/* ---- boot information (lib.c) ---- */
const char *cmdline(void);
/* Copies the value of word `key=value` from the command line; false when absent. */
bool cmdline_value(const char *key, char *buf, size_t size);
/* Guest-physical memory size in bytes: multiboot's count, `mem=<MiB>` on the command line,
 * or the guest ABI's default of 16 MiB. */
u64 mem_size(void);

/* ---- CPU features and the hypervisor (lib.c) ---- */
struct cpu_features {
	bool pse, nx, pdpe1gb, lm, la57, smep, smap, pku, vmx;
	u32 maxphyaddr;
};
extern struct cpu_features cpu;
/* True when CPUID reports Keel's signature: hypercalls work and Keel-specific checks apply. */
bool under_keel(void);
long hypercall(long nr, long a, long b, long c, long d);

/* ---- exceptions and CPL3 (trap.S, lib.c) ---- */
struct fault {
	u32 vector;
	u32 error;
	uintptr_t cr2;
	uintptr_t ip;
};
extern struct fault last_fault;

/*
 * Runs fn(arg). Returns 0 when fn returned, or 1 when an exception (or the end of a CPL3
 * probe, vector VEC_USER_DONE) interrupted it; last_fault then says which.
 */
int catch_run(void (*fn)(uintptr_t), uintptr_t arg);
/* Like catch_run, but for the probes of user.S run at CPL3 at user_va(probe). */
int catch_user(void (*probe)(void), uintptr_t arg);
/* Runs fn(arg) and reports whether it ended by exception `vector` (for #PF: with error code
 * `error` and CR2 `cr2`); prints a `# ` diagnostic when not. */
bool expect_fault(void (*fn)(uintptr_t), uintptr_t arg, u32 vector, u32 error, uintptr_t cr2);
bool expect_user_fault(void (*probe)(void), uintptr_t arg, u32 vector, u32 error, uintptr_t cr2);
bool expect_user_done(void (*probe)(void), uintptr_t arg);

/* CPL3 probes (user.S): each takes its argument in (E/R)CX and ends with INT VEC_USER_DONE. */
void user_read8(void);
void user_write8(void);
void user_call(void);
extern char __user_start[], __user_end[];
/* The CPL3 probe page is mapped at USER_VA with U/S = 1 by pt_map_user_probes(). */
#define USER_VA 0x3fc00000u
static inline uintptr_t user_va(void (*probe)(void))
{
	return USER_VA + ((uintptr_t)probe - (uintptr_t)__user_start);
}

/* Probe bodies for catch_run / expect_fault. */
void probe_read8(uintptr_t va);
void probe_write8(uintptr_t va);
void probe_call(uintptr_t va);
/* The byte a call target needs to come straight back: RET. */
#define OPCODE_RET 0xc3
/* Bytes of `int $VEC_USER_DONE`: what a CPL3 call target executes. */
#define OPCODE_INT 0xcd

/* ---- physical pages and paging (pt.c) ---- */
/* 4 KiB pages from a fixed guest-physical pool [POOL_BASE, POOL_END), returned zeroed. */
#define POOL_BASE 0x400000u
#define POOL_END  0xc00000u
uintptr_t page_alloc(void);
void page_pool_reset(void);

enum pt_format { PT_32BIT, PT_PAE, PT_4LEVEL, PT_5LEVEL };

struct pt {
	enum pt_format fmt;
	int levels;
	uintptr_t root;
};

const char *pt_format_name(enum pt_format fmt);
void pt_init(struct pt *pt, enum pt_format fmt);
/* Maps [va, va + size) to pa with one leaf of `size` (4 KiB, 2 MiB, 4 MiB or 1 GiB). */
void pt_map(struct pt *pt, u64 va, u64 pa, u64 size, u64 flags);
/* Identity-maps [0, IDENTITY_END) with the largest pages the format offers, supervisor only. */
#define IDENTITY_END 0x2000000u
void pt_map_identity(struct pt *pt);
/* Maps the CPL3 probe page at USER_VA with U/S = 1. */
void pt_map_user_probes(struct pt *pt);
/* The guest-physical address of the leaf entry for va (0 if no walk reaches one) and its level. */
uintptr_t pt_leaf(struct pt *pt, u64 va, int *level);
/* The guest-physical address of the entry for va at `level` (0 if the walk ends above). */
uintptr_t pt_entry(struct pt *pt, u64 va, int level);
u64 pte_read(const struct pt *pt, uintptr_t entry);
void pte_write(const struct pt *pt, uintptr_t entry, u64 v);
/* Makes pt the current address space: switches CR4/EFER paging bits as its format needs
 * (32-bit kernels only: a 64-bit kernel can load only 4-level tables). */
void pt_activate(struct pt *pt);
/* Formats this build can switch to, strongest first. */
int pt_formats(enum pt_format *out);

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strncmp(const char *a, const char *b, size_t n);
unsigned long strtoul(const char *s, char **end, int base);

/* Each guest's C entry, called by the library once the CPU is set up. */
void guest_main(void);

#endif
