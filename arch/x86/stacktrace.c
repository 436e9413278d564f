/* SPDX-License-Identifier: GPL-2.0-only */
/* Frame-pointer stack traces (every C file is built with -fno-omit-frame-pointer). */
#include <keel/arch.h>
#include <keel/printk.h>
#include <arch/paging.h>
#include <arch/sections.h>

#define STACK_TRACE_MAX_FRAMES 32

/* Stacks live in the kernel image (.bss) or in the direct map; a frame pointer elsewhere is junk.
 */
static bool frame_readable(u64 rbp)
{
	u64 dm_end = direct_map_end ? direct_map_end : (1UL << 32);

	if (!IS_ALIGNED(rbp, sizeof(u64)))
		return false;
	if (rbp >= (u64)__data_start && rbp + 16 <= (u64)__kernel_end)
		return true;
	return rbp >= KEEL_DIRECT_MAP_BASE && rbp + 16 <= KEEL_DIRECT_MAP_BASE + dm_end;
}

void arch_stack_trace(u64 rbp)
{
	unsigned int n;

	for (n = 0; n < STACK_TRACE_MAX_FRAMES && rbp; n++) {
		const u64 *frame = (const u64 *)rbp;

		if (!frame_readable(rbp)) {
			printk_raw("  (frame pointer 0x%016lx is outside every stack)\n", rbp);
			return;
		}
		if (!frame[1])
			return;
		printk_raw("  [<0x%016lx>]\n", frame[1]);
		/* Callers' frames lie above their callees': anything else is a corrupt chain. */
		if (frame[0] && frame[0] <= rbp) {
			printk_raw("  (frame chain goes downwards at 0x%016lx)\n", rbp);
			return;
		}
		rbp = frame[0];
	}
}
