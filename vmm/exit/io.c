/* SPDX-License-Identifier: GPL-2.0-only */
/* Port I/O exits: IN, OUT, INS and OUTS (with or without REP) go to the VM's devices. */
#include <vmm/exit/exit.h>
#include <vmm/dev/devices.h>

/* Iterations of one REP INS/OUTS per exit: the rest runs when the guest re-executes it. */
#define STRING_IO_BATCH 4096

static enum exit_action port_io(struct vcpu *vcpu, const struct vm_exit *exit)
{
	unsigned int size = exit->io.size;
	u64 rax = vcpu_reg_read(vcpu, VCPU_RAX);
	u32 val = (u32)rax;

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

/* A register used at the address size: only its low @mask bits change (SDM Vol. 1, 3.3.7). */
static void reg_write_masked(struct vcpu *vcpu, enum vcpu_reg reg, u64 val, u64 mask)
{
	u64 old = vcpu_reg_read(vcpu, reg);

	vcpu_reg_write(vcpu, reg, (old & ~mask) | (val & mask));
}

/*
 * INS stores at ES:(E/R)DI, OUTS loads from DS:(E/R)SI (or its segment override); each element
 * moves the pointer by the element size, down with RFLAGS.DF. The CPU reports the first
 * element's linear address, so the segment base is that address less the pointer; every
 * register is used at the instruction's address size. With REP, (E/R)CX counts the elements;
 * the registers are updated element by element, so a #PF on one leaves the instruction ready
 * to resume where it stopped, as on the CPU. An INS reads the port only once its destination
 * has passed the checks.
 */
static enum exit_action string_io(struct vcpu *vcpu, const struct vm_exit *exit)
{
	struct vm *vm = vcpu->vm;
	unsigned int size = exit->io.size, asz = exit->io.addr_size;
	u64 mask = asz == 8 ? ~0ull : (1ull << (8 * asz)) - 1;
	enum vcpu_reg ptr_reg = exit->io.in ? VCPU_RDI : VCPU_RSI;
	u64 ptr = vcpu_reg_read(vcpu, ptr_reg), count = 1;
	u64 base = exit->io.gva - (ptr & mask);
	u64 step = (vcpu_reg_read(vcpu, VCPU_RFLAGS) & X86_RFLAGS_DF) ? -(u64)size : size;
	enum guest_access_kind kind = exit->io.in ? GUEST_ACCESS_WRITE : GUEST_ACCESS_READ;
	bool mode64 = vcpu->ops->mode64(vcpu);

	if (!asz) {
		vm_stop(vm, VM_STOP_UNHANDLED,
			"%s port 0x%x: the CPU gives no INS/OUTS exit information",
			exit->io.in ? "ins from" : "outs to", exit->io.port);
		return EXIT_STOP;
	}
	if (exit->io.rep)
		count = vcpu_reg_read(vcpu, VCPU_RCX) & mask;
	for (u64 done = 0; done < count; done++) {
		u64 gva = base + (ptr & mask);
		enum vcpu_mem_result r;
		u32 val = 0;

		if (done == STRING_IO_BATCH)
			return EXIT_RESUME;
		if (!mode64)
			gva = (u32)gva;
		r = vcpu_access_gva(vcpu, gva, exit->io.in ? NULL : &val, size, kind);
		if (r != VCPU_MEM_OK)
			return exit_after_mem_failure(r);
		vm_port_io(vm, exit->io.port, size, exit->io.in, &val);
		if (exit->io.in &&
		    (r = vcpu_access_gva(vcpu, gva, &val, size, kind)) != VCPU_MEM_OK)
			return exit_after_mem_failure(r);
		ptr += step;
		reg_write_masked(vcpu, ptr_reg, ptr, mask);
		if (exit->io.rep)
			reg_write_masked(vcpu, VCPU_RCX, count - done - 1, mask);
		if (vm_stopped(vm))
			return EXIT_STOP;
	}
	return exit_done(vcpu, exit);
}

enum exit_action handle_io(struct vcpu *vcpu, const struct vm_exit *exit)
{
	return exit->io.string ? string_io(vcpu, exit) : port_io(vcpu, exit);
}
