/* SPDX-License-Identifier: GPL-2.0-only */
/* Sorting and merging memory-map ranges for boot_info: pure C, hosted-testable. */
#ifndef BOOT_MMAP_H
#define BOOT_MMAP_H

#include <keel/bootinfo.h>

/*
 * Sort e[0..n) by base and merge ranges that touch and have the same type. Returns the new
 * count. Runs after ExitBootServices, so it neither allocates nor fails.
 */
size_t mmap_sort_merge(struct boot_mmap_entry *e, size_t n);

#endif
