/* SPDX-License-Identifier: GPL-2.0-only */
/* The UEFI path's C half: note where the loader put the image, then enter kernel_main(). */
#include <keel/init.h>
#include <keel/mm.h>
#include <arch/paging.h>
#include <arch/percpu.h>

__noreturn void uefi_boot_main(paddr_t bi_phys);

/*
 * boot_info is not checked yet (kernel_main does that), so only take kernel_phys from it when
 * it looks like one: a wrong base would make every kernel-image virt_to_phys() wrong.
 */
__noreturn void uefi_boot_main(paddr_t bi_phys)
{
	const struct boot_info *bi = phys_to_virt(bi_phys);

	if (bi_phys < (1UL << 32) - sizeof(*bi) && bi->magic == BOOT_INFO_MAGIC &&
	    IS_ALIGNED(bi->kernel_phys, LARGE_PAGE_SIZE) && bi->kernel_phys &&
	    bi->kernel_phys < (1UL << 32))
		kernel_phys_base = bi->kernel_phys;
	percpu_boot_early();
	kernel_main(bi);
}
