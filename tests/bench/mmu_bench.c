/* SPDX-License-Identifier: GPL-2.0-only */
/* MMU cost in instructions, counted by callgrind around each measured call, for `make bench`. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <valgrind/callgrind.h>

#include <arch/paging.h>
#include <vmm/mmu/internal.h>

#include "mmu/fake_platform.h"
#include "mmu/guest_mem.h"

/*
 * Run plainly, the program re-runs itself under callgrind with collection off, then reads the
 * dumps. Each figure is one dump named "<figure>/<divisor>": collection is switched on around
 * the measured call only, so setup costs nothing.
 */
#define MEASURE(name, divisor, call)                        \
	do {                                                \
		CALLGRIND_ZERO_STATS;                       \
		CALLGRIND_TOGGLE_COLLECT;                   \
		call;                                       \
		CALLGRIND_TOGGLE_COLLECT;                   \
		CALLGRIND_DUMP_STATS_AT(name "/" #divisor); \
	} while (0)

#define HOST_BASE 0x1000000000ULL
#define FLAGS	  (PTE_P | PTE_W | PTE_U | PTE_A | PTE_D)

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "mmu_bench: %s\n", what);
		exit(1);
	}
}

static enum mmu_fault_result fault(struct mmu_vcpu *v, u64 addr, enum guest_access_kind kind)
{
	struct mmu_fault f = { .addr = addr, .kind = kind };

	return mmu_page_fault(v, &f);
}

/* A 4-level guest: fault one page, then measure its neighbour's fault (upper levels exist). */
static void bench_shadow(void)
{
	struct guest_mem *gm = guest_mem_create(1024);
	struct guest_paging_state st = { 0 };
	struct guest_mem_access mem = guest_mem_access_of(gm);
	struct mmu_vm vm;
	struct mmu_vcpu v;
	struct gpt g;
	enum mmu_fault_result r = MMU_FAULT_RETRY;
	unsigned int i;
	u64 pt;

	fake_platform_reset();
	check(gpt_init(&g, gm, GUEST_PAGING_4LEVEL), "gpt_init");
	for (i = 0; i < 512; i++)
		check(gpt_map(&g, 0x400000 + i * 4096ULL, 1, ((600ULL + (i & 255)) << 12) | FLAGS,
			      PTE_W | PTE_U),
		      "gpt_map");
	pt = gpt_entry_gpa(&g, 0x400000, 1) >> 12;
	/* an alias of the page table, from another PT, so the guest can write it */
	check(gpt_map(&g, 0x40000000, 1, (pt << 12) | FLAGS, PTE_W | PTE_U), "alias");
	st.cr0 = X86_CR0_PG | X86_CR0_PE | X86_CR0_WP;
	st.cr4 = X86_CR4_PAE;
	st.efer = EFER_LME | EFER_LMA | EFER_NXE;
	st.cr3 = gpt_cr3(&g, 0);
	st.maxphyaddr = 46;
	st.cpl = 3;
	check(!mmu_vm_init(&vm, MMU_MODE_SHADOW), "vm");
	check(!mmu_memslot_add(&vm, 0, 0, 1024, HOST_BASE, 0), "memslot");
	mmu_vcpu_init(&v, &vm, 0, &st, &mem);
	check(fault(&v, 0x400000, GUEST_ACCESS_READ) == MMU_FAULT_FIXED, "first fault");
	MEASURE("mmu.shadow_fault_4k", 1, r = fault(&v, 0x401000, GUEST_ACCESS_READ));
	check(r == MMU_FAULT_FIXED, "shadow fault");

	for (i = 2; i < 512; i++)
		check(fault(&v, 0x400000 + i * 4096ULL, GUEST_ACCESS_READ) == MMU_FAULT_FIXED,
		      "fill");
	check(fault(&v, 0x40000000, GUEST_ACCESS_WRITE) == MMU_FAULT_FIXED, "unsync");
	check(vm.stats.unsync == 1, "page went unsync");
	MEASURE("mmu.sync_unsync_page", 512, mmu_flush_guest_tlb(&v, false));
	check(vm.stats.syncs == 1 && vm.stats.sync_zapped == 0, "sync kept every entry");

	mmu_vcpu_destroy(&v);
	mmu_vm_destroy(&vm);
	fake_grace_period();
	guest_mem_destroy(gm);
}

static void bench_tdp(void)
{
	struct mmu_vm vm;
	struct mmu_vcpu v;
	enum mmu_fault_result r = MMU_FAULT_RETRY;

	fake_platform_reset();
	check(!mmu_vm_init(&vm, MMU_MODE_TDP), "vm");
	/* host memory offset by one page: no large page fits, every fault maps 4 KiB */
	check(!mmu_memslot_add(&vm, 0, 0, 1 << 20, HOST_BASE + 4096, 0), "memslot");
	mmu_vcpu_init(&v, &vm, 0, NULL, NULL);
	check(fault(&v, 0x400000, GUEST_ACCESS_WRITE) == MMU_FAULT_FIXED, "first fault");
	MEASURE("mmu.tdp_fault_4k", 1, r = fault(&v, 0x401000, GUEST_ACCESS_WRITE));
	check(r == MMU_FAULT_FIXED, "tdp fault");
	mmu_vcpu_destroy(&v);
	mmu_vm_destroy(&vm);
	fake_grace_period();
}

