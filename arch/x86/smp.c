/* SPDX-License-Identifier: GPL-2.0-only */
/* SMP: per-CPU blocks, AP bring-up by INIT-SIPI-SIPI, cross-CPU calls, TLB shootdown, stopping. */
#include <keel/acpi.h>
#include <keel/arch.h>
#include <keel/epoch.h>
#include <keel/init.h>
#include <keel/mm.h>
#include <keel/panic.h>
#include <keel/printk.h>
#include <keel/smp.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/desc.h>
#include <arch/kmap.h>
#include <arch/msr.h>
#include <arch/percpu.h>
#include <arch/smp.h>

#include <string.h>

#define AP_STACK_ORDER	     2	    /* 16 KiB kernel stack per AP */
#define AP_START_TIMEOUT_US  200000 /* from the second SIPI to the AP reporting online */
#define CALL_TIMEOUT_US	     2000000UL
#define STOP_TIMEOUT_US	     100000
#define TLB_FLUSH_PAGES_MAX  32 /* above this many pages a full flush is cheaper */
#define INVPCID_ALL_CONTEXTS 2	/* INVPCID type: every PCID, global pages too (SDM Vol. 2A) */

struct percpu percpu[KEEL_MAX_CPUS] = { [0] = { .self = &percpu[0], .cpu_id = 0 } };
static struct cpumask online_mask;
static unsigned int cpus_started = 1; /* CPU numbers handed out so far; 0 is the boot CPU */
static u64 bsp_cr0, bsp_cr4;

void percpu_boot_early(void)
{
	wrmsr(MSR_GS_BASE, (u64)&percpu[0]);
}

void percpu_install(unsigned int cpu)
{
	struct percpu *pc = &percpu[cpu];

	pc->self = pc;
	pc->cpu_id = cpu;
	wrmsr(MSR_GS_BASE, (u64)pc);
}

void percpu_init_boot_cpu(struct cpu_tables *tables)
{
	percpu[0].tables = tables;
	percpu_install(0);
	cpumask_set(&online_mask, 0);
}

unsigned int smp_cpu_id(void)
{
	u32 id;

	__asm__ volatile("movl %%gs:%c1, %0" : "=r"(id) : "i"(PERCPU_OFF_CPU_ID));
	return id;
}

unsigned int smp_num_cpus(void)
{
	return cpumask_weight(&online_mask);
}

const struct cpumask *smp_online_mask(void)
{
	return &online_mask;
}

u64 smp_ipi_count(void)
{
	return READ_ONCE(this_cpu()->ipi_count);
}

static bool past(u64 start, u64 us)
{
	return rdtsc() - start > us * (tsc_hz() / 1000000);
}

/* ---- cross-CPU calls ---- */

/*
 * A request lives on the caller's stack; each target CPU has one slot that holds a pointer to
 * it. A target copies fn and arg out before it counts itself in `untaken`: after that a caller
 * that does not wait may return. Every CPU that waits here serves its own slot, so two CPUs
 * calling each other with interrupts off cannot deadlock.
 */
struct call_req {
	smp_call_fn fn;
	void *arg;
	bool wait;
	u32 untaken;
	u32 unfinished;
};

static struct call_req *call_slot[KEEL_MAX_CPUS];

void smp_call_poll(void)
{
	struct call_req *r = __atomic_exchange_n(&call_slot[smp_cpu_id()], NULL, __ATOMIC_ACQUIRE);
	smp_call_fn fn;
	void *arg;
	bool wait, irq;

	if (!r)
		return;
	fn = r->fn;
	arg = r->arg;
	wait = r->wait;
	__atomic_fetch_sub(&r->untaken, 1, __ATOMIC_RELEASE);
	irq = irq_save();
	/* An idle CPU is quiescent for the epoch scheme: fn's reads must not be. */
	epoch_irq_enter();
	fn(arg);
	epoch_irq_exit();
	irq_restore(irq);
	if (wait)
		__atomic_fetch_sub(&r->unfinished, 1, __ATOMIC_RELEASE);
}

