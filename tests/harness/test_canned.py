# SPDX-License-Identifier: GPL-2.0-only
# Harness self-tests on canned consoles: the real harness, with a fake emulator in place of QEMU.
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
HARNESS = os.path.join(REPO, "tools", "harness")
FAKE = os.path.join(HERE, "fake_emulator.py")
TRANSCRIPTS = os.path.join(HERE, "transcripts")


def run_harness(transcript, then="exit", status=0, extra=(), pid_file=None, timeout=60):
    """Runs tools/harness on the fake rig; returns (exit status, stdout, result-file text)."""
    fake = (f"{sys.executable} {FAKE} --serial {{serial}} "
            f"--transcript {os.path.join(TRANSCRIPTS, transcript + '.txt')} "
            f"--then {then} --status {status}")
    if pid_file:
        fake += f" --pid-file {pid_file}"
    with tempfile.TemporaryDirectory() as d:
        result = os.path.join(d, "x.result")
        log = os.path.join(d, "console.log")
        argv = [sys.executable, HARNESS, "--rig", "fake", "--fake-command", fake, "--name",
                "canned", "--log", log, *extra]
        if "--interactive" not in extra:
            argv += ["--result-file", result]
        proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, timeout=timeout)
        result_text = None
        if os.path.exists(result):
            with open(result) as f:
                result_text = f.read().strip()
        with open(log, "rb") as f:
            logged = f.read()
    return proc.returncode, proc.stdout, result_text, logged


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it no longer runs.
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split(")")[-1].split()[0] != "Z"


