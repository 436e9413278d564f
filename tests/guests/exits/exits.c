// SPDX-License-Identifier: GPL-2.0-only
/* Guest `exits`: CPUID, MSR, I/O (string I/O too), HLT and VMCALL behave as Keel documents them. */
#include "guest.h"

/* A port nothing decodes, on Keel or on a PC: reads float to all ones. */
#define UNUSED_PORT 0x2f0

static void test_cpuid_signature(void)
{
	if (!under_keel()) {
		skip("not under Keel");
		return;
	}
	struct cpuid_regs r = cpuid(CPUID_HV_BASE, 0);

	check(cpuid(1, 0).ecx & CPUID_1_ECX_HYPERVISOR, "CPUID.1:ECX.hypervisor is 0");
	check(r.eax >= CPUID_HV_BASE, "max hypervisor leaf 0x%x", r.eax);
}

static void test_cpuid_vmx_hidden(void)
{
	if (!under_keel()) {
		skip("not under Keel");
		return;
	}
	check(!(cpuid(1, 0).ecx & CPUID_1_ECX_VMX), "CPUID.1:ECX.VMX is visible to the guest");
}

static uintptr_t read_flags(void)
{
	uintptr_t f;

	asm volatile("pushf; pop %0" : "=r"(f));
	return f;
}

static void rdmsr_probe(uintptr_t msr)
{
	(void)rdmsr((u32)msr);
}

static void test_msr_allowed(void)
{
	u64 efer;

	check(!catch_run(rdmsr_probe, MSR_IA32_EFER), "RDMSR EFER raised %u", last_fault.vector);
	efer = rdmsr(MSR_IA32_EFER);
	check((efer & (EFER_LME | EFER_LMA)) == (EFER_LME | EFER_LMA),
	      "EFER 0x%llx: a 64-bit guest must see LME and LMA", (unsigned long long)efer);
	check(!catch_run(rdmsr_probe, MSR_IA32_PAT), "RDMSR PAT raised %u", last_fault.vector);
}

static void test_msr_denied(void)
{
	if (cpu.vmx) {
		skip("this CPU offers VMX: its capability MSRs are readable");
		return;
	}
	/* QEMU's TCG reads unknown MSRs as 0; tolerated (with a diagnostic) on bare metal only. */
	if (!under_keel() && !catch_run(rdmsr_probe, MSR_IA32_VMX_BASIC)) {
		diag("emulator deviation: RDMSR 0x%x did not raise #GP", MSR_IA32_VMX_BASIC);
		return;
	}
	expect_fault(rdmsr_probe, MSR_IA32_VMX_BASIC, VEC_GP, 0, 0);
}

static void test_io_com1_lsr(void)
{
	u8 lsr = 0;

	/* Keel's LSR always says empty; a real UART does once the last byte has gone. */
	for (int i = 0; i < 100000 && !(lsr & UART_LSR_THRE); i++)
		lsr = inb(KEEL_GUEST_COM1_PORT + UART_LSR);
	check(lsr & UART_LSR_THRE, "COM1 LSR 0x%x without THRE", lsr);
}

static void test_io_unknown_port(void)
{
	u8 b = inb(UNUSED_PORT);
	u32 l = inl(UNUSED_PORT);

	check(b == 0xff, "IN byte from port 0x%x read 0x%x", UNUSED_PORT, b);
	check(l == 0xffffffff, "IN dword from port 0x%x read 0x%x", UNUSED_PORT, l);
	/* A write to it is dropped and changes nothing. */
	outb(UNUSED_PORT, 0x12);
	check(inb(UNUSED_PORT) == 0xff, "port 0x%x kept a written byte", UNUSED_PORT);
}

/* `rep outsb` of a whole line to COM1: the harness's log shows it between the test's lines. */
static void test_string_io_outs(void)
{
	static const char line[] = "# string I/O: this line came through rep outsb\n";
	const char *si = line;
	unsigned long cx = sizeof(line) - 1;

	asm volatile("cld; rep outsb"
		     : "+S"(si), "+c"(cx)
		     : "d"((u16)(KEEL_GUEST_COM1_PORT + UART_THR))
		     : "memory");
	check(si == line + sizeof(line) - 1 && cx == 0, "rep outsb left RSI at +%ld, RCX %lu",
	      (long)(si - line), cx);
	si = "#\n";
	asm volatile("outsb; outsb" : "+S"(si) : "d"((u16)(KEEL_GUEST_COM1_PORT + UART_THR)));
	check(*si == 0, "two OUTSB moved RSI by %ld, not 2", (long)(si - (const char *)"#\n"));
}