static void post_call(unsigned int cpu, struct call_req *req)
{
	u64 start = rdtsc();
	struct call_req *expected = NULL;

	while (!__atomic_compare_exchange_n(&call_slot[cpu], &expected, req, false,
					    __ATOMIC_RELEASE, __ATOMIC_RELAXED)) {
		expected = NULL;
		smp_call_poll();
		cpu_relax();
		if (past(start, CALL_TIMEOUT_US))
			panic("smp: cpu %u has not taken a call for %lu ms", cpu,
			      CALL_TIMEOUT_US / 1000);
	}
	if (!apic_send_ipi(percpu[cpu].apic_id, IRQ_VECTOR_CALL))
		panic("smp: the APIC did not send an IPI to cpu %u", cpu);
}

static void wait_calls(u32 *pending, const char *what)
{
	u64 start = rdtsc();

	while (__atomic_load_n(pending, __ATOMIC_ACQUIRE)) {
		smp_call_poll();
		cpu_relax();
		if (past(start, CALL_TIMEOUT_US))
			panic("smp: %u cpu(s) did not %s a call within %lu ms",
			      __atomic_load_n(pending, __ATOMIC_RELAXED), what,
			      CALL_TIMEOUT_US / 1000);
	}
}

void smp_call(const struct cpumask *cpus, smp_call_fn fn, void *arg, bool wait)
{
	struct call_req req = { .fn = fn, .arg = arg, .wait = wait };
	unsigned int self = smp_cpu_id(), n = 0;
	bool irq;

	for_each_cpu (cpu, cpus)
		if (cpu != self && cpumask_test(&online_mask, cpu))
			n++;
	req.untaken = n;
	req.unfinished = n;
	for_each_cpu (cpu, cpus)
		if (cpu != self && cpumask_test(&online_mask, cpu))
			post_call(cpu, &req);
	if (cpumask_test(cpus, self)) {
		irq = irq_save();
		fn(arg);
		irq_restore(irq);
	}
	/* Even without wait the request must be taken: it lives on this stack. */
	wait_calls(&req.untaken, "take");
	if (wait)
		wait_calls(&req.unfinished, "finish");
}

/* ---- TLB shootdown ---- */

struct flush_req {
	const vaddr_t *addrs; /* NULL: everything */
	unsigned int count;
};

/* Everything, global pages included: INVPCID when there is one, else a CR4.PGE toggle or CR3. */
static void flush_all_local(void)
{
	struct {
		u64 pcid, addr;
	} desc = { 0, 0 };
	u64 cr4;

	if (cpu_features.invpcid) {
		__asm__ volatile("invpcid %0, %1"
				 :
				 : "m"(desc), "r"((u64)INVPCID_ALL_CONTEXTS)
				 : "memory");
		return;
	}
	cr4 = read_cr4();
	if (cr4 & X86_CR4_PGE) {
		write_cr4(cr4 & ~X86_CR4_PGE);
		write_cr4(cr4);
	} else {
		write_cr3(read_cr3());
	}
}

static void flush_fn(void *arg)
{
	const struct flush_req *f = arg;

	if (!f->addrs) {
		flush_all_local();
		return;
	}
	for (unsigned int i = 0; i < f->count; i++)
		__asm__ volatile("invlpg (%0)" : : "r"(f->addrs[i]) : "memory");
}

void tlb_shootdown(const struct cpumask *cpus, const vaddr_t *addrs, unsigned int count)
{
	struct flush_req f = { addrs, count };

	if (count > TLB_FLUSH_PAGES_MAX)
		f.addrs = NULL;
	smp_call(cpus, flush_fn, &f, true);
}

/* ---- stopping every CPU on panic ---- */

static bool stopping;
static u32 cpus_stopped;

bool smp_stop_requested(void)
{
	return READ_ONCE(stopping);
}

void smp_stop_self(void)
{
	__atomic_fetch_add(&cpus_stopped, 1, __ATOMIC_RELEASE);
	arch_halt();
}

