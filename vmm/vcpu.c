/* SPDX-License-Identifier: GPL-2.0-only */
/* A vCPU: creation on the current CPU, its guest MMU view, control-register writes, MMU faults. */
#include <vmm/exit/exit.h>
#include <vmm/vmm.h>

#include <keel/printk.h>
#include <keel/smp.h>

#include <errno.h>
#include <string.h>

/* Guest time between two preemption-timer exits: the unit the budget is counted in. */
#define VCPU_SLICE_TICKS 100000000ull
/* Retries of one write (same RIP, same address) after unprotecting its frame, before giving up. */
#define VCPU_UNPROTECT_RETRIES 8

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

/*
 * Shadow mode, a write the MMU would need emulated: the frame's shadow pages are zapped and the
 * guest retries the instruction natively. The same write faulting that way again and again
 * (same RIP, same address) means the retry cannot succeed: the frame is tracked again before the
 * write runs (a live table that maps the writing code itself).
 */
static bool retry_unprotected(struct vcpu *vcpu, const struct mmu_fault *f)
{
	struct vm *vm = vcpu->vm;
	u64 rip = vcpu_reg_read(vcpu, VCPU_RIP);

	if (vm->opt.mmu != MMU_MODE_SHADOW || f->kind != GUEST_ACCESS_WRITE ||
	    f->gpa >= vm->ram_size)
		return false;
	if (rip == vcpu->unprotect_rip && f->gpa == vcpu->unprotect_gpa) {
		if (++vcpu->unprotect_repeats > VCPU_UNPROTECT_RETRIES) {
			vm_stop(vm, VM_STOP_UNHANDLED,
				"write to guest page table gpa 0x%lx at rip 0x%lx keeps faulting "
				"after unprotect: it needs instruction emulation",
				(unsigned long)f->gpa, (unsigned long)rip);
			return true;
		}
	} else {
		vcpu->unprotect_rip = rip;
		vcpu->unprotect_gpa = f->gpa;
		vcpu->unprotect_repeats = 0;
	}
	return mmu_unprotect_gfn(&vm->mmu, f->gpa >> 12);
}

static enum exit_action fault_result(struct vcpu *vcpu, struct mmu_fault *f,
				     enum mmu_fault_result r, u64 cr2)
{
	struct vm *vm = vcpu->vm;

	if (r == MMU_FAULT_EMULATE && retry_unprotected(vcpu, f))
		return vm_stopped(vm) ? EXIT_STOP : EXIT_RESUME;
	/* A fault elsewhere than the retried write: the guest moved on, it was no loop. */
	if (vcpu->unprotect_repeats && vcpu_reg_read(vcpu, VCPU_RIP) != vcpu->unprotect_rip)
		vcpu->unprotect_repeats = 0;
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
