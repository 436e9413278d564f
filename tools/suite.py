#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Test-suite glue: runs cmocka programs, sums suite results, collects benchmark figures.

  suite.py unit --result FILE BIN...   run cmocka test programs, write one result file
  suite.py total --expect "a b c"      sum build/results/*.result into the closing line
  suite.py bench --out FILE [--figures F] [--run NAME=CMD]... PROG...
                                       run benchmark programs at once, print one table

A result file holds one line: "passed N failed M". A suite named in --expect that left no
result file counts as one failure: it crashed, hung, or did not build.

A benchmark program prints `bench <name> <value> <unit>` lines, `# invalid: <why>` after one
that is no measurement. With --figures, the table lists every figure named there, in its order,
with its target; bench exits 0 only if each of them was measured by this run.
"""
import argparse
import importlib.util
import os
import re
import shlex
import subprocess
import sys
import time

PASSED_RE = re.compile(r"^\[  PASSED  \] (\d+) test")
FAILED_RE = re.compile(r"^\[  FAILED  \] (\d+) test")
RUN_RE = re.compile(r"^\[==========\] (\d+) test\(s\) run")


def write_result(path, passed, failed):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(f"passed {passed} failed {failed}\n")


def read_result(path):
    with open(path) as f:
        m = re.match(r"passed (\d+) failed (\d+)", f.read().strip())
    if not m:
        return None
    return int(m.group(1)), int(m.group(2))


def run_cmocka(binary, timeout):
    """Run one cmocka program; return (passed, failed). A crash or a missing summary is a failure."""
    env = dict(os.environ, CMOCKA_MESSAGE_OUTPUT="STDOUT")
    name = os.path.basename(binary)
    try:
        proc = subprocess.run([binary], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=timeout, text=True, errors="replace")
    except subprocess.TimeoutExpired as e:
        out = e.stdout or ""
        if isinstance(out, bytes):
            out = out.decode(errors="replace")
        sys.stdout.write(out)
        print(f"unit: {name}: timed out after {timeout} s")
        return 0, 1
    sys.stdout.write(proc.stdout)
    run = passed = failed = None
    for line in proc.stdout.splitlines():
        for rx, key in ((RUN_RE, "run"), (PASSED_RE, "passed"), (FAILED_RE, "failed")):
            m = rx.match(line)
            if m:
                if key == "run":
                    run = int(m.group(1))
                elif key == "passed":
                    passed = int(m.group(1))
                else:
                    failed = int(m.group(1))
    passed = passed or 0
    failed = failed or 0
    if run is None or passed + failed != run:
        print(f"unit: {name}: no complete cmocka summary (exit {proc.returncode}): counted as failed")
        return passed, failed + 1
    if proc.returncode != 0 and failed == 0:
        print(f"unit: {name}: exit status {proc.returncode} after a clean summary: counted as failed")
        return passed, 1
    return passed, failed


def cmd_unit(args):
    total_p = total_f = 0
    for b in args.binaries:
        p, f = run_cmocka(b, args.timeout)
        total_p += p
        total_f += f
    write_result(args.result, total_p, total_f)
    print(f"unit: {total_p} passed, {total_f} failed")
    return 1 if total_f else 0


def cmd_total(args):
    expected = args.expect.split()
    results_dir = args.results_dir
    files = sorted(os.listdir(results_dir)) if os.path.isdir(results_dir) else []
    passed = failed = 0
    for name in files:
        if not name.endswith(".result"):
            continue
        r = read_result(os.path.join(results_dir, name))
        if r is None:
            print(f"suite: {name}: unreadable result: counted as failed")
            failed += 1
            continue
        print(f"suite {name[:-7]}: {r[0]} passed, {r[1]} failed")
        passed += r[0]
        failed += r[1]
    for suite in expected:
        if not any(n == suite + ".result" or n.startswith(suite + "-") for n in files):
            print(f"suite {suite}: no result (crashed, hung or did not build): counted as failed")
            failed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or passed == 0 else 0


def load_figures(path):
    """The figure table (tools/bench/figures.py): the names a run must produce and their targets."""
    spec = importlib.util.spec_from_file_location("bench_figures", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def parse_bench_line(line):
    """`bench NAME VALUE UNIT [# invalid: WHY]` -> (name, value, unit, problem), else None."""
    text, _, note = line.partition(" # ")
    parts = text.split()
    if len(parts) < 4 or parts[0] != "bench":
        return None
    note = note.strip()
    problem = note[len("invalid:"):].strip() if note.startswith("invalid:") else None
    return parts[1], parts[2], " ".join(parts[3:]), problem


def run_bench_commands(commands):
    """Runs every (label, argv) at once (each is one emulator or valgrind: single-threaded) and
    returns [(label, returncode, stdout, stderr)] in the order given."""
    procs = []
    for cmd, argv in commands:
        try:
            p = subprocess.Popen(argv, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, errors="replace")
        except OSError as e:
            procs.append((cmd, None, str(e)))
            continue
        procs.append((cmd, p, None))
    done = []
    for cmd, p, err in procs:
        if p is None:
            done.append((cmd, 127, "", err + "\n"))
            continue
        out, errout = p.communicate()
        done.append((cmd, p.returncode, out, errout))
    return done


def bench_rows(rows, figs):
    """Orders rows as the figure table does and judges them: [(name, value, unit, target,
    status)], plus the names missing and invalid."""
    values, problems, measured = {}, {}, {}
    for name, value, unit, problem in rows:
        if name in measured:
            problem = problem or "printed by more than one program"
        measured[name] = (value, unit)
        fig = figs.BY_NAME.get(name) if figs else None
        if fig and unit != fig.unit and not problem:
            problem = f"unit {unit}, expected {fig.unit}"
        try:
            number = float(value)
        except ValueError:
            problem = problem or f"value {value!r} is not a number"
        if problem:
            problems[name] = problem
            continue
        values[name] = number
    table, missing, invalid = [], [], []
    names = [f.name for f in figs.FIGURES] if figs else []
    names += [n for n in measured if n not in names]
    for name in names:
        fig = figs.BY_NAME.get(name) if figs else None
        value, unit = measured.get(name, ("-", fig.unit if fig else ""))
        target = figs.target_text(fig) if fig else ""
        if name in problems:
            status = f"invalid: {problems[name]}"
            invalid.append(name)
        elif fig:
            status = figs.judge(fig, values)
            if status == "missing":
                missing.append(name)
        else:
            status = "not in the figure table" if figs else ""
        table.append((name, value, unit, target, status))
    return table, missing, invalid


def cmd_bench(args):
    start = time.monotonic()
    figs = load_figures(args.figures) if args.figures else None
    rows = []
    ok = True
    commands = []
    for run in args.run:
        label, _, cmd = run.partition("=")
        commands.append((label, shlex.split(cmd)))
    commands += [(prog, prog.split()) for prog in args.programs]
    for label, status, out, err in run_bench_commands(commands):
        if status != 0:
            sys.stdout.write("".join(f"  {line}\n" for line in err.splitlines()))
            print(f"bench: {label} failed (exit {status})")
            ok = False
        for line in out.splitlines():
            row = parse_bench_line(line)
            if row:
                rows.append(row)
    table, missing, invalid = bench_rows(rows, figs)
    cols = ("name", "value", "unit", "target", "status")
    widths = [max([len(c)] + [len(str(r[i])) for r in table]) for i, c in enumerate(cols)]

    def fmt(r):
        return (f"{r[0]:<{widths[0]}}  {r[1]:>{widths[1]}}  {r[2]:<{widths[2]}}  "
                f"{r[3]:<{widths[3]}}  {r[4]}").rstrip()
    lines = [fmt(cols), fmt(tuple("-" * w for w in widths))] + [fmt(r) for r in table]
    summary = [f"bench: {len(table) - len(missing) - len(invalid)} of {len(table)} figures "
               f"measured in {time.monotonic() - start:.0f} s"]
    if missing:
        summary.append("bench: missing: " + ", ".join(missing))
    if invalid:
        summary.append("bench: invalid: " + ", ".join(invalid))
    not_met = [r[0] for r in table if r[4] == "NOT MET"]
    if not_met:
        summary.append("bench: target not met (reported, not a failure): " + ", ".join(not_met))
    text = "\n".join(lines + [""] + summary)
    print(text)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(text + "\n")
    return 0 if ok and not missing and not invalid else 1


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    u = sub.add_parser("unit")
    u.add_argument("--result", required=True)
    u.add_argument("--timeout", type=int, default=300)
    u.add_argument("binaries", nargs="*")
    t = sub.add_parser("total")
    t.add_argument("--expect", default="")
    t.add_argument("--results-dir", default="build/results")
    b = sub.add_parser("bench")
    b.add_argument("--out", required=True)
    b.add_argument("--figures", help="the figure table a run must fill (tools/bench/figures.py)")
    b.add_argument("--run", action="append", default=[], metavar="NAME=COMMAND",
                   help="a named command line (shell words) printing bench lines; repeatable")
    b.add_argument("programs", nargs="*")
    args = ap.parse_args()
    return {"unit": cmd_unit, "total": cmd_total, "bench": cmd_bench}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
