#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Boots Keel once through tools/harness and prints the `# bench` figures its console showed.

  rig.py --log LOG -- HARNESS-ARGUMENTS...

The kernel's ktests print `# bench <name> <value> <unit>` as KTAP diagnostics before their
result line; a VM's console lines arrive as `[<vm>] # bench <name> <value> <unit>`, and the VM's
result is the kernel's `ok N <vm>` line. Each figure is printed for suite.py as
`bench <name> <value> <unit>`; a figure whose test or VM did not end `ok` is printed with
`# invalid: <why>` after it, since a failing test's number is no measurement. Exit status: the
harness's (its report goes to stderr when it is not 0).
"""
import argparse
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tools"))

from harnesslib import ktap  # noqa: E402  (after the path above)

BENCH_RE = re.compile(r"^# bench (\S+) (\S+) (\S+)\s*$")
VM_BENCH_RE = re.compile(r"^\[([^\]]+)\] (# bench .*)$")
NUMBER_RE = re.compile(r"^-?\d+(\.\d+)?$")


def figures_of(log_path):
    """[(name, value, unit, source, problem or None)] in console order."""
    judge = ktap.Judge()
    vm_lines = []
    with open(log_path, "rb") as f:
        for raw in f.read().decode("utf-8", errors="replace").splitlines():
            judge.feed(raw)
            m = VM_BENCH_RE.match(ktap.clean(raw))
            if m:
                vm_lines.append((m.group(1), m.group(2)))
    results = {r.name: r for r in judge.results}
    found = []

    def add(line, source):
        m = BENCH_RE.match(line)
        if not m:
            return
        r = results.get(source)
        if r is None:
            problem = f"{source} left no result"
        elif not r.ok:
            problem = f"{source} failed"
        elif r.skipped():
            problem = f"{source} was skipped"
        elif not NUMBER_RE.match(m.group(2)):
            problem = f"{source} printed a value that is not a number"
        else:
            problem = None
        found.append((m.group(1), m.group(2), m.group(3), source, problem))

    for r in judge.results:
        for d in r.diagnostics:
            add(d, r.name)
    for vm, line in vm_lines:
        add(line, vm)
    seen = {}
    for name, *_ in found:
        seen[name] = seen.get(name, 0) + 1
    return [(n, v, u, s, p or (f"printed {seen[n]} times" if seen[n] > 1 else None))
            for n, v, u, s, p in found]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--log", required=True, help="the raw serial console is written here")
    ap.add_argument("harness_args", nargs=argparse.REMAINDER,
                    help="-- then the arguments for tools/harness")
    args = ap.parse_args()
    hargs = args.harness_args[1:] if args.harness_args[:1] == ["--"] else args.harness_args
    os.makedirs(os.path.dirname(os.path.abspath(args.log)), exist_ok=True)
    if os.path.exists(args.log):
        os.unlink(args.log)  # a figure must come from this run's console, never the last one's
    proc = subprocess.run([os.path.join(REPO, "tools", "harness"), *hargs, "--log", args.log],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          errors="replace")
    if proc.returncode:
        sys.stderr.write(proc.stdout)
    if not os.path.exists(args.log):
        print(f"rig: the harness wrote no console log {args.log}", file=sys.stderr)
        return proc.returncode or 1
    for name, value, unit, source, problem in figures_of(args.log):
        note = f" # invalid: {problem}" if problem else ""
        print(f"bench {name} {value} {unit}{note}")
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
