"""The log pane's one-line status, fitted to the pane's width.

At 80×24 the log pane is about 46 columns wide, and "PAUSED · 48 new lines · space follows ·
all: web, huey, daphne" was cut in the middle of what the tester needs (QA F9). The status is
built from parts, each with shorter forms and a rank (0 = most important; the rank, not the
place in the line, decides); the least important parts shrink (and then go) first until the line
fits, then the most important ones take back what room is left. The state ("PAUSED · 48 new")
outranks the filter, which outranks the "space follows" hint and the list of sources. A free-text note (a source that could not start)
is `flexible`: rather than shrinking the state before it, it is cut with an ellipsis (it keeps
at least `MIN_FLEXIBLE` columns while anything else can still shrink).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import field

from qatui.core.datatypes import datatype

SEPARATOR = " · "
MIN_FLEXIBLE = 12


@datatype
class Part:
    """One piece of the status: its forms from the fullest to the shortest ("" drops it)."""

    forms: Sequence[str]
    rank: int = 0
    flexible: bool = False  # may be cut with an ellipsis instead of shrinking the others
    chosen: int = field(default=0)

    @property
    def text(self) -> str:
        return self.forms[self.chosen]


def fit(parts: Sequence[Part], width: int) -> str:
    """Join the parts, shrinking the last (least important) ones first until the line fits."""

    def joined() -> str:
        return SEPARATOR.join(part.text for part in parts if part.text)

    def needed() -> int:
        texts = [part.text[:MIN_FLEXIBLE] if part.flexible else part.text for part in parts]
        return len(SEPARATOR.join(text for text in texts if text))

    if width <= 0:
        return joined()
    by_rank = sorted(parts, key=lambda part: part.rank)  # stable: equal ranks keep their order
    for part in reversed(by_rank):
        while needed() > width and part.chosen < len(part.forms) - 1:
            part.chosen += 1
    # Shrinking one part may have freed more room than needed: give it back, most important first.
    for part in by_rank:
        while part.chosen > 0:
            part.chosen -= 1
            if needed() > width:
                part.chosen += 1
                break
    line = joined()
    return line if len(line) <= width else line[: max(0, width - 1)] + "…"


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def log_status(
    *,
    following: bool,
    pending: int,
    selected: int,
    sources: Sequence[str],
    scope: str,
    message: str,
    filter_text: str,
    width: int,
    wrap: bool = False,
    wide: bool = False,
) -> str:
    """The status line of the log pane (see the module docstring)."""
    parts: list[Part] = []
    if selected:
        lines = plural(selected, "line")
        parts.append(Part([f"{lines} selected · a attaches · esc drops", f"{lines} selected · a attaches",
                           f"{lines} selected", f"{selected} selected"], rank=0))
    if not following:
        parts.append(Part([f"PAUSED · {plural(pending, 'new line')}", f"PAUSED · {pending} new", "PAUSED"], rank=1))
        parts.append(Part(["space follows", ""], rank=3))
    elif sources:
        parts.append(Part(["following"], rank=1))
    if filter_text:
        parts.append(Part([f"filter: {filter_text}", "filtered"], rank=2))
    if wrap:
        parts.append(Part(["wrapped · w unwraps", "wrapped", "wrap"], rank=3))
    elif wide:  # lines run past the right edge: never cut without a word
        parts.append(Part(["lines go on → · w wraps", "→ · w wraps", "→ w"], rank=2))
    if sources:
        label = "item" if scope == "item" else "all"
        parts.append(Part([f"{label}: " + ", ".join(sources), f"{label}: {plural(len(sources), 'source')}", label, ""],
                          rank=4))
    if message:
        parts.append(Part([message], rank=5, flexible=True))
    return fit(parts, width)
