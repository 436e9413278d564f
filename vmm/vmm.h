/* SPDX-License-Identifier: GPL-2.0-only */
/* Virtual machines and vCPUs as the arch-neutral VMM sees them: exits, handlers, vCPU operations.
 */
#ifndef KEEL_VMM_VMM_H
#define KEEL_VMM_VMM_H

#include <keel/types.h>
#include <vmm/mmu/mmu.h>

/*
 * The VMM is split in two. arch/x86/vmx/ enters the guest, decodes each VM exit into a
 * struct vm_exit and implements struct vcpu_ops; vmm/ (this header, vm.c, vcpu.c, run.c, exit/,
 * dev/, load/) decides what an exit means. Nothing under vmm/ includes a VMX header.
 */

#define VM_NAME_MAX	   32
#define VM_CMDLINE_MAX	   224
#define VM_MAX_VCPUS	   1
#define VM_STOP_DETAIL_MAX 128
#define VM_RAM_CHUNK_ORDER 10 /* guest RAM comes in 4 MiB buddy blocks */
#define VM_RAM_CHUNK	   (4096ull << VM_RAM_CHUNK_ORDER)
#define VM_MEM_MIB_MAX	   1024

/* Guest general-purpose registers, in the x86 encoding order (ModRM reg, CR-access GPR field). */
enum vcpu_reg {
	VCPU_RAX,
	VCPU_RCX,
	VCPU_RDX,
	VCPU_RBX,
	VCPU_RSP, /* lives in the VMCS: only through vcpu_reg_read/write */
	VCPU_RBP,
	VCPU_RSI,
	VCPU_RDI,
	VCPU_R8,
	VCPU_R9,
	VCPU_R10,
	VCPU_R11,
	VCPU_R12,
	VCPU_R13,
	VCPU_R14,
	VCPU_R15,
	VCPU_NR_GPRS,
	VCPU_RIP = VCPU_NR_GPRS, /* only through vcpu_reg_read/write */
	VCPU_RFLAGS,
	VCPU_NR_REGS,
};

/* Segment registers, in the x86 encoding order (Sreg field of MOV Sreg, ModRM 16-bit defaults). */
enum vcpu_seg {
	VCPU_ES,
	VCPU_CS,
	VCPU_SS,
	VCPU_DS,
	VCPU_FS,
	VCPU_GS,
	VCPU_NR_SEGS,
};

/* A segment register as the guest sees it: selector and descriptor cache (ar: VMCS format). */
struct vcpu_segment {
	u16 sel;
	u64 base;
	u32 limit;
	u32 ar;
};

/* The descriptor-table registers LGDT and LIDT load. */
enum vcpu_dtable {
	VCPU_GDTR,
	VCPU_IDTR,
};

/* Guest control registers with the values the guest sees (its own CR0/CR4, not Keel's). */
enum vcpu_creg {
	VCPU_CR0,
	VCPU_CR2,
	VCPU_CR3,
	VCPU_CR4,
	VCPU_EFER,
	VCPU_XCR0, /* XSETBV; the arch loads it for the guest and restores Keel's own after exits */
	VCPU_NR_CREGS,
};

/*
 * Guest MSRs whose values the arch keeps (VMCS guest-state fields, or loaded in the CPU while the
 * guest runs). vmm/exit/msr.c decides what a guest may read and write; these only store.
 */
enum vcpu_msr {
	VCPU_MSR_FS_BASE,
	VCPU_MSR_GS_BASE,
	VCPU_MSR_KERNEL_GS_BASE,
	VCPU_MSR_SYSENTER_CS,
	VCPU_MSR_SYSENTER_ESP,
	VCPU_MSR_SYSENTER_EIP,
	VCPU_MSR_STAR,
	VCPU_MSR_LSTAR,
	VCPU_MSR_CSTAR,
	VCPU_MSR_SFMASK,
	VCPU_MSR_PAT,
	VCPU_NR_MSRS,
};

