/* SPDX-License-Identifier: GPL-2.0-only */
/* Hosted tests of the hypercall ABI: numbers, PRINT bounds and length, exit counts, errors. */
#include <vmm/exit/policy.h>

#include <keel/guest_abi.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#define GUEST_RAM 8192

struct fake_vm {
	char ram[GUEST_RAM];
	char printed[4096];
	size_t printed_len;
	bool exited;
	u64 status;
	u64 counts[4];
};

static int fake_read(void *ctx, u64 gpa, void *buf, u64 len)
{
	struct fake_vm *vm = ctx;

	if (gpa >= GUEST_RAM || len > GUEST_RAM - gpa)
		return -1;
	memcpy(buf, vm->ram + gpa, len);
	return 0;
}

static void fake_print(void *ctx, const char *s, size_t n)
{
	struct fake_vm *vm = ctx;

	memcpy(vm->printed + vm->printed_len, s, n);
	vm->printed_len += n;
}

static void fake_exit(void *ctx, u64 status)
{
	struct fake_vm *vm = ctx;

	vm->exited = true;
	vm->status = status;
}

static u64 fake_count(void *ctx, unsigned int which)
{
	return ((struct fake_vm *)ctx)->counts[which];
}

static void fake_reset(void *ctx)
{
	memset(((struct fake_vm *)ctx)->counts, 0, sizeof(((struct fake_vm *)ctx)->counts));
}

static struct fake_vm vm;
static const struct hc_env env = { fake_read, fake_print, fake_exit, fake_count, fake_reset };

/* A call from 64-bit mode: the result as the guest reads RAX, sign-extended. */
static s64 hc(u64 nr, u64 a0, u64 a1)
{
	const u64 regs[HC_NR_REGS] = { [HC_REG_AX] = nr, [HC_REG_BX] = a0, [HC_REG_CX] = a1 };

	return (s64)keel_hypercall(&env, &vm, regs, true);
}

/* A call from 32-bit code: the upper halves of the registers do not count. */
static u64 hc32(u64 nr, u64 a0, u64 a1)
{
	const u64 regs[HC_NR_REGS] = { [HC_REG_AX] = nr, [HC_REG_BX] = a0, [HC_REG_CX] = a1 };

	return keel_hypercall(&env, &vm, regs, false);
}

static int setup(void **state)
{
	memset(&vm, 0, sizeof(vm));
	return 0;
}

static void test_nop_and_unknown(void **state)
{
	assert_int_equal(hc(KEEL_HC_NOP, 0, 0), 0);
	assert_int_equal(hc(5, 0, 0), KEEL_HC_ENOSYS);
	assert_int_equal(hc(~0ull, 0, 0), KEEL_HC_ENOSYS);
	assert_int_equal(hc(BIT(32) | KEEL_HC_NOP, 0, 0), KEEL_HC_ENOSYS);
}

static void test_print(void **state)
{
	memcpy(vm.ram + 100, "hello, keel\n", 12);
	assert_int_equal(hc(KEEL_HC_PRINT, 100, 12), 0);
	assert_int_equal(vm.printed_len, 12);
	assert_memory_equal(vm.printed, "hello, keel\n", 12);
	assert_int_equal(hc(KEEL_HC_PRINT, 100, 0), 0);
	/* a long print in chunks, up to the limit */
	memset(vm.ram + 1000, 'x', KEEL_HC_PRINT_MAX);
	assert_int_equal(hc(KEEL_HC_PRINT, 1000, KEEL_HC_PRINT_MAX), 0);
	assert_int_equal(vm.printed_len, 12 + KEEL_HC_PRINT_MAX);
	/* too long, outside RAM, straddling its end, wrapping: EINVAL and nothing printed */
	assert_int_equal(hc(KEEL_HC_PRINT, 0, KEEL_HC_PRINT_MAX + 1), KEEL_HC_EINVAL);
	assert_int_equal(hc(KEEL_HC_PRINT, GUEST_RAM, 1), KEEL_HC_EINVAL);
	assert_int_equal(hc(KEEL_HC_PRINT, GUEST_RAM - 4, 8), KEEL_HC_EINVAL);
	assert_int_equal(hc(KEEL_HC_PRINT, ~0ull - 2, 8), KEEL_HC_EINVAL);
	assert_int_equal(vm.printed_len, 12 + KEEL_HC_PRINT_MAX);
}

static void test_exit_and_counts(void **state)
{
	vm.counts[KEEL_EXIT_COUNT_ALL] = 7;
	vm.counts[KEEL_EXIT_COUNT_INVLPG] = 3;
	assert_int_equal(hc(KEEL_HC_EXIT_COUNT, KEEL_EXIT_COUNT_ALL, 0), 7);
	assert_int_equal(hc(KEEL_HC_EXIT_COUNT, KEEL_EXIT_COUNT_INVLPG, 0), 3);
	assert_int_equal(hc(KEEL_HC_EXIT_COUNT, KEEL_EXIT_COUNT_INVLPG + 1, 0), KEEL_HC_EINVAL);
	assert_int_equal(hc(KEEL_HC_RESET_COUNT, 0, 0), 0);
	assert_int_equal(hc(KEEL_HC_EXIT_COUNT, KEEL_EXIT_COUNT_ALL, 0), 0);
	assert_false(vm.exited);
	assert_int_equal(hc(KEEL_HC_EXIT, 0xdeadbeefcafeull, 0), 0);
	assert_true(vm.exited);
	assert_int_equal(vm.status, 0xdeadbeefcafeull);
}

static void test_32bit_registers(void **state)
{
	/* the number, the arguments and the result are 32 bits wide */
	assert_int_equal(hc32(BIT(32) | KEEL_HC_NOP, 0, 0), 0);
	assert_int_equal(hc32(5, 0, 0), (u32)KEEL_HC_ENOSYS);
	vm.counts[KEEL_EXIT_COUNT_INVLPG] = 3;
	assert_int_equal(
		hc32(KEEL_HC_EXIT_COUNT, 0xffffffff00000000ull | KEEL_EXIT_COUNT_INVLPG, 0), 3);
	memcpy(vm.ram + 100, "32", 2);
	assert_int_equal(hc32(KEEL_HC_PRINT, BIT(40) | 100, BIT(33) | 2), 0);
	assert_int_equal(vm.printed_len, 2);
	assert_int_equal(hc32(KEEL_HC_EXIT, 0xdeadbeefcafeull, 0), 0);
	assert_int_equal(vm.status, 0xbeefcafeull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_nop_and_unknown, setup),
		cmocka_unit_test_setup(test_print, setup),
		cmocka_unit_test_setup(test_exit_and_counts, setup),
		cmocka_unit_test_setup(test_32bit_registers, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
