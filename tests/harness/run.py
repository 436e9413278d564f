#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
# Runs the harness self-tests and writes their tally as a suite result file.
"""  run.py --result FILE [--kernel ELF --loader EFI] [--rig RIG]

Canned-console tests always run; the real-boot tests run when --kernel is given and fail
(not skip) if it or the loader is missing. A skipped test counts as neither passed nor failed.
"""
import argparse
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep the source tree free of __pycache__


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--result", required=True)
    ap.add_argument("--kernel")
    ap.add_argument("--loader")
    ap.add_argument("--rig", default="qemu")
    args = ap.parse_args()
    if args.kernel:
        os.environ["KEEL_KERNEL"] = args.kernel
        os.environ["KEEL_RIG"] = args.rig
        if args.loader:
            os.environ["KEEL_LOADER"] = args.loader
    sys.path.insert(0, HERE)
    suite = unittest.defaultTestLoader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    passed = result.testsRun - failed - len(result.skipped)
    os.makedirs(os.path.dirname(os.path.abspath(args.result)), exist_ok=True)
    with open(args.result, "w") as f:
        f.write(f"passed {passed} failed {failed}\n")
    print(f"harness-selftest: {passed} passed, {failed} failed")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
