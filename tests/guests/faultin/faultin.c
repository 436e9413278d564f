// SPDX-License-Identifier: GPL-2.0-only
/* Guest `faultin`: the cost of a first touch of a mapped, never-touched 4 KiB page, in ticks. */
#include "guest.h"

/*
 * `pages=N` (default 128) pages, page i at guest-physical REGION_BASE + i * `stride=` (KiB, a
 * multiple of 4; default 2048, the first 4 KiB of one 2 MiB region per page), mapped read-write at
 * AREA + i * 4 KiB in a fresh 4-level address space (one guest page table holds all the leaves).
 * Nothing touches those frames before the first pass: under Keel with mmu=shadow a first touch is a
 * #PF intercept that the MMU fills with one shadow PTE (where a frame lies does not matter:
 * stride=4 keeps the VM small); with mmu=ept it is an EPT violation for guest RAM not mapped yet,
 * and since Keel's EPT maps 2 MiB wherever it can, each page needs its own 2 MiB region (the
 * default stride) so that every touch faults, not only the first of each region. The top 2 MiB of
 * RAM are left out (Keel writes the command line there and the library reads it). An untimed
 * warm-up touch of a pool page in the same guest page table builds the upper shadow levels and
 * brings in the code, stack and data pages the timed loop uses, so each timed fault fills one leaf.
 *
 * Pass 1 reads each page once (a fault each), pass 2 reads them again (mapped: no exit). The
 * figure is (pass 1 - pass 2) / N ticks, printed as `# bench <bench=> N ticks` under Keel,
 * where the exit counters also prove N page-fault exits in pass 1 and none in pass 2. Bare
 * metal nothing exits: the numbers are diagnostics only, and the page count shrinks to fit
 * the machine's memory.
 */
#define DEFAULT_PAGES	   128
#define MAX_PAGES	   510		/* one page table: the warm-up page and the pages */
#define REGION_BASE	   0x1000000ull /* 16 MiB: above the image, the pool and the stack */
#define TOP_RESERVED	   0x200000ull	/* Keel's command line sits below the top of RAM */
#define DEFAULT_STRIDE_KIB 2048
#define AREA		   0x00005b0000000000ull
#define ALIAS		   0x00005c0000000000ull
#define TAG(i)		   (0xfa170000u | (u32)(i))

static struct pt pt;
static unsigned int npages;
static u64 stride;
static bool set_up;

static u64 page_pa(unsigned int i)
{
	return REGION_BASE + (u64)i * stride;
}

/* Reads one u32 of each of n pages from va on; returns the ticks the loop took. */
static __attribute__((noinline)) u64 touch_pass(uintptr_t va, unsigned int n)
{
	u64 t0, t1;
	u32 sink = 0;

	t0 = rdtsc();
	for (unsigned int i = 0; i < n; i++, va += PAGE_SIZE)
		sink += *(volatile u32 *)va;
	t1 = rdtsc();
	barrier();
	(void)sink;
	return t1 - t0;
}

static unsigned int requested_pages(void)
{
	char v[16];
	unsigned long n = DEFAULT_PAGES;

	if (cmdline_value("pages", v, sizeof(v)))
		n = strtoul(v, NULL, 0);
	return n > MAX_PAGES ? MAX_PAGES : (unsigned int)n;
}

