"""Selecting log lines with the keyboard, and following that survives a resize.

`a` attaches "the selected log lines" (issue 6). Textual's `Log` only has mouse text selection
(character ranges, and none over SSH without mouse reporting), so the log pane has its own
*line* selection, as toolong has a line pointer: with the log pane focused, `up`/`down` (or
`k`/`j`) show a line cursor on the newest line on screen and move it; `shift+up`/`shift+down`
(`K`/`J`) extend a range from where the cursor was, and `v` fixes one end so plain arrows
extend it. Selected lines are drawn in reverse video (readable with NO_COLOR, where colours are
dropped but reverse is kept), the cursor line also bold. While there is a selection the pane does
not follow: new lines are counted, the view keeps still. `esc` drops the selection, `end`/`G`
go to the newest line and follow again.

The lines to attach are, in order: the tester's line selection, else a mouse text selection,
else exactly the lines on screen. Never lines the tester cannot see: the cursor is kept in view.

Following (`Log.auto_scroll`) is only honoured by `Log.write_lines` when the view is *already*
at the end; a pane that shrinks (the probe detail expands, the terminal gets smaller) keeps its
`scroll_y` while the end moves down, so `Log` stopped scrolling for good although the pane still
said "following" (QA F2). `SelectableLog` scrolls to the end after every write and every resize
while it follows. Whether a scroll was the tester's is decided in `scroll_intent`: only a scroll
*up* that leaves the end pauses (a resize never moves `scroll_y` up without also moving the end),
and a scroll *down* onto the end follows again.

The model (`LineSelection`) is plain data so it can be tested without a screen; line numbers
are indexes into `Log.lines` (rows on the screen), shifted when the bounded buffer drops its
oldest lines. A wrapped log line takes several rows: each row remembers the whole line it shows
(`write_rows`), so `a` attaches whole lines, never a wrapped piece, and a selection can be found
again after the pane rebuilds its rows (wrap, filter, scope: `selection_anchors` / `restore_selection`).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import ClassVar, Self

from rich.style import Style
from textual import events
from textual.binding import BindingType
from textual.message import Message
from textual.strip import Strip
from textual.widgets import Log

from qatui.core.datatypes import datatype
from qatui.ui.keys import bindings

SELECTED = Style(reverse=True)
CURSOR = Style(reverse=True, bold=True)


@datatype
class LineSelection:
    """A line cursor and, optionally, the other end of a range (`anchor`)."""

    cursor: int | None = None
    anchor: int | None = None
    ranging: bool = False  # `v`: the anchor stays put while plain arrows move the cursor

    @property
    def active(self) -> bool:
        return self.cursor is not None

    def span(self) -> tuple[int, int] | None:
        """First and last selected line (inclusive), or None."""
        if self.cursor is None:
            return None
        other = self.cursor if self.anchor is None else self.anchor
        return min(self.cursor, other), max(self.cursor, other)

    def __len__(self) -> int:
        span = self.span()
        return 0 if span is None else span[1] - span[0] + 1

    def clear(self) -> None:
        self.cursor = self.anchor = None
        self.ranging = False

    def place(self, line: int) -> None:
        self.cursor = line
        self.anchor = None
        self.ranging = False

    def move(self, to: int, *, extend: bool) -> None:
        """Move the cursor; `extend` (shift, or a range started with `v`) keeps the anchor."""
        if self.cursor is None:
            self.place(to)
            return
        if extend or self.ranging:
            if self.anchor is None:
                self.anchor = self.cursor
        else:
            self.anchor = None
        self.cursor = to

    def toggle_range(self) -> None:
        if self.cursor is None:
            return
        if self.ranging:
            self.ranging = False
        else:
            self.ranging = True
            self.anchor = self.cursor

    def dropped(self, count: int) -> None:
        """The buffer dropped its `count` oldest lines: renumber; forget lines that are gone."""
        if self.cursor is None or count <= 0:
            return
        span = self.span()
        assert span is not None
        if span[1] - count < 0:
            self.clear()
            return
        self.cursor = max(0, self.cursor - count)
        if self.anchor is not None:
            self.anchor = max(0, self.anchor - count)


class ScrollIntent(Enum):
    NONE = "none"
    PAUSE = "pause"
    FOLLOW = "follow"


class SelectableLog(Log):
    """Textual's `Log` with a keyboard line selection and a follow that survives resizes.

    The pane that owns it decides what following means (pending counts, the status line); this
    widget tells it with `SelectionChanged` and `FollowRequested`, and keeps `auto_scroll` off
    while a selection exists so no write moves the lines under the cursor.
    """

    BINDINGS: ClassVar[list[BindingType]] = list(bindings("logs"))

    class SelectionChanged(Message):
        """The line selection appeared, moved or went away."""

    class FollowRequested(Message):
        """The tester asked for the newest line (`end`/`G`): follow again."""

    class WrapRequested(Message):
        """The tester asked to wrap long lines, or to stop wrapping them (`w`)."""

    def __init__(
        self,
        *,
        highlight: bool = False,
        max_lines: int | None = None,
        auto_scroll: bool = True,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(highlight=highlight, max_lines=max_lines, auto_scroll=auto_scroll, id=id, classes=classes)
        self.line_selection = LineSelection()
        #: Per row, the whole log line it shows (the rows of a wrapped line share one object),
        #: and whether the row is the first of that line (two equal lines may be one object).
        self._full: list[str] = []
        self._first: list[bool] = []
        self._pruned = 0

    # --- following ---

    def write_rows(self, rows: list[str], full: list[str], first: list[bool] | None = None) -> Self:
        """Write rows, each showing (part of) the log line `full` holds at the same index;
        `first` says which rows start their line (None: every row is a whole line)."""
        before = len(self._lines)
        self._pruned = 0
        self.write_lines(rows)
        starts = first if first is not None else [True] * len(rows)
        if len(self._lines) - before + self._pruned != len(rows):
            # `Log` splits a row at U+2028 and the like (`str.splitlines`): one entry per piece.
            pieces = [len(row.splitlines()) for row in rows]
            full = [whole for whole, count in zip(full, pieces, strict=True) for _ in range(count)]
            starts = [start and index == 0 for start, count in zip(starts, pieces, strict=True) for index in range(count)]
        self._full.extend(full)
        self._first.extend(starts)
        excess = len(self._full) - len(self._lines)
        if excess > 0:
            del self._full[:excess]
            del self._first[:excess]
        return self

    def full_line(self, row: int) -> str:
        """The whole log line shown on `row`."""
        return self._full[row] if len(self._full) == len(self._lines) else self._lines[row]

    def _whole_lines(self, start: int, end: int) -> list[str]:
        """The log lines shown on rows `start` to `end` (exclusive), each once, whole."""
        if len(self._full) != len(self._lines):
            return list(self._lines[start:end])
        return [self._full[row] for row in range(start, end) if row == start or self._first[row]]

    def selection_anchors(self) -> tuple[str | None, str | None, bool]:
        """The log lines under the cursor and the anchor (and whether a range is being made), to
        find them again with `restore_selection` after the rows are written anew."""
        selection = self.line_selection
        if selection.cursor is None or selection.cursor >= len(self._lines):
            return None, None, False
        anchor = None if selection.anchor is None or selection.anchor >= len(self._lines) else self.full_line(selection.anchor)
        return self.full_line(selection.cursor), anchor, selection.ranging

    def row_of(self, whole: str | None) -> int | None:
        """The first row showing the log line `whole` (the same object), if it is shown."""
        if whole is None:
            return None
        first = self._first
        return next((row for row, line in enumerate(self._full) if line is whole and first[row]), None)

    def restore_selection(self, cursor: str | None, anchor: str | None, ranging: bool) -> None:
        """Select again the lines `selection_anchors` named, where they are now (a line no longer
        shown, hidden by a filter or gone with its source, drops out of the selection)."""
        row = self.row_of(cursor)
        other = self.row_of(anchor)
        if row is None:
            row, other = other, None
        if row is None:
            return
        self.line_selection.cursor = row
        self.line_selection.anchor = other
        self.line_selection.ranging = ranging and other is not None
        self.auto_scroll = False
        self._keep_cursor_in_view()
        self._selection_changed()

    def write_lines(self, lines: Iterable[str], scroll_end: bool | None = None) -> Self:
        super().write_lines(lines, scroll_end)
        follow = self.auto_scroll if scroll_end is None else scroll_end
        if follow and not self.is_vertical_scrollbar_grabbed and not self.is_vertical_scroll_end:
            # `Log` only scrolls when the view was already at the end, which a resize breaks.
            self.scroll_end(animate=False, immediate=True, x_axis=False)
        return self

    def on_resize(self, event: events.Resize) -> None:
        if self.auto_scroll and not self.line_selection.active:
            self.scroll_end(animate=False, immediate=True, x_axis=False)
        else:
            self._keep_cursor_in_view()

    def scroll_intent(self, old: float, new: float) -> ScrollIntent:
        """What a change of `scroll_y` means for following (see the module docstring)."""
        if self.line_selection.active:
            return ScrollIntent.NONE
        at_end = new >= self.max_scroll_y
        if new < old and not at_end:
            return ScrollIntent.PAUSE
        if new > old and at_end and self.max_scroll_y > 0:
            return ScrollIntent.FOLLOW
        return ScrollIntent.NONE

    def _prune_max_lines(self) -> None:
        removed = len(self._lines) - self.max_lines if self.max_lines is not None else 0
        super()._prune_max_lines()
        if removed <= 0:
            return
        self._pruned += removed
        had_selection = self.line_selection.active
        self.line_selection.dropped(removed)
        if not self.auto_scroll:
            # Paused: keep the same lines on screen while the oldest ones go.
            self.scroll_to(y=max(0, self.scroll_y - removed), animate=False, immediate=True)
        if had_selection:
            self._selection_changed()

    def clear(self) -> Self:
        had_selection = self.line_selection.active
        self.line_selection.clear()
        self._full.clear()
        self._first.clear()
        super().clear()
        if had_selection:
            self._selection_changed()
        return self

    # --- what is shown ---

    @property
    def visible_range(self) -> tuple[int, int]:
        """Indexes of the first and one past the last line on screen."""
        top = int(self.scroll_offset.y)
        height = max(1, self.scrollable_content_region.height)
        return top, min(len(self.lines), top + height)

    def lines_to_attach(self) -> tuple[list[str], str]:
        """The lines `a` attaches and how to describe them (see the module docstring)."""
        span = self.line_selection.span()
        if span is not None:
            self._keep_cursor_in_view()
            return self._whole_lines(span[0], min(span[1] + 1, len(self._lines))), "selected"
        if self.text_selection is not None:
            text = self.screen.get_selected_text()
            if text:
                return text.splitlines(), "selected"
        top, bottom = self.visible_range
        return self._whole_lines(top, bottom), "on screen"

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        span = self.line_selection.span()
        if span is None:
            return strip
        line = int(self.scroll_offset.y) + y
        if span[0] <= line <= span[1] and line < len(self.lines):
            return strip.apply_style(CURSOR if line == self.line_selection.cursor else SELECTED)
        return strip

    # --- keys (declared in qatui.ui.keys, scope "logs") ---

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "unselect":
            return self.line_selection.active  # shown in the footer only when there is one
        return True

    def _start(self) -> bool:
        """Show the cursor on the newest line on screen; True if it was not there before."""
        if self.line_selection.active or not self.lines:
            return False
        self.auto_scroll = False
        top, bottom = self.visible_range
        self.line_selection.place(max(top, bottom - 1))
        return True

    def _move(self, delta: int, *, extend: bool = False) -> None:
        if not self.lines:
            return
        started = self._start()
        selection = self.line_selection
        assert selection.cursor is not None
        if started and not extend:
            self._selection_changed()
            return
        if started and extend:
            selection.anchor = selection.cursor
        target = max(0, min(len(self.lines) - 1, selection.cursor + delta))
        selection.move(target, extend=extend)
        self._keep_cursor_in_view()
        self._selection_changed()

    def action_line_up(self) -> None:
        self._move(-1)

    def action_line_down(self) -> None:
        self._move(1)

    def action_select_up(self) -> None:
        self._move(-1, extend=True)

    def action_select_down(self) -> None:
        self._move(1, extend=True)

    def action_line_page_up(self) -> None:
        self._move(-max(1, self.scrollable_content_region.height - 1))

    def action_line_page_down(self) -> None:
        self._move(max(1, self.scrollable_content_region.height - 1))

    def action_line_first(self) -> None:
        self._move(-len(self.lines))

    def action_toggle_range(self) -> None:
        self._start()
        self.line_selection.toggle_range()
        self._selection_changed()

    def action_unselect(self) -> None:
        if self.line_selection.active:
            self.line_selection.clear()
            self._selection_changed()

    def action_scroll_left(self) -> None:
        """A quarter of the view at a time: reading a long line takes a few keys, not a hundred."""
        self.scroll_to(x=max(0, self.scroll_x - self._sideways_step), animate=False, immediate=True)

    def action_scroll_right(self) -> None:
        self.scroll_to(x=min(self.max_scroll_x, self.scroll_x + self._sideways_step), animate=False, immediate=True)

    @property
    def _sideways_step(self) -> int:
        return max(1, self.scrollable_content_region.width // 4)

    def action_toggle_wrap(self) -> None:
        self.post_message(self.WrapRequested())

    def action_follow_end(self) -> None:
        self.line_selection.clear()
        self.post_message(self.FollowRequested())
        self._selection_changed()

    def _keep_cursor_in_view(self) -> None:
        cursor = self.line_selection.cursor
        if cursor is None:
            return
        top, _ = self.visible_range
        height = max(1, self.scrollable_content_region.height)
        if cursor < top:
            self.scroll_to(y=cursor, animate=False, immediate=True)
        elif cursor >= top + height:
            self.scroll_to(y=cursor - height + 1, animate=False, immediate=True)

    def _selection_changed(self) -> None:
        self.refresh()
        self.refresh_bindings()
        self.post_message(self.SelectionChanged())
