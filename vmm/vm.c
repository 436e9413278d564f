/* SPDX-License-Identifier: GPL-2.0-only */
/* A VM: its guest RAM as memslots of the guest MMU, access to guest memory, and how it stops. */
#include <vmm/vmm.h>

#include <keel/mm.h>
#include <keel/panic.h>
#include <keel/printk.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* PAE paging: CR3 bits 31:5 locate the PDPT (SDM Vol. 3A, 4.4.1). */
#define CR3_PAE_PDPT_MASK 0xffffffe0ull

static const char *const stop_names[VM_STOP_REASON_COUNT] = {
	[VM_STOP_NONE] = "running",
	[VM_STOP_EXIT] = "exit",
	[VM_STOP_TRIPLE_FAULT] = "triple_fault",
	[VM_STOP_ENTRY_FAILURE] = "entry_failure",
	[VM_STOP_BUDGET] = "budget",
	[VM_STOP_HALTED] = "halted",
	[VM_STOP_UNHANDLED] = "unhandled",
	[VM_STOP_ERROR] = "error",
};

static const char *const exit_names[VM_EXIT_KIND_COUNT] = {
	[VM_EXIT_CPUID] = "cpuid",
	[VM_EXIT_HLT] = "hlt",
	[VM_EXIT_IO] = "io",
	[VM_EXIT_MSR_READ] = "msr_read",
	[VM_EXIT_MSR_WRITE] = "msr_write",
	[VM_EXIT_VMCALL] = "vmcall",
	[VM_EXIT_CR_ACCESS] = "cr_access",
	[VM_EXIT_INVLPG] = "invlpg",
	[VM_EXIT_INVPCID] = "invpcid",
	[VM_EXIT_EPT_VIOLATION] = "ept_violation",
	[VM_EXIT_EPT_MISCONFIG] = "ept_misconfig",
	[VM_EXIT_EXCEPTION] = "exception",
	[VM_EXIT_NMI] = "nmi",
	[VM_EXIT_EXTERNAL_INTERRUPT] = "external_interrupt",
	[VM_EXIT_TRIPLE_FAULT] = "triple_fault",
	[VM_EXIT_PREEMPTION_TIMER] = "preemption_timer",
	[VM_EXIT_XSETBV] = "xsetbv",
	[VM_EXIT_INVD] = "invd",
	[VM_EXIT_WBINVD] = "wbinvd",
	[VM_EXIT_VMX_INSTRUCTION] = "vmx_instruction",
	[VM_EXIT_SINGLE_STEP] = "single_step",
	[VM_EXIT_ENTRY_FAILURE] = "entry_failure",
	[VM_EXIT_OTHER] = "other",
};

const char *vm_stop_reason_name(enum vm_stop_reason reason)
{
	return reason < VM_STOP_REASON_COUNT ? stop_names[reason] : "?";
}

enum vm_stop_reason vm_stop_reason_parse(const char *word)
{
	for (unsigned int r = VM_STOP_EXIT; r < VM_STOP_REASON_COUNT; r++)
		if (!strcmp(word, stop_names[r]))
			return (enum vm_stop_reason)r;
	return VM_STOP_REASON_COUNT;
}

const char *vm_exit_kind_name(enum vm_exit_kind kind)
{
	return kind < VM_EXIT_KIND_COUNT ? exit_names[kind] : "?";
}

void vm_stop(struct vm *vm, enum vm_stop_reason reason, const char *fmt, ...)
{
	va_list ap;

	if (vm_stopped(vm))
		return;
	vm->stop_reason = reason;
	va_start(ap, fmt);
	vsnprintf(vm->stop_detail, sizeof(vm->stop_detail), fmt, ap);
	va_end(ap);
}

void vm_exit_with_status(struct vm *vm, u64 status)
{
	if (vm_stopped(vm))
		return;
	vm->exit_status = status;
	vm_stop(vm, VM_STOP_EXIT, "exit status %lu", (unsigned long)status);
}

void *vm_gpa_to_hva(struct vm *vm, u64 gpa, u64 len)
{
	u64 chunk = gpa / VM_RAM_CHUNK, off = gpa % VM_RAM_CHUNK;

	if (gpa >= vm->ram_size || len > VM_RAM_CHUNK - off)
		return NULL;
	return (u8 *)phys_to_virt(vm->ram_chunks[chunk]) + off;
}

/* Copies between guest RAM and a host buffer, one chunk at a time. */
static int copy_guest(struct vm *vm, u64 gpa, void *buf, u64 len, bool to_guest)
{
	u8 *p = buf;

	if (gpa > vm->ram_size || len > vm->ram_size - gpa)
		return -EFAULT;
	while (len) {
		u64 n = MIN(len, VM_RAM_CHUNK - gpa % VM_RAM_CHUNK);
		u8 *hva = vm_gpa_to_hva(vm, gpa, n);

		if (to_guest)
			memcpy(hva, p, n);
		else
			memcpy(p, hva, n);
		gpa += n;
		p += n;
		len -= n;
	}
	return 0;
}

