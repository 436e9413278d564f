#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
# Sums the result files of one make target's steps into its closing "N passed, N failed" line.
"""  results.py --label NAME FILE...

Each FILE holds "passed N failed M". A missing or unreadable file counts as one failure: that
step crashed before it could write a result. Exit status 1 on any failure.
"""
import argparse
import os
import re
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--label", required=True)
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    passed = failed = 0
    for path in args.files:
        step = os.path.basename(path).removesuffix(".result")
        try:
            with open(path) as f:
                m = re.fullmatch(r"passed (\d+) failed (\d+)", f.read().strip())
        except OSError:
            print(f"{args.label}: {step}: no result (the step crashed): counted as failed")
            failed += 1
            continue
        if not m:
            print(f"{args.label}: {step}: unreadable result: counted as failed")
            failed += 1
            continue
        p, f_ = int(m.group(1)), int(m.group(2))
        print(f"{args.label}: {step}: {p} passed, {f_} failed")
        passed += p
        failed += f_
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