/* What made the guest stop running; each kind has a handler slot and a counter. */
enum vm_exit_kind {
	VM_EXIT_CPUID,
	VM_EXIT_HLT,
	VM_EXIT_IO,
	VM_EXIT_MSR_READ,
	VM_EXIT_MSR_WRITE,
	VM_EXIT_VMCALL,
	VM_EXIT_CR_ACCESS,
	VM_EXIT_INVLPG,
	VM_EXIT_INVPCID,
	VM_EXIT_EPT_VIOLATION,
	VM_EXIT_EPT_MISCONFIG,
	VM_EXIT_EXCEPTION, /* an intercepted guest exception, #PF included */
	VM_EXIT_NMI,
	VM_EXIT_EXTERNAL_INTERRUPT,
	VM_EXIT_TRIPLE_FAULT,
	VM_EXIT_PREEMPTION_TIMER,
	VM_EXIT_XSETBV,
	VM_EXIT_INVD,
	VM_EXIT_WBINVD,
	VM_EXIT_VMX_INSTRUCTION, /* VMCALL aside, any VMX instruction: the guest gets #UD */
	VM_EXIT_SINGLE_STEP,	 /* the one instruction ops->single_step() allowed has run */
	VM_EXIT_ENTRY_FAILURE,	 /* VMLAUNCH/VMRESUME failed or entry failed on guest state */
	VM_EXIT_OTHER,		 /* anything Keel does not decode: see arch_reason */
	VM_EXIT_KIND_COUNT,
};

enum vm_cr_access_type {
	VM_CR_MOV_TO,	/* MOV to CRn from gpr */
	VM_CR_MOV_FROM, /* MOV from CRn to gpr */
	VM_CR_CLTS,
	VM_CR_LMSW, /* source in lmsw_data */
};

#define VM_EXC_PF 14 /* vector of the page fault, for exception exits */

/* One VM exit, decoded by the architecture code. Only the member named by kind is valid. */
struct vm_exit {
	enum vm_exit_kind kind;
	u32 arch_reason;	/* raw exit reason as the CPU reported it (diagnostics only) */
	u64 arch_qualification; /* raw exit qualification (diagnostics only) */
	u32 insn_len;		/* length of the exiting instruction, when the CPU reports it */
	union {
		struct {
			u16 port;
			u8 size; /* 1, 2 or 4 bytes */
			bool in; /* IN/INS; false for OUT/OUTS */
			bool string;
			bool rep;
			/* INS/OUTS: address size in bytes (2, 4, 8; 0 when the CPU does not say) */
			u8 addr_size;
			u64 gva; /* INS/OUTS: linear address of the first element */
		} io;
		struct {
			u32 msr; /* from ECX; the value to write is in EDX:EAX */
		} msr;
		struct {
			u8 cr;	/* 0, 3, 4 or 8 */
			u8 gpr; /* enum vcpu_reg, for MOV to/from */
			enum vm_cr_access_type type;
			u16 lmsw_data;
		} cr;
		struct {
			u64 gva;
		} invlpg;
		struct {
			u64 type;     /* the INVPCID type from its register operand */
			u64 desc_gva; /* linear address of the 16-byte descriptor */
		} invpcid;
		struct {
			u64 gpa;
			u64 gva;	/* valid when gva_valid */
			bool gva_valid; /* the access came from a linear address */
			bool read, write, fetch;
			/* what the EPT entries allowed: all false means not present */
			bool readable, writable, executable;
		} ept;
		struct {
			u8 vector;
			bool software; /* INT3 or INTO: the return address is past the instruction
					*/
			bool has_error_code;
			u32 error_code;
			u64 cr2; /* the faulting address, for #PF */
		} exception;
		struct {
			u32 xcr; /* ECX; the value is in EDX:EAX */
		} xsetbv;
		struct {
			u8 cpl;	     /* the caller's privilege level */
			bool mode64; /* 64-bit mode: 64-bit arguments, else 32 */
		} vmcall;
		struct {
			bool vmfail;	/* VMLAUNCH/VMRESUME itself failed: insn_error says why */
			u32 insn_error; /* VM-instruction error number (vmfail) */
			u32 reason;	/* basic exit reason of a failed entry (!vmfail) */
			u64 qualification;
			const char *what; /* the SDM's words for the error or reason */
		} entry_failure;
	};
};

