"""The engine's timestamps: RFC 3339 with nanoseconds, parsed fast (a flood stamps thousands of
lines a second) into (nanoseconds since the epoch, aware datetime)."""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime

_STAMP = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$")


_SECONDS: dict[str, tuple[int, datetime]] = {}


def parse_stamp(stamp: str) -> tuple[int, datetime] | None:
    """`2026-03-01T12:00:00.123456789Z` → (nanoseconds since the epoch, aware datetime).

    The engine writes RFC 3339 in UTC; that form is parsed by slicing, with the whole seconds
    cached (a flood has thousands of lines per second), anything else by a regex.
    """
    if len(stamp) >= 20 and stamp[-1] == "Z" and stamp[10] == "T":
        fraction = stamp[20:-1] if stamp[19] == "." else ""
        if (fraction.isdigit() or (not fraction and len(stamp) == 20)) and len(fraction) <= 9:
            base = _second(stamp[:19])
            if base is not None:
                nanos = int(fraction.ljust(9, "0")) if fraction else 0
                return base[0] * 1_000_000_000 + nanos, base[1].replace(microsecond=nanos // 1000)
    match = _STAMP.match(stamp)
    if not match:
        return None
    whole, fraction, zone = match.groups()
    base = _second(whole)
    if base is None:
        return None
    seconds = base[0]
    if zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        seconds -= sign * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
    nanos = int((fraction or "0").ljust(9, "0")[:9])
    at = datetime.fromtimestamp(seconds, UTC).replace(microsecond=nanos // 1000)
    return seconds * 1_000_000_000 + nanos, at


def _second(whole: str) -> tuple[int, datetime] | None:
    """`2026-03-01T12:00:00` (UTC) → (epoch seconds, datetime), cached."""
    cached = _SECONDS.get(whole)
    if cached is None:
        try:
            stamp = datetime.fromisoformat(whole).replace(tzinfo=UTC)
        except ValueError:
            return None
        if len(_SECONDS) > 4096:
            _SECONDS.clear()
        cached = _SECONDS[whole] = (calendar.timegm(stamp.timetuple()), stamp)
    return cached


def now_ns() -> tuple[int, datetime]:
    at = datetime.now(UTC)
    return int(at.timestamp() * 1_000_000_000), at