static void test_string_io_ins(void)
{
	u32 buf[8];
	u32 *di = buf + 1;
	unsigned long cx = 4;
	u8 lsr[2] = { 0, 0 };
	u8 *b = lsr;

	memset(buf, 0, sizeof(buf));
	asm volatile("cld; rep insl" : "+D"(di), "+c"(cx) : "d"((u16)UNUSED_PORT) : "memory");
	check(di == buf + 5 && cx == 0, "rep insl left RDI at +%ld, RCX %lu", (long)(di - buf), cx);
	check(buf[0] == 0 && buf[1] == 0xffffffff && buf[4] == 0xffffffff && buf[5] == 0,
	      "rep insl from port 0x%x stored %x %x %x %x", UNUSED_PORT, buf[0], buf[1], buf[4],
	      buf[5]);
	/* DF = 1: descending from the last element */
	memset(buf, 0, sizeof(buf));
	di = buf + 6;
	cx = 3;
	asm volatile("std; rep insl; cld" : "+D"(di), "+c"(cx) : "d"((u16)UNUSED_PORT) : "memory");
	check(di == buf + 3 && cx == 0 && buf[4] == 0xffffffff && buf[6] == 0xffffffff &&
		      buf[3] == 0 && buf[7] == 0,
	      "rep insl with DF=1 left RDI at +%ld, RCX %lu", (long)(di - buf), cx);
	/* a REP with RCX = 0 does nothing */
	di = buf;
	buf[0] = 0;
	asm volatile("rep insl" : "+D"(di), "+c"(cx) : "d"((u16)UNUSED_PORT) : "memory");
	check(di == buf && buf[0] == 0, "rep insl with RCX = 0 stored");
	asm volatile("insb" : "+D"(b) : "d"((u16)(KEEL_GUEST_COM1_PORT + UART_LSR)) : "memory");
	check(b == lsr + 1 && (lsr[0] & UART_LSR_THRE) && lsr[1] == 0,
	      "INSB of COM1 LSR stored 0x%x, RDI +%ld", lsr[0], (long)(b - lsr));
}

static void vmcall_probe(uintptr_t nr)
{
	hypercall((long)nr, 0, 0, 0, 0);
}

static void test_vmcall_nop(void)
{
	if (!under_keel()) {
		/* Outside VMX non-root operation VMCALL is #UD. */
		expect_fault(vmcall_probe, KEEL_HC_NOP, VEC_UD, 0, 0);
		return;
	}
	check(hypercall(KEEL_HC_NOP, 1, 2, 3, 4) == 0, "NOP did not return 0");
}

static void test_vmcall_unknown(void)
{
	long r;

	if (!under_keel()) {
		skip("not under Keel");
		return;
	}
	r = hypercall(0x7fff, 0, 0, 0, 0);
	check(r == KEEL_HC_ENOSYS, "hypercall 0x7fff returned %ld, want %d", r, KEEL_HC_ENOSYS);
}

/* The ABI: registers other than (E/R)AX survive a hypercall. */
static void test_vmcall_preserves(void)
{
	uintptr_t b = 0x1111, c = 0x2222, d = 0x3333, si = 0x4444, di = 0x5555;
	long ax = KEEL_HC_NOP;

	if (!under_keel()) {
		skip("not under Keel");
		return;
	}
	asm volatile("vmcall"
		     : "+a"(ax), "+b"(b), "+c"(c), "+d"(d), "+S"(si), "+D"(di)
		     :
		     : "memory");
	check(ax == 0 && b == 0x1111 && c == 0x2222 && d == 0x3333 && si == 0x4444 && di == 0x5555,
	      "after VMCALL: ax %ld bx 0x%lx cx 0x%lx dx 0x%lx si 0x%lx di 0x%lx", ax,
	      (unsigned long)b, (unsigned long)c, (unsigned long)d, (unsigned long)si,
	      (unsigned long)di);
}

