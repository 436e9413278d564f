/* SPDX-License-Identifier: GPL-2.0-only */
/* The one place both boot paths (UEFI loader, multiboot2) converge. */
#ifndef KEEL_INIT_H
#define KEEL_INIT_H

#include <keel/bootinfo.h>

/*
 * Called on the boot stack with interrupts off, on the loader's page tables (see bootinfo.h);
 * bi may point anywhere in the first 4 GiB's direct map or in the kernel image.
 */
__noreturn void kernel_main(const struct boot_info *bi);

/* The copy of boot_info the kernel keeps after it has checked it. */
extern struct boot_info boot_info;

#endif
