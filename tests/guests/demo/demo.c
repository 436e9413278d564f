// SPDX-License-Identifier: GPL-2.0-only
/* Guest `demo`: what `make run` shows, a few lines about itself and the hypervisor under it. */
#include "guest.h"

/* NOP hypercalls timed together; a power of two, so the mean is a shift on a 32-bit guest. */
#define VMCALL_ROUNDS_SHIFT 6
#define VMCALL_ROUNDS	    (1 << VMCALL_ROUNDS_SHIFT)

/* Copies n CPUID registers' bytes into s as text, NUL-terminated. */
static void cpuid_text(char *s, const u32 *regs, int n)
{
	memcpy(s, regs, 4 * n);
	s[4 * n] = 0;
}

static void print_cpu(void)
{
	struct cpuid_regs r = cpuid(0, 0);
	u32 vendor_regs[3] = { r.ebx, r.edx, r.ecx };
	char vendor[13], brand[49];
	const char *b = brand;
	const char *vmx = "no VMX";
	u32 sig = cpuid(1, 0).eax;
	u32 family = (sig >> 8) & 0xf, model = (sig >> 4) & 0xf;

	cpuid_text(vendor, vendor_regs, 3);
	if (family == 0xf)
		family += (sig >> 20) & 0xff;
	if (family == 0x6 || family >= 0xf)
		model |= ((sig >> 16) & 0xf) << 4;
	brand[0] = 0;
	if (cpuid(CPUID_EXT_BASE, 0).eax >= CPUID_EXT_BASE + 4) {
		u32 regs[12];

		for (u32 i = 0; i < 3; i++) {
			r = cpuid(CPUID_EXT_BASE + 2 + i, 0);
			regs[4 * i] = r.eax;
			regs[4 * i + 1] = r.ebx;
			regs[4 * i + 2] = r.ecx;
			regs[4 * i + 3] = r.edx;
		}
		cpuid_text(brand, regs, 12);
		while (*b == ' ')
			b++;
	}
	if (cpu.vmx)
		vmx = "VMX offered";
	else if (under_keel())
		vmx = "VMX hidden by Keel";
	printf("CPU: vendor %s, family 0x%x model 0x%x%s%s%s, %s\n", vendor, family, model,
	       *b ? " \"" : "", b, *b ? "\"" : "", vmx);
}

static void print_vmcall_roundtrip(void)
{
	u64 t0, ticks;
	long bad = 0;

	t0 = rdtsc();
	for (int i = 0; i < VMCALL_ROUNDS; i++)
		bad += hypercall(KEEL_HC_NOP, 0, 0, 0, 0) != 0;
	ticks = (rdtsc() - t0) >> VMCALL_ROUNDS_SHIFT;
	printf("VMCALL round trip (guest -> Keel -> guest): %llu TSC ticks, mean of %d%s\n",
	       (unsigned long long)ticks, VMCALL_ROUNDS, bad ? ", some returned an error" : "");
}

static void print_exit_counts(void)
{
	long all = hypercall(KEEL_HC_EXIT_COUNT, KEEL_EXIT_COUNT_ALL, 0, 0, 0);
	long pf = hypercall(KEEL_HC_EXIT_COUNT, KEEL_EXIT_COUNT_PAGE_FAULT, 0, 0, 0);
	long cr = hypercall(KEEL_HC_EXIT_COUNT, KEEL_EXIT_COUNT_CR_ACCESS, 0, 0, 0);
	long inv = hypercall(KEEL_HC_EXIT_COUNT, KEEL_EXIT_COUNT_INVLPG, 0, 0, 0);

	printf("VM exits so far: %ld in all, %ld page faults, %ld CR accesses, %ld INVLPG\n", all,
	       pf, cr, inv);
}

void guest_main(void)
{
	struct cpuid_regs hv = cpuid(CPUID_HV_BASE, 0);
	u32 sig_regs[3] = { hv.ebx, hv.ecx, hv.edx };
	const char *cl = cmdline();
	char sig[13];

	printf("Keel demo guest: a 32-bit kernel from tests/guests/demo, %llu MiB%s%s%s\n",
	       (unsigned long long)(mem_size() >> 20), *cl ? ", command line '" : "", cl,
	       *cl ? "'" : "");
	print_cpu();
	if (!under_keel()) {
		printf("no Keel hypervisor here (no \"KeelKeelKeel\" CPUID signature): "
		       "no hypercalls\n");
	} else {
		cpuid_text(sig, sig_regs, 3);
		printf("running under Keel: CPUID 0x%x says \"%s\"\n", CPUID_HV_BASE, sig);
		print_vmcall_roundtrip();
		print_exit_counts();
	}
	printf("done: exit status 0 through the debug-exit port 0x%x\n",
	       KEEL_GUEST_DEBUG_EXIT_PORT);
	guest_exit(0);
}
