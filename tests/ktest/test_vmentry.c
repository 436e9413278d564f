/* SPDX-License-Identifier: GPL-2.0-only */
/* VM entry with an invalid guest state stops that VM with a dump; the next VM runs fine. */
#include <arch/vmx.h>
#include <keel/guest_abi.h>
#include <keel/ktest.h>
#include <keel/mm.h>
#include <vmm/vmm.h>

#include <string.h>

#define GUEST_CODE_GPA 0x1000
/* Access rights bit 16, "segment unusable": TR must be usable (SDM Vol. 3C, 27.3.1.2). */
#define AR_UNUSABLE BIT(16)

/* mov $0, %eax; out %eax, $KEEL_GUEST_DEBUG_EXIT_PORT */
static const u8 exit_zero[] = { 0xb8, 0x00, 0x00, 0x00, 0x00, 0xe7, KEEL_GUEST_DEBUG_EXIT_PORT };

static struct vm *tiny_vm(struct ktest_ctx *t, const char *name)
{
	struct vm_options opt = {
		.mmu = MMU_MODE_TDP,
		.mem_mib = 4,
		.entry = VM_ENTRY_PROT32,
		.budget_minsn = 10,
	};
	struct vm *vm = kzalloc(sizeof(*vm));

	strcpy(opt.name, name);
	KTEST_EXPECT(t, vm != NULL);
	if (!vm)
		return NULL;
	KTEST_EXPECT_EQ(t, vm_create(vm, &opt), 0);
	KTEST_EXPECT_EQ(t, vm_write_guest(vm, GUEST_CODE_GPA, exit_zero, sizeof(exit_zero)), 0);
	KTEST_EXPECT_EQ(t, vcpu_create(vm, 0, GUEST_CODE_GPA, 0), 0);
	return vm;
}

static void free_vm(struct vm *vm)
{
	vm_destroy(vm);
	kfree(vm);
}

KTEST(vmx_entry_failure_recovers)
{
	char err[160] = "";
	struct vm *vm;

	if (!vmx_cpu_has_vmx()) {
		ktest_skip(t, "no VMX (CPUID.1:ECX.VMX is 0)");
		return;
	}
	KTEST_EXPECT_EQ(t, arch_vmm_cpu_enable(err, sizeof(err)), 0);
	if (err[0])
		ktest_diag(t, "%s", err);

	vm = tiny_vm(t, "bad_tr");
	if (!vm || vm->nr_vcpus != 1)
		return;
	/* The vCPU's VMCS is current on this CPU after vcpu_create(). */
	KTEST_EXPECT_EQ(t, vmcs_write(VMCS_GUEST_TR_AR, AR_UNUSABLE), 0);
	vcpu_run(&vm->vcpus[0]);
	KTEST_EXPECT_EQ(t, vm->stop_reason, VM_STOP_ENTRY_FAILURE);
	KTEST_EXPECT_EQ(t, vm->stats.exits[VM_EXIT_ENTRY_FAILURE], 1);
	KTEST_EXPECT(t, strstr(vm->stop_detail, "reason 33") != NULL);
	ktest_diag(t, "stopped as expected: %s", vm->stop_detail);
	free_vm(vm);

	vm = tiny_vm(t, "good");
	if (!vm || vm->nr_vcpus != 1)
		return;
	vcpu_run(&vm->vcpus[0]);
	KTEST_EXPECT_EQ(t, vm->stop_reason, VM_STOP_EXIT);
	KTEST_EXPECT_EQ(t, vm->exit_status, 0);
	KTEST_EXPECT_EQ(t, vm->stats.exits[VM_EXIT_IO], 1);
	free_vm(vm);
	arch_vmm_cpu_disable();
}