def _sigint_default():
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class CannedConsoles(unittest.TestCase):
    def expect(self, out, *lines):
        for line in lines:
            self.assertIn(line, out.splitlines(), f"missing line {line!r} in:\n{out}")

    def test_all_pass(self):
        rc, out, result, logged = run_harness("all_pass")
        self.assertEqual(rc, 0, out)
        self.expect(out, "canned: ok buddy_split", "canned: ok heap_grow",
                    "canned: ok cmdline_parse # SKIP no modules", "canned: 1 skipped",
                    "canned: 2 passed, 0 failed")
        self.assertNotIn("harness:", out)
        self.assertEqual(result, "passed 2 failed 0")
        self.assertIn(b"\x1b[2J", logged, "the --log file keeps the raw console")

    def test_not_ok(self):
        rc, out, result, _ = run_harness("not_ok")
        self.assertEqual(rc, 1, out)
        self.expect(out, "canned: not ok selftest_fail", "canned: 2 passed, 1 failed",
                    "# selftest_fail: EXPECT 1 == 2 failed at tests/ktest/selftest.c:12")
        self.assertNotIn("harness:", out)
        self.assertEqual(result, "passed 2 failed 1")

    def test_panic_ends_the_run_even_though_the_emulator_hangs(self):
        start = time.monotonic()
        rc, out, result, _ = run_harness("panic", then="hang", extra=["--timeout", "30"])
        self.assertLess(time.monotonic() - start, 15, "a panic must end the run at once")
        self.assertEqual(rc, 1, out)
        self.assertIn("harness: panic: *** KEEL PANIC on cpu 0: selftest_panic", out)
        self.assertNotIn("harness: timeout", out)
        self.expect(out, "harness: plan said 2, got 1 results", "canned: 1 passed, 1 failed")
        self.assertEqual(result, "passed 1 failed 1")

    def test_exception_dump(self):
        rc, out, result, _ = run_harness("exception", then="hang", extra=["--timeout", "30"])
        self.assertEqual(rc, 1, out)
        lines = [ln for ln in out.splitlines() if ln.startswith("harness: ")]
        self.assertTrue(lines[0].startswith("harness: exception: *** KEEL EXCEPTION on cpu 1"),
                        out)
        self.assertIn("harness: panic: *** KEEL PANIC on cpu 1: unhandled exception", out)
        self.assertIn("  | *** KEEL EXCEPTION on cpu 1: #PF (page fault)", out,
                      "the console tail explains the crash")
        self.assertEqual(result, "passed 0 failed 1")

    def test_missing_plan(self):
        rc, out, result, _ = run_harness("missing_plan")
        self.assertEqual(rc, 1, out)
        self.expect(out, "harness: missing plan", "canned: 1 passed, 1 failed")
        self.assertEqual(result, "passed 1 failed 1")

    def test_fewer_results_than_planned(self):
        rc, out, result, _ = run_harness("short")
        self.assertEqual(rc, 1, out)
        self.expect(out, "harness: plan said 4, got 2 results", "canned: 2 passed, 2 failed")
        self.assertEqual(result, "passed 2 failed 2")

    def test_hang_times_out_and_the_emulator_is_killed(self):
        with tempfile.TemporaryDirectory() as d:
            pid_file = os.path.join(d, "pid")
            start = time.monotonic()
            rc, out, result, _ = run_harness("hang", then="hang", pid_file=pid_file,
                                             extra=["--timeout", "2"])
            elapsed = time.monotonic() - start
            with open(pid_file) as f:
                pid = int(f.read())
        self.assertEqual(rc, 1, out)
        self.assertIn("harness: timeout after 2 s (last line: # selftest_hang: spinning with "
                      "interrupts off)", out)
        self.assertGreaterEqual(elapsed, 2)
        self.assertLess(elapsed, 15)
        self.assertEqual(result, "passed 1 failed 1")
        self.assertFalse(pid_alive(pid), "the fake emulator survived the timeout")

    def test_signals_end_the_run_and_kill_the_emulator(self):
        for sig in (signal.SIGINT, signal.SIGTERM):
            with tempfile.TemporaryDirectory() as d:
                pid_file = os.path.join(d, "pid")
                fake = (f"{sys.executable} {FAKE} --serial {{serial}} --transcript "
                        f"{os.path.join(TRANSCRIPTS, 'hang.txt')} --then hang "
                        f"--pid-file {pid_file}")
                # A job started in the background (make test under `&`, some CI runners)
                # inherits SIGINT ignored, and Python then leaves it ignored: give the harness
                # the disposition an interactive Ctrl-C finds.
                proc = subprocess.Popen([sys.executable, HARNESS, "--rig", "fake",
                                         "--fake-command", fake, "--timeout", "60"],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True, preexec_fn=_sigint_default)
                deadline = time.monotonic() + 10
                while not os.path.exists(pid_file) and time.monotonic() < deadline:
                    time.sleep(0.05)
                time.sleep(0.3)
                proc.send_signal(sig)
                # Past the harness's own --timeout 60: a harness that ignored the signal
                # ends there with status 1, which fails the check below.
                out, _ = proc.communicate(timeout=90)
                with open(pid_file) as f:
                    pid = int(f.read())
            self.assertEqual(proc.returncode, 130, out)
            self.assertIn("harness: interrupted", out)
            self.assertFalse(pid_alive(pid), f"the fake emulator survived {sig.name}")

    def test_emulator_exit_before_plan(self):
        rc, out, _, _ = run_harness("hang", then="exit", status=3)
        self.assertEqual(rc, 1, out)
        self.assertIn("harness: emulator exited with status 3 before the plan completed", out)

    def test_no_power_off_line(self):
        rc, out, _, _ = run_harness("no_power_off", then="exit", status=0)
        self.assertEqual(rc, 1, out)
        self.assertIn("harness: emulator exited with status 0 without the power-off line", out)

    def test_summary_mismatch(self):
        rc, out, _, _ = run_harness("bad_summary")
        self.assertEqual(rc, 1, out)
        self.assertIn("harness: kernel summary says 1 passed, 1 failed, 0 skipped; results say "
                      "2 passed, 0 failed, 0 skipped", out)

    def test_no_kernel_output(self):
        rc, out, result, _ = run_harness("no_output", then="exit", status=1)
        self.assertEqual(rc, 1, out)
        self.assertIn("harness: missing plan (no KTAP output)", out)
        self.assertEqual(result, "passed 0 failed 1")

    def test_unexpected_loader_error(self):
        rc, out, result, _ = run_harness("loader_error", then="hang", extra=["--timeout", "30"])
        self.assertEqual(rc, 1, out)
        self.assertIn("harness: loader error: keel-boot: error: cannot open", out)
        self.assertNotIn("harness: timeout", out)
        self.assertEqual(result, "passed 0 failed 1")

    def test_expected_loader_error(self):
        rc, out, result, _ = run_harness("loader_error", then="hang", extra=[
            "--timeout", "30", "--expect-loader-error", r"cannot open .*keel\.elf"])
        self.assertEqual(rc, 0, out)
        self.expect(out, r"canned: ok loader-error /cannot open .*keel\.elf/",
                    "canned: 1 passed, 0 failed")
        self.assertEqual(result, "passed 1 failed 0")

    def test_loader_error_that_does_not_match(self):
        rc, out, result, _ = run_harness("loader_error", then="hang", extra=[
            "--timeout", "30", "--expect-loader-error", "bad config line"])
        self.assertEqual(rc, 1, out)
        self.assertIn("harness: loader error does not match /bad config line/", out)
        self.assertEqual(result, "passed 0 failed 1")

    def test_loader_error_expected_but_kernel_booted(self):
        rc, out, result, _ = run_harness("all_pass", extra=["--expect-loader-error", "."])
        self.assertEqual(rc, 1, out)
        self.assertIn("harness: the kernel started (saw 'Keel 0.1 (x86-64) booting from UEFI')"
                      " where a loader error was expected", out)
        self.assertEqual(result, "passed 0 failed 1")

    def test_loader_error_expected_but_timeout(self):
        rc, out, _, _ = run_harness("no_output", then="hang", extra=[
            "--timeout", "1", "--expect-loader-error", "."])
        self.assertEqual(rc, 1, out)
        self.assertIn("harness: timeout after 1 s without a loader error", out)

    def test_interactive_echoes_the_console_and_does_not_judge(self):
        rc, out, _, _ = run_harness("not_ok", then="hang", extra=["--interactive"])
        self.assertEqual(rc, 0, out)
        self.assertIn("not ok 2 selftest_fail", out, "the raw console reaches the terminal")
        self.assertIn("harness: machine powered off", out)
        self.assertNotIn("passed,", out.splitlines()[-1])
        rc, out, _, _ = run_harness("panic", then="hang", extra=["--interactive"])
        self.assertEqual(rc, 1, out)
        self.assertIn("harness: *** KEEL PANIC on cpu 0", out)

    def test_bad_usage_is_a_clear_error(self):
        proc = subprocess.run([sys.executable, HARNESS, "--rig", "qemu"], text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("one of --kernel, --image or --iso is required", proc.stdout)
        proc = subprocess.run([sys.executable, HARNESS, "--rig", "qemu", "--image",
                               "/nonexistent/keel.img"], text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("harness: image not found: /nonexistent/keel.img", proc.stdout)
        proc = subprocess.run([sys.executable, HARNESS, "--rig", "bochs", "--image", FAKE],
                              text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("rig bochs cannot boot --image", proc.stdout)


if __name__ == "__main__":
    unittest.main()
