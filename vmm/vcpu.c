/* SPDX-License-Identifier: GPL-2.0-only */
/* A vCPU: creation on the current CPU, its guest MMU view, control-register writes, MMU faults. */
#include <vmm/exit/exit.h>
#include <vmm/vmm.h>

#include <keel/epoch.h>
#include <keel/printk.h>
#include <keel/smp.h>

#include <errno.h>
#include <string.h>

/* Guest time between two preemption-timer exits: the unit the budget is counted in. */
#define VCPU_SLICE_TICKS 100000000ull
/*
 * Native attempts in a row of one write that needs emulation (write windows, or unprotect and
 * retry) that do not complete, before the VM is stopped.
 */
#define VCPU_WRITE_RETRIES 8

/* PAE paging: the four PDPTEs come from the 32-byte-aligned table CR3 points to (SDM 4.4.1). */
#define CR3_PAE_TABLE_MASK 0xffffffe0ull
#define PAE_PDPTE_COUNT	   4

static bool guest_pae(const struct guest_paging_state *g)
{
	return guest_paging_mode(g->cr0, g->cr4, g->efer) == GUEST_PAGING_PAE;
}

static void load_pdptes(struct vcpu *vcpu)
{
	struct guest_paging_state *g = &vcpu->paging;

	if (!guest_pae(g) ||
	    vm_read_guest(vcpu->vm, g->cr3 & CR3_PAE_TABLE_MASK, g->pdptes, sizeof(g->pdptes)))
		memset(g->pdptes, 0, sizeof(g->pdptes));
}

/* 1 GiB pages as the guest's CPUID reports them: the walker honours PS in a PDPTE only then. */
static bool guest_has_gbpages(void)
{
	const struct cpuid_guest none = { 0 };

	return cpuid_guest_leaf(&host_cpuid, &none, 0x80000001, 0).edx & CPUID_80000001_EDX_PAGE1GB;
}

int vcpu_create(struct vm *vm, unsigned int id, u64 entry_rip, u64 cmdline_gpa)
{
	struct vcpu *vcpu = &vm->vcpus[id];
	struct guest_mem_access mem = { .ops = &vm_guest_mem_ops, .ctx = vm };
	char err[160] = "";
	int ret;

	memset(vcpu, 0, sizeof(*vcpu));
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->cpu = smp_cpu_id();
	vcpu->paging.maxphyaddr = (u8)cpuid_maxphyaddr(&host_cpuid);
	vcpu->paging.gbpages = guest_has_gbpages();
	mmu_vcpu_init(&vcpu->mmu, &vm->mmu, vcpu->cpu, &vcpu->paging, &mem);
	ret = arch_vcpu_init(vcpu, entry_rip, cmdline_gpa, VCPU_SLICE_TICKS, err, sizeof(err));
	if (ret) {
		mmu_vcpu_destroy(&vcpu->mmu);
		vm_stop(vm, VM_STOP_ERROR, "vcpu%u: %s", id, err);
		return ret;
	}
	vm->nr_vcpus = id + 1;
	return 0;
}

void vcpu_destroy(struct vcpu *vcpu)
{
	mmu_vcpu_destroy(&vcpu->mmu);
	arch_vcpu_destroy(vcpu);
}

/* Slices of VCPU_SLICE_TICKS the budget allows, rounded up. */
u64 vcpu_budget_slices(const struct vcpu *vcpu)
{
	u64 ticks = vcpu->vm->opt.budget_minsn * 1000000ull;

	return (ticks + VCPU_SLICE_TICKS - 1) / VCPU_SLICE_TICKS;
}

int vcpu_creg_write(struct vcpu *vcpu, enum vcpu_creg reg, u64 val)
{
	struct guest_paging_state before = vcpu->paging;
	int ret = vcpu->ops->set_creg(vcpu, reg, val);

	if (ret || vcpu->vm->opt.mmu != MMU_MODE_SHADOW)
		return ret;
	if (reg == VCPU_CR3) {
		load_pdptes(vcpu);
		mmu_cr3_load(&vcpu->mmu, val);
		return 0;
	}
	if (before.cr0 != vcpu->paging.cr0 || before.cr4 != vcpu->paging.cr4 ||
	    before.efer != vcpu->paging.efer) {
		load_pdptes(vcpu);
		mmu_paging_changed(&vcpu->mmu);
	}
	return 0;
}

