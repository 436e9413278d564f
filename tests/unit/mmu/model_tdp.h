/* SPDX-License-Identifier: GPL-2.0-only */
/* The TDP (EPT) half of the MMU model, as model.c drives it. */
#ifndef KEEL_TESTS_MMU_MODEL_TDP_H
#define KEEL_TESTS_MMU_MODEL_TDP_H

#include <keel/types.h>
#include <vmm/mmu/stats.h>

#include "model.h"

struct tdp_model;

struct tdp_model *tdp_model_create(u64 seed);
/* Runs one operation and every check after it; returns the first violation found, or NULL. */
const char *tdp_model_step(struct tdp_model *t, const struct model_op *op);
const struct mmu_stats *tdp_model_stats(const struct tdp_model *t);
/* One line on what the run exercised (leaf sizes, fault verdicts, harvests...). */
void tdp_model_coverage(const struct tdp_model *t, char *buf, size_t len);
/*
 * Tears the MMU down (unless @dead: an assertion fired and its state is abandoned) and frees
 * the model; returns why teardown failed (a leak), or NULL.
 */
const char *tdp_model_destroy(struct tdp_model *t, bool dead);

void tdp_model_random_op(u64 *rng_state, struct model_op *op);
const char *tdp_model_op_name(unsigned int type);

#endif