/* Why a VM stopped; the names are the words of expect=stop:<reason> (guest_abi.h). */
enum vm_stop_reason {
	VM_STOP_NONE,	       /* still running */
	VM_STOP_EXIT,	       /* "exit": the guest asked (debug-exit port, KEEL_HC_EXIT) */
	VM_STOP_TRIPLE_FAULT,  /* "triple_fault" */
	VM_STOP_ENTRY_FAILURE, /* "entry_failure": invalid guest state or VM entry refused */
	VM_STOP_BUDGET,	       /* "budget": ran past budget= */
	VM_STOP_HALTED,	       /* "halted": HLT with no event that could ever wake it */
	VM_STOP_UNHANDLED,     /* "unhandled": an exit Keel does not handle */
	VM_STOP_ERROR,	       /* "error": Keel itself failed (memory, MMU) */
	VM_STOP_REASON_COUNT,
};

enum exit_action {
	EXIT_RESUME, /* re-enter the guest */
	EXIT_STOP,   /* the handler called vm_stop(): leave the run loop */
};

struct vcpu;
typedef enum exit_action (*vm_exit_handler)(struct vcpu *vcpu, const struct vm_exit *exit);

/*
 * The handlers, indexed by kind (designated initializers in vmm/exit/). A NULL slot stops the VM
 * with VM_STOP_UNHANDLED. The run loop (vmm/run.c) handles VM_EXIT_ENTRY_FAILURE itself (stop
 * with a dump; counted, never dispatched) and counts VM_EXIT_PREEMPTION_TIMER against the budget
 * before dispatching it. By the time VM_EXIT_EXTERNAL_INTERRUPT or VM_EXIT_NMI is dispatched the
 * architecture has already let the host take the interrupt: their handlers just resume.
 */
extern const vm_exit_handler vm_exit_handlers[VM_EXIT_KIND_COUNT];

/*
 * vmm/exit/table.c: counts the exit in vm->stats (every kind, every time) and runs its handler.
 * The run loop calls this for every exit after its own checks, so nothing is counted twice.
 */
enum exit_action vm_exit_dispatch(struct vcpu *vcpu, const struct vm_exit *exit);

/*
 * The MMU fault path (vcpu.c, vmx-run): #PF intercepts in shadow mode and EPT violations and
 * misconfigurations in TDP mode; it fixes the fault, injects #PF, emulates, or stops the VM.
 */
enum exit_action vcpu_mmu_fault(struct vcpu *vcpu, const struct vm_exit *exit);

/*
 * Shadow mode write windows (vcpu.c, docs/mmu.md): a write to a tracked guest table runs natively
 * as one single-stepped instruction. The run loop calls vcpu_close_write_window() for every exit
 * before anything else looks at it; the single-step exit itself then just resumes.
 */
void vcpu_close_write_window(struct vcpu *vcpu, const struct vm_exit *exit);
enum exit_action vcpu_single_step_done(struct vcpu *vcpu, const struct vm_exit *exit);