/* @n direct pages made straight through the page allocator: what invalidate-all must not visit. */
static void bench_zap_all(u64 n, bool reclaim)
{
	union mmu_role role = { .word = 0 };
	struct mmu_vm vm;
	u64 i, left = 0;

	fake_platform_reset();
	check(!mmu_vm_init(&vm, MMU_MODE_TDP), "vm");
	role.direct = 1;
	role.level = 1;
	for (i = 0; i < n; i++)
		check(mmu_page_alloc(&vm, i << 9, role) != NULL, "page");
	if (n == 10)
		MEASURE("mmu.zap_all_gen_10", 1, mmu_zap_all(&vm));
	else
		MEASURE("mmu.zap_all_gen_100000", 1, mmu_zap_all(&vm));
	if (reclaim)
		MEASURE("mmu.obsolete_reclaim_per_page", 32,
			left = mmu_reclaim_obsolete(&vm, MMU_RECLAIM_BATCH));
	check(!reclaim || left == n - MMU_RECLAIM_BATCH, "one batch reclaimed");
	mmu_vm_destroy(&vm);
	fake_grace_period();
}

static void bench_rmap(void)
{
	static u64 sptes[1001];
	struct pte_list_cache c = { 0 };
	u64 head = 0;
	unsigned int i;

	fake_platform_reset();
	MEASURE("mmu.rmap_add_remove_1", 1,
		(pte_list_add(&c, &head, &sptes[0]), pte_list_remove(&c, &head, &sptes[0])));
	for (i = 1; i < 1000; i++)
		check(pte_list_add(&c, &head, &sptes[i]), "add");
	MEASURE("mmu.rmap_add_remove_1000", 1,
		(pte_list_add(&c, &head, &sptes[1000]), pte_list_remove(&c, &head, &sptes[1000])));
	for (i = 1; i < 1000; i++)
		pte_list_remove(&c, &head, &sptes[i]);
	pte_list_cache_destroy(&c);
}

static void measure_all(void)
{
	bench_shadow();
	bench_tdp();
	bench_zap_all(10, false);
	bench_zap_all(100000, true);
	bench_rmap();
}

static void print_dump(const char *path)
{
	char line[512], name[256] = "";
	unsigned long long totals = 0, divisor;
	FILE *f = fopen(path, "r");
	char *slash;

	check(f != NULL, "open dump");
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "desc: Trigger: Client Request: %255s", name) == 1)
			continue;
		sscanf(line, "totals: %llu", &totals);
	}
	fclose(f);
	slash = strchr(name, '/');
	if (!slash)
		return;
	*slash = 0;
	divisor = strtoull(slash + 1, NULL, 10);
	if (divisor == 1)
		printf("bench %s %llu instr\n", name, totals);
	else
		printf("bench %s %.1f instr\n", name, (double)totals / divisor);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	size_t la = strlen((*a)->d_name), lb = strlen((*b)->d_name);

	return la != lb ? (la < lb ? -1 : 1) : strcmp((*a)->d_name, (*b)->d_name);
}

/* Runs this program under callgrind and prints one line per dump, in the order measured. */
static int run_under_callgrind(const char *self)
{
	char dir[] = "/tmp/mmu_bench.XXXXXX", out[64], path[512];
	struct dirent **ents;
	int status, n, i;
	pid_t pid;

	check(mkdtemp(dir) != NULL, "mkdtemp");
	snprintf(out, sizeof(out), "--callgrind-out-file=%s/cg", dir);
	pid = fork();
	check(pid >= 0, "fork");
	if (pid == 0) {
		execlp("valgrind", "valgrind", "--tool=callgrind", "--collect-atstart=no",
		       "--quiet", out, self, (char *)NULL);
		_exit(127);
	}
	check(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && !WEXITSTATUS(status),
	      "callgrind run failed");
	n = scandir(dir, &ents, NULL, by_name);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		if (ents[i]->d_name[0] == 'c')
			print_dump(path);
		unlink(path);
		free(ents[i]);
	}
	free(ents);
	rmdir(dir);
	printf("bench mmu.meta_per_page %zu bytes\n", sizeof(struct mmu_page) + SPTE_ENTRIES * 8);
	printf("bench mmu.meta_per_direct_page %zu bytes\n", sizeof(struct mmu_page));
	printf("bench mmu.meta_per_rmap_entry %.1f bytes\n",
	       (double)sizeof(struct pte_list_desc) / PTE_LIST_DESC_ENTRIES);
	return 0;
}

int main(int argc, char **argv)
{
	if (RUNNING_ON_VALGRIND) {
		measure_all();
		return 0;
	}
	return run_under_callgrind(argv[0]);
}
