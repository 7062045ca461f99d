"""What every log source produces: batches of `LogLine`s, read until a stop event is set.

Sources are plain blocking iterators meant for a thread (a UI thread worker, the CLI's main
thread, the logs probe): `follow()` yields *batches* of lines (`LogBatch`, a sequence of `LogLine`), batched by time, never one line at
a time, because one message per line cannot keep up with a flood. Faults (engine down, file
missing, command exited) arrive as lines with `notice=True` in the same stream, never as
exceptions, so a tail keeps running and resumes by itself.

A notice that means "this source could not be read" (engine unreachable, no such container or
service, file missing or unreadable, command not runnable or exiting non-zero, a source that
raised) is also marked a *fault* (`LogLine.fault`, `LogBatch.faults`) by the source that says
it. The mark, not the notice's wording, is what `qatui logs` counts as a failed source: wording
is for people and may change; the source is the one that knows what went wrong.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, overload


@dataclass(frozen=True, slots=True)
class LogLine:
    """One line from a log source: which source, its text and time, and whether it is an error or qatui's notice."""

    source: str  # the log source's name in the checklist
    text: str  # one line (a traceback's continuation lines are separate lines with is_error)
    at: datetime | None = None  # timezone-aware when known (the engine's timestamp)
    is_error: bool = False
    notice: bool = False  # a message from qatui about the source (engine down, resumed, …)
    #: Where inside the source the line came from (the container's name for a service).
    origin: str = ""
    #: A notice saying the source could not be read (see the module docstring); never set
    #: without `notice`.
    fault: bool = False


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
    #: Indexes of fault notices (the source could not be read): a subset of `notices`.
    faults: frozenset[int] | set[int] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.faults and not self.faults <= self.notices:
            raise ValueError(f"fault lines must be notices: {sorted(set(self.faults) - set(self.notices))}")

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
            i in self.faults,
        )

    def time_of(self, i: int) -> datetime | None:
        return self.times[i] if self.times is not None else self.at

    def error_flags(self) -> list[bool]:
        flags = [False] * len(self.texts)
        for i in self.errors:
            flags[i] = True
        return flags

    @classmethod
    def notice(
        cls, source: str, text: str, at: datetime | None = None, origin: str = "", *, fault: bool = False
    ) -> LogBatch:
        """A batch holding one notice line (engine down, file missing, command exited, …);
        `fault`: the notice says the source could not be read (see the module docstring)."""
        only = frozenset((0,))
        return cls(source, [text], at=at, notices=only, origin=origin, faults=only if fault else frozenset())

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
            faults={i for i, line in enumerate(lines) if line.notice and line.fault},
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
