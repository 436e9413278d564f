# SPDX-License-Identifier: GPL-2.0-only
# Runs one emulator in its own process group, tails its serial file live, and always kills it.
import os
import signal
import subprocess
import time

POLL_S = 0.05
KILL_GRACE_S = 2.0
_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


class Interrupted(Exception):
    """SIGTERM or SIGHUP reached the harness; it unwinds like Ctrl-C and cleans up."""


def _raise_interrupted(signum, frame):
    raise Interrupted(signal.Signals(signum).name)


def _unblock_stop_signals():
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)


def install_signal_handlers():
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _raise_interrupted)


def kill_group(proc):
    """Stops the emulator and everything it started: TERM to the group, then KILL."""
    if proc is None:
        return
    for sig, wait_s in ((signal.SIGTERM, KILL_GRACE_S), (signal.SIGKILL, KILL_GRACE_S)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=wait_s)
        except subprocess.TimeoutExpired:
            continue
        # The leader is gone; make sure no child of it survived in the group.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        break
    try:
        proc.wait(timeout=KILL_GRACE_S)
    except subprocess.TimeoutExpired:
        pass


class LineSplitter:
    """Turns the serial byte stream into lines; a partial line waits for its end, unless it
    grows past MAX_LINE (a console that never sends a newline must not eat the harness's memory)."""

    MAX_LINE = 64 * 1024

    def __init__(self):
        self.partial = b""

    def push(self, data):
        self.partial += data
        *lines, self.partial = self.partial.split(b"\n")
        if len(self.partial) > self.MAX_LINE:
            lines.append(self.partial)
            self.partial = b""
        return [ln.decode("utf-8", errors="replace") for ln in lines]

    def flush(self):
        rest, self.partial = self.partial, b""
        return [rest.decode("utf-8", errors="replace")] if rest else []


def run_emulator(argv, serial_path, emu_log_path, judge, stop_after, timeout, echo,
                 env=None):
    """Starts argv, feeds every serial line to judge, and returns how the run ended:
    'marker' or 'power-off' (stop_after said so), 'exited:<status>', 'timeout:<s>' or
    'interrupted'. stop_after(judge) returns None to go on, or (end, grace seconds) to stop
    after reading the console for that much longer."""
    with open(serial_path, "wb"):
        pass  # the emulator truncates and rewrites the same inode; we read it from offset 0
    proc = None
    splitter = LineSplitter()
    with open(serial_path, "rb") as serial, open(emu_log_path, "ab") as emu_log:
        try:
            # The stop signals wait until proc is set: one that lands while Popen is still
            # returning is delivered right after, where the cleanup below can kill the
            # emulator, instead of leaving it running unseen. The child unblocks them.
            signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
            try:
                proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=emu_log,
                                        stderr=subprocess.STDOUT, start_new_session=True,
                                        env=env, preexec_fn=_unblock_stop_signals)
            finally:
                _unblock_stop_signals()
            return _watch(proc, serial, splitter, judge, stop_after, timeout, echo)
        except (KeyboardInterrupt, Interrupted):
            return "interrupted"
        finally:
            # A second Ctrl-C must not cut the cleanup short and leave the emulator running.
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
            try:
                kill_group(proc)
                _drain(serial, splitter, judge, echo, final=True)
            finally:
                signal.signal(signal.SIGINT, previous)


def _drain(serial, splitter, judge, echo, final=False):
    data = serial.read()
    if data:
        echo(data)
        for line in splitter.push(data):
            judge.feed(line)
    if final:
        for line in splitter.flush():
            judge.feed(line)


def _watch(proc, serial, splitter, judge, stop_after, timeout, echo):
    start = time.monotonic()
    stop_at = None
    end = None
    while True:
        _drain(serial, splitter, judge, echo)
        now = time.monotonic()
        if stop_at is None:
            decision = stop_after(judge)
            if decision is not None:
                end, grace = decision
                stop_at = now + grace
        if stop_at is not None and now >= stop_at:
            return end
        status = proc.poll()
        if status is not None:
            _drain(serial, splitter, judge, echo, final=True)
            if end is None:
                decision = stop_after(judge)
                end = decision[0] if decision else None
            return end or f"exited:{status}"
        if timeout is not None and now - start >= timeout and stop_at is None:
            return f"timeout:{timeout:g}"
        time.sleep(POLL_S)
