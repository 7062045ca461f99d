"""The note editor: Textual's `TextArea`, fast however long one line of the note grows.

A note is usually one paragraph: one document line, soft-wrapped. Textual 8's `TextArea`
renders each visible row by building the *whole* line as a rich `Text` and dividing it at
every wrap point, then keeping one piece: every row of every frame costs the length of the
paragraph (a key took ~220 ms in a note of 30,000 characters, measured in-process). This
subclass renders a row of a long line from its own slice (the characters between two wrap
points), with the same styles for the selection and the cursor, so a key costs the same at
100,000 characters as at 100 (`benchmarks/note_keys.py`).

Editing a long line is made cheap the same way: Textual wraps the whole edited line again on
every key; `IncrementalWrap` keeps the breaks before the edit.

It reaches into `TextArea`'s private rendering (`_render_line`, the wrapped document's
line map, `_theme`, `_draw_cursor`) and into the module that wraps (`compute_wrap_offsets` in
`textual.document._wrapped_document`); `tests/ui/test_note_area.py` renders rows and wraps
lines both ways and fails the day Textual's own way and this one part. Short lines, lines with tabs
and anything with syntax highlighting, line numbers or a suggestion go Textual's own way.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import textual.document._wrapped_document as _wrapping
from rich.text import Text
from textual._wrap import compute_wrap_offsets
from textual.document._document import EditResult
from textual.document._edit import Edit
from textual.strip import Strip
from textual.widgets import TextArea

#: Below this many characters a line goes Textual's own way (it is fast enough there).
LONG_LINE = 2_000


def _common_prefix(first: str, second: str) -> int:
    """How many leading characters two strings share (a bisection of C-speed compares)."""
    low, high = 0, min(len(first), len(second))
    while low < high:
        middle = (low + high + 1) // 2
        if first[:middle] == second[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


class IncrementalWrap:
    """`compute_wrap_offsets` for one long line edited again and again: the breaks before an
    edit are kept and only the rows from just before it are wrapped again.

    Textual re-wraps the whole edited line on every key (~60 ms at 100,000 characters). A
    greedy wrap restarted at a break that starts a word (after whitespace) makes the same
    breaks as the whole wrap from there on, and the breaks before it depend only on text that
    ends before the next break; so the kept breaks are those two rows or more before the first
    changed character. Anything else (tabs, a word folded over rows at the restart point, a
    short line, another width) is wrapped whole. `tests/ui/test_note_area.py` compares both
    ways over random edits.
    """

    def __init__(self) -> None:
        self._last: tuple[str, int, int, list[int]] | None = None  # text, width, tab size, breaks

    def __call__(self, text: str, width: int, tab_size: int, fold: bool = True,
                 precomputed_tab_sections: Any = None) -> list[int]:
        if len(text) < LONG_LINE or "\t" in text or not fold:
            return compute_wrap_offsets(text, width, tab_size, fold, precomputed_tab_sections)
        breaks = self._resume(text, width, tab_size)
        if breaks is None:
            breaks = compute_wrap_offsets(text, width, tab_size, fold)
        self._last = (text, width, tab_size, breaks)
        return list(breaks)

    def _resume(self, text: str, width: int, tab_size: int) -> list[int] | None:
        if self._last is None:
            return None
        old_text, old_width, old_tab_size, old_breaks = self._last
        if (old_width, old_tab_size) != (width, tab_size):
            return None
        same = _common_prefix(old_text, text)
        kept = [b for b in old_breaks if b < same]
        for index in range(len(kept) - 2, -1, -1):  # two rows back from the edit, or further
            restart = kept[index]
            if text[restart - 1].isspace() and not text[restart].isspace():
                tail = compute_wrap_offsets(text[restart:], width, tab_size, True)
                return kept[:index + 1] + [restart + b for b in tail]
        return None


class _SlicedSections(_wrapping.WrappedDocument):
    """`get_sections` by slicing the line (Textual builds a rich `Text` and divides it, which
    makes one object per row of the line, twice per key when the cursor moves)."""

    def get_sections(self, line_index: int) -> list[str]:
        line = self.document[line_index]
        bounds = [0, *self._wrap_offsets[line_index], len(line)]
        return [line[start:end] for start, end in itertools.pairwise(bounds)]


class NoteArea(TextArea):
    """A soft-wrapped `TextArea` whose long lines render in time proportional to the screen."""

    def __init__(self, text: str = "", **kwargs: object) -> None:
        kwargs.setdefault("soft_wrap", True)
        super().__init__(text, **kwargs)  # type: ignore[arg-type]
        self.match_cursor_bracket = False  # brackets mean nothing in a note; not drawn here
        self._wrap = IncrementalWrap()

    @property  # type: ignore[override]
    def wrapped_document(self) -> _wrapping.WrappedDocument:
        return self._sliced

    @wrapped_document.setter
    def wrapped_document(self, value: _wrapping.WrappedDocument) -> None:
        if type(value) is _wrapping.WrappedDocument:  # made by TextArea for each new document
            value.__class__ = _SlicedSections
        self._sliced = value

    def edit(self, edit: Edit) -> EditResult:
        """Textual's edit, with the edited line wrapped incrementally (see `IncrementalWrap`).

        The wrapped document calls the module's `compute_wrap_offsets`; it is swapped for the
        length of this one synchronous call, so no other `TextArea` ever sees it."""
        original: Callable[..., list[int]] = _wrapping.compute_wrap_offsets
        _wrapping.compute_wrap_offsets = self._wrap  # type: ignore[assignment]
        try:
            return super().edit(edit)
        finally:
            _wrapping.compute_wrap_offsets = original  # type: ignore[assignment]

    def _render_line(self, y: int) -> Strip:
        wrapped = self.wrapped_document
        row = y + self.scroll_offset.y
        info = wrapped._offset_to_line_info[row] if 0 <= row < wrapped.height else None
        if info is None or not self.soft_wrap or self.language or self.show_line_numbers or self.suggestion:
            return super()._render_line(y)
        line_index, section = info
        raw = self.document.get_line(line_index)
        if len(raw) < LONG_LINE or "\t" in raw:
            return super()._render_line(y)
        bounds = [0, *wrapped.get_offsets(line_index), len(raw) + 1]  # +1: the cell the cursor takes at the end
        start, end = bounds[section], bounds[section + 1]
        text = Text(raw[start:end] if end <= len(raw) else raw[start:] + " ", end="", no_wrap=True)
        self._style_section(text, line_index, start, end, len(raw))
        theme = self._theme
        base_style = theme.base_style if theme and theme.base_style is not None else self.rich_style
        if self.selection.end[0] == line_index and self.highlight_cursor_line:
            line_style = theme.cursor_line_style if theme and self._has_cursor else None
        else:
            line_style = theme.base_style if theme else None
        width = self.scrollable_content_region.size.width - self.gutter_width
        strip = Strip(text.render(self.app.console), cell_length=text.cell_len)
        return strip.extend_cell_length(width, line_style).apply_style(base_style)

    def _style_section(self, text: Text, line_index: int, start: int, end: int, length: int) -> None:
        """The cursor line, the selection and the cursor, as `TextArea` styles them, shifted
        into the section [start, end) of the line."""
        theme = self._theme
        if theme is None:
            return
        selection = self.selection
        cursor_row, cursor_column = selection.end
        if self.highlight_cursor_line and self._has_cursor and theme.cursor_line_style and cursor_row == line_index:
            text.stylize(theme.cursor_line_style)
        (top_row, top_column), (bottom_row, bottom_column) = sorted(selection)
        if selection.start != selection.end and top_row <= line_index <= bottom_row and theme.selection_style:
            begin = top_column if line_index == top_row else 0
            finish = bottom_column if line_index == bottom_row else length
            begin, finish = max(begin, start), min(finish, end)
            if begin < finish:
                text.stylize(theme.selection_style, begin - start, finish - start)
        if cursor_row == line_index and self._draw_cursor and start <= cursor_column < end and theme.cursor_style:
            text.stylize(theme.cursor_style, cursor_column - start, cursor_column - start + 1)
