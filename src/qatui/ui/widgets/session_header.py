"""The header line: checklist title, environment, tester, elapsed time and progress.

All five must be readable at 80 columns, so the line is laid out for the width it gets rather
than cut at the right edge (which used to drop the tester and the progress count, the two
things a tester glances at most). `header_text(width)` tries a series of layouts, from the
roomy one (brand, `tester: Ana`, `⏱ 12:03`, `12/103 ✓10 ✗1 ⊘1`) to compact ones (no brand,
`by Ana`, `12:03`, `12/103 ✗1 ⊘1`, then `12/103`); done counts passed and skipped items only
(`core/run/tally.py`: a failed or blocked item is not done). `auto-run on` (or `auto`) shows
while `t` is on. The first whose fixed fields leave the title
a decent width wins, and the title is ellipsized into whatever is left. The title goes first
because the tester already knows which checklist they opened; a protected environment, the
tester and the progress count never go. Long environment labels and tester names are cut last,
no more than the title needs (and never below NAME_MAX cells). Only in a terminal too narrow
for even that is the title squeezed to a single character and, past that, the line cut at the
edge.

A protected environment (production) is shown in words, upper case, with a warning mark and
inverted red (plain inverse with NO_COLOR), so nobody mistakes it for staging in any layout.
Elapsed time comes from the app's injectable clock, so snapshots can freeze it.

The widget renders for its current width on every refresh, so a resize re-lays it out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime

from rich.cells import cell_len
from rich.text import Text
from textual.widget import Widget

from qatui.core.datatypes import datatype
from qatui.core.run.tally import Tally, tally
from qatui.core.session import Session, Status, describe_part
from qatui.core.text import inert

#: The title keeps at least this many cells before the other fields are compacted further.
TITLE_MIN = 16
#: Long environment labels and tester names are cut, down to this many cells at the least, in
#: the tightest layout.
NAME_MAX = 14

STATUS_STYLES = {"passed": "green", "failed": "bold red", "blocked": "yellow", "skipped": "dim"}


def format_elapsed(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def progress_text(counts: Mapping[Status, int] | Tally, *, detail: str = "all") -> Text:
    """`done/total` then per-status counts: all of them, only the bad ones (`"bad"`) or none.

    Done is passed or skipped (`core/run/tally.py`): a failed or blocked item is never done,
    and its mark (✗ ⊘) is shown in every layout but the tightest."""
    tally = counts if isinstance(counts, Tally) else Tally(
        counts[Status.PASSED], counts[Status.FAILED], counts[Status.BLOCKED], counts[Status.SKIPPED],
        counts[Status.UNTESTED])
    text = Text()
    text.append(f"{tally.done}/{tally.total}", style="bold")
    shown = {
        "all": (Status.PASSED, Status.FAILED, Status.BLOCKED, Status.SKIPPED),
        "bad": (Status.FAILED, Status.BLOCKED),
        "none": (),
    }[detail]
    for status in shown:
        if tally.count(status):
            text.append(f" {status.mark}{tally.count(status)}", style=STATUS_STYLES[status.value])
    return text


def ellipsize(value: str, width: int) -> str:
    """`value` cut to `width` cells, with `…` marking the cut (empty when width < 1)."""
    if cell_len(value) <= width:
        return value
    if width < 1:
        return ""
    out = ""
    for char in value:
        if cell_len(out + char) > width - 1:
            break
        out += char
    return out + "…"


@datatype(frozen=True)
class Layout:
    """How compact each field is; the title takes what is left."""

    brand: bool = True
    tester_label: str = "tester: "
    clock_mark: bool = True
    progress: str = "all"  # see progress_text
    env_long: bool = True  # "⚠ PRODUCTION · PROTECTED" rather than "⚠ PRODUCTION"
    name_max: int | None = None
    #: A part record's part: "long" (`part: critical · section api`), "short" (cut to NAME_MAX
    #: cells), "none" (the list shows only the part anyway).
    part: str = "long"
    auto_long: bool = True  # "auto-run on" rather than "auto" (shown only while `t` is on)


#: From roomiest to tightest. At 80 columns with a protected environment and a long title the
#: fourth or fifth applies; at 120 columns the first usually does.
LAYOUTS: tuple[Layout, ...] = (
    Layout(),
    Layout(brand=False),
    Layout(brand=False, progress="bad"),
    Layout(brand=False, progress="bad", tester_label="by ", clock_mark=False, part="short"),
    Layout(brand=False, progress="bad", tester_label="by ", clock_mark=False, part="short", auto_long=False),
    Layout(brand=False, progress="bad", tester_label="by ", clock_mark=False, env_long=False, part="none",
           auto_long=False),
    Layout(brand=False, progress="none", tester_label="by ", clock_mark=False, env_long=False, part="none",
           auto_long=False),
    # The tightest: names cut (to no less than NAME_MAX cells) as far as the title needs.
    Layout(brand=False, progress="none", tester_label="", clock_mark=False, env_long=False, name_max=NAME_MAX,
           part="none", auto_long=False),
)


class SessionHeader(Widget):
    DEFAULT_CSS = """
    SessionHeader { height: 1; background: $panel; color: $foreground; }
    """

    def __init__(self, session: Session, clock: Callable[[], datetime], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.session = session
        self.clock = clock
        #: Whether `t` (run an item's probes when it is opened) is on; the screen sets it.
        self.auto_run = False

    def update_header(self) -> None:
        self.refresh()

    def render(self) -> Text:
        return self.header_text(self.size.width)

    def header_text(self, width: int | None = None) -> Text:
        """The header for `width` cells (None: the roomiest layout, uncut)."""
        session = self.session
        # Counted once per repaint (a 5,000-item checklist), whatever the number of layouts tried.
        counts = tally(session)
        elapsed = None
        if session.started_at is not None:
            elapsed = format_elapsed((self.clock() - session.started_at).total_seconds())

        def laid_out(layout: Layout, title_cells: int | None) -> Text:
            return self._layout_text(layout, title_cells, counts, elapsed)

        if width is None:
            return laid_out(LAYOUTS[0], None)
        wanted = min(TITLE_MIN, cell_len(session.title))
        for layout in LAYOUTS[:-1]:
            room = width - cell_len(laid_out(layout, 0).plain)
            if room >= wanted:
                return laid_out(layout, room)
        # Long environment and tester names: cut them no more than the title needs.
        longest = max(cell_len(session.environment_label or session.environment), cell_len(session.tester or "?"))
        for cap in range(max(longest, NAME_MAX), NAME_MAX - 1, -1):
            tight = replace(LAYOUTS[-1], name_max=cap)
            room = width - cell_len(laid_out(tight, 0).plain)
            if room >= wanted or cap == NAME_MAX:
                return laid_out(tight, max(1, room))
        raise AssertionError("unreachable: the loop ends at NAME_MAX")

    def _layout_text(
        self, layout: Layout, title_cells: int | None, counts: Tally, elapsed: str | None
    ) -> Text:
        """One layout with the title cut to `title_cells` (None: whole, 0: left out)."""
        session = self.session
        no_color = bool(getattr(self.app, "no_color", False)) if self.is_attached else False
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        if layout.brand:
            text.append(" qatui ", style="bold reverse")
        whole = inert(session.title, one_line=True)
        title = whole if title_cells is None else ellipsize(whole, title_cells)
        text.append(f" {title} ", style="bold")
        env = session.environment_label or session.environment
        if layout.name_max is not None:
            env = ellipsize(env, layout.name_max)
        if session.protected:
            label = f" ⚠ {env.upper()} · PROTECTED " if layout.env_long else f" ⚠ {env.upper()} ⚠ "
            text.append(label, style="bold reverse" if no_color else "bold white on red")
        else:
            text.append(f" env: {env} " if layout.env_long else f" {env} ", style="bold cyan")
        tester = session.tester or "?"
        if layout.name_max is not None:
            tester = ellipsize(tester, layout.name_max)
        text.append(f" {layout.tester_label}{tester} ")
        if session.part and layout.part != "none":
            part = inert(describe_part(session.part), one_line=True)
            shown = f"part: {part}" if layout.part == "long" else "◧ " + ellipsize(part, NAME_MAX)
            text.append(f" {shown} ", style="bold magenta" if not no_color else "bold")
        if elapsed is not None:
            text.append(f" ⏱ {elapsed} " if layout.clock_mark else f" {elapsed} ", style="dim")
        if self.auto_run:
            text.append(" auto-run on " if layout.auto_long else " auto ", style="bold cyan")
        text.append(" ")
        text.append_text(progress_text(counts, detail=layout.progress))
        if session.signed:
            text.append("  SIGNED", style="bold green")
        return text
