#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Test-suite glue: runs cmocka programs, sums suite results, collects benchmark figures.

  suite.py unit --result FILE BIN...   run cmocka test programs, write one result file
  suite.py total --expect "a b c"      sum build/results/*.result into the closing line
  suite.py bench --out FILE PROG...    run benchmark programs, print one table

A result file holds one line: "passed N failed M". A suite named in --expect that left no
result file counts as one failure: it crashed, hung, or did not build.
"""
import argparse
import os
import re
import subprocess
import sys

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


def cmd_bench(args):
    rows = []
    ok = True
    for prog in args.programs:
        cmd = prog.split()
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr)
            print(f"bench: {prog} failed (exit {proc.returncode})")
            ok = False
        for line in proc.stdout.splitlines():
            parts = line.split()
            if len(parts) >= 4 and parts[0] == "bench":
                rows.append((parts[1], parts[2], " ".join(parts[3:])))
    width = max([len(r[0]) for r in rows] + [4])
    lines = [f"{'name':<{width}}  {'value':>14}  unit", f"{'-' * width}  {'-' * 14}  ----"]
    lines += [f"{n:<{width}}  {v:>14}  {u}" for n, v, u in rows]
    table = "\n".join(lines)
    print(table)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(table + "\n")
    return 0 if ok else 1


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
    b.add_argument("programs", nargs="*")
    args = ap.parse_args()
    return {"unit": cmd_unit, "total": cmd_total, "bench": cmd_bench}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