static bool setup(void)
{
	unsigned int want = requested_pages();
	u64 mem = mem_size(), fit;
	char v[16];

	stride = (u64)DEFAULT_STRIDE_KIB << 10;
	if (cmdline_value("stride", v, sizeof(v)))
		stride = (u64)strtoul(v, NULL, 0) << 10;
	if (!check(stride && !(stride % PAGE_SIZE),
		   "a stride of %llu bytes is no multiple of 4 KiB", (unsigned long long)stride))
		return false;
	/* The top 2 MiB stay untouched by us: Keel writes the command line there. */
	fit = mem > REGION_BASE + TOP_RESERVED ? (mem - REGION_BASE - TOP_RESERVED) / stride : 0;
	npages = want < fit ? want : (unsigned int)fit;
	if (npages < want) {
		/* Under Keel the VM's mem= must hold them all; bare metal uses what there is. */
		if (!check(!under_keel(), "mem=%llu MiB holds %u of the %u pages asked for",
			   (unsigned long long)(mem >> 20), npages, want))
			return false;
		diag("bare metal: %llu MiB of memory holds %u of the %u pages",
		     (unsigned long long)(mem >> 20), npages, want);
	}
	if (!check(npages > 0, "no room for a page above 16 MiB in %llu MiB of memory",
		   (unsigned long long)(mem >> 20)))
		return false;
	pt_init(&pt, PT_4LEVEL);
	pt_map_identity(&pt);
	/* Slot 0 of the area: the warm-up page, from the pool (already touched, zeroed). */
	pt_map(&pt, AREA, page_alloc(), PAGE_SIZE, PTE_RW);
	for (unsigned int i = 0; i < npages; i++) {
		pt_map(&pt, AREA + (u64)(i + 1) * PAGE_SIZE, page_pa(i), PAGE_SIZE, PTE_RW);
		pt_map(&pt, ALIAS + (u64)i * PAGE_SIZE, page_pa(i), PAGE_SIZE, PTE_RW);
	}
	pt_activate(&pt);
	set_up = true;
	return true;
}

static long fault_exits(void)
{
	return hypercall(KEEL_HC_EXIT_COUNT, KEEL_EXIT_COUNT_PAGE_FAULT, 0, 0, 0);
}

static void test_first_touch(void)
{
	char bench[64];
	u64 first, second, per_page;
	long faults_first = 0, faults_second = 0;
	bool keel = under_keel();

	if (!setup())
		return;
	touch_pass(AREA, 1);
	if (keel) {
		/* Twice: the second call runs with hypercall()'s page and the counters warm. */
		fault_exits();
		check(hypercall(KEEL_HC_RESET_COUNT, 0, 0, 0, 0) == 0, "RESET_COUNT failed");
	}
	first = touch_pass(AREA + PAGE_SIZE, npages);
	if (keel)
		faults_first = fault_exits();
	second = touch_pass(AREA + PAGE_SIZE, npages);
	if (keel)
		faults_second = fault_exits() - faults_first;
	per_page = first > second ? (first - second) / npages : 0;
	diag("%u pages, one per %llu KiB from 0x%llx: first pass %llu ticks, second %llu ticks",
	     npages, (unsigned long long)(stride >> 10), (unsigned long long)REGION_BASE,
	     (unsigned long long)first, (unsigned long long)second);
	if (!keel) {
		diag("bare metal (no exits): first touch costs %llu ticks more per page",
		     (unsigned long long)per_page);
		return;
	}
	diag("page-fault exits: %ld in the first pass, %ld in the second", faults_first,
	     faults_second);
	check(faults_first == (long)npages, "the first pass took %ld page-fault exits, want %u",
	      faults_first, npages);
	check(faults_second == 0, "the second pass took %ld page-fault exits, want 0",
	      faults_second);
	check(first > second, "the first pass (%llu ticks) was no slower than the second (%llu)",
	      (unsigned long long)first, (unsigned long long)second);
	if (!cmdline_value("bench", bench, sizeof(bench)))
		memcpy(bench, "vmx.fault_in", sizeof("vmx.fault_in"));
	printf("# bench %s %llu ticks\n", bench, (unsigned long long)per_page);
}

/* The faulted-in mappings reach the right frames: writes through AREA read back via ALIAS. */
static void test_mappings(void)
{
	unsigned int bad = 0;

	if (!set_up && !setup())
		return;
	pt_activate(&pt);
	for (unsigned int i = 0; i < npages; i++)
		*(volatile u32 *)(AREA + (u64)(i + 1) * PAGE_SIZE + 8) = TAG(i);
	for (unsigned int i = 0; i < npages; i++) {
		u32 v = *(volatile u32 *)(ALIAS + (u64)i * PAGE_SIZE + 8);

		if (v != TAG(i) && !bad++)
			check(false, "page %u (pa 0x%llx) reads 0x%x through its alias, want 0x%x",
			      i, (unsigned long long)page_pa(i), v, TAG(i));
	}
	check(!bad, "%u of %u pages read wrong through their alias", bad, npages);
}

static const struct guest_test tests[] = {
	{ "first_touch", test_first_touch },
	{ "mappings", test_mappings },
};

void guest_main(void)
{
	run_tests("faultin", tests, ARRAY_SIZE(tests));
}
