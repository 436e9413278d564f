#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
# A stand-in emulator for the harness self-tests: writes a canned console, then exits or hangs.
import argparse
import os
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--serial", required=True, help="the file the harness tails")
    ap.add_argument("--transcript", required=True)
    ap.add_argument("--then", choices=("exit", "hang"), default="exit")
    ap.add_argument("--status", type=int, default=0, help="exit status with --then exit")
    ap.add_argument("--pid-file", help="write our pid here, so a test can check we were killed")
    args = ap.parse_args()
    if args.pid_file:
        with open(args.pid_file, "w") as f:
            f.write(f"{os.getpid()}\n")
    with open(args.transcript, "rb") as f:
        lines = f.read().splitlines(keepends=True)
    # Like an emulator: truncate the file, then write the console a line at a time.
    with open(args.serial, "wb") as out:
        for line in lines:
            out.write(line)
            out.flush()
            time.sleep(0.002)
        if args.then == "hang":
            while True:
                time.sleep(1)
    return args.status


if __name__ == "__main__":
    sys.exit(main())
