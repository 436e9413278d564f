/* SPDX-License-Identifier: GPL-2.0-only */
/* The debug-exit port: an OUT ends the VM with the value written as its exit status. */
#include <vmm/dev/devices.h>
#include <vmm/vmm.h>

/*
 * guest_abi.h asks for a 32-bit OUT. An 8- or 16-bit OUT is accepted too, its value
 * zero-extended: a guest in a hurry to stop should stop, and its status is still exact. An IN
 * from the port reads all ones, like any port without a reader.
 */
void debug_exit_write(struct vm *vm, unsigned int size, u32 val)
{
	u32 mask = size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;

	vm_exit_with_status(vm, val & mask);
}
