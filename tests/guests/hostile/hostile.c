// SPDX-License-Identifier: GPL-2.0-only
/* Guest `hostile`: tries to escape; each attempt must meet an architectural wall or a clean stop.
 */
#include "guest.h"

/*
 * The command line's `case=` picks what to try; each case is its own VM with its own
 * `expect=`, because some end the VM:
 *   (none)  VMX instructions and CR4.VMXE, reserved frame bits: exits 0 (expect=exit:0)
 *   absent  reads, writes and page-table walks through guest-physical addresses outside the
 *           guest's memory: the guest must not find memory there; Keel stops the VM at the
 *           first touch (expect=stop:unhandled), bare metal runs all three
 *   loop    spins forever with interrupts off (expect=stop:budget)
 *   triple  an exception with an empty IDT: a triple fault (expect=stop:triple_fault)
 */

static void vmxon_probe(uintptr_t unused)
{
	u64 region = POOL_BASE;

	asm volatile("vmxon %0" : : "m"(region));
}

static void vmxoff_probe(uintptr_t unused)
{
	asm volatile("vmxoff");
}

static void vmclear_probe(uintptr_t unused)
{
	u64 region = POOL_BASE;

	asm volatile("vmclear %0" : : "m"(region));
}

static void vmptrld_probe(uintptr_t unused)
{
	u64 region = POOL_BASE;

	asm volatile("vmptrld %0" : : "m"(region));
}

static void vmptrst_probe(uintptr_t unused)
{
	u64 region;

	asm volatile("vmptrst %0" : "=m"(region));
}

static void vmread_probe(uintptr_t unused)
{
	u64 field = 0x681e, v; /* guest RIP */

	asm volatile("vmread %1, %0" : "=r"(v) : "r"(field));
}

static void vmwrite_probe(uintptr_t unused)
{
	u64 field = 0x681e, v = 0;

	asm volatile("vmwrite %1, %0" : : "r"(field), "r"(v));
}

static void vmlaunch_probe(uintptr_t unused)
{
	asm volatile("vmlaunch");
}

static void vmresume_probe(uintptr_t unused)
{
	asm volatile("vmresume");
}

static void invept_probe(uintptr_t unused)
{
	struct {
		u64 eptp, reserved;
	} desc = { 0, 0 };
	u64 type = 2;

	asm volatile("invept %0, %1" : : "m"(desc), "r"(type));
}

static void invvpid_probe(uintptr_t unused)
{
	struct {
		u64 vpid, addr;
	} desc = { 1, 0 };
	u64 type = 2;

	asm volatile("invvpid %0, %1" : : "m"(desc), "r"(type));
}

static void vmfunc_probe(uintptr_t unused)
{
	asm volatile("vmfunc" : : "a"(0), "c"(0));
}

static void test_vmx_instructions(void)
{
	static const struct {
		const char *name;
		void (*fn)(uintptr_t);
	} insns[] = {
		{ "VMXON", vmxon_probe },	{ "VMXOFF", vmxoff_probe },
		{ "VMCLEAR", vmclear_probe },	{ "VMPTRLD", vmptrld_probe },
		{ "VMPTRST", vmptrst_probe },	{ "VMREAD", vmread_probe },
		{ "VMWRITE", vmwrite_probe },	{ "VMLAUNCH", vmlaunch_probe },
		{ "VMRESUME", vmresume_probe }, { "INVEPT", invept_probe },
		{ "INVVPID", invvpid_probe },	{ "VMFUNC", vmfunc_probe },
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(insns); i++) {
		int faulted = catch_run(insns[i].fn, 0);

		check(faulted && last_fault.vector == VEC_UD, "%s: %s %u", insns[i].name,
		      faulted ? "raised" : "completed; vector", faulted ? last_fault.vector : 0);
	}
}

static void set_vmxe_probe(uintptr_t unused)
{
	write_cr4(read_cr4() | CR4_VMXE);
}

static void test_cr4_vmxe(void)
{
	if (cpu.vmx) {
		skip("this CPU offers VMX: CR4.VMXE is writable");
		return;
	}
	if (!under_keel()) {
		/* QEMU's TCG spins on this MOV instead of raising #GP. */
		skip("bare metal: checked under Keel only");
		return;
	}
	expect_fault(set_vmxe_probe, 0, VEC_GP, 0, 0);
	check(!(read_cr4() & CR4_VMXE), "CR4.VMXE reads 1");
}

