/* SPDX-License-Identifier: GPL-2.0-only */
/* The MMU model-based differential test: a million random guest operations, checked after each. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mmu/model.h"

#define DEFAULT_OPS	    1000000ULL
#define DEFAULT_SEED	    0x4b45454cULL
#define DEFAULT_TDP_PERCENT 30 /* of the ops: the TDP half; the rest run the shadow half */
#define SHRINK_SECONDS	    60.0

static u64 env_u64(const char *name, u64 fallback)
{
	const char *s = getenv(name);

	return s && *s ? strtoull(s, NULL, 0) : fallback;
}

struct half {
	enum model_mode mode;
	u64 nops;      /* asked for */
	u64 ran;       /* run, up to and including a failing op */
	u64 failed_at; /* index of the failing op, or nops */
	unsigned int violations;
	double seconds;
	struct mmu_stats stats;
	char coverage[512];
	struct model_op *ops;
};

static void report_failure(u64 seed, struct half *h)
{
	char msg[512];
	u64 n, i;

	printf("mmu-model: %s half, seed %llu: violation after op %llu; shrinking...\n",
	       model_mode_name(h->mode), (unsigned long long)seed,
	       (unsigned long long)h->failed_at);
	fflush(stdout);
	n = model_shrink(h->mode, seed, h->ops, h->failed_at + 1, SHRINK_SECONDS);
	model_replay(h->mode, seed, h->ops, n, msg, sizeof(msg));
	printf("mmu-model: %s half, seed %llu: %s\n", model_mode_name(h->mode),
	       (unsigned long long)seed, msg);
	printf("mmu-model: rerun with MMU_MODEL_MODE=%s MMU_MODEL_SEED=%llu MMU_MODEL_OPS=%llu\n",
	       model_mode_name(h->mode), (unsigned long long)seed,
	       (unsigned long long)(h->failed_at + 1));
	printf("mmu-model: shortest reproducing sequence (%llu ops):\n", (unsigned long long)n);
	for (i = 0; i < n; i++)
		printf("  %llu: %s vcpu %u arg %#llx\n", (unsigned long long)i,
		       model_op_name(h->mode, h->ops[i].type), h->ops[i].vcpu,
		       (unsigned long long)h->ops[i].arg);
}

static void run_half(u64 seed, struct half *h)
{
	struct model *m = model_create(h->mode, seed);
	u64 rng = seed, i;
	clock_t start = clock();

	h->ops = malloc((h->nops ? h->nops : 1) * sizeof(*h->ops));
	assert_non_null(h->ops);
	h->failed_at = h->nops;
	for (i = 0; i < h->nops; i++) {
		model_random_op(h->mode, &rng, &h->ops[i]);
		if (model_step(m, &h->ops[i])) {
			h->failed_at = i;
			break;
		}
	}
	h->stats = *model_stats(m);
	model_coverage(m, h->coverage, sizeof(h->coverage));
	h->violations = model_destroy(m);
	if (h->violations && h->failed_at == h->nops)
		h->failed_at = h->nops - 1;
	h->ran = h->failed_at == h->nops ? h->nops : h->failed_at + 1;
	h->seconds = (double)(clock() - start) / CLOCKS_PER_SEC;
}

/*
 * MMU_MODEL_OPS ops in all: DEFAULT_TDP_PERCENT of them for the TDP half, the rest for the
 * shadow half; MMU_MODEL_MODE=shadow or tdp runs only that half.
 */
static void model_random_sequence(void **state)
{
	u64 seed = env_u64("MMU_MODEL_SEED", DEFAULT_SEED);
	u64 nops = env_u64("MMU_MODEL_OPS", DEFAULT_OPS);
	const char *only = getenv("MMU_MODEL_MODE");
	struct half h[MODEL_NR_MODES] = { { .mode = MODEL_SHADOW }, { .mode = MODEL_TDP } };
	unsigned int violations = 0, i;
	u64 ran = 0;
	double seconds = 0;

	h[MODEL_TDP].nops = nops * DEFAULT_TDP_PERCENT / 100;
	h[MODEL_SHADOW].nops = nops - h[MODEL_TDP].nops;
	for (i = 0; only && *only && i < MODEL_NR_MODES; i++)
		h[i].nops = strcmp(only, model_mode_name(h[i].mode)) ? 0 : nops;
	for (i = 0; i < MODEL_NR_MODES; i++) {
		if (h[i].nops)
			run_half(seed, &h[i]);
		violations += h[i].violations;
		ran += h[i].ran;
		seconds += h[i].seconds;
	}
	printf("mmu-model: seed %llu, %llu ops, %u violations (%.1f s)\n", (unsigned long long)seed,
	       (unsigned long long)ran, violations, seconds);
	printf("mmu-model: shadow %llu ops (%.1f s), tdp %llu ops (%.1f s)\n",
	       (unsigned long long)h[MODEL_SHADOW].ran, h[MODEL_SHADOW].seconds,
	       (unsigned long long)h[MODEL_TDP].ran, h[MODEL_TDP].seconds);
	for (i = 0; i < MODEL_NR_MODES; i++) {
		const struct mmu_stats *st = &h[i].stats;

		if (!h[i].nops)
			continue;
		printf("mmu-model: %s: %llu faults (%llu fixed), %llu unsync, %llu syncs (%llu "
		       "SPTEs updated, %llu dropped), %llu zaps (%llu obsolete), %llu emulated "
		       "writes (%llu SPTEs updated), %llu floods, "
		       "%llu invalidate-all, %llu splits, %llu collapses, %llu deferred frees\n",
		       model_mode_name(h[i].mode), (unsigned long long)st->faults,
		       (unsigned long long)st->faults_fixed, (unsigned long long)st->unsync,
		       (unsigned long long)st->syncs, (unsigned long long)st->sync_updated,
		       (unsigned long long)st->sync_zapped, (unsigned long long)st->zaps,
		       (unsigned long long)st->obsolete_zaps,
		       (unsigned long long)st->emulated_writes,
		       (unsigned long long)st->write_updated, (unsigned long long)st->write_floods,
		       (unsigned long long)st->invalidate_all, (unsigned long long)st->splits,
		       (unsigned long long)st->collapses, (unsigned long long)st->deferred_frees);
		if (h[i].coverage[0])
			printf("mmu-model: %s: %s\n", model_mode_name(h[i].mode), h[i].coverage);
	}
	for (i = 0; i < MODEL_NR_MODES; i++) {
		if (h[i].violations)
			report_failure(seed, &h[i]);
		free(h[i].ops);
	}
	assert_int_equal(violations, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(model_random_sequence),
	};

	return cmocka_run_group_tests_name("mmu_model", tests, NULL, NULL);
}
