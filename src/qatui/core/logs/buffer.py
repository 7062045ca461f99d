"""A bounded ring buffer of one source's lines: the newest `maxlen` lines, nothing more.

A flood must not grow memory, and keeping up with it must not cost a Python object per line,
so the buffer keeps columns in parallel `deque(maxlen=…)`s (text, time, error flag, kind,
origin) that are extended in bulk from a `LogBatch`; `LogLine`s are built only when read. The
kind is one small int per line (a line, a notice, a fault notice) rather than two flag columns:
faults are rare, and a flood should not pay a column for them.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from datetime import datetime
from itertools import islice, repeat

from qatui.core.logs.base import LogBatch, LogLine

DEFAULT_MAXLEN = 10_000
_LINE, _NOTICE, _FAULT = 0, 1, 2


class LineBuffer:
    """The last `maxlen` lines of one source."""

    def __init__(self, source: str, maxlen: int = DEFAULT_MAXLEN) -> None:
        if maxlen < 1:
            raise ValueError("maxlen must be at least 1")
        self.source = source
        self.maxlen = maxlen
        self._texts: deque[str] = deque(maxlen=maxlen)
        self._times: deque[datetime | None] = deque(maxlen=maxlen)
        self._errors: deque[bool] = deque(maxlen=maxlen)
        #: Per line: _LINE, _NOTICE or _FAULT (a notice saying the source could not be read).
        self._kinds: deque[int] = deque(maxlen=maxlen)
        self._origins: deque[str] = deque(maxlen=maxlen)
        #: Lines ever added, and lines pushed out at the front.
        self.total = 0

    @property
    def dropped(self) -> int:
        return self.total - len(self._texts)

    def __len__(self) -> int:
        return len(self._texts)

    def extend(self, batch: LogBatch | Iterable[LogLine]) -> None:
        if not isinstance(batch, LogBatch):
            batch = LogBatch.of(self.source, list(batch))
        count = len(batch.texts)
        if not count:
            return
        # Only the newest `maxlen` lines of a huge batch can stay; skip building the rest.
        skip = max(0, count - self.maxlen)
        if count >= self.maxlen:  # (a flood) every line goes: clearing is cheaper than popping each
            self.clear()
        self._texts.extend(islice(batch.texts, skip, None) if skip else batch.texts)
        if batch.times is not None:
            self._times.extend(islice(batch.times, skip, None))
        else:
            self._times.extend(repeat(batch.at, count - skip))
        if batch.errors:
            self._errors.extend(islice(batch.error_flags(), skip, None))
        else:
            self._errors.extend(repeat(False, count - skip))
        if batch.notices:
            kinds = [_LINE] * count
            faults = batch.faults
            for i in batch.notices:
                kinds[i] = _FAULT if i in faults else _NOTICE
            self._kinds.extend(islice(kinds, skip, None))
        else:
            self._kinds.extend(repeat(_LINE, count - skip))
        if batch.origins is not None:
            self._origins.extend(islice(batch.origins, skip, None))
        else:
            self._origins.extend(repeat(batch.origin, count - skip))
        self.total += count

    def clear(self) -> None:
        for column in (self._texts, self._times, self._errors, self._kinds, self._origins):
            column.clear()

    def lines(self, last: int | None = None) -> list[LogLine]:
        """The buffered lines, oldest first (only the `last` N when given)."""
        size = len(self._texts)
        start = 0 if last is None else max(0, size - last)
        return [
            LogLine(self.source, text, at, err, kind != _LINE, origin, kind == _FAULT)
            for text, at, err, kind, origin in islice(
                zip(self._texts, self._times, self._errors, self._kinds, self._origins,
                    strict=True),
                start,
                None,
            )
        ]

    def errors(self, last: int | None = None) -> list[LogLine]:
        """Error lines (with their tracebacks), oldest first."""
        found = [line for line in self.lines() if line.is_error]
        return found if last is None else found[-last:]

    def grep(self, pattern: str | re.Pattern[str]) -> list[LogLine]:
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        return [line for line in self.lines() if regex.search(line.text)]

    def text(self, last: int | None = None) -> str:
        """The last lines as plain text (what gets attached to a failed item)."""
        return "\n".join(line.text for line in self.lines(last))
