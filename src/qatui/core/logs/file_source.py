"""A log file followed like `tail -F`: through rotation, truncation and late creation.

Logs on a server are rotated (renamed away and a new file created) or truncated in place
(`copytruncate`), and the file may not exist yet when the session starts. The source polls
(every 0.1 s, which is also how fast it notices the stop event): it reads whatever is new in
large chunks, notices when the path now names another file (rotation: it drains the old file,
then follows the new one from its start) or when the file got shorter (truncation: it reads
from the start), and says so in a notice line. A missing file is a "waiting for FILE" notice,
not an error; it and a file that cannot be opened are marked faults (`LogBatch.faults`): until
the file appears, the source could not be read.

Files carry no times of their own: a line's time is the one it says (`line_time` knows ISO 8601,
Python logging, gunicorn, the common/combined access log, syslog and Django's runserver). A
traceback or continuation line belongs to the record above it and takes its time. Any other
line without a time is placed by when it was read while following, and in the existing content
by its neighbours (the line above, or the first timed line below). The file's modification time
never stands for a line's time: it used to, and then a line written during the session counted
as older than it was (an `absent` check passed over it) or a 90-second stretch of lines came
out at one instant. Existing lines with no timed neighbour at all have no time (None): a `since`
window leaves them out, and says so in a notice, rather than guess.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from qatui.core.logs._text import MAX_LINE, Continuation, LineSplitter, line_times, now, place_times
from qatui.core.logs.base import LogBatch
from qatui.core.logs.errors import ErrorDetector

POLL_SECONDS = 0.1
_READ_SIZE = 1 << 20
_BATCH_BYTES = 1024 * 1024
_BACK_BLOCK = 64 * 1024
_ALL = 1_000_000  # "every line" still has a bound


class FileSource:
    def __init__(
        self,
        name: str,
        path: str | Path,
        *,
        tail: int = 100,
        errors: list[str] | None = None,
        max_line: int = MAX_LINE,
    ) -> None:
        self.name = name
        self.path = Path(path)
        self.tail = tail
        self.error_patterns = errors
        self.max_line = max_line
        ErrorDetector(errors)

    def follow(
        self,
        stop: threading.Event,
        *,
        tail: int | None = None,
        since: datetime | None = None,
        follow: bool = True,
    ) -> Iterator[LogBatch]:
        if tail is None:  # with `since`, every line since then; else the source's own tail
            tail = _ALL if since is not None else self.tail
        detector = ErrorDetector(self.error_patterns)
        splitter = LineSplitter(self.max_line)
        handle: int | None = None
        said_waiting = False
        try:
            # The existing content: its last `tail` lines (or those since `since`).
            while handle is None:
                try:
                    handle = os.open(self.path, os.O_RDONLY)
                except FileNotFoundError:
                    if not said_waiting:
                        yield LogBatch.notice(self.name, f"waiting for {self.path} (it does not exist yet)", now(),
                                             fault=True)
                        said_waiting = True
                    if not follow or stop.wait(POLL_SECONDS):
                        return
                except OSError as error:
                    yield LogBatch.notice(self.name, f"cannot read {self.path}: {error.strerror}", now(), fault=True)
                    return
            last_time = None
            if said_waiting:
                # It appeared while we watched: everything in it is new.
                yield LogBatch.notice(self.name, f"{self.path} appeared", now())
            else:
                batch, last_time = self._backlog(handle, tail, since, detector)
                if batch is not None:
                    yield batch
            if not follow:
                return
            current = [handle]
            try:
                yield from self._follow(current, stop, detector, splitter, _Clock(last_time))
            finally:
                handle = current[0]
        finally:
            if handle is not None:
                with contextlib.suppress(OSError):
                    os.close(handle)

    def _backlog(
        self, fd: int, tail: int, since: datetime | None, detector: ErrorDetector
    ) -> tuple[LogBatch | None, datetime | None]:
        """The last `tail` lines (or those since `since`) and the time of the last line read;
        leaves `fd` at the end of the last complete line."""
        info = os.fstat(fd)
        size = info.st_size
        start = _start_of_last_lines(fd, size, tail) if since is None else 0
        os.lseek(fd, start, os.SEEK_SET)
        data = _read_upto(fd, size - start)
        last = data.rfind(b"\n")
        complete = data[: last + 1] if last >= 0 else b""
        os.lseek(fd, start + len(complete), os.SEEK_SET)
        if not complete:
            return None, None
        texts = LineSplitter(self.max_line).feed(complete)
        errors = detector.scan(texts)
        # Clock-only and syslog times take their day/year from when the file was last written.
        mtime = datetime.fromtimestamp(info.st_mtime, UTC)
        times, _own = place_times(texts, mtime)
        last_time = times[-1] if times else None
        untimed = 0
        if since is not None:
            if times and times[0] is None:
                # No line says when it was written. Written before the file's modification
                # time, so all before `since` when that is; otherwise unknown: left out.
                keep = []
                untimed = len(texts) if mtime >= since else 0
            else:
                keep = [i for i, at in enumerate(times) if at is not None and at >= since]
            keep = keep[-tail:] if tail else []
        else:
            keep = list(range(len(texts)))[-tail:] if tail else []
        notice = None
        if untimed:
            notice = LogBatch.notice(
                self.name,
                f"{untimed} line(s) of {self.path} carry no time qatui recognises, so the window since "
                f"{since.astimezone().strftime('%H:%M:%S') if since else '?'} cannot place them: left out "
                "(a window of the last N lines reads them)",
                now(),
            )
        if not keep:
            return notice, last_time
        index = {old: new for new, old in enumerate(keep)}
        batch = LogBatch(
            self.name,
            [texts[i] for i in keep],
            times=[times[i] for i in keep],
            errors={index[i] for i in errors if i in index},
        )
        return batch, last_time

    def _follow(
        self, handle: list[int], stop: threading.Event, detector: ErrorDetector, splitter: LineSplitter,
        clock: _Clock,
    ) -> Iterator[LogBatch]:
        """Follow the open file `handle[0]` (replaced there when the file is rotated)."""
        path = self.path
        missing_said = False
        while True:
            data = _read_upto(handle[0], _BATCH_BYTES)
            if data:
                yield from self._batch(splitter.feed_joined(data), detector, clock)
                if len(data) == _BATCH_BYTES and not stop.is_set():
                    continue  # a flood: read on without waiting
            if stop.wait(POLL_SECONDS):
                return
            if data:
                continue
            try:
                info = os.stat(path)
            except FileNotFoundError:
                if not missing_said:
                    yield LogBatch.notice(self.name, f"{path} disappeared; waiting for it", now())
                    missing_said = True
                continue
            except OSError:
                continue
            current = os.fstat(handle[0])
            if (info.st_ino, info.st_dev) != (current.st_ino, current.st_dev):
                # Rotated: drain what the old file still had, then follow the new one.
                while rest := _read_upto(handle[0], _BATCH_BYTES):
                    yield from self._batch(splitter.feed_joined(rest), detector, clock)
                yield from self._batch((splitter.flush(), None), detector, clock)
                try:
                    new = os.open(path, os.O_RDONLY)
                except OSError:
                    continue
                os.close(handle[0])
                handle[0] = new
                missing_said = False
                yield LogBatch.notice(self.name, f"{path} was rotated; following the new file", now())
                continue
            if current.st_size < os.lseek(handle[0], 0, os.SEEK_CUR):
                os.lseek(handle[0], 0, os.SEEK_SET)
                splitter.flush()
                yield LogBatch.notice(self.name, f"{path} was truncated; reading from its start", now())
            missing_said = False

    def _batch(
        self, result: tuple[list[str], str | None], detector: ErrorDetector, clock: _Clock
    ) -> Iterator[LogBatch]:
        texts, joined = result
        if texts:
            if joined is None:
                joined = "\n".join(texts)
            yield LogBatch(self.name, texts, times=clock.place(texts, joined), errors=detector.scan(texts, joined))


class _Clock:
    """Times of followed lines: a line's own time; a continuation line takes the time of the
    line above it (even one read in an earlier batch); any other line, when it was read."""

    __slots__ = ("continuation", "last")

    def __init__(self, last: datetime | None) -> None:
        self.last = last
        self.continuation = Continuation()

    def place(self, texts: list[str], joined: str | None = None) -> list[datetime | None]:
        read = now()
        last = self.last
        continuation = self.continuation
        times = line_times(texts, read, joined)
        if None not in times:  # every line says its time (a flood of one format)
            continuation.reset()
            self.last = times[-1]
            return times
        if last is None and times.count(None) == len(times):  # a log that never says a time
            return [read] * len(times)
        for i, stamp in enumerate(times):
            if stamp is not None:
                continuation.reset()
                last = stamp
            elif last is not None and continuation.feed(texts[i]):
                times[i] = last
            else:
                times[i] = last = read
        self.last = last
        return times


def _read_upto(fd: int, limit: int) -> bytes:
    parts = []
    got = 0
    while got < limit:
        data = os.read(fd, min(_READ_SIZE, limit - got))
        if not data:
            break
        parts.append(data)
        got += len(data)
    return b"".join(parts)


def _start_of_last_lines(fd: int, size: int, count: int) -> int:
    """Offset where the last `count` complete lines begin (reads backwards in blocks)."""
    if count <= 0 or size == 0:
        return size
    os.lseek(fd, size - 1, os.SEEK_SET)
    ends_with_newline = os.read(fd, 1) == b"\n"
    # The newline that ends the file closes the last line; a partial last line (no newline
    # yet) is not counted, so one more newline is needed before it.
    wanted = count if ends_with_newline else count + 1
    newlines = 0
    pos = size
    while pos > 0:
        block = min(_BACK_BLOCK, pos)
        pos -= block
        os.lseek(fd, pos, os.SEEK_SET)
        data = os.read(fd, block)
        index = len(data) - 1 if pos + len(data) == size and ends_with_newline else len(data)
        while True:
            index = data.rfind(b"\n", 0, index)
            if index < 0:
                break
            newlines += 1
            if newlines == wanted:
                return pos + index + 1
    return 0
