/* SPDX-License-Identifier: GPL-2.0-only */
/* Keel's host address-space layout: where the kernel image and the direct map live. */
#ifndef ARCH_LAYOUT_H
#define ARCH_LAYOUT_H

/*
 *  0xffffffff80000000 + KEEL_LOAD_PHYS   kernel image (text, rodata, data, bss), top 2 GiB,
 *                                        so -mcmodel=kernel addressing reaches every symbol
 *  0xffffff0000000000                    kmap window: single 4 KiB mappings outside the direct map
 *                                        (uncached MMIO, scratch pages), PML4 slot 510
 *  0xffff800000000000                    direct map of all physical memory (PML4 slot 256 up,
 *                                        bounded by MAXPHYADDR)
 *  0x0000000000000000 ..                 lower half: empty once the kernel runs on its own tables
 *
 * keel.elf is linked so that its lowest segment has p_paddr KEEL_LOAD_PHYS. GRUB loads it there;
 * the UEFI loader tries there and otherwise anywhere 2 MiB aligned below 4 GiB, keeping the
 * segments' relative placement, and reports the base in boot_info.kernel_phys.
 */
#ifdef __ASSEMBLER__
#define _UL(x) x
#else
#define _UL(x) x##UL
#endif

#define KEEL_KERNEL_VIRT_BASE _UL(0xffffffff80000000)
#define KEEL_LOAD_PHYS _UL(0x200000)
#define KEEL_DIRECT_MAP_BASE _UL(0xffff800000000000)
#define KEEL_KMAP_BASE	     _UL(0xffffff0000000000)
/* The AP startup page (arch/x86/smp.c): below 1 MiB, never given to the page allocator. */
#define KEEL_AP_TRAMPOLINE_PHYS _UL(0x8000)

#define PAGE_SHIFT 12
#define PAGE_SIZE (_UL(1) << PAGE_SHIFT)
#define LARGE_PAGE_SIZE (_UL(1) << 21)
#define HUGE_PAGE_SIZE (_UL(1) << 30)

#endif
