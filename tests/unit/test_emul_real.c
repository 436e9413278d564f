/* SPDX-License-Identifier: GPL-2.0-only */
/* Hosted tests of the real-mode emulator: IVT delivery, emulated instructions, clean stops. */
#include <vmm/emul/emul.h>
#include <vmm/exit/exit.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

/*
 * A fake vCPU in real mode over 1 MiB of fake guest RAM. The exit handlers real.c calls are
 * fakes that record the synthesized exit, so each test sees what the emulator handed them.
 */
#define RAM_SIZE   0x100000u
#define IVT_LIMIT  0x3ff
#define FLAGS_RES1 0x2

static u8 ram[RAM_SIZE];
static struct vm vm;
static struct vcpu vcpu;
static struct vcpu_segment segs[VCPU_NR_SEGS];
static u64 rip, rsp, rflags, cr[VCPU_NR_CREGS];
static u64 idt_base, gdt_base;
static u16 idt_limit, gdt_limit;
static struct vm_exit last_exit;
static int handler_calls;
static char stop_msg[256];

int vm_read_guest(struct vm *v, u64 gpa, void *buf, u64 len)
{
	if (gpa >= RAM_SIZE || len > RAM_SIZE - gpa)
		return -1;
	memcpy(buf, ram + gpa, len);
	return 0;
}

int vm_write_guest(struct vm *v, u64 gpa, const void *buf, u64 len)
{
	if (gpa >= RAM_SIZE || len > RAM_SIZE - gpa)
		return -1;
	memcpy(ram + gpa, buf, len);
	return 0;
}

void vm_stop(struct vm *v, enum vm_stop_reason reason, const char *fmt, ...)
{
	va_list ap;

	v->stop_reason = reason;
	va_start(ap, fmt);
	vsnprintf(stop_msg, sizeof(stop_msg), fmt, ap);
	va_end(ap);
}

bool mmu_gfn_write_tracked(struct mmu_vm *m, gfn_t gfn)
{
	return false;
}

void mmu_track_write(struct mmu_vcpu *m, u64 gpa, unsigned int len)
{
}

static enum exit_action record(struct vcpu *v, const struct vm_exit *exit)
{
	last_exit = *exit;
	handler_calls++;
	return exit_done(v, exit);
}

enum exit_action handle_cr_access(struct vcpu *v, const struct vm_exit *exit)
{
	return record(v, exit);
}

enum exit_action handle_invlpg(struct vcpu *v, const struct vm_exit *exit)
{
	return record(v, exit);
}

enum exit_action handle_cache_flush(struct vcpu *v, const struct vm_exit *exit)
{
	return record(v, exit);
}

enum exit_action handle_msr_read(struct vcpu *v, const struct vm_exit *exit)
{
	return record(v, exit);
}

enum exit_action handle_msr_write(struct vcpu *v, const struct vm_exit *exit)
{
	return record(v, exit);
}

enum exit_action handle_hlt(struct vcpu *v, const struct vm_exit *exit)
{
	return record(v, exit);
}

enum exit_action handle_xsetbv(struct vcpu *v, const struct vm_exit *exit)
{
	return record(v, exit);
}

static u64 get_reg(struct vcpu *v, enum vcpu_reg reg)
{
	return reg == VCPU_RSP ? rsp : reg == VCPU_RIP ? rip : rflags;
}

static void set_reg(struct vcpu *v, enum vcpu_reg reg, u64 val)
{
	if (reg == VCPU_RSP)
		rsp = val;
	else if (reg == VCPU_RIP)
		rip = val;
	else
		rflags = val;
}

static void skip_insn(struct vcpu *v, const struct vm_exit *exit)
{
	rip += exit->insn_len;
}

static u64 get_creg(struct vcpu *v, enum vcpu_creg reg)
{
	return cr[reg];
}

static int set_creg(struct vcpu *v, enum vcpu_creg reg, u64 val)
{
	cr[reg] = val;
	return 0;
}

static void get_seg(struct vcpu *v, enum vcpu_seg seg, struct vcpu_segment *out)
{
	*out = segs[seg];
}

static void set_seg(struct vcpu *v, enum vcpu_seg seg, const struct vcpu_segment *val)
{
	segs[seg] = *val;
}

