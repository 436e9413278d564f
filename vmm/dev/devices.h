/* SPDX-License-Identifier: GPL-2.0-only */
/* A VM's emulated devices and the port I/O router that reaches them. */
#ifndef VMM_DEV_DEVICES_H
#define VMM_DEV_DEVICES_H

#include <keel/types.h>
#include <vmm/dev/uart16550.h>

struct vm;

#define VM_UNHANDLED_PORTS_LOGGED 16 /* distinct unclaimed ports reported per VM, then silence */

struct vm_dev_state {
	struct vuart16550 com1;
	u64 unhandled_io;			     /* accesses to ports no device claims */
	u16 logged_ports[VM_UNHANDLED_PORTS_LOGGED]; /* ports already reported */
	unsigned int nr_logged_ports;
	u64 tpr; /* CR8: kept for read-back; no LAPIC consumes it yet */
};

/*
 * One IN or OUT of @size bytes (1, 2, 4) at @port. For IN, *val receives the value (all ones
 * from an unclaimed port); for OUT it holds the value. The debug-exit port stops the VM.
 */
void vm_port_io(struct vm *vm, u16 port, unsigned int size, bool in, u32 *val);

/* debug_exit.c: an OUT to KEEL_GUEST_DEBUG_EXIT_PORT */
void debug_exit_write(struct vm *vm, unsigned int size, u32 val);

#endif
