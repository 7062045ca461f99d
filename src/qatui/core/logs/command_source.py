"""A command's output as a log source: `ssh staging docker logs -f web`, `kubectl logs -f …`.

This is how servers beyond this machine are covered. The command's stdout and stderr go into
one pipe (enlarged to 1 MB), read in large chunks into one reused buffer (`LineReader`: no
megabyte-sized copy per batch) by the thread that iterates the source (asyncio's per-line
`readline` reads a flood at a tenth of the speed, and a second reader thread only adds
hand-offs); the chunks are split and decoded in bulk and handed over in batches every ~0.1 s. Nothing is read while the consumer is busy, so a flood fills the pipe
and the command waits on its writes: backpressure instead of memory growth. `select` with a
short timeout keeps the stop event noticed within 0.1 s. The command runs in its own session and
process group, with qatui's mark in its environment (`qatui.core.procs`), so that stopping the
source ends it and everything it started (an `ssh` and its children, a `setsid` helper), and its exit is a notice line
with its code, never an exception. A command that cannot be started, or that exits with a code
other than 0 or is ended by a signal, is a fault notice (`LogBatch.faults`): whether it printed
anything first is for the consumer to weigh (`qatui logs` counts a source that printed as read).

A command has no "last N lines" of its own (`docker logs --tail 50 -f web` says that itself),
so `tail` applies only without `follow`: the command runs to its end and its last N lines are
kept. `since` drops lines that start with a time before it; lines without a time were read
after it, so they stay.
"""

from __future__ import annotations

import contextlib
import fcntl
import select
import shlex
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Iterator, Mapping
from datetime import datetime

from qatui.core.logs._text import MAX_LINE, line_time, now
from qatui.core.logs.base import LogBatch
from qatui.core.logs.errors import ErrorDetector
from qatui.core.logs.line_reader import LineReader
from qatui.core.procs import ProcessTree

BATCH_SECONDS = 0.1
BATCH_BYTES = 512 * 1024
_READ_SIZE = 1 << 20
IDLE_SECONDS = 2.0
START_SECONDS = 30.0
_F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)
_ALL = 1_000_000  # "every line" still has a bound


class CommandSource:
    """Runs `command` (a shell line, or an argv list) and follows its output."""

    def __init__(
        self,
        name: str,
        command: str | list[str],
        *,
        tail: int = 100,
        errors: list[str] | None = None,
        cwd: str | None = None,
        env: Mapping[str, str] | None = None,
        max_line: int = MAX_LINE,
    ) -> None:
        self.name = name
        self.command = command
        self.tail = tail
        self.error_patterns = errors
        self.cwd = cwd
        self.env = dict(env) if env is not None else None
        self.max_line = max_line
        ErrorDetector(errors)  # a broken pattern fails here, not in the reader

    @property
    def display(self) -> str:
        return self.command if isinstance(self.command, str) else shlex.join(self.command)

    def _start(self, tree: ProcessTree) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            self.command,
            shell=isinstance(self.command, str),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=self.cwd,
            env=tree.env(self.env),
            start_new_session=True,  # its own session and process group: stop() ends all of it
        )
        tree.started(process.pid)
        return process

    def follow(
        self,
        stop: threading.Event,
        *,
        tail: int | None = None,
        since: datetime | None = None,
        follow: bool = True,
    ) -> Iterator[LogBatch]:
        """Run the command and yield its output. Without `follow`, wait for it to end and
        yield its last `tail` lines; with `follow`, yield everything as it comes."""
        if tail is None:  # with `since`, every line since then (bounded); else the source's tail
            tail = _ALL if since is not None else self.tail
        detector = ErrorDetector(self.error_patterns)
        tree = ProcessTree()
        try:
            process = self._start(tree)
        except OSError as error:
            yield LogBatch.notice(self.name, f"cannot run `{self.display}`: {error.strerror or error}", now(),
                                 fault=True)
            return
        assert process.stdout is not None
        fd = process.stdout.fileno()
        with contextlib.suppress(OSError):
            fcntl.fcntl(fd, _F_SETPIPE_SZ, _READ_SIZE)  # fewer, larger reads in a flood
        reader = LineReader(self.max_line, _READ_SIZE)
        kept: deque[tuple[list[str], set[int], datetime]] = deque()  # follow=False: the last lines
        kept_count = 0
        try:
            ended = False
            started = last_output = time.monotonic()
            cut_short = False
            while not ended and not stop.is_set():
                texts, joined, ended = _collect(fd, reader, stop)
                if not texts:
                    if not follow and _gave_up(started, last_output):
                        cut_short = True
                        break
                    continue
                last_output = time.monotonic()
                at = now()
                errors = detector.scan(texts, joined)
                if since is not None:
                    texts, errors = _since(texts, errors, since)
                    if not texts:
                        continue
                if follow:
                    yield LogBatch(self.name, texts, at=at, errors=errors)
                else:
                    kept.append((texts, errors, at))
                    kept_count += len(texts)
                    while kept and kept_count - len(kept[0][0]) >= tail:
                        kept_count -= len(kept.popleft()[0])
            if stop.is_set():
                return
            for texts, errors, at in _last(kept, kept_count, tail):
                yield LogBatch(self.name, texts, at=at, errors=errors)
            if cut_short:
                yield LogBatch.notice(
                    self.name,
                    f"`{self.display}` is still running (it follows its log?); showed what it printed "
                    "so far — follow the source to keep reading",
                    now(),
                )
                return
            code = _wait(process, stop)
            if code is not None:
                yield LogBatch.notice(self.name, _exit_text(code), now(), fault=code != 0)
        finally:
            _kill(process, tree)
            process.stdout.close()


