/* SPDX-License-Identifier: GPL-2.0-only */
/* Page allocator internals that the in-kernel tests inspect. */
#ifndef MM_PMM_H
#define MM_PMM_H

#include <keel/types.h>

/* Walk the global allocator's free lists and frame states; 0 when everything agrees. */
int pmm_check(void);

#endif
