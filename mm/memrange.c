/* SPDX-License-Identifier: GPL-2.0-only */
/* Sorted range sets: union and subtraction over a caller-provided array. */
#include "mm/memrange.h"

#include <string.h>

static void insert_at(struct memrange_set *s, unsigned int i, u64 base, u64 end)
{
	memmove(&s->r[i + 1], &s->r[i], (s->count - i) * sizeof(s->r[0]));
	s->r[i].base = base;
	s->r[i].end = end;
	s->count++;
}

static void delete_at(struct memrange_set *s, unsigned int i, unsigned int n)
{
	memmove(&s->r[i], &s->r[i + n], (s->count - i - n) * sizeof(s->r[0]));
	s->count -= n;
}

int memrange_add(struct memrange_set *s, u64 base, u64 end)
{
	unsigned int i = 0, j;

	if (base >= end)
		return 0;
	while (i < s->count && s->r[i].end < base)
		i++;
	/* r[i..j) overlap or touch [base, end): fold them into one range. */
	j = i;
	while (j < s->count && s->r[j].base <= end) {
		base = MIN(base, s->r[j].base);
		end = MAX(end, s->r[j].end);
		j++;
	}
	if (j > i) {
		s->r[i].base = base;
		s->r[i].end = end;
		delete_at(s, i + 1, j - i - 1);
		return 0;
	}
	if (s->count == s->cap)
		return -1;
	insert_at(s, i, base, end);
	return 0;
}

int memrange_remove(struct memrange_set *s, u64 base, u64 end)
{
	unsigned int i = 0;

	if (base >= end)
		return 0;
	while (i < s->count) {
		struct memrange *r = &s->r[i];

		if (r->end <= base) {
			i++;
			continue;
		}
		if (r->base >= end)
			break;
		if (r->base < base && r->end > end) {
			if (s->count == s->cap)
				return -1;
			insert_at(s, i + 1, end, r->end);
			s->r[i].end = base;
			return 0;
		}
		if (r->base < base) {
			r->end = base;
			i++;
		} else if (r->end > end) {
			r->base = end;
			i++;
		} else {
			delete_at(s, i, 1);
		}
	}
	return 0;
}

u64 memrange_bytes_in(const struct memrange_set *s, u64 lo, u64 hi)
{
	u64 n = 0;

	for (unsigned int i = 0; i < s->count; i++) {
		u64 b = MAX(s->r[i].base, lo), e = MIN(s->r[i].end, hi);

		if (b < e)
			n += e - b;
	}
	return n;
}