static void get_dtable(struct vcpu *v, enum vcpu_dtable t, u64 *base, u16 *limit)
{
	*base = t == VCPU_IDTR ? idt_base : gdt_base;
	*limit = t == VCPU_IDTR ? idt_limit : gdt_limit;
}

static void set_dtable(struct vcpu *v, enum vcpu_dtable t, u64 base, u16 limit)
{
	if (t == VCPU_IDTR) {
		idt_base = base;
		idt_limit = limit;
	} else {
		gdt_base = base;
		gdt_limit = limit;
	}
}

static const struct vcpu_ops ops = {
	.get_reg = get_reg,
	.set_reg = set_reg,
	.get_creg = get_creg,
	.set_creg = set_creg,
	.skip_insn = skip_insn,
	.get_seg = get_seg,
	.set_seg = set_seg,
	.get_dtable = get_dtable,
	.set_dtable = set_dtable,
};

static void load_seg(enum vcpu_seg s, u16 sel)
{
	segs[s] = (struct vcpu_segment){ .sel = sel, .base = (u64)sel << 4, .limit = 0xffff };
}

static void put16(u32 addr, u16 v)
{
	memcpy(ram + addr, &v, 2);
}

static u16 get16(u32 addr)
{
	u16 v;

	memcpy(&v, ram + addr, 2);
	return v;
}

/* CS:IP = 0x1000:0x0100, SS:SP = 0x2000:0x0800, DS = 0x3000, the IVT at 0. */
static int setup(void **state)
{
	memset(ram, 0, sizeof(ram));
	memset(&vm, 0, sizeof(vm));
	memset(&vcpu, 0, sizeof(vcpu));
	memset(cr, 0, sizeof(cr));
	vcpu.vm = &vm;
	vcpu.ops = &ops;
	vm.opt.mmu = MMU_MODE_SHADOW;
	for (unsigned int i = 0; i < VCPU_NR_SEGS; i++)
		load_seg(i, 0);
	load_seg(VCPU_CS, 0x1000);
	load_seg(VCPU_SS, 0x2000);
	load_seg(VCPU_DS, 0x3000);
	rip = 0x100;
	rsp = 0xabcd0800;
	rflags = FLAGS_RES1 | X86_RFLAGS_IF | X86_RFLAGS_TF;
	idt_base = 0;
	idt_limit = IVT_LIMIT;
	gdt_base = gdt_limit = 0;
	handler_calls = 0;
	stop_msg[0] = 0;
	return 0;
}

static void code(const u8 *bytes, unsigned int n)
{
	memcpy(ram + 0x10100, bytes, n);
}

#define CODE(...)                                       \
	do {                                            \
		static const u8 b_[] = { __VA_ARGS__ }; \
		code(b_, sizeof(b_));                   \
	} while (0)

static enum exit_action exception(u8 vector, bool software, u32 insn_len)
{
	struct vm_exit e = { .kind = VM_EXIT_EXCEPTION, .insn_len = insn_len };

	e.exception.vector = vector;
	e.exception.software = software;
	return emul_real_mode_exception(&vcpu, &e);
}

static void test_deliver(void **state)
{
	put16(6 * 4, 0x1234);
	put16(6 * 4 + 2, 0x5000);
	assert_int_equal(exception(VM_EXC_UD, false, 0), EXIT_RESUME);
	/* FLAGS, CS, IP pushed at SS:SP - 2, - 4, - 6; the upper half of ESP kept */
	assert_int_equal(rsp, 0xabcd07fa);
	assert_int_equal(get16(0x20000 + 0x7fe), FLAGS_RES1 | X86_RFLAGS_IF | X86_RFLAGS_TF);
	assert_int_equal(get16(0x20000 + 0x7fc), 0x1000);
	assert_int_equal(get16(0x20000 + 0x7fa), 0x100);
	assert_int_equal(rflags, FLAGS_RES1);
	assert_int_equal(segs[VCPU_CS].sel, 0x5000);
	assert_int_equal(segs[VCPU_CS].base, 0x50000);
	assert_int_equal(rip, 0x1234);
}