/* Makes the MMU's root current and hands it to the CPU when it changed. */
int vcpu_load_mmu_root(struct vcpu *vcpu)
{
	int ret = mmu_load_root(&vcpu->mmu);

	if (ret)
		return ret;
	if (vcpu->mmu.root_pa != vcpu->loaded_root) {
		vcpu->ops->set_mmu_root(vcpu, vcpu->mmu.root_pa);
		vcpu->loaded_root = vcpu->mmu.root_pa;
	}
	return 0;
}

/* A write the MMU would need emulated, to guest RAM in shadow mode: it can run natively. */
static bool write_may_run_natively(struct vcpu *vcpu, const struct mmu_fault *f)
{
	struct vm *vm = vcpu->vm;

	return vm->opt.mmu == MMU_MODE_SHADOW && f->kind == GUEST_ACCESS_WRITE &&
	       f->gpa < vm->ram_size;
}

/*
 * Counts one more native attempt of the write at @rip (@same: it repeats the last attempt).
 * Returns false, with the VM stopped, once the attempts in a row that came to nothing pass
 * VCPU_WRITE_RETRIES.
 */
static bool count_write_retry(struct vcpu *vcpu, bool same, u64 rip, u64 gpa, const char *why)
{
	if (!same) {
		vcpu->write_retry_rip = rip;
		vcpu->write_retry_gpa = gpa;
		vcpu->write_retry_repeats = 0;
		return true;
	}
	if (++vcpu->write_retry_repeats <= VCPU_WRITE_RETRIES)
		return true;
	vm_stop(vcpu->vm, VM_STOP_UNHANDLED, "write to guest page table gpa 0x%lx at rip 0x%lx %s",
		(unsigned long)gpa, (unsigned long)rip, why);
	return false;
}

/*
 * The write window (docs/mmu.md): the MMU makes the one SPTE writable and the guest re-enters
 * for exactly one instruction; vcpu_close_write_window() ends it at the next exit. When no
 * step can be armed for this entry (an event pending injection; with a TF step also the
 * guest's own TF or an STI or MOV SS shadow) the window opens unstepped: the guest runs on
 * until its next exit, whatever that is, and the diff at closing is just as exact. An
 * instruction that keeps exiting before it completes (it faults on another tracked frame each
 * time, say) is stopped after VCPU_WRITE_RETRIES windows. Returns false when no window can be
 * opened here, for the caller's fallback.
 */
static bool open_write_window(struct vcpu *vcpu, const struct mmu_fault *f, enum exit_action *act)
{
	struct vm *vm = vcpu->vm;
	u64 rip = vcpu_reg_read(vcpu, VCPU_RIP);

	switch (mmu_write_window_open(&vcpu->mmu, f->addr, f->gpa)) {
	case MMU_WINDOW_OPEN:
		break;
	case MMU_WINDOW_BUSY:
		*act = EXIT_RESUME;
		return true;
	case MMU_WINDOW_NOMEM:
		vm_stop(vm, VM_STOP_ERROR, "out of memory for a write window's snapshot");
		*act = EXIT_STOP;
		return true;
	case MMU_WINDOW_REFUSED:
	default:
		return false;
	}
	if (!count_write_retry(
		    vcpu, rip == vcpu->write_retry_rip, rip, f->gpa,
		    "never completes in a write window: it faults elsewhere each time")) {
		mmu_write_window_close(&vcpu->mmu);
		*act = EXIT_STOP;
		return true;
	}
	if (vcpu->ops->can_single_step(vcpu))
		vcpu->ops->single_step(vcpu, true);
	*act = EXIT_RESUME;
	return true;
}

/*
 * The fallback without single steps: the frame's shadow pages are zapped and the guest retries
 * the instruction natively. The same write faulting that way again and again (same RIP, same
 * address) means the retry cannot succeed: the frame is tracked again before the write runs (a
 * live table that maps the writing code itself).
 */
static bool retry_unprotected(struct vcpu *vcpu, const struct mmu_fault *f)
{
	struct vm *vm = vcpu->vm;
	u64 rip = vcpu_reg_read(vcpu, VCPU_RIP);
	bool same = rip == vcpu->write_retry_rip && f->gpa == vcpu->write_retry_gpa;

	if (!count_write_retry(vcpu, same, rip, f->gpa,
			       "keeps faulting after unprotect: it needs instruction emulation"))
		return true;
	return mmu_unprotect_gfn(&vm->mmu, f->gpa >> 12);
}

