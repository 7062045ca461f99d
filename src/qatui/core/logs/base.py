"""What every log source produces: batches of `LogLine`s, read until a stop event is set.

Sources are plain blocking iterators meant for a thread (a UI thread worker, the CLI's main
thread, the logs probe): `follow()` yields *batches* of lines (`LogBatch`, a sequence of `LogLine`), batched by time, never one line at
a time, because one message per line cannot keep up with a flood. Faults (engine down, file
missing, command exited) arrive as lines with `notice=True` in the same stream, never as
exceptions, so a tail keeps running and resumes by itself.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, overload


@dataclass(frozen=True, slots=True)
class LogLine:
    source: str  # the log source's name in the checklist
    text: str  # one line (a traceback's continuation lines are separate lines with is_error)
    at: datetime | None = None  # timezone-aware when known (the engine's timestamp)
    is_error: bool = False
    notice: bool = False  # a message from qatui about the source (engine down, resumed, …)
    #: Where inside the source the line came from (the container's name for a service).
    origin: str = ""


@dataclass(slots=True, eq=False)
class LogBatch(Sequence[LogLine]):
    """One batch of lines from one source, kept in columns.

    A flood is a million lines; building a `LogLine` object for each costs ~1 µs, ten times what
    reading the line from a pipe costs. So a batch keeps plain columns (texts, times, the indexes
    of error lines) and builds `LogLine`s only when someone iterates or indexes it. Consumers that
    only need text (a `Log` widget, a ring buffer) use the columns directly.
    """

    source: str
    texts: list[str]
    #: One time per line, or None: then `at` holds the time of every line.
    times: list[datetime | None] | None = None
    at: datetime | None = None
    #: Indexes of error lines (error lines and their traceback continuation lines).
    errors: frozenset[int] | set[int] = field(default_factory=frozenset)
    #: Indexes of notice lines (qatui's own messages about the source).
    notices: frozenset[int] | set[int] = field(default_factory=frozenset)
    #: One origin per line, or None: then `origin` applies to every line.
    origins: list[str] | None = None
    origin: str = ""

    def __len__(self) -> int:
        return len(self.texts)

    @overload
    def __getitem__(self, index: int) -> LogLine: ...

    @overload
    def __getitem__(self, index: slice) -> list[LogLine]: ...

    def __getitem__(self, index: int | slice) -> LogLine | list[LogLine]:
        if isinstance(index, slice):
            return [self._line(i) for i in range(*index.indices(len(self.texts)))]
        if index < 0:
            index += len(self.texts)
        if not 0 <= index < len(self.texts):
            raise IndexError(index)
        return self._line(index)

    def __iter__(self) -> Iterator[LogLine]:
        for i in range(len(self.texts)):
            yield self._line(i)

    def _line(self, i: int) -> LogLine:
        return LogLine(
            self.source,
            self.texts[i],
            self.times[i] if self.times is not None else self.at,
            i in self.errors,
            i in self.notices,
            self.origins[i] if self.origins is not None else self.origin,
        )

    def time_of(self, i: int) -> datetime | None:
        return self.times[i] if self.times is not None else self.at

    def error_flags(self) -> list[bool]:
        flags = [False] * len(self.texts)
        for i in self.errors:
            flags[i] = True
        return flags

    @classmethod
    def notice(cls, source: str, text: str, at: datetime | None = None, origin: str = "") -> LogBatch:
        """A batch holding one notice line (engine down, file missing, command exited, …)."""
        return cls(source, [text], at=at, notices=frozenset((0,)), origin=origin)

    @classmethod
    def of(cls, source: str, lines: Sequence[LogLine]) -> LogBatch:
        """A batch from ready-made lines (all of `source`)."""
        return cls(
            source,
            [line.text for line in lines],
            times=[line.at for line in lines],
            errors={i for i, line in enumerate(lines) if line.is_error},
            notices={i for i, line in enumerate(lines) if line.notice},
            origins=[line.origin for line in lines],
        )


class LogSource(Protocol):
    name: str

    def follow(
        self,
        stop: threading.Event,
        *,
        tail: int | None = None,
        since: datetime | None = None,
        follow: bool = True,
    ) -> Iterator[LogBatch]:
        """Yield batches: the last `tail` lines (or those since `since`), then new ones while
        `follow` is true, until `stop` is set. Must notice `stop` within about 0.5 s.

        A `LogBatch` is a sequence of `LogLine` (iterate it, index it, take its `len`), with
        column access (`texts`, `errors`) for consumers that must keep up with a flood."""
        ...
