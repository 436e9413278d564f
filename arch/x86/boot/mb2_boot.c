/* SPDX-License-Identifier: GPL-2.0-only */
/* The multiboot2 path's C half: turn GRUB's tags into a boot_info and enter kernel_main(). */
#include <keel/arch.h>
#include <keel/init.h>
#include <keel/mm.h>
#include <arch/paging.h>
#include <arch/percpu.h>
#include <arch/sections.h>
#include <string.h>

#include "arch/x86/boot/mb2.h"
#include "drivers/uart16550.h"

/* A real information structure is a few KiB; anything larger is taken for garbage. */
#define MB2_INFO_MAX (1UL << 20)
#define FOUR_GIB     (1UL << 32)

static struct boot_info mb2_boot_info;
/* The loader hands over a copy of the RSDP; boot_info wants an address, so keep it here. */
static u8 mb2_rsdp[MB2_RSDP_MAX] __aligned(16);

__noreturn void mb2_boot_main(u32 mbi_phys);

/* There is no console before kernel_main(): straight to COM1, then stop. */
__noreturn static void fatal(const char *what, const char *why)
{
	static const char tail[] = "; halting\n";
	struct uart16550 com1;

	if (uart16550_init(&com1, UART_COM1_PORT, 115200)) {
		uart16550_write(&com1, what, strlen(what));
		uart16550_write(&com1, why, strlen(why));
		uart16550_write(&com1, tail, sizeof(tail) - 1);
		uart16550_drain(&com1);
	}
	arch_halt();
}

__noreturn void mb2_boot_main(u32 mbi_phys)
{
	struct mb2_parse_in in = {
		.mbi = phys_to_virt(mbi_phys),
		.mbi_avail = MIN(MB2_INFO_MAX, FOUR_GIB - mbi_phys),
		.kernel_phys = KEEL_LOAD_PHYS,
		.kernel_size = kernel_virt_to_phys((vaddr_t)__kernel_end) - KEEL_LOAD_PHYS,
	};
	struct mb2_parse_out out = { .bi = &mb2_boot_info };

	kernel_phys_base = KEEL_LOAD_PHYS;
	if (mb2_parse(&in, &out))
		fatal("keel: multiboot2: bad boot information: ", out.error);
	if (out.rsdp_len) {
		memcpy(mb2_rsdp, out.rsdp, out.rsdp_len);
		mb2_boot_info.acpi_rsdp = kernel_virt_to_phys((vaddr_t)mb2_rsdp);
	}
	percpu_boot_early();
	kernel_main(&mb2_boot_info);
}
