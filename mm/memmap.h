/* SPDX-License-Identifier: GPL-2.0-only */
/* From the boot memory map to the set of physical ranges the page allocator may hand out. */
#ifndef MM_MEMMAP_H
#define MM_MEMMAP_H

#include <keel/bootinfo.h>
#include "mm/memrange.h"

/* Room for every map entry plus the splits that reservations can cause. */
#define MEMMAP_RANGES_MAX (BOOT_MMAP_MAX + BOOT_MODULES_MAX + 16)

/*
 * Usable entries shrunk to whole pages, minus everything that must never be handed out: every
 * other entry (widened to whole pages, so overlapping or unaligned maps are safe), page 0, the
 * AP startup page (KEEL_AP_TRAMPOLINE_PHYS), the kernel image, the modules, the page holding the RSDP and the framebuffer. Returns -1 when the
 * set ran out of room.
 */
int memmap_usable(const struct boot_info *bi, struct memrange_set *usable);

/* Bytes of RAM the map describes (usable, ACPI, loader), overlaps counted once, in [lo, hi). */
u64 memmap_ram_bytes(const struct boot_info *bi, u64 lo, u64 hi);

#endif
