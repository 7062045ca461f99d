"""What every log source produces: batches of `LogLine`s, read until a stop event is set.

Sources are plain blocking iterators meant for a thread (a UI thread worker, the CLI's main
thread, the logs probe): `follow()` yields *lists* of lines, batched by time, never one line at
a time, because one message per line cannot keep up with a flood. Faults (engine down, file
missing, command exited) arrive as lines with `notice=True` in the same stream, never as
exceptions, so a tail keeps running and resumes by itself.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class LogLine:
    source: str  # the log source's name in the checklist
    text: str  # one line (a traceback's continuation lines are separate lines with is_error)
    at: datetime | None = None  # timezone-aware when known (the engine's timestamp)
    is_error: bool = False
    notice: bool = False  # a message from qatui about the source (engine down, resumed, …)


class LogSource(Protocol):
    name: str

    def follow(
        self,
        stop: threading.Event,
        *,
        tail: int | None = None,
        since: datetime | None = None,
        follow: bool = True,
    ) -> Iterator[list[LogLine]]:
        """Yield batches: the last `tail` lines (or those since `since`), then new ones while
        `follow` is true, until `stop` is set. Must notice `stop` within about 0.5 s."""
        ...
