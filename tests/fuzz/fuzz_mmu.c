/* SPDX-License-Identifier: GPL-2.0-only */
/* libFuzzer target: the input is a mode, a seed and an operation sequence for the MMU model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmu/model.h"

#define OP_BYTES 10 /* type, vCPU, 8 bytes of arguments */
#define MAX_OPS	 400

/*
 * Byte 0 picks the half (bit 0 clear: shadow, set: TDP); bytes 1-8 seed the initial guest
 * tables or memslots; every following 10 bytes are one operation of that half. The model
 * checks every invariant after each operation; a violation aborts with its description.
 */
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static struct model_op ops[MAX_OPS];
	enum model_mode mode;
	char msg[512];
	u64 seed, n, i;

	if (size < 1 + sizeof(seed))
		return 0;
	mode = data[0] & 1 ? MODEL_TDP : MODEL_SHADOW;
	memcpy(&seed, data + 1, sizeof(seed));
	data += 1 + sizeof(seed);
	size -= 1 + sizeof(seed);
	n = MIN(size / OP_BYTES, (size_t)MAX_OPS);
	for (i = 0; i < n; i++) {
		ops[i].type = data[i * OP_BYTES] % (mode == MODEL_TDP ? TOP_NR : MOP_NR);
		ops[i].vcpu = data[i * OP_BYTES + 1];
		memcpy(&ops[i].arg, &data[i * OP_BYTES + 2], sizeof(ops[i].arg));
	}
	if (model_replay(mode, seed, ops, n, msg, sizeof(msg)) < n) {
		fprintf(stderr, "mmu-model %s violation: %s\n", model_mode_name(mode), msg);
		abort();
	}
	return 0;
}
