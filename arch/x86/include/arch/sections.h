/* SPDX-License-Identifier: GPL-2.0-only */
/* Section bounds of the kernel image, defined by arch/x86/kernel.ld. */
#ifndef ARCH_SECTIONS_H
#define ARCH_SECTIONS_H

/* The 32-bit multiboot2 trampoline, linked and run at its physical address. */
extern char __boot_start[], __boot_end[];
extern char __boot_bss_start[], __boot_bss_end[];
/* The kernel proper at KEEL_KERNEL_VIRT_BASE + physical; every bound is page aligned. */
extern char __text_start[], __text_end[];
extern char __rodata_start[], __rodata_end[];
extern char __data_start[], __data_end[]; /* .data and .bss: one RW range */
extern char __bss_start[], __bss_end[];
extern char __kernel_end[];

#endif