void vcpu_close_write_window(struct vcpu *vcpu, const struct vm_exit *exit)
{
	unsigned int changed;

	vcpu->ops->single_step(vcpu, false);
	/* The run loop is still in the epoch's guest state here; MMU work is not guest work. */
	epoch_guest_exit();
	changed = mmu_write_window_close(&vcpu->mmu);
	epoch_guest_enter();
	/* The instruction ran, or wrote before it faulted: the next window counts afresh. */
	if (changed || exit->kind == VM_EXIT_SINGLE_STEP)
		vcpu->write_retry_repeats = 0;
}

/* The window was closed before dispatch: the guest just goes on. */
enum exit_action vcpu_single_step_done(struct vcpu *vcpu, const struct vm_exit *exit)
{
	return EXIT_RESUME;
}

static enum exit_action fault_result(struct vcpu *vcpu, struct mmu_fault *f,
				     enum mmu_fault_result r, u64 cr2)
{
	struct vm *vm = vcpu->vm;
	enum exit_action act;

	if (r == MMU_FAULT_EMULATE && write_may_run_natively(vcpu, f)) {
		if (open_write_window(vcpu, f, &act))
			return act;
		if (retry_unprotected(vcpu, f))
			return vm_stopped(vm) ? EXIT_STOP : EXIT_RESUME;
	}
	/* A fault elsewhere than the retried write: the guest moved on, it was no loop. */
	if (vcpu->write_retry_repeats && vcpu_reg_read(vcpu, VCPU_RIP) != vcpu->write_retry_rip)
		vcpu->write_retry_repeats = 0;
	switch (r) {
	case MMU_FAULT_FIXED:
	case MMU_FAULT_RETRY:
		return EXIT_RESUME;
	case MMU_FAULT_INJECT_PF:
		vcpu_inject_exception(vcpu, VM_EXC_PF, true, f->error_code, cr2);
		return EXIT_RESUME;
	case MMU_FAULT_EMULATE:
		vm_stop(vm, VM_STOP_UNHANDLED,
			"access to gpa 0x%lx needs instruction emulation (MMIO or a tracked guest "
			"page table), which Keel does not have",
			(unsigned long)f->gpa);
		return EXIT_STOP;
	case MMU_FAULT_NOMEM:
	default:
		vm_stop(vm, VM_STOP_ERROR, "out of memory for guest page tables");
		return EXIT_STOP;
	}
}

enum exit_action vcpu_mmu_fault(struct vcpu *vcpu, const struct vm_exit *exit)
{
	struct mmu_fault f = { 0 };
	struct vm *vm = vcpu->vm;

	switch (exit->kind) {
	case VM_EXIT_EPT_VIOLATION:
		f.addr = exit->ept.gpa;
		f.gpa = exit->ept.gpa;
		f.kind = exit->ept.fetch   ? GUEST_ACCESS_FETCH
			 : exit->ept.write ? GUEST_ACCESS_WRITE
					   : GUEST_ACCESS_READ;
		if (exit->ept.gpa >= vm->ram_size) {
			vm_stop(vm, VM_STOP_UNHANDLED, "guest touched gpa 0x%lx outside its %u MiB",
				(unsigned long)exit->ept.gpa, vm->opt.mem_mib);
			return EXIT_STOP;
		}
		return fault_result(vcpu, &f, mmu_page_fault(&vcpu->mmu, &f), 0);
	case VM_EXIT_EXCEPTION:
		vm->stats.pf_intercepts++;
		/* The walker judges the access as the CPU did: at the guest's CPL, with its AC. */
		vcpu->paging.cpl = (u8)vcpu->ops->cpl(vcpu);
		vcpu->paging.rflags = vcpu_reg_read(vcpu, VCPU_RFLAGS);
		/* U/S clear at CPL 3: the CPU was delivering an event (IDT, TSS, kernel stack). */
		if (vcpu->paging.cpl == 3 && !(exit->exception.error_code & PF_ERR_U))
			f.walk_flags = GUEST_WALK_IMPLICIT;
		f.gpa = ~0ull; /* set by the MMU once the guest walk names a frame */
		f.addr = exit->exception.cr2;
		f.kind = (exit->exception.error_code & PF_ERR_I)   ? GUEST_ACCESS_FETCH
			 : (exit->exception.error_code & PF_ERR_W) ? GUEST_ACCESS_WRITE
								   : GUEST_ACCESS_READ;
		return fault_result(vcpu, &f, mmu_page_fault(&vcpu->mmu, &f), exit->exception.cr2);
	default:
		vm_stop(vm, VM_STOP_ERROR, "EPT misconfiguration at gpa 0x%lx (a Keel bug)",
			(unsigned long)exit->ept.gpa);
		return EXIT_STOP;
	}
}
