# SPDX-License-Identifier: GPL-2.0-only
# Serial-console judge: turns console lines into KTAP results and an end-of-run verdict.
"""The judge sees one console line at a time and knows nothing about emulators or time.

It follows the kernel's serial contract: firmware and boot-loader noise comes first and is
ignored, except for the markers that end a run wherever they appear (a panic, an exception
dump, a loader error). From `KTAP version 1` on it reads the plan, the results and the
kernel's own summary, and it notices the power-off line that ends a good run.
"""
import re

ANSI_RE = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|[@-Z\\-_])")
PLAN_RE = re.compile(r"^1\.\.(\d+)\s*$")
RESULT_RE = re.compile(r"^(not ok|ok) (\d+)(?: ([^#]*?))?\s*(?:#\s*(.*))?$")
SUMMARY_RE = re.compile(r"^# ktest: (\d+) passed, (\d+) failed(?:, (\d+) skipped)?\s*$")
POWER_OFF_RE = re.compile(r"^keel: power off \(.*\)\s*$")

PANIC_MARK = "*** KEEL PANIC"
EXCEPTION_MARK = "*** KEEL EXCEPTION"
LOADER_ERROR_MARK = "keel-boot: error: "
KTAP_START = "KTAP version 1"
BANNER_PREFIX = "Keel "


def clean(line):
    """Strips terminal escapes, carriage returns and NULs that firmware consoles leave behind."""
    return ANSI_RE.sub("", line).replace("\r", "").replace("\x00", "").rstrip()


class Result:
    def __init__(self, number, name, ok, directive, diagnostics):
        self.number = number
        self.name = name
        self.ok = ok
        self.directive = directive
        self.diagnostics = diagnostics

    def skipped(self):
        """KTAP's "ok N name # SKIP reason": neither a pass nor a failure."""
        return self.ok and self.directive.upper().startswith("SKIP")


class Judge:
    """Feeds on cleaned console lines; `stop_reason` becomes non-None when the run should end."""

    def __init__(self):
        self.banner = None
        self.ktap_started = False
        self.plan = None
        self.results = []
        self.summary = None
        self.power_off = None
        self.panic = None
        self.exception = None
        self.loader_error = None
        self.problems = []  # protocol errors seen on the way (bad numbering, a second plan)
        self.last_line = ""
        self._pending_diag = []

    # A marker ends the run wherever it appears; the harness waits a moment for the rest of
    # the dump before it stops the emulator.
    def feed(self, raw):
        line = clean(raw)
        if line.strip():
            self.last_line = line.strip()
        if PANIC_MARK in line and self.panic is None:
            self.panic = line[line.index(PANIC_MARK):]
        if EXCEPTION_MARK in line and self.exception is None:
            self.exception = line[line.index(EXCEPTION_MARK):]
        if LOADER_ERROR_MARK in line and self.loader_error is None:
            self.loader_error = line[line.index(LOADER_ERROR_MARK):]
        if line.startswith(BANNER_PREFIX) and self.banner is None:
            self.banner = line
        if POWER_OFF_RE.match(line):
            self.power_off = line
            return
        if line.strip() == KTAP_START:
            if self.ktap_started:
                self.problems.append("KTAP started a second time (did the machine reset?)")
            self.ktap_started = True
            return
        if not self.ktap_started:
            return
        self._feed_ktap(line)

    def _feed_ktap(self, line):
        m = SUMMARY_RE.match(line)
        if m:
            self.summary = tuple(int(g) for g in m.groups() if g is not None)
            return
        if line.startswith("# ") or line == "#":
            self._pending_diag.append(line)
            return
        m = PLAN_RE.match(line)
        if m:
            if self.plan is not None:
                self.problems.append(f"a second plan line: {line}")
                return
            self.plan = int(m.group(1))
            return
        m = RESULT_RE.match(line)
        if m:
            self._add_result(m)

    def _add_result(self, m):
        number = int(m.group(2))
        expected = len(self.results) + 1
        if number != expected:
            self.problems.append(f"result numbered {number} where {expected} was due")
        name = (m.group(3) or "").strip() or f"test-{number}"
        directive = (m.group(4) or "").strip()
        ok = m.group(1) == "ok"
        self.results.append(Result(number, name, ok, directive, self._pending_diag))
        self._pending_diag = []

    def plan_complete(self):
        return self.plan is not None and len(self.results) >= self.plan

    def crashed(self):
        return self.panic is not None or self.exception is not None

    def finished_cleanly(self):
        """A good run's end: every planned result in, then the power-off line."""
        return self.plan_complete() and self.power_off is not None


