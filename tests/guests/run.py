#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
# Runs the guest test kernels bare metal (QEMU TCG, multiboot -kernel) and judges their KTAP.
"""  run.py --guests DIR --result FILE [--log-dir DIR]

Each run boots one guest ELF with `qemu-system-x86_64 -kernel`, COM1 on a pipe and the
debug-exit device at 0xf4. A guest passes when its KTAP plan is complete, every result is ok,
its summary agrees, and it wrote its failure count (0) to port 0xf4 (QEMU exits with 2*v+1).
The hostile cases that end a VM are judged by how they end: `triple` must stop QEMU without a
debug-exit status, `loop` must still be running when its short time limit expires. `demo`
prints plain lines, no KTAP: it must print its closing line and exit with status 0.
Writes "passed N failed M" (one count per KTAP result and per special case) to FILE.
"""
import argparse
import os
import re
import subprocess
import sys

RESULT_RE = re.compile(r"^(not ok|ok) (\d+) (\S+)(?: # (SKIP.*))?$")
PLAN_RE = re.compile(r"^1\.\.(\d+)$")

# (run name, guest, CPU model, command line, how it must end)
RUNS = [
    ("modes", "modes", "max", "", "exit"),
    ("modes-qemu64", "modes", "qemu64", "", "exit"),
    ("paging32", "paging32", "max", "", "exit"),
    ("paging64", "paging64", "max", "", "exit"),
    ("faults32", "faults32", "max", "", "exit"),
    ("faults64", "faults64", "max", "", "exit"),
    ("faults64-qemu64", "faults64", "qemu64", "", "exit"),
    ("churn", "churn", "max", "", "exit"),
    ("exits", "exits", "max", "", "exit"),
    ("faultin", "faultin", "max", "", "exit"),
    ("hostile", "hostile", "max", "", "exit"),
    ("hostile-absent", "hostile", "max", "case=absent", "exit"),
    ("hostile-triple", "hostile", "max", "case=triple", "triple"),
    ("hostile-loop", "hostile", "max", "case=loop", "loop"),
    ("demo", "demo", "max", "", "demo"),
]

EXIT_TIMEOUT = 30
LOOP_TIMEOUT = 3


def qemu_argv(elf, cpu, cmdline):
    argv = ["qemu-system-x86_64", "-accel", "tcg", "-cpu", cpu, "-m", "128", "-kernel", elf,
            "-serial", "stdio", "-display", "none", "-monitor", "none", "-parallel", "none",
            "-net", "none", "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=4"]
    if cmdline:
        argv += ["-append", cmdline]
    return argv


def judge_ktap(name, lines):
    """(passed, failed) for one guest's KTAP output; protocol problems count as failures."""
    plan = None
    passed = failed = 0
    numbers = []
    for line in lines:
        m = PLAN_RE.match(line)
        if m and plan is None:
            plan = int(m.group(1))
            continue
        m = RESULT_RE.match(line)
        if not m:
            continue
        numbers.append(int(m.group(2)))
        if m.group(1) == "ok":
            passed += m.group(4) is None
        else:
            failed += 1
            print(f"guests: {name}: not ok {m.group(2)} {m.group(3)}")
    if "KTAP version 1" not in lines:
        print(f"guests: {name}: no 'KTAP version 1'")
        failed += 1
    if plan is None or numbers != list(range(1, plan + 1)):
        print(f"guests: {name}: plan {plan}, results numbered {numbers}")
        failed += 1
    return passed, failed


def run_one(args, run):
    name, guest, cpu, cmdline, ending = run
    elf = os.path.join(args.guests, guest + ".elf")
    timeout = LOOP_TIMEOUT if ending == "loop" else EXIT_TIMEOUT
    try:
        proc = subprocess.run(qemu_argv(elf, cpu, cmdline), stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=timeout, start_new_session=True)
        out, status, timed_out = proc.stdout, proc.returncode, False
    except subprocess.TimeoutExpired as e:
        out, status, timed_out = e.stdout or b"", None, True
    text = out.decode(errors="replace").replace("\r", "")
    if args.log_dir:
        with open(os.path.join(args.log_dir, f"guests-{name}.log"), "w") as f:
            f.write(text)
    lines = [l.rstrip() for l in text.splitlines()]
    if ending == "loop":
        ok = timed_out and "# hostile: looping forever" in lines
        return report(name, ok, f"timed_out={timed_out}, status {status}")
    if ending == "triple":
        ok = not timed_out and status == 0 and "# hostile: triple-faulting now" in lines
        return report(name, ok, f"status {status} (a triple fault stops QEMU with 0)")
    if ending == "demo":
        ok = (not timed_out and status == 1
              and any(l.startswith("done: exit status 0") for l in lines))
        return report(name, ok, f"status {status} (timed out: {timed_out}), want 1")
    passed, failed = judge_ktap(name, lines)
    if timed_out or status != 2 * failed + 1:
        print(f"guests: {name}: exit status {status} (timed out: {timed_out}), "
              f"want {2 * failed + 1} for {failed} failures")
        failed += 1
    print(f"guests: {'ok' if not failed else 'not ok'} {name}: {passed} passed, {failed} failed")
    return passed, failed


def report(name, ok, detail):
    print(f"guests: {'ok' if ok else 'not ok'} {name}" + ("" if ok else f": {detail}"))
    return (1, 0) if ok else (0, 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--guests", required=True, help="directory with the guest ELFs")
    ap.add_argument("--result", required=True)
    ap.add_argument("--log-dir")
    args = ap.parse_args()
    if args.log_dir:
        os.makedirs(args.log_dir, exist_ok=True)
    passed = failed = 0
    for run in RUNS:
        p, f = run_one(args, run)
        passed += p
        failed += f
    os.makedirs(os.path.dirname(os.path.abspath(args.result)), exist_ok=True)
    with open(args.result, "w") as f:
        f.write(f"passed {passed} failed {failed}\n")
    print(f"guests: {passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