/* The instruction right after the VMCALL in single_step_vmcall_probe(). */
extern const char after_stepped_vmcall[];

/*
 * POPF sets TF: the next instruction, the VMCALL, runs and is followed by a single-step #DB.
 * Keel emulates the VMCALL, so the trap is Keel's to raise, at the instruction after it.
 */
static void single_step_vmcall_probe(uintptr_t unused)
{
	long ax = KEEL_HC_NOP;

	asm volatile("pushf\n\t"
		     "orl %1, (%%rsp)\n\t"
		     "popf\n\t"
		     "vmcall\n"
		     ".globl after_stepped_vmcall\n"
		     "after_stepped_vmcall:\n\t"
		     "nop"
		     : "+a"(ax)
		     : "i"(EFLAGS_TF)
		     : "memory", "cc");
}

static void test_vmcall_single_step(void)
{
	if (!under_keel()) {
		skip("not under Keel");
		return;
	}
	if (!check(catch_run(single_step_vmcall_probe, 0), "no #DB after a VMCALL with TF set"))
		return;
	check(last_fault.vector == VEC_DB && last_fault.ip == (uintptr_t)after_stepped_vmcall,
	      "expected #DB at %p, got vector %u at %p", (void *)after_stepped_vmcall,
	      last_fault.vector, (void *)last_fault.ip);
}

/* docs/exits.md: with IF=1 a HLT returns at once (no device interrupts yet). */
static void test_hlt(void)
{
	if (!under_keel()) {
		skip("bare metal: HLT waits for a timer this guest does not program");
		return;
	}
	u64 t0 = rdtsc();

	asm volatile("sti; hlt; cli" : : : "memory");
	check(rdtsc() != t0, "time did not move across HLT");
	check(!(read_flags() & EFLAGS_IF), "IF still set after CLI");
}

/* Round trips for `make bench`: `# bench <name> <ticks> ticks`, under Keel only. */
static void test_roundtrips(void)
{
	enum { N = 256 };
	u64 t0, ticks;
	long bad = 0;

	if (!under_keel()) {
		skip("not under Keel");
		return;
	}
	t0 = rdtsc();
	for (int i = 0; i < N; i++)
		bad += hypercall(KEEL_HC_NOP, 0, 0, 0, 0) != 0;
	ticks = (rdtsc() - t0) / N;
	check(!bad, "%ld of %d NOP hypercalls did not return 0", bad, N);
	printf("# bench vmx.vmcall_roundtrip %llu ticks\n", (unsigned long long)ticks);
	t0 = rdtsc();
	for (int i = 0; i < N; i++)
		bad += cpuid(CPUID_HV_BASE, 0).ebx != cpuid(CPUID_HV_BASE, 0).ecx;
	ticks = (rdtsc() - t0) / (2 * N);
	check(!bad, "the Keel signature changed between CPUIDs");
	printf("# bench vmx.cpuid_roundtrip %llu ticks\n", (unsigned long long)ticks);
	t0 = rdtsc();
	for (int i = 0; i < N; i++)
		bad += !(inb(KEEL_GUEST_COM1_PORT + UART_LSR) & UART_LSR_THRE);
	ticks = (rdtsc() - t0) / N;
	check(!bad, "LSR lost THRE");
	printf("# bench vmx.io_roundtrip %llu ticks\n", (unsigned long long)ticks);
}

static const struct guest_test tests[] = {
	{ "cpuid_signature", test_cpuid_signature },
	{ "cpuid_vmx_hidden", test_cpuid_vmx_hidden },
	{ "msr_allowed", test_msr_allowed },
	{ "msr_denied_gp", test_msr_denied },
	{ "io_com1_lsr_thre", test_io_com1_lsr },
	{ "io_unknown_port_ones", test_io_unknown_port },
	{ "string_io_outs", test_string_io_outs },
	{ "string_io_ins", test_string_io_ins },
	{ "vmcall_nop", test_vmcall_nop },
	{ "vmcall_unknown_enosys", test_vmcall_unknown },
	{ "vmcall_preserves_registers", test_vmcall_preserves },
	{ "vmcall_single_step", test_vmcall_single_step },
	{ "hlt", test_hlt },
	{ "roundtrips", test_roundtrips },
};

void guest_main(void)
{
	run_tests("exits", tests, ARRAY_SIZE(tests));
}
