"""A command's output as a log source: `ssh staging docker logs -f web`, `kubectl logs -f …`.

This is how servers beyond this machine are covered. The command's stdout and stderr go into
one pipe, read by a thread with `os.read` in large chunks (asyncio's per-line `readline` reads a
flood at a tenth of the speed); the chunks are split and decoded in bulk and handed over in
batches every ~0.1 s. The command runs in its own process group so that stopping the source
ends it and everything it started (an `ssh` and its children), and its exit is a notice line
with its code, never an exception.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import queue
import shlex
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Iterator, Mapping
from datetime import datetime

from qatui.core.logs._text import MAX_LINE, LineSplitter, leading_time, now
from qatui.core.logs.base import LogBatch
from qatui.core.logs.errors import ErrorDetector

BATCH_SECONDS = 0.1
BATCH_BYTES = 4 * 1024 * 1024
_READ_SIZE = 1 << 20
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

    def _start(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            self.command,
            shell=isinstance(self.command, str),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=self.cwd,
            env=self.env,
            start_new_session=True,  # its own process group: stop() ends all of it
        )

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
        try:
            process = self._start()
        except OSError as error:
            yield LogBatch.notice(self.name, f"cannot run `{self.display}`: {error.strerror or error}", now())
            return
        assert process.stdout is not None
        fd = process.stdout.fileno()
        with contextlib.suppress(OSError):
            fcntl.fcntl(fd, _F_SETPIPE_SZ, _READ_SIZE)  # fewer, larger reads in a flood
        chunks: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        reader = threading.Thread(target=_pump, args=(fd, chunks), name=f"qatui-log-{self.name}", daemon=True)
        reader.start()
        splitter = LineSplitter(self.max_line)
        kept: deque[tuple[list[str], set[int], datetime]] = deque()  # follow=False: the last lines
        kept_count = 0
        try:
            ended = False
            while not ended and not stop.is_set():
                texts, joined, ended = _collect(chunks, splitter, stop)
                if not texts:
                    continue
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
            code = _wait(process, stop)
            if code is not None:
                yield LogBatch.notice(self.name, _exit_text(code), now())
        finally:
            _kill(process)
            reader.join(timeout=1.0)
            process.stdout.close()


def _pump(fd: int, chunks: queue.SimpleQueue[bytes | None]) -> None:
    """Thread: read the pipe in large chunks until end of file."""
    try:
        while True:
            data = os.read(fd, _READ_SIZE)
            if not data:
                break
            chunks.put(data)
    except OSError:
        pass
    finally:
        chunks.put(None)


def _collect(
    chunks: queue.SimpleQueue[bytes | None], splitter: LineSplitter, stop: threading.Event
) -> tuple[list[str], str | None, bool]:
    """Gather what arrives during about BATCH_SECONDS (or BATCH_BYTES) into lines."""
    try:
        first = chunks.get(timeout=0.2)
    except queue.Empty:
        return [], None, False
    if first is None:
        return splitter.flush(), None, True
    parts = [first]
    size = len(first)
    deadline = time.monotonic() + BATCH_SECONDS
    ended = False
    while size < BATCH_BYTES and not stop.is_set():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            data = chunks.get(timeout=remaining)
        except queue.Empty:
            break
        if data is None:
            ended = True
            break
        parts.append(data)
        size += len(data)
    texts, joined = splitter.feed_joined(b"".join(parts) if len(parts) > 1 else first)
    if ended:
        rest = splitter.flush()
        if rest:
            texts.extend(rest)
            joined = None
    return texts, joined, ended


def _since(texts: list[str], errors: set[int], since: datetime) -> tuple[list[str], set[int]]:
    """Drop lines that say they were written before `since`; lines without a time stay
    (they were read after `since`), and continuation lines follow the line they belong to."""
    keep: list[int] = []
    keeping = True
    for i, text in enumerate(texts):
        stamp = leading_time(text) if text[:1].isdigit() or text[:1] == "[" else None
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


def _kill(process: subprocess.Popen[bytes]) -> None:
    """End the command and its whole process group: TERM, then KILL after a second."""
    if process.poll() is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)  # leftovers of the group holding the pipe
        return
    for sig, grace in ((signal.SIGTERM, 1.0), (signal.SIGKILL, 2.0)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue
