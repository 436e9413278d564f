# SPDX-License-Identifier: GPL-2.0-only
# Unit tests of the judge and the line splitter: protocol corner cases no canned console covers.
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "tools"))

from harnesslib import ktap, runner  # noqa: E402


def judge_of(*lines):
    j = ktap.Judge()
    for line in lines:
        j.feed(line)
    return j


GOOD_END = ("# ktest: 1 passed, 0 failed", "keel: power off (acpi)")


class JudgeTests(unittest.TestCase):
    def test_noise_before_ktap_is_ignored(self):
        j = judge_of("ok 1 not_a_test", "1..7", "KTAP version 1", "1..1", "ok 1 a", *GOOD_END)
        v = ktap.judge_ktap(j, "power-off")
        self.assertEqual((v.passed, v.failed, v.reasons), (1, 0, []))

    def test_escapes_and_carriage_returns(self):
        j = judge_of("\x1b[2J\x1b[01;01HKTAP version 1\r", "1..1\r", "ok 1 a\r", *GOOD_END)
        self.assertTrue(j.finished_cleanly())
        self.assertTrue(ktap.judge_ktap(j, "power-off").ok())

    def test_out_of_order_numbers(self):
        j = judge_of("KTAP version 1", "1..2", "ok 2 b", "ok 1 a",
                     "# ktest: 2 passed, 0 failed", "keel: power off (acpi)")
        v = ktap.judge_ktap(j, "power-off")
        self.assertIn("result numbered 2 where 1 was due", v.reasons)
        self.assertFalse(v.ok())

    def test_reset_restarts_ktap(self):
        j = judge_of("KTAP version 1", "1..1", "KTAP version 1", "1..1", "ok 1 a", *GOOD_END)
        v = ktap.judge_ktap(j, "power-off")
        self.assertIn("KTAP started a second time (did the machine reset?)", v.reasons)

    def test_power_off_before_the_plan_completes(self):
        j = judge_of("KTAP version 1", "1..2", "ok 1 a", *GOOD_END)
        self.assertFalse(j.finished_cleanly())
        v = ktap.judge_ktap(j, "exited:1")
        self.assertIn("plan said 2, got 1 results", v.reasons)
        self.assertEqual(v.failed, 1)

    def test_empty_plan_is_not_a_pass(self):
        j = judge_of("KTAP version 1", "1..0", "# ktest: 0 passed, 0 failed",
                     "keel: power off (acpi)")
        v = ktap.judge_ktap(j, "power-off")
        self.assertIn("empty plan: no test ran", v.reasons)
        self.assertFalse(v.ok())

    def test_missing_results_each_count_as_failed(self):
        j = judge_of("KTAP version 1", "1..5", "ok 1 a")
        v = ktap.judge_ktap(j, "timeout:9")
        self.assertEqual((v.passed, v.failed), (1, 4))
        self.assertIn("timeout after 9 s (last line: ok 1 a)", v.reasons)

    def test_skips_are_counted_apart(self):
        j = judge_of("KTAP version 1", "1..2", "ok 1 a", "ok 2 b # SKIP no VMX",
                     "# ktest: 1 passed, 0 failed, 1 skipped", "keel: power off (acpi s5)")
        v = ktap.judge_ktap(j, "power-off")
        self.assertEqual((v.passed, v.failed, v.skipped, v.reasons), (1, 0, 1, []))
        j = judge_of("KTAP version 1", "1..2", "ok 1 a", "ok 2 b # SKIP no VMX",
                     "# ktest: 2 passed, 0 failed, 0 skipped", "keel: power off (acpi s5)")
        v = ktap.judge_ktap(j, "power-off")
        self.assertIn("kernel summary says 2 passed, 0 failed, 0 skipped; results say 1 passed, "
                      "0 failed, 1 skipped", v.reasons)

    def test_result_without_a_name(self):
        j = judge_of("KTAP version 1", "1..1", "not ok 1", "# ktest: 0 passed, 1 failed",
                     "keel: power off (acpi)")
        self.assertEqual(j.results[0].name, "test-1")
        self.assertEqual(ktap.judge_ktap(j, "power-off").failed, 1)

    def test_loader_banner_is_not_the_kernel_banner(self):
        j = judge_of("keel-boot: Keel UEFI loader", "keel-boot: error: no memory")
        self.assertIsNone(j.banner)
        self.assertTrue(ktap.judge_loader_error(j, "marker", "no memory").ok())


class LineSplitterTests(unittest.TestCase):
    def test_partial_lines_wait(self):
        s = runner.LineSplitter()
        self.assertEqual(s.push(b"ab"), [])
        self.assertEqual(s.push(b"c\nde"), ["abc"])
        self.assertEqual(s.flush(), ["de"])
        self.assertEqual(s.flush(), [])

    def test_endless_line_is_cut(self):
        s = runner.LineSplitter()
        lines = s.push(b"x" * (runner.LineSplitter.MAX_LINE + 1))
        self.assertEqual(len(lines), 1)
        self.assertEqual(s.partial, b"")

    def test_bad_utf8_is_replaced(self):
        self.assertEqual(runner.LineSplitter().push(b"\xff\n"), ["\ufffd"])


if __name__ == "__main__":
    unittest.main()
