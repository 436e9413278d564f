/* SPDX-License-Identifier: GPL-2.0-only */
/* libFuzzer target: the input is a seed and an operation sequence for the MMU model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmu/model.h"

#define OP_BYTES 10 /* type, vCPU, 8 bytes of arguments */
#define MAX_OPS	 400

/*
 * Bytes 0-7 seed the initial guest tables; every following 10 bytes are one operation. The
 * model checks every invariant after each operation; a violation aborts with its description.
 */
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static struct model_op ops[MAX_OPS];
	char msg[512];
	u64 seed, n, i;

	if (size < sizeof(seed))
		return 0;
	memcpy(&seed, data, sizeof(seed));
	data += sizeof(seed);
	size -= sizeof(seed);
	n = MIN(size / OP_BYTES, (size_t)MAX_OPS);
	for (i = 0; i < n; i++) {
		ops[i].type = data[i * OP_BYTES] % MOP_NR;
		ops[i].vcpu = data[i * OP_BYTES + 1];
		memcpy(&ops[i].arg, &data[i * OP_BYTES + 2], sizeof(ops[i].arg));
	}
	if (model_replay(seed, ops, n, msg, sizeof(msg)) < n) {
		fprintf(stderr, "mmu-model violation: %s\n", msg);
		abort();
	}
	return 0;
}
