/* SPDX-License-Identifier: GPL-2.0-only */
/* The real-mode emulator: privileged instructions and IVT event delivery for a vm86-run guest. */
#ifndef KEEL_VMM_EMUL_EMUL_H
#define KEEL_VMM_EMUL_EMUL_H

#include <vmm/vmm.h>

/*
 * An exception intercepted while the guest's CR0.PE is 0 (the arch runs it in virtual-8086
 * mode, docs/realmode.md): a #GP on an instruction real mode allows at CPL 0 is emulated, any
 * other exception is delivered through the guest's IVT. Stops the VM on what it cannot do.
 */
enum exit_action emul_real_mode_exception(struct vcpu *vcpu, const struct vm_exit *exit);

/*
 * Delivers interrupt @vector as real mode does: FLAGS, CS and @ret_ip pushed on SS:SP, IF, TF
 * and AC cleared, CS:IP loaded from the IVT entry. Returns false, with the VM stopped, when the
 * IVT entry or the stack lies outside guest RAM or beyond its limit.
 */
bool emul_real_mode_deliver(struct vcpu *vcpu, u8 vector, u16 ret_ip);

#endif