int vm_read_guest(struct vm *vm, u64 gpa, void *buf, u64 len)
{
	return copy_guest(vm, gpa, buf, len, false);
}

int vm_write_guest(struct vm *vm, u64 gpa, const void *buf, u64 len)
{
	return copy_guest(vm, gpa, (void *)buf, len, true);
}

/* The guest page-table walker's window onto guest RAM (shadow mode). */
static int guest_mem_read(void *ctx, u64 gpa, void *buf, unsigned int len)
{
	return vm_read_guest(ctx, gpa, buf, len);
}

static int guest_mem_cmpxchg(void *ctx, u64 gpa, u64 old, u64 new_val, unsigned int len)
{
	void *p = vm_gpa_to_hva(ctx, gpa, len);

	if (!p || (len != 4 && len != 8))
		return -EFAULT;
	if (len == 4) {
		u32 o = (u32)old;

		return __atomic_compare_exchange_n((u32 *)p, &o, (u32)new_val, false,
						   __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)
			       ? 0
			       : 1;
	}
	/* walk.h: a changed entry is 1 (the walk restarts); negative means not RAM. */
	return __atomic_compare_exchange_n((u64 *)p, &old, new_val, false, __ATOMIC_SEQ_CST,
					   __ATOMIC_SEQ_CST)
		       ? 0
		       : 1;
}

const struct guest_mem_ops vm_guest_mem_ops = {
	.read = guest_mem_read,
	.cmpxchg = guest_mem_cmpxchg,
};

/*
 * The guest's paging state as of now. vcpu->paging is what the MMU tracks (shadow mode); with
 * EPT the guest loads CR3, and a PAE guest its PDPTE registers, without an exit, so CR3 is read
 * back and the PDPTEs are read where it points: the values of the guest's last load unless it
 * has changed its PDPT since without reloading CR3.
 */
static void current_paging(struct vcpu *vcpu, struct guest_paging_state *g)
{
	*g = vcpu->paging;
	g->cr0 = vcpu_creg_read(vcpu, VCPU_CR0);
	g->cr3 = vcpu_creg_read(vcpu, VCPU_CR3);
	g->cr4 = vcpu_creg_read(vcpu, VCPU_CR4);
	g->efer = vcpu_creg_read(vcpu, VCPU_EFER);
	g->rflags = vcpu_reg_read(vcpu, VCPU_RFLAGS);
	g->cpl = (u8)vcpu->ops->cpl(vcpu);
	if (vcpu->vm->opt.mmu == MMU_MODE_TDP &&
	    guest_paging_mode(g->cr0, g->cr4, g->efer) == GUEST_PAGING_PAE &&
	    vm_read_guest(vcpu->vm, g->cr3 & CR3_PAE_PDPT_MASK, g->pdptes, sizeof(g->pdptes)))
		memset(g->pdptes, 0, sizeof(g->pdptes));
}

/* Whether @gva is canonical for the guest's paging (4-level: 48 bits, 5-level: 57). */
static bool gva_canonical(const struct guest_paging_state *g, u64 gva)
{
	enum guest_paging_mode mode = guest_paging_mode(g->cr0, g->cr4, g->efer);
	unsigned int bits = mode == GUEST_PAGING_5LEVEL ? 57 : 48;

	if (mode != GUEST_PAGING_4LEVEL && mode != GUEST_PAGING_5LEVEL)
		return true;
	return (u64)((s64)(gva << (64 - bits)) >> (64 - bits)) == gva;
}

/*
 * Every page the access touches is translated (and its A/D bits set) before any byte moves, so
 * a fault leaves guest memory as it was, as the CPU's own access would.
 */
enum vcpu_mem_result vcpu_access_gva(struct vcpu *vcpu, u64 gva, void *buf, unsigned int len,
				     enum guest_access_kind kind)
{
	struct vm *vm = vcpu->vm;
	struct guest_mem_access mem = { .ops = &vm_guest_mem_ops, .ctx = vm };
	struct guest_paging_state g;
	u64 gpa[2];
	unsigned int n[2], pieces = 0;