void arch_stop_other_cpus(void)
{
	unsigned int others = smp_num_cpus() - 1;
	u64 start;

	if (!others || !tsc_hz())
		return;
	WRITE_ONCE(stopping, true);
	if (!apic_send_nmi_all_but_self()) {
		printk_raw("smp: the APIC did not send the stop NMI\n");
		return;
	}
	start = rdtsc();
	while (__atomic_load_n(&cpus_stopped, __ATOMIC_ACQUIRE) < others) {
		if (past(start, STOP_TIMEOUT_US)) {
			printk_raw("smp: %u of %u other cpus did not stop\n",
				   others - __atomic_load_n(&cpus_stopped, __ATOMIC_RELAXED),
				   others);
			return;
		}
		cpu_relax();
	}
}

/* ---- AP bring-up ---- */

/* The CPUs' first C code: on its own stack, the kernel's page tables, interrupts off. */
__noreturn void ap_main(struct percpu *pc);

__noreturn void ap_main(struct percpu *pc)
{
	write_cr0(bsp_cr0);
	write_cr4(bsp_cr4);
	cpu_tables_load(pc->tables);
	percpu_install(pc->cpu_id);
	idt_load();
	apic_init_ap();
	cpumask_set(&online_mask, pc->cpu_id);
	/*
	 * Idle: serve calls; an IPI that lands between the poll and the hlt ends the hlt. An AP
	 * starts in the epoch scheme's idle state and leaves it only inside a call.
	 */
	for (;;) {
		smp_call_poll();
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	}
}

static struct trampoline_params *trampoline_params_low(void)
{
	return phys_to_virt(AP_TRAMPOLINE_PHYS + (trampoline_params - trampoline_start));
}

/* The trampoline page must be RAM the map calls usable (mm/memmap.c withholds it from pmm). */
static bool trampoline_page_usable(void)
{
	for (u32 i = 0; i < boot_info.mmap_count && i < BOOT_MMAP_MAX; i++) {
		const struct boot_mmap_entry *e = &boot_info.mmap[i];

		if (e->type == BOOT_MEM_USABLE && e->base <= AP_TRAMPOLINE_PHYS &&
		    e->base + e->length >= AP_TRAMPOLINE_PHYS + PAGE_SIZE)
			return true;
	}
	return false;
}

static void trampoline_setup(void)
{
	struct trampoline_params *p = trampoline_params_low();
	u64 cr3 = read_cr3();

	KEEL_BUG_ON(trampoline_end - trampoline_start > (long)PAGE_SIZE);
	/* The AP loads CR3 with a 32-bit move, before long mode. */
	if (cr3 >> 32)
		panic("smp: the kernel's PML4 at 0x%lx lies above 4 GiB", cr3);
	memcpy(phys_to_virt(AP_TRAMPOLINE_PHYS), trampoline_start,
	       trampoline_end - trampoline_start);
	if (!kmap_page(AP_TRAMPOLINE_PHYS, AP_TRAMPOLINE_PHYS, PTE_A))
		panic("smp: the AP trampoline page is mapped already");
	bsp_cr0 = read_cr0();
	bsp_cr4 = read_cr4();
	p->cr3 = (u32)cr3;
	p->cr4 = X86_CR4_PAE;
	p->efer = EFER_LME | (rdmsr(MSR_EFER) & EFER_NXE);
	p->entry = (u64)ap_main;
}

static bool alloc_cpu(struct percpu *pc)
{
	unsigned int order = 0;
	paddr_t tables, stack;

	while ((PAGE_SIZE << order) < sizeof(struct cpu_tables))
		order++;
	tables = pmm_alloc_pages(order);
	stack = pmm_alloc_pages(AP_STACK_ORDER);
	if (!tables || !stack) {
		if (tables)
			pmm_free_pages(tables, order);
		if (stack)
			pmm_free_pages(stack, AP_STACK_ORDER);
		return false;
	}
	pc->tables = phys_to_virt(tables);
	pc->stack_top = (u64)phys_to_virt(stack) + (PAGE_SIZE << AP_STACK_ORDER);
	return true;
}

