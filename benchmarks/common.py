"""What the screen benchmarks share: a real terminal (a pty), timing what the user would see.

A benchmark that measured inside the app could miss the cost that matters (imports, the driver,
the writer thread, the bytes on the wire), so these run the real program in a pseudo-terminal
of a fixed size and time *the bytes it writes*: "first paint" is the moment a known text
appears on the terminal, "key → frame" the time from writing a key to the pty until the
frame that reflects it has been written. A reader thread stamps every chunk as it arrives;
the terminal answers the synchronized-output query as a modern terminal would, so Textual
writes whole frames.

Each benchmark measures its floor (a bare Textual app) in the same run with the same harness,
and reports the ratio, so the figures do not depend on the machine.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SGR = re.compile(rb"\x1b\[[0-9;:]*m")
SYNC_QUERY = b"\x1b[?2026$p"
SYNC_REPLY = b"\x1b[?2026;2$y"  # "mode 2026 is supported, currently reset"

#: A Textual app with one widget: the floor for start-up.
BARE_APP = """
from textual.app import App, ComposeResult
from textual.widgets import Static

class Bare(App):
    def compose(self) -> ComposeResult:
        yield Static("qatui-floor-ready")

Bare().run()
"""

#: One Static repainted per key: Textual's own floor for key → frame.
REPAINT_APP = """
from textual.app import App, ComposeResult
from textual.widgets import Static

class Repaint(App):
    BINDINGS = [("j", "next", "next"), ("q", "quit", "quit")]
    count = 0

    def compose(self) -> ComposeResult:
        yield Static("count 0", id="counter")

    def action_next(self) -> None:
        self.count += 1
        self.query_one("#counter", Static).update(f"count {self.count}")

Repaint().run()
"""


def qatui_command() -> list[str]:
    """The installed console script beside this Python (a venv's), else `python -m qatui`."""
    script = Path(sys.executable).parent / "qatui"
    return [str(script)] if script.exists() else [sys.executable, "-m", "qatui"]


def bench_env(tmp: Path, **extra: str) -> dict[str, str]:
    # PYTHONDONTWRITEBYTECODE is dropped: an installed qatui has its bytecode compiled (pip
    # does it, as it did for Textual), so a run that recompiles every module from source
    # measures a start nobody gets. The untimed warm-up run writes the `.pyc` files.
    env = {
        k: v for k, v in os.environ.items()
        if not k.startswith(("QATUI_", "XDG_")) and k != "PYTHONDONTWRITEBYTECODE"
    }
    env.update(
        TERM="xterm-256color", COLORTERM="truecolor", LANG="C.UTF-8", LC_ALL="C.UTF-8",
        XDG_CONFIG_HOME=str(tmp / "config"), XDG_DATA_HOME=str(tmp / "data"),
        XDG_STATE_HOME=str(tmp / "state"), XDG_CACHE_HOME=str(tmp / "cache"),
    )
    env.update(extra)
    return env


@dataclass
class Terminal:
    """A program running in a pty of `cols`×`rows`; every chunk it writes is time-stamped."""

    argv: Sequence[str]
    env: Mapping[str, str]
    cols: int = 120
    rows: int = 40
    cwd: Path = ROOT
    started: float = 0.0
    raw: bytearray = field(default_factory=bytearray)
    stamps: list[tuple[int, float]] = field(default_factory=list)  # (end offset, arrival time)

    def __post_init__(self) -> None:
        self._cond = threading.Condition()
        self._closed = False
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> Terminal:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", self.rows, self.cols, 0, 0))
        self._master = master
        self.started = time.perf_counter()
        self._process = subprocess.Popen(
            list(self.argv), stdin=slave, stdout=slave, stderr=slave, env=dict(self.env),
            cwd=self.cwd, start_new_session=True, close_fds=True,
        )
        os.close(slave)
        self._reader = threading.Thread(target=self._read, name="pty-reader", daemon=True)
        self._reader.start()
        return self

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self._master, 1 << 16)
            except OSError:
                chunk = b""
            now = time.perf_counter()
            with self._cond:
                if not chunk:
                    self._closed = True
                    self._cond.notify_all()
                    return
                self.raw += chunk
                self.stamps.append((len(self.raw), now))
                self._cond.notify_all()
            if SYNC_QUERY in chunk:
                os.write(self._master, SYNC_REPLY)

    @property
    def offset(self) -> int:
        with self._cond:
            return len(self.raw)

    def send(self, data: str | bytes) -> float:
        """Write keys to the program; returns the time they were written."""
        payload = data.encode() if isinstance(data, str) else data
        now = time.perf_counter()
        os.write(self._master, payload)
        return now

    def wait_text(self, text: str, *, after: int = 0, timeout: float = 20.0) -> float:
        """The arrival time of the chunk that completed `text` (styles ignored) after `after`."""
        needle = text.encode()
        deadline = time.monotonic() + timeout
        searched = after
        with self._cond:
            while True:
                # Re-scan a little before the last end so a needle split across chunks is found.
                start = max(after, searched - len(needle) - 64)
                window = SGR.sub(b"", bytes(self.raw[start:]))
                found = window.find(needle)
                if found >= 0:
                    return self._arrival_of(start, window, found + len(needle))
                searched = len(self.raw)
                if self._closed:
                    raise RuntimeError(f"program exited before showing {text!r}:\n{self.tail()}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{text!r} did not appear within {timeout} s:\n{self.tail()}")
                self._cond.wait(left)

    def _arrival_of(self, start: int, window: bytes, end_in_window: int) -> float:
        """Map an offset in the SGR-stripped window back to raw bytes, then to its chunk."""
        raw_pos = start
        plain = 0
        data = bytes(self.raw[start:])
        i = 0
        while plain < end_in_window and i < len(data):
            match = SGR.match(data, i)
            if match:
                i = match.end()
                continue
            i += 1
            plain += 1
        raw_pos = start + i
        for end, at in self.stamps:
            if end >= raw_pos:
                return at
        return self.stamps[-1][1]

    def tail(self, size: int = 600) -> str:
        text = SGR.sub(b"", bytes(self.raw[-4000:])).decode("utf-8", "replace")
        return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", " ", text)[-size:]

    def stop(self) -> None:
        if self._process is None:
            return
        if self._process.poll() is None:
            try:
                os.killpg(self._process.pid, signal.SIGTERM)
                self._process.wait(timeout=5)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait(timeout=5)
        with contextlib.suppress(OSError):
            os.close(self._master)
        self._reader.join(timeout=2)
        self._process = None


def first_paint(argv: Sequence[str], text: str, env: Mapping[str, str], *, cols: int = 120,
                rows: int = 40, timeout: float = 30.0) -> float:
    """Seconds from spawning `argv` in a pty until `text` is on the terminal."""
    term = Terminal(argv, env, cols=cols, rows=rows).start()
    try:
        return term.wait_text(text, timeout=timeout) - term.started
    finally:
        term.stop()


def key_latencies(term: Terminal, key: str, markers: Sequence[str], *, timeout: float = 10.0) -> list[float]:
    """Press `key` once per marker; each time, the seconds until that marker's frame arrived."""
    took = []
    for marker in markers:
        after = term.offset
        sent = term.send(key)
        took.append(term.wait_text(marker, after=after, timeout=timeout) - sent)
    return took


def percentile(values: Sequence[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def python_app(source: str) -> list[str]:
    return [sys.executable, "-c", source]


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def scratch() -> Path:
    return Path(tempfile.mkdtemp(prefix="qatui-bench-"))
