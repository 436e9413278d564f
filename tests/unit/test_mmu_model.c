/* SPDX-License-Identifier: GPL-2.0-only */
/* The MMU model-based differential test: a million random guest operations, checked after each. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "mmu/model.h"

#define DEFAULT_OPS    1000000ULL
#define DEFAULT_SEED   0x4b45454cULL
#define SHRINK_SECONDS 60.0

static u64 env_u64(const char *name, u64 fallback)
{
	const char *s = getenv(name);

	return s && *s ? strtoull(s, NULL, 0) : fallback;
}

static void report_failure(u64 seed, struct model_op *ops, u64 failed_at)
{
	char msg[512];
	u64 n, i;

	printf("mmu-model: seed %llu: violation after op %llu; shrinking...\n",
	       (unsigned long long)seed, (unsigned long long)failed_at);
	fflush(stdout);
	n = model_shrink(seed, ops, failed_at + 1, SHRINK_SECONDS);
	model_replay(seed, ops, n, msg, sizeof(msg));
	printf("mmu-model: seed %llu: %s\n", (unsigned long long)seed, msg);
	printf("mmu-model: shortest reproducing sequence (%llu ops):\n", (unsigned long long)n);
	for (i = 0; i < n; i++)
		printf("  %llu: %s vcpu %u arg %#llx\n", (unsigned long long)i,
		       model_op_name(ops[i].type), ops[i].vcpu, (unsigned long long)ops[i].arg);
}

static void model_random_sequence(void **state)
{
	u64 seed = env_u64("MMU_MODEL_SEED", DEFAULT_SEED);
	u64 nops = env_u64("MMU_MODEL_OPS", DEFAULT_OPS);
	struct model_op *ops = malloc(nops * sizeof(*ops));
	struct model *m = model_create(seed);
	u64 rng = seed, i, failed_at = nops;
	clock_t start = clock();
	unsigned int violations;
	struct mmu_stats st;

	assert_non_null(ops);
	for (i = 0; i < nops; i++) {
		model_random_op(&rng, &ops[i]);
		if (model_step(m, &ops[i])) {
			failed_at = i;
			break;
		}
	}
	st = *model_stats(m);
	violations = model_destroy(m);
	if (violations && failed_at == nops)
		failed_at = nops - 1;
	printf("mmu-model: seed %llu, %llu ops, %u violations (%.1f s)\n", (unsigned long long)seed,
	       (unsigned long long)(failed_at == nops ? nops : failed_at + 1), violations,
	       (double)(clock() - start) / CLOCKS_PER_SEC);
	printf("mmu-model: %llu faults (%llu fixed), %llu unsync, %llu syncs (%llu SPTEs dropped), "
	       "%llu zaps (%llu obsolete), %llu emulated writes, %llu floods, %llu "
	       "invalidate-all\n",
	       (unsigned long long)st.faults, (unsigned long long)st.faults_fixed,
	       (unsigned long long)st.unsync, (unsigned long long)st.syncs,
	       (unsigned long long)st.sync_zapped, (unsigned long long)st.zaps,
	       (unsigned long long)st.obsolete_zaps, (unsigned long long)st.emulated_writes,
	       (unsigned long long)st.write_floods, (unsigned long long)st.invalidate_all);
	if (violations)
		report_failure(seed, ops, failed_at);
	free(ops);
	assert_int_equal(violations, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(model_random_sequence),
	};

	return cmocka_run_group_tests_name("mmu_model", tests, NULL, NULL);
}
