# SPDX-License-Identifier: GPL-2.0-only
# Harness self-tests on real boots: the selftest_* ktests fail, panic, fault and hang on purpose.
"""Needs KEEL_KERNEL (keel.elf with tests/ktest/selftest.c linked in) and KEEL_LOADER
(BOOTX64.EFI); without KEEL_KERNEL the tests are skipped. KEEL_RIG picks the rig (qemu)."""
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
HARNESS = os.path.join(os.path.dirname(os.path.dirname(HERE)), "tools", "harness")
HANG_TIMEOUT_S = 30
BOOT_TIMEOUT_S = 90
CASES = ("selftest_fail", "selftest_panic", "selftest_fault", "selftest_hang")


@unittest.skipUnless(os.environ.get("KEEL_KERNEL"), "KEEL_KERNEL not set")
class RealBootSelfTests(unittest.TestCase):
    """All four boots run at once (one CPU each); each test then judges its own output."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        kernel = os.environ["KEEL_KERNEL"]
        loader = os.environ.get("KEEL_LOADER", "")
        rig = os.environ.get("KEEL_RIG", "qemu")
        cls.procs = {}
        for case in CASES:
            timeout = HANG_TIMEOUT_S if case == "selftest_hang" else BOOT_TIMEOUT_S
            argv = [sys.executable, HARNESS, "--rig", rig, "--kernel", kernel, "--cmdline",
                    f"ktest={case}", "--smp", "1", "--timeout", str(timeout), "--name", case,
                    "--log", os.path.join(cls.tmp.name, case + ".log"),
                    "--result-file", os.path.join(cls.tmp.name, case + ".result")]
            if loader:
                argv += ["--loader", loader]
            cls.procs[case] = subprocess.Popen(argv, stdout=subprocess.PIPE,
                                               stderr=subprocess.STDOUT, text=True)

    @classmethod
    def tearDownClass(cls):
        for proc in cls.procs.values():
            if proc.poll() is None:
                proc.terminate()  # the harness kills its emulator on SIGTERM
                proc.wait()
        cls.tmp.cleanup()

    def finish(self, case):
        out, _ = self.procs[case].communicate(timeout=BOOT_TIMEOUT_S + 60)
        sys.stdout.write(f"--- {case}\n{out}")
        with open(os.path.join(self.tmp.name, case + ".result")) as f:
            result = f.read().strip()
        return self.procs[case].returncode, out, result

    def test_failing_check(self):
        rc, out, result = self.finish("selftest_fail")
        self.assertEqual(rc, 1, out)
        self.assertIn("selftest_fail: not ok selftest_fail", out.splitlines())
        self.assertNotIn("harness: ", out, "a failing check is not an abnormal end")
        self.assertEqual(result, "passed 0 failed 1")

    def test_panic(self):
        rc, out, result = self.finish("selftest_panic")
        self.assertEqual(rc, 1, out)
        self.assertRegex(out, r"(?m)^harness: panic: \*\*\* KEEL PANIC.*selftest_panic: "
                              r"panicking on purpose")
        self.assertNotIn("harness: timeout", out)
        self.assertEqual(result, "passed 0 failed 1")

    def test_fault(self):
        rc, out, result = self.finish("selftest_fault")
        self.assertEqual(rc, 1, out)
        reasons = [ln for ln in out.splitlines() if ln.startswith("harness: ")]
        self.assertTrue(reasons and reasons[0].startswith("harness: exception: *** KEEL "
                                                          "EXCEPTION"), out)
        self.assertNotIn("harness: timeout", out)
        self.assertEqual(result, "passed 0 failed 1")

    def test_hang(self):
        rc, out, result = self.finish("selftest_hang")
        self.assertEqual(rc, 1, out)
        self.assertRegex(out, rf"(?m)^harness: timeout after {HANG_TIMEOUT_S} s \(last line: "
                              r"[^)]*spinning with interrupts off\)")
        self.assertEqual(result, "passed 0 failed 1")


if __name__ == "__main__":
    unittest.main()