/* A PTE naming a frame above MAXPHYADDR: a reserved-bit #PF, never an access. */
static void test_frame_above_maxphyaddr(void)
{
	uintptr_t va = 0x00006f0000000000ull + 0x10;
	struct pt pt;

	if (cpu.maxphyaddr >= 52) {
		skip("MAXPHYADDR is 52: no address bit is reserved");
		return;
	}
	pt_init(&pt, PT_4LEVEL);
	pt_map_identity(&pt);
	pt_map(&pt, va, (1ull << 51) | (1ull << cpu.maxphyaddr), PAGE_SIZE, PTE_RW);
	pt_activate(&pt);
	int faulted = catch_run(probe_read8, va);

	check(faulted && last_fault.vector == VEC_PF && (last_fault.error & PF_RSVD) &&
		      last_fault.cr2 == va,
	      "read through a frame above MAXPHYADDR: %s, vector %u error 0x%x CR2 %p",
	      faulted ? "faulted" : "no fault", last_fault.vector, last_fault.error,
	      (void *)last_fault.cr2);
}

/* ---- case=absent ---- */

#define ESCAPE_PATTERN 0x5eca9e00u

/* Writes a pattern at guest-physical `pa` through a fresh mapping and reads it back. */
static void touch_absent(u64 pa, const char *what)
{
	uintptr_t va = 0x00006e0000000000ull;
	struct pt pt;

	pt_init(&pt, PT_4LEVEL);
	pt_map_identity(&pt);
	pt_map(&pt, va, pa, PAGE_SIZE, PTE_RW);
	pt_activate(&pt);
	volatile u32 *p = (volatile u32 *)(va + 0x40);
	u32 before = *p;

	*p = ESCAPE_PATTERN;
	u32 after = *p;

	diag("%s 0x%llx: read 0x%x, after writing 0x%x read 0x%x", what, (unsigned long long)pa,
	     before, ESCAPE_PATTERN, after);
	check(after != ESCAPE_PATTERN,
	      "%s 0x%llx holds what was written: memory outside mem=", what,
	      (unsigned long long)pa);
	if (under_keel())
		check(before == 0xffffffff && after == 0xffffffff,
		      "%s 0x%llx: Keel reads absent memory as all ones", what,
		      (unsigned long long)pa);
}

static void test_absent_after_memory(void)
{
	touch_absent(mem_size() + 0x100000, "one MiB past the end of memory");
}

static void test_absent_top_frame(void)
{
	touch_absent((1ull << cpu.maxphyaddr) - PAGE_SIZE, "the highest frame");
}

/* A page-directory entry naming a page table outside memory: the walk reads absent memory. */
static void test_table_in_absent_frame(void)
{
	uintptr_t va = 0x00006d0000000000ull + 0x80;
	struct pt pt;

	pt_init(&pt, PT_4LEVEL);
	pt_map_identity(&pt);
	pt_map(&pt, va, POOL_BASE, PAGE_SIZE, PTE_RW);
	uintptr_t pde = pt_entry(&pt, va, 2);

	pte_write(&pt, pde, (mem_size() + 0x200000) | PTE_P | PTE_RW);
	pt_activate(&pt);
	int faulted = catch_run(probe_read8, va);

	diag("walk through an absent table: %s, error 0x%x", faulted ? "#PF" : "no fault",
	     last_fault.error);
	if (faulted)
		check(last_fault.vector == VEC_PF && last_fault.cr2 == va,
		      "vector %u CR2 %p: not a #PF at the address", last_fault.vector,
		      (void *)last_fault.cr2);
	if (under_keel())
		check(faulted && (last_fault.error & PF_RSVD),
		      "Keel reads absent memory as all ones: the walk must see reserved bits");
}

static const struct guest_test arch_tests[] = {
	{ "vmx_instructions_ud", test_vmx_instructions },
	{ "cr4_vmxe_gp", test_cr4_vmxe },
	{ "frame_above_maxphyaddr", test_frame_above_maxphyaddr },
};

static const struct guest_test absent_tests[] = {
	{ "absent_after_memory", test_absent_after_memory },
	{ "absent_top_frame", test_absent_top_frame },
	{ "table_in_absent_frame", test_table_in_absent_frame },
};

static __noreturn void loop_forever(void)
{
	printf("KTAP version 1\n1..1\n# hostile: looping forever\n");
	for (;;)
		asm volatile("cli; pause");
}

static __noreturn void triple_fault(void)
{
	struct {
		u16 limit;
		uintptr_t base;
	} __attribute__((packed)) empty = { 0, 0 };

	printf("KTAP version 1\n1..1\n# hostile: triple-faulting now\n");
	asm volatile("lidt %0; ud2" : : "m"(empty));
	for (;;)
		;
}

void guest_main(void)
{
	char which[16] = "";

	cmdline_value("case", which, sizeof(which));
	if (!strncmp(which, "loop", 5))
		loop_forever();
	if (!strncmp(which, "triple", 7))
		triple_fault();
	if (!strncmp(which, "absent", 7))
		run_tests("hostile-absent", absent_tests, ARRAY_SIZE(absent_tests));
	if (which[0])
		guest_panic("unknown case=%s", which);
	run_tests("hostile", arch_tests, ARRAY_SIZE(arch_tests));
}
