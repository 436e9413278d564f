# SPDX-License-Identifier: GPL-2.0-only
"""The figures `make bench` must measure: unit, issue target, what each measures and how.

suite.py's bench subcommand reads FIGURES to know which figures a run must produce and judges
each against its target with judge(); tools/bench/record.py writes docs/performance.md from the
same table. No value lives here: every number comes from the run that prints it.

`source` names the test or program that prints the figure (or what would have to).
A target is None (the issue asks only that the figure be reported), ("<=", N), or
("<=ratio", OTHER, R): at most R times the figure OTHER of the same run.
"""
from collections import namedtuple

Figure = namedtuple("Figure", "name unit issue target what how source")

_CALLGRIND = ("instructions counted by callgrind with collection switched on around the call only "
              "(tests/bench/mmu_bench.c, hosted -O2 build, fake platform)")
_SMP = ("ktest on Keel under Bochs with 2 CPUs (tools/bench/rig.py, log "
        "$(BUILD)/logs/bench-smp.log)")
_VMX = ("guest rdtsc in a VM under Keel under Bochs (tools/bench/rig.py, log "
        "$(BUILD)/logs/bench-vmx.log)")

FIGURES = [
    Figure("mmu.shadow_fault_4k", "instr", 3, ("<=", 1500),
           "mmu_page_fault() for a read of one 4 KiB page of a 4-level guest whose upper shadow "
           "levels already exist (its neighbour page was faulted in first)", _CALLGRIND,
           "tests/bench/mmu_bench.c"),
    Figure("mmu.tdp_fault_4k", "instr", 3, ("<=", 800),
           "the same fault in TDP (EPT) mode; host memory is offset by one page so no large page "
           "fits and the fault maps 4 KiB", _CALLGRIND,
           "tests/bench/mmu_bench.c"),
    Figure("mmu.sync_unsync_page", "instr", 3, None,
           "mmu_flush_guest_tlb() syncing one unsync page with 512 present entries, per entry "
           "(the call's count divided by 512)", _CALLGRIND,
           "tests/bench/mmu_bench.c"),
    Figure("mmu.zap_all_gen_10", "instr", 3, ("<=", 300),
           "mmu_zap_all() (bump of the generation) with 10 shadow pages live", _CALLGRIND,
           "tests/bench/mmu_bench.c"),
    Figure("mmu.zap_all_gen_100000", "instr", 3, ("<=", 300),
           "mmu_zap_all() with 100,000 shadow pages live: must cost the same as with 10",
           _CALLGRIND,
           "tests/bench/mmu_bench.c"),
    Figure("mmu.obsolete_reclaim_per_page", "instr", 3, None,
           "the batched reclaim of obsolete pages after zap-all: one mmu_reclaim_obsolete() "
           "batch divided by its 32 pages", _CALLGRIND,
           "tests/bench/mmu_bench.c"),
    Figure("mmu.rmap_add_remove_1", "instr", 3, None,
           "pte_list_add() + pte_list_remove() of one SPTE on an empty reverse-map chain",
           _CALLGRIND,
           "tests/bench/mmu_bench.c"),
    Figure("mmu.rmap_add_remove_1000", "instr", 3, None,
           "the same on a chain already holding 999 SPTEs", _CALLGRIND,
           "tests/bench/mmu_bench.c"),
    Figure("mmu.meta_per_page", "bytes", 3, None,
           "MMU metadata per shadow page: struct mmu_page plus its 512-entry SPTE table",
           "sizeof, printed by the same program",
           "tests/bench/mmu_bench.c"),
    Figure("mmu.meta_per_direct_page", "bytes", 3, None,
           "struct mmu_page alone", "sizeof, printed by the same program",
           "tests/bench/mmu_bench.c"),
    Figure("mmu.meta_per_rmap_entry", "bytes", 3, None,
           "reverse-map metadata per SPTE in a pte_list_desc chain: sizeof(struct pte_list_desc) "
           "over its entries", "sizeof, printed by the same program",
           "tests/bench/mmu_bench.c"),
    Figure("smp.ipi_roundtrip", "ticks", 4, None,
           "smp_call() of an empty function on the other CPU, waiting for it: rdtsc around each "
           "of 256 calls, the mean (ktest smp_ipi; it also prints the minimum)", _SMP,
           "ktest smp_ipi, tests/ktest/test_smp.c"),
    Figure("smp.shootdown_1", "ticks", 4, None,
           "tlb_shootdown() of 1 page on both CPUs: rdtsc around 256 back-to-back calls, "
           "divided by 256 (ktest tlb_shootdown)", _SMP,
           "ktest tlb_shootdown, tests/ktest/test_tlb.c"),
    Figure("smp.shootdown_64", "ticks", 4, None,
           "tlb_shootdown() of a 64-page batch (one IPI round, a full flush on each CPU), same "
           "averaging", _SMP,
           "ktest tlb_shootdown, tests/ktest/test_tlb.c"),
    Figure("smp.grace_period_idle", "ticks", 4, None,
           "epoch_synchronize() latency while every other CPU is idle (in the idle loop, an "
           "extended quiescent state): rdtsc around 256 back-to-back calls, divided by 256 "
           "(ktest epoch_grace_period_idle; it also checks that no CPU needed a poke and that a "
           "callback deferred before the calls runs once, at the epoch_barrier() after them)",
           _SMP, "ktest epoch_grace_period_idle, tests/ktest/test_epoch.c"),
    Figure("vmx.vmcall_roundtrip", "ticks", 5, ("<=", 200),
           "VMCALL KEEL_HC_NOP from the guest back to the guest: rdtsc around 256 calls, "
           "divided by 256 (guest exits, mmu=ept)", _VMX,
           "guest exits, tests/guests/exits/exits.c"),
    Figure("vmx.cpuid_roundtrip", "ticks", 5, None,
           "CPUID leaf 0x40000000 (an exit): rdtsc around 512, divided by 512 (guest exits)",
           _VMX,
           "guest exits, tests/guests/exits/exits.c"),
    Figure("vmx.io_roundtrip", "ticks", 5, None,
           "IN from the emulated 16550's LSR (an I/O exit): rdtsc around 256, divided by 256 "
           "(guest exits)", _VMX,
           "guest exits, tests/guests/exits/exits.c"),
    Figure("vmx.shadow_fault", "ticks", 5, ("<=", 2500),
           "a guest read of a mapped but not yet shadowed 4 KiB page, mmu=shadow (a #PF "
           "intercept, the MMU fills one shadow PTE, resume): 256 such pages (BENCH_FAULTIN_VMS "
           "in mk/bench.mk), 4 KiB apart in guest RAM (no EPT here), "
           "mapped in one guest page table whose upper shadow levels a warm-up touch "
           "built; rdtsc around the first pass over them and around a second (mapped, no "
           "exit), (first - second) / pages; the guest checks one page-fault exit per page in "
           "the first "
           "pass and none in the second (KEEL_HC_EXIT_COUNT)", _VMX,
           "guest faultin (test first_touch), tests/guests/faultin/faultin.c; VM faultin-shadow "
           "(mk/bench.mk)"),
    Figure("vmx.ept_violation", "ticks", 5, None,
           "the same touch in mmu=ept: an EPT violation maps guest RAM not mapped yet; 128 "
           "pages, one per 2 MiB region because Keel's EPT maps 2 MiB wherever it can, so every "
           "touch faults (a VM of 274 MiB, see BENCH_FAULTIN_VMS in mk/bench.mk)", _VMX,
           "guest faultin (test first_touch), tests/guests/faultin/faultin.c; VM faultin-ept "
           "(mk/bench.mk)"),
    Figure("vmx.pte_write_exits_unsync", "exits", 5, ("<=ratio", "vmx.pte_write_exits_wp", 0.1),
           "VM exits (KEEL_HC_EXIT_COUNT, all kinds) for the churn workload, 16 rounds of 256 "
           "leaf PTE rewrites (with A set, and D on read-write ones, as fork copies them) each "
           "followed by a CR3 reload, every page then read (and written on read-write rounds), "
           "mmu=shadow unsync=on",
           "exit counter read by the churn guest through a hypercall",
           "guest churn (test exit_counts), tests/guests/churn/churn.c; VM churn-shadow"),
    Figure("vmx.pte_write_exits_wp", "exits", 5, None,
           "the same workload with unsync=off (every write to a shadowed guest page table traps "
           "and runs in a write window; docs/mmu.md)",
           "exit counter read by the churn guest through a hypercall",
           "guest churn (test exit_counts), tests/guests/churn/churn.c; VM churn-wp-shadow"),
]

BY_NAME = {f.name: f for f in FIGURES}


def target_text(fig):
    if fig.target is None:
        return "report"
    if fig.target[0] == "<=":
        return f"<= {fig.target[1]:,}"
    return f"<= {fig.target[2]:g} x {fig.target[1]}"


def judge(fig, values):
    """'met', 'NOT MET', 'report', or 'unjudged' when a figure the target needs is missing.
    values maps figure names to floats for the figures this run measured."""
    v = values.get(fig.name)
    if v is None:
        return "missing"
    if fig.target is None:
        return "report"
    if fig.target[0] == "<=":
        return "met" if v <= fig.target[1] else "NOT MET"
    other = values.get(fig.target[1])
    if other is None:
        return "unjudged"
    return "met" if v <= fig.target[2] * other else "NOT MET"
