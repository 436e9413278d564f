#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Runs `make bench`, twice, and writes docs/performance.md, the table of record, from the first.

  record.py --table build/bench/bench.txt --out docs/performance.md --command "make ... bench" \
      -- make BUILD=build/bench bench

The page holds the table exactly as the run printed it, the machine and tool versions, how long
the run took, whether the second run repeated every figure, and per figure what it measures,
how, the issue's target and whether it is met (tools/bench/figures.py). A failing run is
recorded too: the record shows what is missing.
"""
import argparse
import datetime
import hashlib
import importlib.util
import os
import platform
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
ROW_RE = re.compile(r"^(\S+)\s+(\S+)\s+(\S+)\s+(.*)$")


def load_figures():
    spec = importlib.util.spec_from_file_location("bench_figures",
                                                  os.path.join(HERE, "figures.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def run(argv):
    """Runs the bench command with its output on the terminal: (exit status, seconds)."""
    start = time.monotonic()
    status = subprocess.run(argv, cwd=REPO).returncode
    return status, time.monotonic() - start


def read_table(path):
    """(the table's text, {name: (value, unit, valid)}) from suite.py's bench.txt."""
    with open(path) as f:
        text = f.read().rstrip("\n")
    rows = {}
    for line in text.split("\n\n")[0].splitlines()[2:]:
        m = ROW_RE.match(line)
        if m:
            rest = m.group(4)
            valid = m.group(2) != "-" and "invalid:" not in rest and "missing" not in rest
            rows[m.group(1)] = (m.group(2), m.group(3), valid)
    return text, rows


def digests(paths):
    """{path: sha256} of the programs and images a run used: did a rerun rebuild them?"""
    out = {}
    for p in paths:
        try:
            with open(os.path.join(REPO, p), "rb") as f:
                out[p] = hashlib.sha256(f.read()).hexdigest()
        except OSError:
            out[p] = None
    return out


def output_of(argv):
    try:
        out = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             cwd=REPO).stdout
    except OSError:
        return "not installed"
    return out.strip().splitlines()[0] if out.strip() else "unknown"


def first_match(path, pattern, default="unknown"):
    try:
        with open(path) as f:
            m = re.search(pattern, f.read(), re.M)
    except OSError:
        return default
    return m.group(1).strip() if m else default


def machine():
    dirty = output_of(["git", "status", "--porcelain", "--untracked-files=no"])
    cpu = first_match("/proc/cpuinfo", r"^model name\s*:(.*)$")
    bochs_cpu = first_match(os.path.join(REPO, "tools/bochs/common.bxrc"), r"^cpu: model=([^,]+)")
    return [
        f"commit `{output_of(['git', 'rev-parse', '--short', 'HEAD'])}`"
        + (" with uncommitted changes in the tree" if dirty not in ("", "unknown") else ""),
        f"machine: {os.cpu_count()} CPUs "
        f"({cpu}), Linux "
        f"{platform.release()}, Debian {first_match('/etc/debian_version', r'(.+)')}",
        f"Bochs {output_of(['dpkg-query', '-W', '-f', '${Version}', 'bochs'])}, CPU model "
        f"`{bochs_cpu}`"
        f", `clock: sync=none` (tools/bochs/common.bxrc), 2 emulated CPUs",
        f"{output_of(['valgrind', '--version'])}, {output_of(['clang', '--version'])}",
    ]


METHOD = """\
Timings on shared machines are noise, so every figure is a count that does not drift
(DESIGN.md section 8):

- `mmu.*` (issue 3): instructions, counted by `valgrind --tool=callgrind` around one call of the
  MMU built hosted at -O2 (tests/bench/mmu_bench.c). The program re-runs itself under callgrind
  with collection off, switches collection on around the measured call only and dumps once per
  figure, so set-up costs nothing. `bytes` figures are `sizeof` values from the same program.
- `smp.*` (issue 4) and `vmx.*` ticks (issue 5): guest-visible TSC deltas under Bochs, whose TSC
  advances with emulated instructions. tools/bench/rig.py boots Keel once per group through
  `tools/harness --rig bochs --smp 2` (legacy BIOS, GRUB, multiboot2) and takes the
  `# bench <name> <value> <unit>` lines from the console log: a ktest's diagnostics
  (`$(BUILD)/logs/bench-smp.log`) or a VM's console, which arrives as `[<vm>] # bench ...`
  (`$(BUILD)/logs/bench-vmx.log`). A figure counts only if its ktest or VM ended `ok`.
- Averaging: a single rdtsc delta under Bochs with 2 CPUs can step coarsely (steps of about
  1250 ticks were seen while bringing SMP up), so every ticks figure is a mean over at least
  256 repetitions inside one boot (rdtsc before the first and after the last, divided by the
  count; smp_ipi sums per-call deltas), with one exception: `vmx.ept_violation` averages 23
  first touches, since the EPT VM needs a 2 MiB region of guest RAM per page (Keel's EPT maps
  2 MiB where it can) and a VM cannot have more than 64 MiB today (mk/bench.mk says why);
  `vmx.shadow_fault` averages 256 (pages 4 KiB apart: no EPT in shadow mode). Their guest
  (tests/guests/faultin/) times a first pass over the pages and a second, mapped one, and
  reports (first - second) / pages. Bochs is deterministic: the repeat line above says
  whether a second run of the same command printed the same figures.
- `vmx.pte_write_exits_*` (issue 5): counts of VM exits, read by the churn guest through the
  `KEEL_HC_EXIT_COUNT` hypercall around a fixed workload, in shadow mode with unsync on and off.

`make bench` exits 0 only if every figure below was measured; a figure that misses its target
is shown as `NOT MET` but does not fail the run (the issues' acceptance judges targets)."""


def figure_section(fig, figs, rows, values):
    value, unit, valid = rows.get(fig.name, ("-", fig.unit, False))
    status = figs.judge(fig, values)
    if value == "-":
        head = f"not measured ({status})"
    elif not valid:
        head = f"{value} {unit}, invalid (see the table)"
    else:
        head = f"{value} {unit}"
    target = figs.target_text(fig)
    verdict = "" if fig.target is None else f": {status if valid else 'not judged'}"
    return [f"### `{fig.name}`: {head}", "",
            f"- measures: {fig.what}",
            f"- how: {fig.how}",
            f"- printed by: {fig.source}",
            f"- issue {fig.issue} target: {target}{verdict}", ""]


def write_page(args, figs, table, rows, status, seconds, when, repeat_line):
    values = {n: float(v) for n, (v, _, ok) in rows.items() if ok}
    measured = sum(1 for f in figs.FIGURES if rows.get(f.name, ("-", "", False))[2])
    lines = ["<!-- SPDX-License-Identifier: GPL-2.0-only -->",
             "# Performance: the table of record", "",
             "Written by `make bench-record` (tools/bench/record.py) from its latest run; the",
             "figure list, targets and descriptions live in tools/bench/figures.py.", "",
             "## The run", "",
             f"- command: `{args.command}`: exit status {status}, {seconds:.0f} s wall clock "
             f"(build included), {measured} of {len(figs.FIGURES)} figures measured",
             f"- date: {when:%Y-%m-%d %H:%M} UTC"]
    lines += [f"- {m}" for m in machine()]
    lines += [f"- repeat: {repeat_line}", "", "## Table", "", "```", table, "```", "",
              "## How we measure", "", METHOD, "", "## Figures", ""]
    for fig in figs.FIGURES:
        lines += figure_section(fig, figs, rows, values)
    with open(args.out, "w") as f:
        f.write("\n".join(lines).rstrip("\n") + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--table", required=True, help="the bench.txt the command writes")
    ap.add_argument("--out", required=True, help="the page to write (docs/performance.md)")
    ap.add_argument("--command", required=True, help="the command as the page shows it")
    ap.add_argument("--inputs", default="",
                    help="the files the run builds and uses (space-separated): a repeat only "
                         "counts if the second run used the same ones")
    ap.add_argument("argv", nargs=argparse.REMAINDER, help="-- then the command to run")
    args = ap.parse_args()
    argv = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
    figs = load_figures()
    when = datetime.datetime.now(datetime.timezone.utc)
    started = time.time()
    status, seconds = run(argv)
    if not os.path.exists(args.table) or os.path.getmtime(args.table) < started:
        print(f"record: {args.table} was not written by this run; {args.out} left alone")
        return 1
    table, rows = read_table(args.table)
    inputs = args.inputs.split()
    before = digests(inputs)
    print("record: running the same command again to check the figures repeat")
    run(argv)
    _, again = read_table(args.table)
    changed = [p for p, d in digests(inputs).items() if d != before[p]]
    differ = [n for n, (v, _, ok) in rows.items() if ok and again.get(n, ("-",))[0] != v]
    if changed:
        repeat_line = ("not checked: the second run rebuilt "
                       + ", ".join(f"`{p}`" for p in changed) + " (sources changed in between)")
    elif differ:
        repeat_line = "a second run differed in " + ", ".join(
            f"`{n}` ({rows[n][0]} then {again.get(n, ('-',))[0]})" for n in differ)
    else:
        repeat_line = "a second run right after printed every measured figure identically"
    with open(args.table, "w") as f:
        f.write(table + "\n")  # the file again holds the run of record
    write_page(args, figs, table, rows, status, seconds, when, repeat_line)
    print(f"record: wrote {args.out} ({repeat_line})")
    return status


if __name__ == "__main__":
    sys.exit(main())