	KEEL_BUG_ON(len > PAGE_SIZE);
	current_paging(vcpu, &g);
	if (!gva_canonical(&g, gva) || !gva_canonical(&g, gva + len - 1)) {
		vcpu_inject_exception(vcpu, VM_EXC_GP, true, 0, 0);
		return VCPU_MEM_FAULT;
	}
	for (unsigned int done = 0; done < len; done += n[pieces++]) {
		struct guest_walk w;

		n[pieces] = MIN(len - done, PAGE_SIZE - (unsigned int)((gva + done) % PAGE_SIZE));
		switch (guest_walk(&w, &mem, &g, gva + done, kind, 0)) {
		case GUEST_WALK_OK:
			break;
		case GUEST_WALK_FAULT:
			vcpu_inject_exception(vcpu, VM_EXC_PF, true, w.error_code, w.gva);
			return VCPU_MEM_FAULT;
		case GUEST_WALK_RETRY:
			return VCPU_MEM_FAULT; /* the instruction runs again and walks afresh */
		default:
			vm_stop(vm, VM_STOP_UNHANDLED,
				"guest page table at gpa 0x%lx (for gva 0x%lx) is not RAM",
				(unsigned long)w.pte_gpa[w.level - 1], (unsigned long)(gva + done));
			return VCPU_MEM_STOPPED;
		}
		gpa[pieces] = w.gpa;
		if (w.gpa >= vm->ram_size || n[pieces] > vm->ram_size - w.gpa) {
			vm_stop(vm, VM_STOP_UNHANDLED, "gva 0x%lx maps gpa 0x%lx, which is not RAM",
				(unsigned long)(gva + done), (unsigned long)w.gpa);
			return VCPU_MEM_STOPPED;
		}
	}
	for (unsigned int i = 0, off = 0; buf && i < pieces; off += n[i++]) {
		if (kind != GUEST_ACCESS_WRITE) {
			vm_read_guest(vm, gpa[i], (u8 *)buf + off, n[i]);
			continue;
		}
		vm_write_guest(vm, gpa[i], (u8 *)buf + off, n[i]);
		if (mmu_gfn_write_tracked(&vm->mmu, gpa[i] / PAGE_SIZE))
			mmu_track_write(&vcpu->mmu, gpa[i], n[i]);
	}
	return VCPU_MEM_OK;
}

static void free_ram(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->nr_chunks; i++)
		if (vm->ram_chunks[i])
			pmm_free_pages(vm->ram_chunks[i], VM_RAM_CHUNK_ORDER);
	kfree(vm->ram_chunks);
	vm->ram_chunks = NULL;
	vm->nr_chunks = 0;
}

static int cmp_paddr(const void *a, const void *b)
{
	paddr_t x = *(const paddr_t *)a, y = *(const paddr_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Guest RAM: 4 MiB buddy blocks, and one memslot for each run of blocks that are physically
 * contiguous, so the MMU may map them with large pages. The buddy allocator hands out a free
 * range's blocks from its top down, so the blocks are put in ascending host order before the
 * runs are cut: a fresh boot's RAM then takes a memslot per free range, not one per block.
 */
static int add_ram(struct vm *vm)
{
	unsigned int slot = 0, first = 0;

	vm->nr_chunks = (unsigned int)((vm->ram_size + VM_RAM_CHUNK - 1) / VM_RAM_CHUNK);
	vm->ram_chunks = kzalloc(vm->nr_chunks * sizeof(paddr_t));
	if (!vm->ram_chunks)
		return -ENOMEM;
	for (unsigned int i = 0; i < vm->nr_chunks; i++) {
		vm->ram_chunks[i] = pmm_alloc_pages(VM_RAM_CHUNK_ORDER);
		if (!vm->ram_chunks[i])
			return -ENOMEM;
	}
	qsort(vm->ram_chunks, vm->nr_chunks, sizeof(paddr_t), cmp_paddr);
	for (unsigned int i = 1; i <= vm->nr_chunks; i++) {
		u64 npages;

		if (i < vm->nr_chunks && vm->ram_chunks[i] == vm->ram_chunks[i - 1] + VM_RAM_CHUNK)
			continue;
		if (slot == MMU_MAX_MEMSLOTS)
			return -ENOSPC;
		npages = (MIN((u64)i * VM_RAM_CHUNK, vm->ram_size) - (u64)first * VM_RAM_CHUNK) /
			 PAGE_SIZE;
		if (mmu_memslot_add(&vm->mmu, slot++, (u64)first * VM_RAM_CHUNK / PAGE_SIZE, npages,
				    vm->ram_chunks[first], 0))
			return -ENOMEM;
		first = i;
	}
	return 0;
}

int vm_create(struct vm *vm, const struct vm_options *opt)
{
	int ret;

	memset(vm, 0, sizeof(*vm));
	vm->opt = *opt;
	vm->ram_size = (u64)opt->mem_mib << 20;
	if (mmu_vm_init(&vm->mmu, opt->mmu))
		return -ENOMEM;
	mmu_vm_set_unsync(&vm->mmu, opt->unsync);
	ret = add_ram(vm);
	if (!ret)
		ret = vm_devices_init(vm);
	if (ret)
		vm_destroy(vm);
	return ret;
}

void vm_destroy(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		vcpu_destroy(&vm->vcpus[i]);
	vm->nr_vcpus = 0;
	vm_devices_destroy(vm);
	mmu_vm_destroy(&vm->mmu);
	free_ram(vm);
}
