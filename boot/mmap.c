/* SPDX-License-Identifier: GPL-2.0-only */
/* Sorting and merging memory-map ranges for boot_info: pure C, hosted-testable. */
#include "mmap.h"

size_t mmap_sort_merge(struct boot_mmap_entry *e, size_t n)
{
	size_t out = 0;

	/* Insertion sort: a few hundred entries, and firmware maps come nearly sorted. */
	for (size_t i = 1; i < n; i++) {
		struct boot_mmap_entry cur = e[i];
		size_t j = i;

		for (; j > 0 && e[j - 1].base > cur.base; j--)
			e[j] = e[j - 1];
		e[j] = cur;
	}
	for (size_t i = 0; i < n; i++) {
		if (!e[i].length)
			continue;
		if (out && e[out - 1].type == e[i].type &&
		    e[out - 1].base + e[out - 1].length == e[i].base) {
			e[out - 1].length += e[i].length;
			continue;
		}
		e[out++] = e[i];
	}
	return out;
}