/* Implemented by the architecture (arch/x86/vmx/); every call acts on the vCPU's current CPU. */
struct vcpu_ops {
	/* RSP, RIP, RFLAGS (the GPRs in vcpu->gprs are plain memory) */
	u64 (*get_reg)(struct vcpu *vcpu, enum vcpu_reg reg);
	void (*set_reg)(struct vcpu *vcpu, enum vcpu_reg reg, u64 val);
	/* the guest-visible value; set returns 0 or -EINVAL when the guest must get #GP instead */
	u64 (*get_creg)(struct vcpu *vcpu, enum vcpu_creg reg);
	int (*set_creg)(struct vcpu *vcpu, enum vcpu_creg reg, u64 val);
	/* current privilege level (0-3) */
	unsigned int (*cpl)(struct vcpu *vcpu);
	/* 64-bit mode (IA-32e with CS.L = 1): 64-bit register operands, else 32 (16 in real mode)
	 */
	bool (*mode64)(struct vcpu *vcpu);
	u64 (*get_msr)(struct vcpu *vcpu, enum vcpu_msr msr);
	void (*set_msr)(struct vcpu *vcpu, enum vcpu_msr msr, u64 val);
	/* the TSC as the guest reads it now (host TSC plus any offset) */
	u64 (*read_tsc)(struct vcpu *vcpu);
	/* RIP += the exiting instruction's length */
	void (*skip_insn)(struct vcpu *vcpu, const struct vm_exit *exit);
	/* delivered at the next entry; cr2 is written to the guest's CR2 for #PF */
	void (*inject_exception)(struct vcpu *vcpu, u8 vector, bool has_error_code, u32 error_code,
				 u64 cr2);
	/* drop the guest's cached translations (VPID) before the next entry */
	void (*flush_guest_tlb)(struct vcpu *vcpu);
	/* EPTP (TDP) or guest CR3 (shadow) for the next entry */
	void (*set_mmu_root)(struct vcpu *vcpu, paddr_t root_pa);
	/* registers and arch state on the console */
	void (*dump)(struct vcpu *vcpu);
	/*
	 * Whether the next entry can run exactly one guest instruction and exit right after it
	 * (VM_EXIT_SINGLE_STEP), or at the exit that instruction causes; false when the guest's
	 * state allows no step for this entry (an event pending injection, whose delivery would
	 * come first; on VMX without the monitor trap flag also the guest's own RFLAGS.TF, or an
	 * STI or MOV SS shadow).
	 */
	bool (*can_single_step)(struct vcpu *vcpu);
	/* arms (before an entry) or disarms (after the exit) that one-instruction step */
	void (*single_step)(struct vcpu *vcpu, bool on);
	/*
	 * For the real-mode emulator (vmm/emul/): segment registers and the GDTR/IDTR as the guest
	 * sees them. set_seg loads the whole register (real mode: base = selector << 4).
	 */
	void (*get_seg)(struct vcpu *vcpu, enum vcpu_seg seg, struct vcpu_segment *out);
	void (*set_seg)(struct vcpu *vcpu, enum vcpu_seg seg, const struct vcpu_segment *val);
	void (*get_dtable)(struct vcpu *vcpu, enum vcpu_dtable table, u64 *base, u16 *limit);
	void (*set_dtable)(struct vcpu *vcpu, enum vcpu_dtable table, u64 base, u16 limit);
};

struct vm;

struct vcpu {
	struct vm *vm;
	unsigned int id;
	unsigned int cpu; /* the physical CPU it is pinned to */
	u64 gprs[VCPU_NR_GPRS];
	const struct vcpu_ops *ops;
	void *arch; /* struct vmx_vcpu */
	/* the guest MMU: its view of the VM and, in shadow mode, the guest's paging state */
	struct mmu_vcpu mmu;
	struct guest_paging_state paging;
	paddr_t loaded_root; /* the root last handed to ops->set_mmu_root */
	bool no_invpcid;     /* the CPU raises #UD for INVPCID here (set by arch_vcpu_init) */
	/*
	 * shadow mode: the last write that needed emulation and ran natively instead (after
	 * unprotecting its frame, or in a write window), and how often in a row it did not complete
	 */
	u64 write_retry_rip;
	u64 write_retry_gpa;
	unsigned int write_retry_repeats;
};

enum vm_entry_mode {
	VM_ENTRY_PROT32,
	VM_ENTRY_REAL,
};

/* A VM's options: the words of its module command line (guest_abi.h). */
struct vm_options {
	char name[VM_NAME_MAX];
	enum mmu_mode mmu; /* mmu=ept -> MMU_MODE_TDP */
	u32 mem_mib;
	enum vm_entry_mode entry;
	bool unsync;
	bool expect_stop; /* expect=stop:<reason>, else expect=exit:<status> */
	enum vm_stop_reason expect_reason;
	u64 expect_status;
	u64 budget_minsn;	      /* guest instructions, in millions */
	char cmdline[VM_CMDLINE_MAX]; /* after `--` */
};

