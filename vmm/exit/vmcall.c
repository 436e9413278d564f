/* SPDX-License-Identifier: GPL-2.0-only */
/* VMCALL exits: the guest_abi.h hypercalls, run by hypercall.c against this vCPU's VM. */
#include <vmm/exit/exit.h>
#include <vmm/dev/devices.h>

#include <keel/guest_abi.h>
#include <string.h>

static int hc_read_guest(void *ctx, u64 gpa, void *buf, u64 len)
{
	return vm_read_guest(ctx, gpa, buf, len);
}

/* PRINT joins COM1's line buffer, so a line never splits between the two ways of writing it. */
static void hc_print(void *ctx, const char *s, size_t n)
{
	struct vm *vm = ctx;

	vuart16550_output(&vm->dev->com1, s, n);
}

static void hc_exit(void *ctx, u64 status)
{
	vm_exit_with_status(ctx, status);
}

/* The counts include the VMCALL asking: it was counted before its handler ran. */
static u64 hc_exit_count(void *ctx, unsigned int which)
{
	const struct vm_stats *st = &((struct vm *)ctx)->stats;
	u64 total = 0;

	switch (which) {
	case KEEL_EXIT_COUNT_PAGE_FAULT:
		return st->pf_intercepts + st->exits[VM_EXIT_EPT_VIOLATION];
	case KEEL_EXIT_COUNT_CR_ACCESS:
		return st->exits[VM_EXIT_CR_ACCESS];
	case KEEL_EXIT_COUNT_INVLPG:
		return st->exits[VM_EXIT_INVLPG];
	}
	for (unsigned int i = 0; i < VM_EXIT_KIND_COUNT; i++)
		total += st->exits[i];
	return total;
}

static void hc_reset_counts(void *ctx)
{
	struct vm *vm = ctx;

	memset(&vm->stats, 0, sizeof(vm->stats));
}

static const struct hc_env vm_hc_env = {
	.read_guest = hc_read_guest,
	.print = hc_print,
	.exit = hc_exit,
	.exit_count = hc_exit_count,
	.reset_counts = hc_reset_counts,
};

/*
 * The hypercall ABI (guest_abi.h) as hypercall.c runs it, on the vCPU's GPRs: vcpu->gprs is in
 * x86 register-number order, as keel_hypercall() reads it, and holds AX, BX, CX, DX and SI
 * (RSP, which it does not hold, is not read). A VMCALL from CPL > 0 raises #UD, as an
 * instruction the guest's user code may not execute: the ABI is for the guest kernel only. The
 * arch decoded CPL and mode into exit->vmcall.
 */
enum exit_action handle_vmcall(struct vcpu *vcpu, const struct vm_exit *exit)
{
	if (exit->vmcall.cpl != 0)
		return inject_ud(vcpu);
	vcpu->gprs[VCPU_RAX] =
		keel_hypercall(&vm_hc_env, vcpu->vm, vcpu->gprs, exit->vmcall.mode64);
	return exit_done(vcpu, exit);
}
