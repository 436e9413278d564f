/* SPDX-License-Identifier: GPL-2.0-only */
/* The guest_abi.h hypercalls: argument checks and what each one does. */
#include <vmm/exit/policy.h>

#include <keel/guest_abi.h>

#define HC_PRINT_CHUNK 128 /* bytes copied from guest memory at a time: a small stack buffer */

/* Out of line: inlined, its buffer and saved registers would cost every hypercall. */
static __attribute__((noinline)) s64 hc_print(const struct hc_env *env, void *ctx, u64 gpa, u64 len)
{
	char buf[HC_PRINT_CHUNK];

	if (len > KEEL_HC_PRINT_MAX || gpa + len < gpa)
		return KEEL_HC_EINVAL;
	/* check the whole range first, so that a bad call prints nothing */
	if (len && env->read_guest(ctx, gpa + len - 1, buf, 1) < 0)
		return KEEL_HC_EINVAL;
	for (u64 done = 0; done < len;) {
		u64 n = MIN(len - done, (u64)sizeof(buf));

		if (env->read_guest(ctx, gpa + done, buf, n) < 0)
			return KEEL_HC_EINVAL;
		env->print(ctx, buf, n);
		done += n;
	}
	return 0;
}

/* Inlined twice below, so that the 64-bit copy has no masking at all. */
static inline __attribute__((always_inline)) s64 run_hypercall(const struct hc_env *env, void *ctx,
							       const u64 regs[HC_NR_REGS], u64 mask)
{
	switch (regs[HC_REG_AX] & mask) {
	case KEEL_HC_NOP:
		return 0;
	case KEEL_HC_PRINT:
		return hc_print(env, ctx, regs[HC_REG_BX] & mask, regs[HC_REG_CX] & mask);
	case KEEL_HC_EXIT:
		env->exit(ctx, regs[HC_REG_BX] & mask);
		return 0;
	case KEEL_HC_EXIT_COUNT:
		if ((regs[HC_REG_BX] & mask) > KEEL_EXIT_COUNT_INVLPG)
			return KEEL_HC_EINVAL;
		return (s64)env->exit_count(ctx, (unsigned int)regs[HC_REG_BX]);
	case KEEL_HC_RESET_COUNT:
		env->reset_counts(ctx);
		return 0;
	}
	return KEEL_HC_ENOSYS;
}

/* The arguments are read, and sized, only by the hypercalls that take them. */
u64 keel_hypercall(const struct hc_env *env, void *ctx, const u64 regs[HC_NR_REGS], bool mode64)
{
	if (likely(mode64))
		return (u64)run_hypercall(env, ctx, regs, ~0ull);
	return (u32)run_hypercall(env, ctx, regs, 0xffffffffull);
}
