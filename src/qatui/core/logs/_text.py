"""Helpers shared by the byte-stream sources (files and commands): bulk decoding and times.

Bytes are split and decoded a whole read at a time (one `decode`, one `split`), never line by
line: that keeps a source within a small factor of what a bare `for line in pipe` costs.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

#: Longest line kept; the rest of a longer line is dropped and said so.
MAX_LINE = 16 * 1024
TRUNCATED = " … [line truncated]"

_LEADING_TIME = re.compile(
    r"^\[?(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:[.,](\d{1,9}))?\s?(Z|[+-]\d{2}:?\d{2})?"
)
#: `15:31:16,869 ERROR …` — a clock time without a date, as many logging formats write it.
_LEADING_CLOCK = re.compile(r"^\[?(\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(?=[\s\]]|$)")
#: How far ahead of the reference a dateless time may be before it is taken as yesterday's
#: (clocks of two machines differ a little; a log line is never from the future by hours).
_CLOCK_SLACK = timedelta(minutes=10)


def now() -> datetime:
    return datetime.now(UTC)


def leading_time(text: str, reference: datetime | None = None) -> datetime | None:
    """The time a line starts with (`2026-03-01 12:00:00,123`, ISO 8601), if any; naive → local.

    A clock time without a date (`15:31:16,869 ERROR …`) is taken as the local day of
    `reference` (when the line was written at the latest: a file's modification time, or now),
    or the day before when that would put it in the future, so that `since` windows work on
    logs whose format leaves the date out instead of treating every line as just written.
    """
    match = _LEADING_TIME.match(text)
    if not match:
        return _clock_time(text, reference)
    day, clock, fraction, zone = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        stamp = datetime.fromisoformat(f"{day}T{clock}").replace(microsecond=micro)
    except ValueError:
        return None
    if zone in (None, ""):
        return stamp.astimezone()  # naive: the machine's local time
    if zone == "Z":
        return stamp.replace(tzinfo=UTC)
    try:
        return datetime.fromisoformat(f"{day}T{clock}{zone[:3]}:{zone[-2:]}").replace(microsecond=micro)
    except ValueError:
        return None


def _clock_time(text: str, reference: datetime | None) -> datetime | None:
    match = _LEADING_CLOCK.match(text)
    if not match:
        return None
    hour, minute, second, fraction = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    base = (reference or now()).astimezone()
    try:
        stamp = base.replace(hour=int(hour), minute=int(minute), second=int(second), microsecond=micro)
    except ValueError:  # 25:61:99 is not a time
        return None
    if stamp > base + _CLOCK_SLACK:
        stamp -= timedelta(days=1)
    return stamp


class LineSplitter:
    """Turns chunks of bytes into complete decoded lines, keeping a partial last line.

    A line longer than `max_line` bytes is cut there and the rest of it skipped, so a stream
    without newlines cannot grow memory.
    """

    def __init__(self, max_line: int = MAX_LINE) -> None:
        self.max_line = max_line
        self._partial = b""
        self._skipping = False  # inside the rest of an over-long line

    def feed(self, data: bytes) -> list[str]:
        return self.feed_joined(data)[0]

    def feed_joined(self, data: bytes) -> tuple[list[str], str | None]:
        """The complete lines in `data`, and `"\\n".join(lines)` when it came for free."""
        out: list[str] = []
        if self._skipping:
            newline = data.find(b"\n")
            if newline < 0:
                return out, None
            data = data[newline + 1:]
            self._skipping = False
        if self._partial:
            data = self._partial + data
            self._partial = b""
        last = data.rfind(b"\n")
        if last < 0:
            self._keep(data, out)
            return out, None
        rest = data[last + 1:]
        text: str | None = data[:last].decode("utf-8", "replace")
        assert text is not None
        if "\r" in text:
            text = text.replace("\r\n", "\n")
        lines = text.split("\n")
        if _has_long_line(data, last, self.max_line):
            lines = [cap(line, self.max_line) for line in lines]
            text = None
        if rest:
            count = len(lines)
            self._keep(rest, lines)
            if len(lines) != count:  # an over-long partial line was added: text no longer matches
                text = None
        return lines, text

    def _keep(self, rest: bytes, out: list[str]) -> None:
        if len(rest) > self.max_line:
            out.append(rest[: self.max_line].decode("utf-8", "replace") + TRUNCATED)
            self._skipping = True
        else:
            self._partial = rest

    def flush(self) -> list[str]:
        """The partial last line, if any (at end of stream)."""
        rest, self._partial = self._partial, b""
        self._skipping = False
        return [rest.decode("utf-8", "replace").rstrip("\r")] if rest else []


def _has_long_line(data: bytes, end: int, limit: int) -> bool:
    """Whether `data[:end]` holds a line longer than `limit` bytes: hops from newline to the
    last newline within `limit + 1` bytes, so a chunk of short lines costs a few `rfind`s."""
    if end <= limit:
        return False
    pos = 0
    while end - pos > limit:
        newline = data.rfind(b"\n", pos, pos + limit + 1)
        if newline < 0:
            return True
        pos = newline + 1
    return False


def cap(line: str, limit: int = MAX_LINE) -> str:
    return line if len(line) <= limit else line[:limit] + TRUNCATED
