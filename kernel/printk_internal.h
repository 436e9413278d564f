/* SPDX-License-Identifier: GPL-2.0-only */
/* printk internals shared with panic: the emergency mode that never waits forever for the lock. */
#ifndef KERNEL_PRINTK_INTERNAL_H
#define KERNEL_PRINTK_INTERNAL_H

/* From now on printk takes its lock only if it can within a bounded time, and writes anyway. */
void printk_enter_emergency(void);

#endif