def _collect(fd: int, reader: LineReader, stop: threading.Event) -> tuple[list[str], str | None, bool]:
    """Read what arrives during about BATCH_SECONDS (at most BATCH_BYTES) in large reads into
    the reader's buffer, and split it into lines: (lines, their joined text when free, whether
    the output ended)."""
    size = 0
    ended = False
    deadline = time.monotonic() + BATCH_SECONDS
    while size < BATCH_BYTES and reader.room and not stop.is_set():
        timeout = deadline - time.monotonic()
        if timeout <= 0:
            break
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            break
        try:
            count = reader.read(fd)
        except OSError:
            count = 0
        if not count:
            ended = True
            break
        size += count
    texts, joined = reader.lines() if size else ([], None)
    if ended:
        rest = reader.flush()
        if rest:
            texts.extend(rest)
            joined = None
    return texts, joined, ended


def _gave_up(started: float, last_output: float) -> bool:
    """Without `follow`, a command that does not end (`docker logs -f`) is read until it has
    been quiet for IDLE_SECONDS after printing, or for START_SECONDS before printing anything."""
    now_ = time.monotonic()
    if last_output > started:
        return now_ - last_output >= IDLE_SECONDS
    return now_ - started >= START_SECONDS


def _since(texts: list[str], errors: set[int], since: datetime) -> tuple[list[str], set[int]]:
    """Drop lines that say they were written before `since`; lines without a time stay
    (they were read after `since`), and continuation lines follow the line they belong to."""
    keep: list[int] = []
    keeping = True
    for i, text in enumerate(texts):
        stamp = line_time(text)
        if stamp is not None:
            keeping = stamp >= since
        if keeping:
            keep.append(i)
    if len(keep) == len(texts):
        return texts, errors
    index = {old: new for new, old in enumerate(keep)}
    return [texts[i] for i in keep], {index[i] for i in errors if i in index}


def _last(
    kept: deque[tuple[list[str], set[int], datetime]], count: int, tail: int
) -> Iterator[tuple[list[str], set[int], datetime]]:
    drop = max(0, count - tail)
    for texts, errors, at in kept:
        if drop >= len(texts):
            drop -= len(texts)
            continue
        if drop:
            texts, errors = texts[drop:], {i - drop for i in errors if i >= drop}
            drop = 0
        yield texts, errors, at


def _wait(process: subprocess.Popen[bytes], stop: threading.Event) -> int | None:
    while not stop.is_set():
        try:
            return process.wait(timeout=0.2)
        except subprocess.TimeoutExpired:
            continue
    return None


def _exit_text(code: int) -> str:
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"command ended by {name} (exit code {code})"
    return f"command exited with code {code}"


def _kill(process: subprocess.Popen[bytes], tree: ProcessTree) -> None:
    """End the command and everything it started: TERM, then KILL after a second; reap it."""
    tree.end(grace=1.0)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=2.0)
