/* SPDX-License-Identifier: GPL-2.0-only */
/* The guest MMU's interface: VMs, vCPUs, faults, guest TLB flushes, memslots, zaps, dirty logging.
 */
#ifndef KEEL_VMM_MMU_MMU_H
#define KEEL_VMM_MMU_MMU_H

#include <keel/list.h>
#include <keel/types.h>
#include <vmm/mmu/memslot.h>
#include <vmm/mmu/page.h>
#include <vmm/mmu/platform.h>
#include <vmm/mmu/pte_list.h>
#include <vmm/mmu/spte.h>
#include <vmm/mmu/stats.h>
#include <vmm/mmu/walk.h>

enum mmu_mode {
	MMU_MODE_TDP,	 /* EPT: guest-physical to host-physical */
	MMU_MODE_SHADOW, /* guest-virtual to host-physical, shadowing the guest's tables */
};

#define MMU_OK	       0
#define MMU_ENOMEM     (-12)
#define MMU_EEXIST     (-17)
#define MMU_EINVAL     (-22)

#define MMU_HASH_BITS  10
#define MMU_PREV_ROOTS 3
#define MMU_PAE_ROOTS  4
/* Obsolete pages reclaimed per call after an invalidate-all: bounds the time of any one call. */
#define MMU_RECLAIM_BATCH 32
/* Emulated writes to a shadowed guest table, with no fault using it in between, before the
 * page is taken for data and zapped. */
#define MMU_WRITE_FLOOD_LIMIT 3

/* Work each physical CPU keeps for itself, so that no CPU waits on another's batch. */
struct mmu_cpu_state {
	struct list_head zap_list;    /* prepared zaps awaiting one commit */
	mmu_cpumask_t zap_flush;      /* CPUs the committed batch must flush */
	struct list_head unsync_list; /* pages this CPU made unsync */
	u32 nr_unsync;
};

struct mmu_vm {
	struct mmu_lock lock;
	enum mmu_mode mode;
	const struct spte_format *fmt;
	u64 gen;       /* fast invalidate-all: pages of an older generation are obsolete */
	u64 slots_gen; /* bumped when a memslot appears: roots chosen before may now shadow more */
	struct mmu_page *hash[1 << MMU_HASH_BITS];
	struct list_head active; /* every hashed page, newest first */
	struct mmu_memslots slots;
	struct pte_list_cache desc_cache;
	struct mmu_cpu_state cpu[MMU_MAX_CPUS];
	mmu_cpumask_t cpus_loaded; /* CPUs that have loaded one of this VM's roots */
	bool no_unsync;		   /* every write to a tracked frame is emulated, none unsyncs */
	u64 nr_active;		   /* pages on the active list */
	u64 nr_obsolete;	   /* obsolete pages still on the active list */
	struct list_head windows;  /* open write windows (write_window.c), through their link */
	struct mmu_stats stats;
};

/*
 * A write window (write_window.c): one leaf SPTE made writable for a single guest instruction,
 * and the frame as it was before, to find what that instruction changed.
 */
struct mmu_write_window {
	struct list_head link; /* on vm->windows while open */
	bool open;
	gfn_t gfn;
	u64 gva;
	struct mmu_table_page snapshot; /* one page, allocated at the first window */
};

struct mmu_cached_root {
	u64 pgd; /* guest CR3 with its PCID: the context the root translates */
	struct mmu_page *page;
};

/*
 * One vCPU's view, pinned to physical CPU @cpu. In shadow mode @guest and @mem describe the
 * guest's paging state and memory; the caller updates @guest and reports changes through
 * mmu_cr3_load() and mmu_paging_changed().
 */
struct mmu_vcpu {
	struct mmu_vm *vm;
	unsigned int cpu;
	struct guest_paging_state *guest;
	struct guest_mem_access mem;
	union mmu_role root_role;
	struct mmu_page *root;		/* the root page (NULL with a PAE root) */
	paddr_t root_pa;		/* the CR3 or EPTP table address; 0 until loaded */
	struct mmu_table_page pae_root; /* 32-bit and PAE guests: four PDPTEs */
	struct mmu_page *pae_pages[MMU_PAE_ROOTS];
	u64 root_pgd;
	u64 root_slots_gen; /* vm->slots_gen when the roots were loaded */
	struct mmu_cached_root prev[MMU_PREV_ROOTS];
	struct mmu_write_window window;
};

enum mmu_fault_result {
	MMU_FAULT_FIXED,     /* an SPTE now allows the access: re-enter the guest */
	MMU_FAULT_RETRY,     /* nothing changed that the access needs; re-enter and see */
	MMU_FAULT_INJECT_PF, /* the guest's own tables refuse it: inject #PF(error_code) */
	MMU_FAULT_EMULATE,   /* a write to a tracked guest table, or MMIO: emulate the access */
	MMU_FAULT_NOMEM,
};