class Verdict:
    def __init__(self, passed, failed, reasons, skipped=0):
        self.passed = passed
        self.failed = failed
        self.skipped = skipped
        self.reasons = reasons  # abnormal-end explanations, each printed as "harness: <reason>"

    def ok(self):
        return self.failed == 0 and not self.reasons


def judge_ktap(judge, end):
    """The verdict of a KTAP run. `end` says how the run stopped: 'marker', 'power-off',
    'exited:<status>', 'timeout:<seconds>' or 'interrupted'."""
    skipped = sum(1 for r in judge.results if r.skipped())
    passed = sum(1 for r in judge.results if r.ok) - skipped
    failed = sum(1 for r in judge.results if not r.ok)
    reasons = []
    if judge.exception is not None:
        reasons.append(f"exception: {judge.exception}")
    if judge.panic is not None:
        reasons.append(f"panic: {judge.panic}")
    if judge.loader_error is not None:
        reasons.append(f"loader error: {judge.loader_error}")
    reasons.extend(judge.problems)
    if end.startswith("timeout:"):
        reasons.append(f"timeout after {end[8:]} s (last line: {judge.last_line or '<none>'})")
    elif end == "interrupted":
        reasons.append("interrupted")
    elif end.startswith("exited:") and not judge.finished_cleanly():
        status = end[7:]
        if judge.plan_complete():
            reasons.append(f"emulator exited with status {status} without the power-off line")
        else:
            reasons.append(f"emulator exited with status {status} before the plan completed")
    if judge.plan is None:
        reasons.append("missing plan" if judge.ktap_started else "missing plan (no KTAP output)")
    elif len(judge.results) != judge.plan:
        reasons.append(f"plan said {judge.plan}, got {len(judge.results)} results")
    elif judge.plan == 0:
        reasons.append("empty plan: no test ran")
    if judge.plan_complete() and not judge.crashed():
        if judge.summary is None:
            reasons.append("missing the kernel's '# ktest: P passed, F failed[, S skipped]' line")
        elif judge.summary != (passed, failed, skipped)[:len(judge.summary)]:
            said = ", ".join(f"{n} {w}" for n, w in zip(judge.summary,
                                                         ("passed", "failed", "skipped")))
            reasons.append(f"kernel summary says {said}; results say {passed} passed, "
                           f"{failed} failed, {skipped} skipped")
    if reasons:
        missing = max(0, (judge.plan or 0) - len(judge.results))
        failed += max(1, missing)
    return Verdict(passed, failed, reasons, skipped)


def judge_loader_error(judge, end, pattern):
    """The verdict of a run that must stop in the loader with an error matching `pattern`."""
    reasons = []
    if judge.banner is not None or judge.ktap_started:
        reasons.append(f"the kernel started (saw '{judge.banner or KTAP_START}') "
                       f"where a loader error was expected")
    if judge.loader_error is None:
        if end.startswith("timeout:"):
            reasons.append(f"timeout after {end[8:]} s without a loader error "
                           f"(last line: {judge.last_line or '<none>'})")
        elif end.startswith("exited:"):
            reasons.append(f"emulator exited with status {end[7:]} without a loader error")
        else:
            reasons.append("no loader error line")
    elif not re.search(pattern, judge.loader_error):
        reasons.append(f"loader error does not match /{pattern}/: {judge.loader_error}")
    if judge.crashed():
        reasons.append(f"panic: {judge.panic or judge.exception}")
    if end == "interrupted":
        reasons.append("interrupted")
    if reasons:
        return Verdict(0, 1, reasons)
    return Verdict(1, 0, [])