/*
 * Per-kind exit counts, bhyve vmm_stat style; KEEL_HC_RESET_COUNT zeroes them. The total is their
 * sum, added up when asked (KEEL_EXIT_COUNT_ALL) rather than counted at every exit.
 */
struct vm_stats {
	u64 exits[VM_EXIT_KIND_COUNT];
	u64 pf_intercepts;  /* #PF exception exits (shadow mode) */
	u64 preempt_slices; /* preemption-timer expiries counted against the budget */
};

struct vm_dev_state; /* owned by vmm/dev/ */
struct vm;

/* vmm/dev/: called by vm_create() and vm_destroy() (the latter flushes a partial console line) */
int vm_devices_init(struct vm *vm);
void vm_devices_destroy(struct vm *vm);

struct vm {
	struct vm_options opt;
	struct mmu_vm mmu;
	/* guest RAM, gpa [0, ram_size): chunk i backs [i * VM_RAM_CHUNK, (i + 1) * VM_RAM_CHUNK) */
	paddr_t *ram_chunks;
	unsigned int nr_chunks;
	u64 ram_size;
	struct vcpu vcpus[VM_MAX_VCPUS];
	unsigned int nr_vcpus;
	struct vm_stats stats;
	struct vm_dev_state *dev;
	enum vm_stop_reason stop_reason;
	char stop_detail[VM_STOP_DETAIL_MAX];
	u64 exit_status; /* with VM_STOP_EXIT */
};

/* The guest page-table walker's access to guest RAM; its ctx is the struct vm. */
extern const struct guest_mem_ops vm_guest_mem_ops;

/*
 * runner.c: every boot module is a VM, run one after another on this CPU, or with vm_cpus=N
 * up to N at once, each on its own CPU; each is one result in the boot's KTAP report, in module
 * order ("ok N <name>" when it ended as its expect= said). Without VMX, each is reported
 * "ok N <name> # SKIP <why>".
 */
struct boot_info;
struct ktap_report;
unsigned int vmm_count_modules(const struct boot_info *bi);
void vmm_run_modules(struct ktap_report *r, const struct boot_info *bi);

/* vm.c: lifetime, guest memory, stopping */
int vm_create(struct vm *vm, const struct vm_options *opt);
void vm_destroy(struct vm *vm);
/* host-virtual address of [gpa, gpa + len) in guest RAM; NULL when any of it lies outside */
void *vm_gpa_to_hva(struct vm *vm, u64 gpa, u64 len);
int vm_read_guest(struct vm *vm, u64 gpa, void *buf, u64 len);
int vm_write_guest(struct vm *vm, u64 gpa, const void *buf, u64 len);
/* Records the first stop only; the detail is printed with the result. */
void vm_stop(struct vm *vm, enum vm_stop_reason reason, const char *fmt, ...) __printf(3, 4);
void vm_exit_with_status(struct vm *vm, u64 status);
static inline bool vm_stopped(const struct vm *vm)
{
	return vm->stop_reason != VM_STOP_NONE;
}
const char *vm_stop_reason_name(enum vm_stop_reason reason);
/* VM_STOP_REASON_COUNT when the word names no reason */
enum vm_stop_reason vm_stop_reason_parse(const char *word);
const char *vm_exit_kind_name(enum vm_exit_kind kind);

/* vm.c: guest-virtual memory, as the vCPU's current paging, CPL and RFLAGS.AC see it. */
enum vcpu_mem_result {
	VCPU_MEM_OK,
	VCPU_MEM_FAULT,	  /* the guest got #PF or #GP (or must retry): resume, do not skip */
	VCPU_MEM_STOPPED, /* the translation led outside guest RAM: the VM was stopped */
};

