/* SPDX-License-Identifier: GPL-2.0-only */
/* The guest MMU's only window onto the machine: pages, objects, flushes, CPUs, locks, grace
 * periods. */
#ifndef KEEL_VMM_MMU_PLATFORM_H
#define KEEL_VMM_MMU_PLATFORM_H

#include <keel/epoch.h>
#include <keel/panic.h>
#include <keel/types.h>

/*
 * The kernel implements these with its page allocator, heap, TLB shootdown and epoch-based
 * deferred free; the hosted tests implement them with fakes (tests/unit/mmu/fake_platform.c).
 * Nothing in vmm/mmu reaches the machine any other way.
 */

/* A 4 KiB page-table page: its host-virtual and host-physical address. */
struct mmu_table_page {
	u64 *va;
	paddr_t pa;
};

/*
 * A zeroed 4 KiB table page. @owner is remembered with the page and returned by
 * mmu_plat_table_owner() for any pointer into it (the kernel keeps it in its page database).
 * Returns false when memory is exhausted.
 */
bool mmu_plat_table_alloc(struct mmu_table_page *tp, void *owner);
/* The same, below 4 GiB, for a table a 32-bit CR3 names: a PAE-format root. */
bool mmu_plat_table_alloc_low(struct mmu_table_page *tp, void *owner);
void mmu_plat_table_free(struct mmu_table_page *tp);
u64 *mmu_plat_table_va(paddr_t pa);
void *mmu_plat_table_owner(const u64 *entry);

/* Zeroed metadata objects (shadow page descriptors, pte_list_desc blocks, bitmaps). */
void *mmu_plat_zalloc(size_t size);
void mmu_plat_free(void *obj);

/*
 * Calls fn(obj) once every CPU has passed a quiescent state, so that lock-free walkers that
 * could still see @obj have finished with it. @head is storage inside @obj the platform may use:
 * the kernel hands @eh to defer_free() and keeps the MMU's callback in @fn.
 */
struct mmu_deferred {
	struct epoch_head eh;
	void (*fn)(struct mmu_deferred *head);
};
void mmu_plat_defer_free(struct mmu_deferred *head, void (*fn)(struct mmu_deferred *head));

/* Bit n set = physical CPU n. Keel supports up to 64 physical CPUs per MMU instance. */
typedef u64 mmu_cpumask_t;
#define MMU_MAX_CPUS 64

/* Requests one TLB flush of every CPU in @cpus (guest-physical and combined mappings). */
void mmu_plat_flush_tlbs(mmu_cpumask_t cpus);
unsigned int mmu_plat_cpu_id(void);
unsigned int mmu_plat_cpu_count(void);

/* The MMU lock: a sleepless mutual-exclusion lock (a spinlock in the kernel). */
struct mmu_lock {
	volatile u32 held;
};
void mmu_plat_lock(struct mmu_lock *lock);
void mmu_plat_unlock(struct mmu_lock *lock);
bool mmu_plat_lock_held(const struct mmu_lock *lock);

/* Lock-free readers mark their critical sections; the grace period waits for them. */
void mmu_plat_read_begin(void);
void mmu_plat_read_end(void);

#endif
