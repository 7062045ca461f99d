"""The screen's last line of defence against terminal control sequences in untrusted text.

Text from a checklist, a log, a server or a command is made inert where it enters (`core/text.py`
`inert`: `ESC` shows as `\\e`, dimmed). This filter runs on every line Textual paints, after
every widget, and drops any control character still left in a segment, so one forgotten call
cannot set the window title, clear the screen or leave the alternate screen. Control
characters take no cell on the screen, so dropping them keeps every line's width.
"""

from __future__ import annotations

import re
from functools import cache

from rich.segment import Segment
from rich.text import Text
from textual.color import Color
from textual.filter import LineFilter


@cache
def _control() -> re.Pattern[str]:
    """The characters the filter drops, compiled the first time a segment is not printable
    (~0.3 ms that the first frame, all printable text, does not wait for)."""
    return re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


class InertFilter(LineFilter):
    """Drops control characters from painted segments (see the module docstring)."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        # Every character dropped is non-printable (Cc, Cf, Cs), so a printable segment (all of
        # them, almost always) is passed by `str.isprintable` without a regex.
        if all(segment.control or segment.text.isprintable() for segment in segments):
            return segments
        control = _control()
        return [
            segment if segment.control or not control.search(segment.text)
            else Segment(control.sub("", segment.text), segment.style, segment.control)
            for segment in segments
        ]


def shown(text: str, style: str = "", *, one_line: bool = False) -> Text:
    """Untrusted text as a rich `Text`: control characters written visibly (`\\e`, `\\r` …, see
    `core/text.py`) and dimmed, so they read as what they are."""
    from qatui.core.text import ESCAPE, inert

    safe = inert(text, one_line=one_line)
    result = Text(safe, style=style)
    if safe is not text and "\\" in safe:
        for found in ESCAPE.finditer(safe):
            result.stylize("dim", found.start(), found.end())
    return result