static void test_deliver_software_and_wrap(void **state)
{
	rsp = 2; /* the pushes wrap around the 64 KiB stack segment */
	assert_int_equal(exception(3, true, 1), EXIT_RESUME);
	assert_int_equal(rsp, 0xfffc);
	assert_int_equal(get16(0x20000 + 0x0), FLAGS_RES1 | X86_RFLAGS_IF | X86_RFLAGS_TF);
	assert_int_equal(get16(0x20000 + 0xfffe), 0x1000);
	assert_int_equal(get16(0x20000 + 0xfffc), 0x101); /* INT3 returns past itself */
}

static void test_deliver_beyond_ivt(void **state)
{
	idt_limit = 4 * VM_EXC_UD + 2; /* entry 6 is cut short */
	assert_int_equal(exception(VM_EXC_UD, false, 0), EXIT_STOP);
	assert_int_equal(vm.stop_reason, VM_STOP_UNHANDLED);
	assert_non_null(strstr(stop_msg, "IVT limit"));
}

static void test_mov_cr(void **state)
{
	cr[VCPU_CR0] = X86_CR0_ET;
	vcpu.gprs[VCPU_RBX] = 0xffffffff00000000ull;
	CODE(0x0f, 0x20, 0xc3); /* mov %cr0, %ebx */
	assert_int_equal(exception(VM_EXC_GP, false, 0), EXIT_RESUME);
	assert_int_equal(vcpu.gprs[VCPU_RBX], X86_CR0_ET);
	assert_int_equal(rip, 0x103);
	assert_int_equal(handler_calls, 0);
	CODE(0x66, 0x0f, 0x22, 0xc1); /* mov %ecx, %cr0 at the new IP */
	memmove(ram + 0x10103, ram + 0x10100, 4);
	assert_int_equal(exception(VM_EXC_GP, false, 0), EXIT_RESUME);
	assert_int_equal(handler_calls, 1);
	assert_int_equal(last_exit.kind, VM_EXIT_CR_ACCESS);
	assert_int_equal(last_exit.cr.type, VM_CR_MOV_TO);
	assert_int_equal(last_exit.cr.cr, 0);
	assert_int_equal(last_exit.cr.gpr, VCPU_RCX);
	assert_int_equal(last_exit.insn_len, 4);
	assert_int_equal(rip, 0x107);
}

static void test_mov_cr_undefined(void **state)
{
	put16(VM_EXC_UD * 4, 0x0200);
	CODE(0x0f, 0x22, 0xc8); /* mov %eax, %cr1: #UD */
	assert_int_equal(exception(VM_EXC_GP, false, 0), EXIT_RESUME);
	assert_int_equal(handler_calls, 0);
	assert_int_equal(rip, 0x200);
	assert_int_equal(get16(0x20000 + 0x7fa), 0x100); /* the faulting instruction's IP */
}

static void test_lgdt_lidt(void **state)
{
	static const u8 image[6] = { 0x27, 0x00, 0x00, 0x10, 0x02, 0xaa };

	vcpu.gprs[VCPU_RBX] = 0x40;
	memcpy(ram + 0x30040, image, sizeof(image));
	CODE(0x0f, 0x01, 0x17); /* lgdt (%bx): 24-bit base with a 16-bit operand size */
	assert_int_equal(exception(VM_EXC_GP, false, 0), EXIT_RESUME);
	assert_int_equal(gdt_limit, 0x27);
	assert_int_equal(gdt_base, 0x021000);
	assert_int_equal(rip, 0x103);
	rip = 0x100;
	CODE(0x66, 0x0f, 0x01, 0x1f); /* lidtl (%bx): all 32 bits */
	assert_int_equal(exception(VM_EXC_GP, false, 0), EXIT_RESUME);
	assert_int_equal(idt_limit, 0x27);
	assert_int_equal(idt_base, 0xaa021000);
	assert_int_equal(rip, 0x104);
}

static void test_operand_beyond_limit(void **state)
{
	put16(VM_EXC_GP * 4, 0x0300);
	put16(12 * 4, 0x0400);
	CODE(0x0f, 0x01, 0x16, 0xfc, 0xff); /* lgdt 0xfffc: 6 bytes from there pass the limit */
	assert_int_equal(exception(VM_EXC_GP, false, 0), EXIT_RESUME);
	assert_int_equal(rip, 0x300);
	setup(state);
	put16(12 * 4, 0x0400);
	vcpu.gprs[VCPU_RBP] = 0xfffe;
	CODE(0x0f, 0x01, 0x56, 0x00); /* lgdt 0(%bp): SS, so #SS */
	assert_int_equal(exception(VM_EXC_GP, false, 0), EXIT_RESUME);
	assert_int_equal(rip, 0x400);
}