static bool wait_online(unsigned int cpu, u64 us)
{
	u64 start = rdtsc();

	while (!cpumask_test(&online_mask, cpu)) {
		if (past(start, us))
			return false;
		cpu_relax();
	}
	return true;
}

/* INIT, 10 ms, SIPI, 200 us, and a second SIPI unless the first one already got the AP going. */
static bool start_ap(u32 apic, unsigned int cpu)
{
	struct trampoline_params *p = trampoline_params_low();
	struct percpu *pc = &percpu[cpu];
	u32 page = AP_TRAMPOLINE_PHYS >> PAGE_SHIFT;

	if (!alloc_cpu(pc)) {
		pr_warn("smp: out of memory for cpu %u (APIC ID %u)\n", cpu, apic);
		return false;
	}
	pc->cpu_id = cpu;
	pc->apic_id = apic;
	p->stack = pc->stack_top;
	p->percpu = (u64)pc;
	WRITE_ONCE(p->entered, 0);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	if (!apic_send_init(apic))
		goto no_ipi;
	udelay(SMP_INIT_DELAY_US);
	if (!apic_send_startup(apic, page))
		goto no_ipi;
	udelay(SMP_SIPI_DELAY_US);
	if (!READ_ONCE(p->entered)) {
		if (!apic_send_startup(apic, page))
			goto no_ipi;
		udelay(SMP_SIPI_DELAY_US);
	}
	if (wait_online(cpu, AP_START_TIMEOUT_US))
		return true;
	pr_warn("smp: cpu with APIC ID %u did not come online (%s); left out\n", apic,
		READ_ONCE(p->entered) ? "stuck in the trampoline" : "never started");
	/* Park it in wait-for-SIPI again, so it cannot run on with the next CPU's parameters. */
	apic_send_init(apic);
	return false;
no_ipi:
	pr_warn("smp: the APIC did not deliver INIT/SIPI to APIC ID %u; left out\n", apic);
	return false;
}

static void start_aps(const struct acpi_info *ai, u32 bsp_apic)
{
	for (u32 i = 0; i < ai->cpu_count; i++) {
		const struct acpi_cpu *c = &ai->cpus[i];

		if (!c->enabled || c->apic_id == bsp_apic)
			continue;
		if (cpus_started == KEEL_MAX_CPUS) {
			pr_warn("smp: more than %u cpus: APIC ID %u left out\n", KEEL_MAX_CPUS,
				c->apic_id);
			continue;
		}
		if (!apic_is_x2apic() && c->apic_id > 0xff) {
			pr_warn("smp: APIC ID %u needs x2APIC mode; left out\n", c->apic_id);
			continue;
		}
		if (start_ap(c->apic_id, cpus_started))
			cpus_started++;
	}
}

void smp_init(void)
{
	const struct acpi_info *ai = acpi_get_info();
	u32 bsp_apic;
	bool bsp_listed = false;

	kmap_init();
	apic_init();
	bsp_apic = apic_id();
	percpu[0].apic_id = bsp_apic;
	if (!ai || !ai->madt_found) {
		pr_info("smp: no MADT, running on the boot cpu only\n");
		return;
	}
	for (u32 i = 0; i < ai->cpu_count; i++)
		bsp_listed |= ai->cpus[i].enabled && ai->cpus[i].apic_id == bsp_apic;
	if (!bsp_listed)
		pr_warn("smp: the boot cpu (APIC ID %u) is not an enabled MADT entry\n", bsp_apic);
	if (ai->cpus_enabled > 1) {
		if (trampoline_page_usable()) {
			trampoline_setup();
			start_aps(ai, bsp_apic);
			kmap_drop_lower_half();
		} else {
			pr_warn("smp: page 0x%lx is not usable RAM in the memory map: no AP can "
				"start\n",
				AP_TRAMPOLINE_PHYS);
		}
	}
	pr_info("smp: %u of %u cpus online\n", smp_num_cpus(), ai->cpus_enabled);
}
