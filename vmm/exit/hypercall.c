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

s64 keel_hypercall(const struct hc_env *env, void *ctx, u64 nr, const u64 args[4])
{
	switch (nr) {
	case KEEL_HC_NOP:
		return 0;
	case KEEL_HC_PRINT:
		return hc_print(env, ctx, args[0], args[1]);
	case KEEL_HC_EXIT:
		env->exit(ctx, args[0]);
		return 0;
	case KEEL_HC_EXIT_COUNT:
		if (args[0] > KEEL_EXIT_COUNT_INVLPG)
			return KEEL_HC_EINVAL;
		return (s64)env->exit_count(ctx, (unsigned int)args[0]);
	case KEEL_HC_RESET_COUNT:
		env->reset_counts(ctx);
		return 0;
	}
	return KEEL_HC_ENOSYS;
}