/*
 * Reads (GUEST_ACCESS_READ) or writes (GUEST_ACCESS_WRITE) @len bytes (at most a page) at @gva,
 * checked and with A/D updates as the CPU would do them; with @buf NULL only checks. A
 * non-canonical address gets #GP(0), a refused walk #PF. Writes to a frame the shadow MMU
 * tracks reach it.
 */
enum vcpu_mem_result vcpu_access_gva(struct vcpu *vcpu, u64 gva, void *buf, unsigned int len,
				     enum guest_access_kind kind);

/* vcpu.c / run.c: one vCPU runs on the calling CPU until its VM stops */
int vcpu_create(struct vm *vm, unsigned int id, u64 entry_rip, u64 cmdline_gpa);
void vcpu_destroy(struct vcpu *vcpu);
void vcpu_run(struct vcpu *vcpu);
/* The MMU root for the guest's current state, handed to the CPU when it changed. */
int vcpu_load_mmu_root(struct vcpu *vcpu);
/* How many preemption-timer slices budget= allows. */
u64 vcpu_budget_slices(const struct vcpu *vcpu);

/*
 * Implemented by the architecture. arch_vmm_cpu_enable() enters VMX operation on the calling
 * CPU (interrupts off), or returns -errno with the reason in err. arch_vcpu_init() builds the
 * vCPU's arch state for the VM's MMU mode and entry mode (guest_abi.h) and sets vcpu->ops;
 * arch_vcpu_run() enters the guest once and decodes the exit. The preemption timer, when the
 * CPU has one, expires after @slice_ticks of guest TSC; arch_vcpu_run() reports
 * VM_EXIT_PREEMPTION_TIMER once per slice.
 */
int arch_vmm_cpu_enable(char *err, size_t errlen);
void arch_vmm_cpu_disable(void);
int arch_vcpu_init(struct vcpu *vcpu, u64 entry_rip, u64 rbx, u64 slice_ticks, char *err,
		   size_t errlen);
void arch_vcpu_destroy(struct vcpu *vcpu);
void arch_vcpu_run(struct vcpu *vcpu, struct vm_exit *exit);
bool arch_vcpu_has_budget_timer(const struct vcpu *vcpu);
/* Drops every guest translation this CPU caches (EPT and VPID tagged), if it is in VMX. */
void arch_vmm_flush_guest_tlbs(void);

static inline u64 vcpu_reg_read(struct vcpu *vcpu, enum vcpu_reg reg)
{
	if (reg == VCPU_RSP || reg >= VCPU_NR_GPRS)
		return vcpu->ops->get_reg(vcpu, reg);
	return vcpu->gprs[reg];
}

static inline void vcpu_reg_write(struct vcpu *vcpu, enum vcpu_reg reg, u64 val)
{
	if (reg == VCPU_RSP || reg >= VCPU_NR_GPRS)
		vcpu->ops->set_reg(vcpu, reg, val);
	else
		vcpu->gprs[reg] = val;
}

static inline u64 vcpu_creg_read(struct vcpu *vcpu, enum vcpu_creg reg)
{
	return vcpu->ops->get_creg(vcpu, reg);
}

/*
 * Sets a guest-visible control register (the value the guest wrote: MOV to CR, LMSW, WRMSR
 * EFER) and tells the MMU what changed. Returns -EINVAL when the guest must get #GP(0).
 */
int vcpu_creg_write(struct vcpu *vcpu, enum vcpu_creg reg, u64 val);

static inline void vcpu_skip_insn(struct vcpu *vcpu, const struct vm_exit *exit)
{
	vcpu->ops->skip_insn(vcpu, exit);
}

static inline void vcpu_inject_exception(struct vcpu *vcpu, u8 vector, bool has_error_code,
					 u32 error_code, u64 cr2)
{
	vcpu->ops->inject_exception(vcpu, vector, has_error_code, error_code, cr2);
}

/* #UD and #GP(0), the two every handler needs, and #SS (a real-mode stack-segment limit) */
#define VM_EXC_UD 6
#define VM_EXC_SS 12
#define VM_EXC_GP 13

#endif