struct mmu_fault {
	u64 addr; /* guest-virtual (shadow) or guest-physical (TDP) */
	enum guest_access_kind kind;
	unsigned int walk_flags; /* GUEST_WALK_IMPLICIT */
	/* out */
	u32 error_code;
	u64 gpa;
};

int mmu_vm_init(struct mmu_vm *vm, enum mmu_mode mode);
/* Whether leaf shadow pages may go unsync (the default); set before the first vCPU runs. */
void mmu_vm_set_unsync(struct mmu_vm *vm, bool allowed);
/* Every vCPU must be destroyed first; waits for nothing: the caller ensures no CPU runs it. */
void mmu_vm_destroy(struct mmu_vm *vm);

void mmu_vcpu_init(struct mmu_vcpu *vcpu, struct mmu_vm *vm, unsigned int cpu,
		   struct guest_paging_state *guest, const struct guest_mem_access *mem);
void mmu_vcpu_destroy(struct mmu_vcpu *vcpu);

/* Makes vcpu->root_pa valid for the current guest state (reloading obsolete roots). */
int mmu_load_root(struct mmu_vcpu *vcpu);

enum mmu_fault_result mmu_page_fault(struct mmu_vcpu *vcpu, struct mmu_fault *f);

/* Guest TLB events (shadow mode; no-ops in TDP mode, where the guest's TLB is its own). */
void mmu_cr3_load(struct mmu_vcpu *vcpu, u64 new_cr3);
void mmu_invlpg(struct mmu_vcpu *vcpu, u64 gva);
void mmu_flush_guest_tlb(struct mmu_vcpu *vcpu, bool all_contexts);
void mmu_paging_changed(struct mmu_vcpu *vcpu);

/* The emulator wrote @len bytes at @gpa of a tracked frame (the new bytes are in memory). */
void mmu_track_write(struct mmu_vcpu *vcpu, u64 gpa, unsigned int len);
bool mmu_gfn_write_tracked(struct mmu_vm *vm, gfn_t gfn);
/*
 * Instead of emulating a write to a tracked frame: zaps every shadow page of @gfn so the write
 * can be retried natively. Returns false when nothing shadowed it (a retry would change nothing).
 */
bool mmu_unprotect_gfn(struct mmu_vm *vm, gfn_t gfn);

/* Fast invalidate-all: O(1); the obsolete pages are reclaimed by mmu_reclaim_obsolete(). */
void mmu_zap_all(struct mmu_vm *vm);
/* Zaps up to @budget obsolete pages; returns how many remain. */
u64 mmu_reclaim_obsolete(struct mmu_vm *vm, u64 budget);

int mmu_memslot_add(struct mmu_vm *vm, unsigned int id, gfn_t base_gfn, u64 npages, paddr_t host_pa,
		    u32 flags);
int mmu_memslot_delete(struct mmu_vm *vm, unsigned int id);
int mmu_memslot_move(struct mmu_vm *vm, unsigned int id, gfn_t new_base_gfn);

int mmu_dirty_log_start(struct mmu_vm *vm, unsigned int id);
int mmu_dirty_log_stop(struct mmu_vm *vm, unsigned int id);
/* Copies and clears the slot's dirty bitmap, write-protecting the frames it reports. */
int mmu_dirty_log_harvest(struct mmu_vm *vm, unsigned int id, u64 *bitmap);

/* Test-and-clear of the accessed bits of every SPTE mapping @gfn, through a lock-free walk. */
bool mmu_age_gfn(struct mmu_vm *vm, gfn_t gfn);

/*
 * Write windows (shadow mode): instead of emulating a write that faulted on a tracked frame
 * (MMU_FAULT_EMULATE), the caller lets one guest instruction run (single-stepped where it can)
 * with the one leaf SPTE for @gva writable, then closes the window at the very next exit,
 * whatever it is. Closing
 * makes the SPTE read-only again, flushes every CPU that loaded the VM's roots, and feeds each
 * guest entry of the frame that differs from the snapshot taken at opening to the write
 * tracking, as if the emulator had written it.
 */
enum mmu_window_result {
	MMU_WINDOW_OPEN,    /* run one instruction, then mmu_write_window_close() */
	MMU_WINDOW_BUSY,    /* another vCPU has a window on the frame: re-enter, fault again */
	MMU_WINDOW_REFUSED, /* no writable-to-be SPTE maps @gva to @gpa: the write needs more */
	MMU_WINDOW_NOMEM,
};
enum mmu_window_result mmu_write_window_open(struct mmu_vcpu *vcpu, u64 gva, u64 gpa);
/* Returns how many 8-byte words of the frame changed while the window was open. */
unsigned int mmu_write_window_close(struct mmu_vcpu *vcpu);
static inline bool mmu_write_window_is_open(const struct mmu_vcpu *vcpu)
{
	return vcpu->window.open;
}

#endif
