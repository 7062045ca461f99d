"""Helpers shared by the byte-stream sources (files and commands): bulk decoding and times.

Bytes are split and decoded a whole read at a time (one `decode`, one `split`), never line by
line: that keeps a source within a small factor of what a bare `for line in pipe` costs.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

#: Longest line kept; the rest of a longer line is dropped and said so.
MAX_LINE = 16 * 1024
TRUNCATED = " … [line truncated]"

#: ISO 8601 at the start, bare or in brackets: `2026-12-04 18:29:44,123`, `…T18:29:44.5Z`,
#: gunicorn's error log `[2026-12-04 18:29:44 +0000]`, Python logging's default.
_LEADING_TIME = re.compile(
    r"^\[?(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:[.,](\d{1,9}))?\s?(Z|[+-]\d{2}(?::?\d{2})?(?![\d:]))?"
)
#: `15:31:16,869 ERROR …` — a clock time without a date, as many logging formats write it.
_LEADING_CLOCK = re.compile(r"^\[?(\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(?=[\s\]]|$)")
#: `04/Dec/2026:18:25:28 +0000` (common/combined access log: nginx, Apache, gunicorn) and
#: `04/Dec/2026 18:25:28` (Django's runserver); the part inside the brackets.
_CLF = r"\[(\d{2})/([A-Z][a-z]{2})/(\d{4})[: ](\d{2}):(\d{2}):(\d{2})(?:\s?([+-]\d{4}))?\]"
_LEADING_CLF = re.compile("^" + _CLF)
#: The access log's host, identity and user come first: `127.0.0.1 - - [04/Dec/2026:…]`.
_ACCESS = re.compile(r"^\S+ \S+ \S+ " + _CLF)
#: syslog (RFC 3164): `Dec  4 18:29:44 host prog[1]: …`, no year.
_SYSLOG = re.compile(r"^([A-Z][a-z]{2}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2})(?=\s)")
_MONTHS = {name: number for number, name in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)}
#: How far ahead of the reference a dateless time may be before it is taken as yesterday's
#: (clocks of two machines differ a little; a log line is never from the future by hours).
_CLOCK_SLACK = timedelta(minutes=10)
#: First characters a timed line can start with (a digit, `[`, an IPv6 `::1`, a month's
#: capital); anything else is skipped without running a regex, which keeps a flood cheap.
_DIGITS = frozenset("0123456789")
_MONTH_INITIALS = frozenset("JFMASOND")


def now() -> datetime:
    return datetime.now(UTC)


def line_time(text: str, reference: datetime | None = None) -> datetime | None:
    """The time a log line says it was written, if it says one in a format qatui knows.

    Known: ISO 8601 at the start (`T` or space, fractions with `.` or `,`, `Z` or an offset,
    bare or in brackets — Python logging's default and gunicorn's error log are such), a
    clock time alone (`15:31:16,869`), the common/combined access log
    (`127.0.0.1 - - [04/Dec/2026:18:25:28 +0000] "GET …"`, nginx, Apache, gunicorn), Django's
    runserver (`[04/Dec/2026 18:25:28]`) and syslog (`Dec  4 18:29:44 host prog[1]: …`).
    A time without a zone is the machine's local time. A date-less clock time takes the day
    of `reference`, syslog the year of it (the day or year before when that would put the
    line in the future): `reference` is when the line was written at the latest — a file's
    modification time, or now.
    """
    return _timed(text, reference)[0]


def line_times(
    texts: list[str], reference: datetime | None = None, joined: str | None = None
) -> list[datetime | None]:
    """`line_time` of each line, fast for a flood: a line that repeats the previous line's
    start — its time and the few characters after it that the formats look at — has the
    previous line's time without being parsed again. (A flood writes thousands of lines a
    millisecond, all starting `2026-03-01 12:00:00,123 INFO huey …`; parsing each costs ~2 µs.)
    A batch in which no line can start a time (one search over `joined`, the lines joined by
    newlines, built when not given) costs no per-line work at all: a log without times."""
    if joined is None:
        joined = "\n".join(texts)
    if (_CANDIDATE_FIRST.match(joined) is None and _CANDIDATE.search(joined) is None
            and _CANDIDATE_CLF.search(joined) is None):
        return [None] * len(texts)
    out: list[datetime | None] = []
    append = out.append
    key = ""  # the previous timed line's start, through its time and _LOOKS_PAST more
    previous: datetime | None = None
    for text in texts:
        if key and text.startswith(key):
            append(previous)
            continue
        stamp, end = _timed(text, reference)
        if stamp is not None and len(text) >= end + _LOOKS_PAST:
            key, previous = text[: end + _LOOKS_PAST], stamp
        else:
            key = ""
        append(stamp)
    return out


#: A batch in which a line may have a time `_timed` knows: a line starting with a digit, `[`
#: or `:` or a month's name (searched after a newline, and matched at the batch's start), or
#: an access log's `[04/Dec/2026:` anywhere (whatever its host). A batch with none has no time.
_MAY_START_TIME = r"(?:[\d\[:]|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) )"
_CANDIDATE_FIRST = re.compile(_MAY_START_TIME)
_CANDIDATE = re.compile("\n" + _MAY_START_TIME)
_CANDIDATE_CLF = re.compile(r"\[\d\d/[A-Z][a-z]{2}/\d{4}[: ]")

#: How many characters past a time's end its patterns may read (an offset after a space, the
#: look-ahead that ends a clock time): two lines equal through a time's end plus this many
#: have the same time.
_LOOKS_PAST = 8


def _timed(text: str, reference: datetime | None) -> tuple[datetime | None, int]:
    """`line_time`, and where in `text` the time ends (0 when there is none)."""
    first = text[:1]
    if first in _DIGITS or first == "[":
        stamp, end = _leading(text, reference)
        if stamp is not None:
            return stamp, end
        if first == "[":
            match = _LEADING_CLF.match(text)
            return (_clf_time(match.groups()), match.end()) if match else (None, 0)
    elif first in _MONTH_INITIALS:
        match = _SYSLOG.match(text)
        if match:
            return _syslog_time(match.groups(), reference), match.end()
    elif first != ":" and not first.isalpha():
        return None, 0
    if " [" in text[:80]:
        match = _ACCESS.match(text)
        if match:
            return _clf_time(match.groups()), match.end()
    return None, 0


def leading_time(text: str, reference: datetime | None = None) -> datetime | None:
    """The ISO 8601 time (or date-less clock time) a line starts with, if any; naive → local.

    A clock time without a date (`15:31:16,869 ERROR …`) is taken as the local day of
    `reference` (when the line was written at the latest: a file's modification time, or now),
    or the day before when that would put it in the future, so that `since` windows work on
    logs whose format leaves the date out instead of treating every line as just written.
    `line_time` knows more formats (access logs, syslog, Django's runserver).
    """
    return _leading(text, reference)[0]


def _leading(text: str, reference: datetime | None) -> tuple[datetime | None, int]:
    match = _LEADING_TIME.match(text)
    if not match:
        return _clock_time(text, reference)
    day, clock, fraction, zone = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    key = (day, clock, zone)
    base = _ISO_CACHE.get(key)
    if base is None:
        base = _iso_base(day, clock, zone)
        if base is None:
            return None, 0
        if len(_ISO_CACHE) > 4096:
            _ISO_CACHE.clear()
        _ISO_CACHE[key] = base
    return (base.replace(microsecond=micro) if micro else base), match.end()


#: (day, clock, zone) → the second it names: a flood of lines shares a few seconds, and
#: building an aware datetime costs more than the regex that found it.
_ISO_CACHE: dict[tuple[str, str, str | None], datetime] = {}


def _iso_base(day: str, clock: str, zone: str | None) -> datetime | None:
    try:
        stamp = datetime.fromisoformat(f"{day}T{clock}")
    except ValueError:
        return None
    if not zone:
        return stamp.astimezone()  # naive: the machine's local time
    if zone == "Z":
        return stamp.replace(tzinfo=UTC)
    digits = zone[1:].replace(":", "").ljust(4, "0")
    try:
        return datetime.fromisoformat(f"{day}T{clock}{zone[0]}{digits[:2]}:{digits[2:4]}")
    except ValueError:
        return None


def _clf_time(groups: tuple[str | None, ...]) -> datetime | None:
    day, month_name, year, hour, minute, second, zone = groups
    month = _MONTHS.get(month_name or "")
    if month is None:
        return None
    try:
        stamp = datetime(int(year or 0), month, int(day or 0), int(hour or 0), int(minute or 0), int(second or 0))
    except ValueError:
        return None
    if not zone:
        return stamp.astimezone()
    offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5]))
    return stamp.replace(tzinfo=timezone(-offset if zone[0] == "-" else offset))


def _syslog_time(groups: tuple[str | None, ...], reference: datetime | None) -> datetime | None:
    month_name, day, hour, minute, second = groups
    month = _MONTHS.get(month_name or "")
    if month is None:
        return None
    base = (reference or now()).astimezone()
    try:
        stamp = datetime(base.year, month, int(day or 0), int(hour or 0), int(minute or 0), int(second or 0)).astimezone()
    except ValueError:  # Feb 29 of a year without one: the line is from an earlier year
        stamp = None
    if stamp is None or stamp > base + _CLOCK_SLACK:
        try:
            stamp = datetime(base.year - 1, month, int(day or 0), int(hour or 0), int(minute or 0), int(second or 0)).astimezone()
        except ValueError:
            return None
    return stamp


def _clock_time(text: str, reference: datetime | None) -> tuple[datetime | None, int]:
    match = _LEADING_CLOCK.match(text)
    if not match:
        return None, 0
    hour, minute, second, fraction = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    base = (reference or now()).astimezone()
    try:
        stamp = base.replace(hour=int(hour), minute=int(minute), second=int(second), microsecond=micro)
    except ValueError:  # 25:61:99 is not a time
        return None, 0
    if stamp > base + _CLOCK_SLACK:
        stamp -= timedelta(days=1)
    return stamp, match.end()


#: The last line of a Python traceback: `ValueError: …`, `KeyboardInterrupt`, `a.b.Error`.
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(?::|$)")
_TRACEBACK_HEAD = "Traceback (most recent call last)"
_CHAIN_LINES = ("During handling of the above exception", "The above exception was the direct cause")


class Continuation:
    """Tells which lines continue the line above them: a traceback (from `Traceback (most
    recent call last):` to its exception line, chained tracebacks included) and indented lines.

    Such a line has no time of its own and belongs to the record above it, so it takes that
    record's time; one per stream (a traceback may be split across two reads).
    """

    __slots__ = ("_in_traceback",)

    def __init__(self) -> None:
        self._in_traceback = False

    def feed(self, text: str) -> bool:
        """Whether `text` (the next line, which has no time of its own) continues the one above."""
        if text.startswith(_TRACEBACK_HEAD):
            self._in_traceback = True
            return True
        if text[:1] in (" ", "\t"):
            return True
        if self._in_traceback:
            if not text.strip() or text.startswith(_CHAIN_LINES):
                return True
            self._in_traceback = False
            return bool(_EXCEPTION_LINE.match(text))  # the exception line ends the traceback
        return False

    def reset(self) -> None:
        """A line with a time of its own came: it ends any traceback."""
        self._in_traceback = False


def place_times(
    texts: list[str], reference: datetime | None = None
) -> tuple[list[datetime | None], list[bool]]:
    """Each line's time in a stretch of a log read at once (a file's existing content).

    A line's own time (`line_time`) when it has one; else the time of the line above it (a
    traceback or continuation line belongs to that record, and any other line was written
    after it); lines before the first timed line take the first timed line's time (they were
    written before it). No timed line at all: every time is None — the text cannot say when
    it was written, and a caller must not pretend (never the file's modification time).
    The second list says which lines had a time of their own.
    """
    own = line_times(texts, reference)
    timed = [stamp is not None for stamp in own]
    first = next((stamp for stamp in own if stamp is not None), None)
    if first is None:
        return own, timed
    current: datetime = first
    times: list[datetime | None] = []
    for stamp in own:
        if stamp is not None:
            current = stamp
        times.append(current)
    return times, timed


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
        # A `\r\n` ending the last complete line: the `\n` is not in the slice, so drop its `\r`
        # (it used to stay, shown as `\r` at the end of each chunk's last line).
        stop = last - 1 if last > 0 and data[last - 1] == 13 else last
        text: str | None = data[:stop].decode("utf-8", "replace")
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


def _has_long_line(data: bytes | bytearray, end: int, limit: int, start: int = 0) -> bool:
    """Whether `data[start:end]` holds a line longer than `limit` bytes: hops from newline to
    the last newline within `limit + 1` bytes, so a chunk of short lines costs a few `rfind`s."""
    if end - start <= limit:
        return False
    pos = start
    while end - pos > limit:
        newline = data.rfind(b"\n", pos, pos + limit + 1)
        if newline < 0:
            return True
        pos = newline + 1
    return False


def cap(line: str, limit: int = MAX_LINE) -> str:
    return line if len(line) <= limit else line[:limit] + TRUNCATED
