/* SPDX-License-Identifier: GPL-2.0-only */
/* Sorted sets of disjoint physical address ranges, for turning a memory map into free memory. */
#ifndef MM_MEMRANGE_H
#define MM_MEMRANGE_H

#include <keel/types.h>

struct memrange {
	u64 base;
	u64 end; /* exclusive */
};

/* Ranges are kept sorted, disjoint and non-adjacent; storage is the caller's. */
struct memrange_set {
	struct memrange *r;
	unsigned int count;
	unsigned int cap;
};

/* Add [base, end), merging with what it overlaps or touches; -1 when the set is full. */
int memrange_add(struct memrange_set *s, u64 base, u64 end);

/* Remove [base, end) from the set; -1 when a split needs more room than the set has. */
int memrange_remove(struct memrange_set *s, u64 base, u64 end);

/* Total bytes in the set that lie inside [lo, hi). */
u64 memrange_bytes_in(const struct memrange_set *s, u64 lo, u64 hi);

#endif
