/* SPDX-License-Identifier: GPL-2.0-only */
/* Port I/O exits: IN and OUT go to the VM's devices; string I/O stops the VM. */
#include <vmm/exit/exit.h>
#include <vmm/dev/devices.h>

/*
 * INS/OUTS move data between a port and guest-virtual memory through a segment: vmm.h offers no
 * guest-virtual memory access yet, so a string I/O instruction stops the VM with a reason that
 * says so, instead of doing half of it.
 */
enum exit_action handle_io(struct vcpu *vcpu, const struct vm_exit *exit)
{
	unsigned int size = exit->io.size;
	u64 rax = vcpu_reg_read(vcpu, VCPU_RAX);
	u32 val = (u32)rax;

	if (exit->io.string) {
		vm_stop(vcpu->vm, VM_STOP_UNHANDLED, "string I/O not supported (%s%s port 0x%x)",
			exit->io.rep ? "rep " : "", exit->io.in ? "ins from" : "outs to",
			exit->io.port);
		return EXIT_STOP;
	}
	vm_port_io(vcpu->vm, exit->io.port, size, exit->io.in, &val);
	if (exit->io.in) {
		/* IN AL/AX keep the rest of RAX; IN EAX zero-extends like any 32-bit write */
		if (size == 4)
			rax = val;
		else
			rax = (rax & ~(u64)((1u << (8 * size)) - 1)) | val;
		vcpu_reg_write(vcpu, VCPU_RAX, rax);
	}
	return exit_done(vcpu, exit);
}
