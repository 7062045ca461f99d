"""The screen's last line of defence against terminal control sequences in untrusted text.

Text from a checklist, a log, a server or a command is made inert where it enters (`core/text.py`
`inert`: `ESC` shows as `\\e`, dimmed). This filter runs on every line Textual paints, after
every widget, and drops any control character still left in a segment, so one forgotten call
cannot set the window title, clear the screen or leave the alternate screen. Control
characters take no cell on the screen, so dropping them keeps every line's width.
"""

from __future__ import annotations

import re

from rich.segment import Segment
from rich.text import Text
from textual.color import Color
from textual.filter import LineFilter

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


class InertFilter(LineFilter):
    """Drops control characters from painted segments (see the module docstring)."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        search = _CONTROL.search
        if not any(not segment.control and search(segment.text) for segment in segments):
            return segments
        return [
            segment if segment.control or not search(segment.text)
            else Segment(_CONTROL.sub("", segment.text), segment.style, segment.control)
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