static void test_through_handlers(void **state)
{
	vcpu.gprs[VCPU_RCX] = 0xc0000080;
	CODE(0x0f, 0x32); /* rdmsr */
	assert_int_equal(exception(VM_EXC_GP, false, 0), EXIT_RESUME);
	assert_int_equal(last_exit.kind, VM_EXIT_MSR_READ);
	assert_int_equal(last_exit.msr.msr, 0xc0000080);
	assert_int_equal(last_exit.insn_len, 2);
	rip = 0x100;
	CODE(0xf4); /* hlt */
	assert_int_equal(exception(VM_EXC_GP, false, 0), EXIT_RESUME);
	assert_int_equal(last_exit.kind, VM_EXIT_HLT);
	assert_int_equal(rip, 0x101);
	rip = 0x100;
	vcpu.gprs[VCPU_RAX] = 0x11;
	CODE(0x0f, 0x01, 0xf0); /* lmsw %ax */
	assert_int_equal(exception(VM_EXC_GP, false, 0), EXIT_RESUME);
	assert_int_equal(last_exit.cr.type, VM_CR_LMSW);
	assert_int_equal(last_exit.cr.lmsw_data, 0x11);
	rip = 0x100;
	vcpu.gprs[VCPU_RSI] = 0x20;
	CODE(0x26, 0x0f, 0x01, 0x3c); /* invlpg %es:(%si) */
	assert_int_equal(exception(VM_EXC_GP, false, 0), EXIT_RESUME);
	assert_int_equal(last_exit.kind, VM_EXIT_INVLPG);
	assert_int_equal(last_exit.invlpg.gva, 0x20);
	assert_int_equal(handler_calls, 4);
}

static void test_xsetbv(void **state)
{
	put16(VM_EXC_UD * 4, 0x0500);
	vcpu.gprs[VCPU_RCX] = 0;
	CODE(0x0f, 0x01, 0xd1); /* xsetbv with CR4.OSXSAVE clear: #UD */
	assert_int_equal(exception(VM_EXC_GP, false, 0), EXIT_RESUME);
	assert_int_equal(handler_calls, 0);
	assert_int_equal(rip, 0x500);
	setup(state);
	cr[VCPU_CR4] = X86_CR4_OSXSAVE;
	CODE(0x0f, 0x01, 0xd1);
	assert_int_equal(exception(VM_EXC_GP, false, 0), EXIT_RESUME);
	assert_int_equal(last_exit.kind, VM_EXIT_XSETBV);
	assert_int_equal(last_exit.xsetbv.xcr, 0);
	assert_int_equal(rip, 0x103);
}

static void test_unknown_stops(void **state)
{
	CODE(0x0f, 0x34, 0x90); /* sysenter */
	assert_int_equal(exception(VM_EXC_GP, false, 0), EXIT_STOP);
	assert_int_equal(vm.stop_reason, VM_STOP_UNHANDLED);
	assert_non_null(strstr(stop_msg, "1000:0100"));
	assert_non_null(strstr(stop_msg, " 0f 34 90"));
}

static void test_fetch_outside_ram(void **state)
{
	load_seg(VCPU_CS, 0xffff);
	rip = 0xfff0; /* linear 0x10ffe0: past the fake RAM */
	assert_int_equal(exception(VM_EXC_GP, false, 0), EXIT_STOP);
	assert_non_null(strstr(stop_msg, "outside RAM"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_deliver, setup),
		cmocka_unit_test_setup(test_deliver_software_and_wrap, setup),
		cmocka_unit_test_setup(test_deliver_beyond_ivt, setup),
		cmocka_unit_test_setup(test_mov_cr, setup),
		cmocka_unit_test_setup(test_mov_cr_undefined, setup),
		cmocka_unit_test_setup(test_lgdt_lidt, setup),
		cmocka_unit_test_setup(test_operand_beyond_limit, setup),
		cmocka_unit_test_setup(test_through_handlers, setup),
		cmocka_unit_test_setup(test_xsetbv, setup),
		cmocka_unit_test_setup(test_unknown_stops, setup),
		cmocka_unit_test_setup(test_fetch_outside_ram, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
