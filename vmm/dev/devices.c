/* SPDX-License-Identifier: GPL-2.0-only */
/* A VM's emulated devices: creation, teardown, and the port I/O router. */
#include <vmm/dev/devices.h>
#include <vmm/vmm.h>

#include <keel/guest_abi.h>
#include <keel/mm.h>
#include <keel/printk.h>

#include <errno.h>

static void com1_emit(void *ctx, const char *line, size_t len)
{
	printk_raw("%.*s\n", (int)len, line);
}

int vm_devices_init(struct vm *vm)
{
	struct vm_dev_state *dev = kzalloc(sizeof(*dev));

	if (!dev)
		return -ENOMEM;
	vuart16550_init(&dev->com1, vm->opt.name, com1_emit, vm);
	vm->dev = dev;
	return 0;
}

void vm_devices_destroy(struct vm *vm)
{
	if (!vm->dev)
		return;
	vuart16550_flush(&vm->dev->com1);
	kfree(vm->dev);
	vm->dev = NULL;
}

/* Deny by default: nothing passes through, and the first few unclaimed ports are named once. */
static void unclaimed_port(struct vm *vm, u16 port, unsigned int size, bool in, u32 *val)
{
	struct vm_dev_state *dev = vm->dev;

	dev->unhandled_io++;
	if (in)
		*val = size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
	for (unsigned int i = 0; i < dev->nr_logged_ports; i++)
		if (dev->logged_ports[i] == port)
			return;
	if (dev->nr_logged_ports == VM_UNHANDLED_PORTS_LOGGED)
		return;
	dev->logged_ports[dev->nr_logged_ports++] = port;
	pr_info("vm %s: %s port 0x%x: no device (reads all ones, writes ignored)%s\n", vm->opt.name,
		in ? "in from" : "out to", port,
		dev->nr_logged_ports == VM_UNHANDLED_PORTS_LOGGED ? "; no more ports reported"
								  : "");
}

/* The UART's registers are a byte wide: a wider access touches consecutive registers. */
static void com1_io(struct vm *vm, u16 port, unsigned int size, bool in, u32 *val)
{
	u32 v = in ? 0 : *val;

	for (unsigned int i = 0; i < size; i++) {
		unsigned int reg = (port + i - KEEL_GUEST_COM1_PORT) & (VUART_PORT_COUNT - 1);

		if (in)
			v |= (u32)vuart16550_read(&vm->dev->com1, reg) << (8 * i);
		else
			vuart16550_write(&vm->dev->com1, reg, (u8)(v >> (8 * i)));
	}
	if (in)
		*val = v;
}

void vm_port_io(struct vm *vm, u16 port, unsigned int size, bool in, u32 *val)
{
	if (port >= KEEL_GUEST_COM1_PORT && port + size <= KEEL_GUEST_COM1_PORT + VUART_PORT_COUNT)
		com1_io(vm, port, size, in, val);
	else if (port == KEEL_GUEST_DEBUG_EXIT_PORT && !in)
		debug_exit_write(vm, size, *val);
	else
		unclaimed_port(vm, port, size, in, val);
}
