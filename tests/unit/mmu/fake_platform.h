/* SPDX-License-Identifier: GPL-2.0-only */
/* Hosted fakes of the MMU platform interface: counted allocations, explicit grace periods, panics.
 */
#ifndef KEEL_TESTS_MMU_FAKE_PLATFORM_H
#define KEEL_TESTS_MMU_FAKE_PLATFORM_H

#include <setjmp.h>

#include <vmm/mmu/platform.h>

struct fake_platform {
	unsigned int cpu; /* what mmu_plat_cpu_id() returns */
	unsigned int ncpus;
	u64 live_tables;	 /* table pages allocated and not freed */
	u64 live_objects;	 /* zalloc'd objects not freed */
	u64 pending_deferred;	 /* deferred frees waiting for a grace period */
	unsigned int read_depth; /* lock-free read sections open now */
	u64 flush_requests;
	mmu_cpumask_t flushed_cpus; /* union of every flush request's CPU set */
	u64 fail_allocs_after;	    /* when non-zero, allocations fail once this many more passed */
	bool expect_panic;	    /* panic() longjmps to panic_jmp instead of aborting */
	jmp_buf panic_jmp;
	char panic_msg[256];
};

extern struct fake_platform fake;

void fake_platform_reset(void);
/* Every CPU passed a quiescent state: runs the deferred frees. Returns how many ran. */
u64 fake_grace_period(void);

#endif
