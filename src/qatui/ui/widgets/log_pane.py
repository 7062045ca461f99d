"""The log pane: the live tail of the selected item's log sources, interleaved.

Built on Textual's `Log` (a Line-API widget) fed with `write_lines` in time batches: it takes a
flood of hundreds of thousands of lines a second with keys still answering, where RichLog or one
message per line fall over. The buffer is bounded (`max_lines`), so memory stays flat.

Each line is written as `source │ text` (`!` instead of `│` marks an error line, `~` a notice
from qatui about the source), so the source and the errors read without colour; a highlighter
adds a colour per source and red for errors. Following stops when the tester scrolls up, and the
title then counts the lines that arrived since; `space` (or scrolling to the end, `end`, `G`)
follows again. Following through resizes, the keyboard line selection that `a` attaches and the
fitted status line live in `log_selection` and `log_status`.

Long lines are never cut silently: unwrapped (the default, one row a line, what a flood needs)
`←`/`→` scroll sideways and the status line says the lines are wider than the pane; `w` wraps
them, the rows after the first indented under the source column with the line's mark repeated
(an error's rows all stay red, and read as one line without colour). The pane keeps what it
showed (`_raw`, with each line's source), so wrapping, a filter or a scope change (`l`, which
keeps the sources shown before and after running) writes the rows anew from it and finds the
tester's selection again.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from itertools import repeat
from typing import TYPE_CHECKING

from rich.highlighter import Highlighter
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from qatui.core.text import ESCAPE
from qatui.ui.widgets.log_status import log_status

if TYPE_CHECKING:
    from qatui.core.logs.base import LogLine
    from qatui.ui.widgets.log_selection import SelectableLog
    from qatui.ui.widgets.log_tail import TailLog

SOURCE_COLOURS = ("cyan", "magenta", "green", "blue", "yellow", "bright_cyan", "bright_magenta")
DEFAULT_MAX_LINES = 5000
ERROR_MARK = "!"
NOTICE_MARK = "~"
PLAIN_MARK = "│"


class SourceHighlighter(Highlighter):
    """Colours the source column per source and error lines red."""

    def __init__(self) -> None:
        self.colours: dict[str, str] = {}
        self.width = 4

    def colour(self, source: str) -> str:
        if source not in self.colours:
            self.colours[source] = SOURCE_COLOURS[len(self.colours) % len(SOURCE_COLOURS)]
        return self.colours[source]

    def highlight(self, text: Text) -> None:
        plain = text.plain
        cut = self.width
        source = plain[:cut].rstrip()
        if source in self.colours:
            text.stylize(self.colours[source], 0, cut)
        mark = plain[cut + 1 : cut + 2]
        if mark == ERROR_MARK:
            text.stylize("bold red", cut + 1)
        elif mark == NOTICE_MARK:
            text.stylize("italic yellow", cut + 1)
        if "\\" in plain:  # control characters shown as `\e`, `\x07` … (core/text.py): dimmed
            for found in ESCAPE.finditer(plain, cut + 2):
                text.stylize("dim", found.start(), found.end())


def wrap_rows(line: str, width: int, head: int) -> list[str]:
    """`line` cut into rows of `width` columns; the rows after the first start with `head`
    spaces and the line's mark (the character at `head`), so they read as the same line."""
    if "\t" in line:
        line = line.expandtabs()
    if width <= head + 3 or (len(line) <= width and line.isascii()):
        return [line]
    if not line.isascii():
        from rich.cells import cell_len, chop_cells

        if cell_len(line) <= width:
            return [line]
        first, *_ = chop_cells(line, width)
        prefix = " " * head + line[head : head + 2]
        return [first, *(prefix + piece for piece in chop_cells(line[len(first):], width - len(prefix)))]
    prefix = " " * head + line[head : head + 2]
    end = _break(line, head + 2, width)
    rows = [line[:end]]
    step = width - len(prefix)
    while end < len(line):
        start, end = end, _break(line, end, end + step)
        rows.append(prefix + line[start:end])
    return rows


def _break(line: str, start: int, limit: int) -> int:
    """Where a row from `start` ends: after the last space in its second half (words stay
    whole), else at `limit` (a long token, a URL, is cut where the row ends)."""
    if limit >= len(line):
        return len(line)
    space = line.rfind(" ", start + (limit - start) // 2, limit)
    return space + 1 if space >= 0 else limit


class LogPane(Vertical, can_focus=False):
    """A status line and a bounded `Log`; the app writes batches with `add_lines`."""

    ALLOW_MAXIMIZE = True  # `z` zooms the pane (status line and all), not the bare `Log` in it

    DEFAULT_CSS = """
    LogPane { height: 1fr; }
    LogPane > #log-status { height: 1; color: $text-muted; }
    LogPane > TailLog { height: 1fr; scrollbar-size-horizontal: 0; }
    LogPane > #log-filter { height: 1; background: $boost; text-style: bold; }
    """

    def __init__(self, *, max_lines: int = DEFAULT_MAX_LINES, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.border_title = "Logs"
        self.max_lines = max_lines
        self.highlighter = SourceHighlighter()
        #: The tail (`log_widget`), made when first needed: see `compose`.
        self._tail: TailLog | None = None
        self.status_line = Static("", id="log-status")
        self.following = True
        self.pending = 0
        self.sources: list[str] = []
        self.scope = "item"
        self.filter_text = ""
        self._matches: Callable[[str], object] | None = None
        #: Lines not wrapped: one row each, `←`/`→` scroll sideways (see the module docstring).
        self.wrap = False
        #: What the pane showed, unfiltered: each line and its source.
        self._raw: deque[str] = deque(maxlen=max_lines)
        self._raw_sources: deque[str] = deque(maxlen=max_lines)
        self._wrapped_width = 0
        self._wide = False  # unwrapped lines wider than the pane (the status line says so)
        self._message = "no log sources for this item"

    def compose(self) -> ComposeResult:
        # The tail itself is made and mounted a frame later (`_mount_tail`): it is empty until a
        # source speaks (0.15 s after an item is opened, at the soonest), and its modules
        # (`log_tail`, `log_selection`, Textual's `Log`), widget, CSS and scroll bars were ~2%
        # of the first paint each.
        yield self.status_line

    @property
    def log_widget(self) -> TailLog:
        """The tail: the lines shown, the selection `a` attaches; made on first use."""
        if self._tail is None:
            from qatui.ui.widgets.log_tail import TailLog

            self._tail = TailLog(max_lines=self.max_lines, highlight=True, auto_scroll=True, id="log")
            self._tail.highlighter = self.highlighter
        return self._tail

    def on_mount(self) -> None:
        self._update_status()
        self.call_after_refresh(self._mount_tail)

    async def _mount_tail(self) -> None:
        await self.mount(self.log_widget)
        self.watch(self.log_widget, "scroll_y", self._scrolled, init=False)

    # --- feeding ---

    def set_sources(self, sources: list[str], scope: str, message: str = "", keep: Sequence[str] = ()) -> None:
        """A new set of sources: say what is shown. The lines of the sources in `keep` (still
        running, see `LogFeed.restart`) stay, with the tester's selection; the rest go."""
        kept = set(keep)
        self.sources = list(sources)
        self.scope = scope
        old_width = self.highlighter.width
        width = self.highlighter.width = max([4, *(len(s) for s in sources)])
        for source in sources:
            self.highlighter.colour(source)
        self._message = message or (
            "no log sources for this item" if not sources else ""
        )
        if kept:
            pairs = [(line, source) for line, source in zip(self._raw, self._raw_sources, strict=True) if source in kept]
            renamed: dict[int, str] = {}
            if width != old_width:  # the source column changed: the kept lines are written to it
                cut = min(width, old_width)
                for index, (line, source) in enumerate(pairs):
                    renamed[id(line)] = line[:cut].ljust(width) + line[old_width:]
                    pairs[index] = (renamed[id(line)], source)
            self._raw.clear()
            self._raw_sources.clear()
            self._raw.extend(line for line, _ in pairs)
            self._raw_sources.extend(source for _, source in pairs)
            self._rewrite(renamed)
        else:
            self._raw.clear()
            self._raw_sources.clear()
            self.log_widget.clear()
            self.pending = 0
            self._wide = False
        self._update_status()

    def format(self, line: LogLine) -> str:
        mark = ERROR_MARK if line.is_error else NOTICE_MARK if line.notice else PLAIN_MARK
        return f"{line.source:<{self.highlighter.width}} {mark} {line.text}"

    def format_batch(self, batch: Sequence[LogLine], start: int = 0) -> list[str]:
        """Format a batch from line `start` on; a `LogBatch` is read by its columns (no object
        per line)."""
        texts = getattr(batch, "texts", None)
        if texts is not None:  # a LogBatch (duck-typed: importing qatui.core.logs costs start-up)
            width = self.highlighter.width
            head = f"{batch.source:<{width}} "
            plain = head + PLAIN_MARK + " "
            out = [plain + text for text in texts[start:]] if start else [plain + text for text in texts]
            for index in batch.errors:
                if index >= start:
                    out[index - start] = f"{head}{ERROR_MARK} {texts[index]}"
            for index in batch.notices:
                if index >= start:
                    out[index - start] = f"{head}{NOTICE_MARK} {texts[index]}"
            return out
        return [self.format(batch[index]) for index in range(start, len(batch))] if start else [
            self.format(line) for line in batch]

    def add_lines(self, lines: Sequence[LogLine]) -> int:
        # More lines than the bounded buffer holds: the older ones would be dropped by this
        # same write, so they are not even formatted.
        unseen = max(0, len(lines) - self.max_lines)
        formatted = self.format_batch(lines, unseen)
        if not formatted:
            return 0
        self._raw.extend(formatted)
        source = getattr(lines, "source", None)
        if source is not None:  # a LogBatch: one source
            self._raw_sources.extend(repeat(source, len(formatted)))
        else:
            self._raw_sources.extend(line.source for line in lines[unseen:])
        if self._matches is not None:
            matches = self._matches
            formatted = [line for line in formatted if matches(line)]
            unseen = 0  # unknown how many of them matched
        if formatted:
            self._write(formatted)
            newly_wide = self._newly_wide()
            if not self.following:
                self.pending += len(formatted) + unseen
                self._update_status()
            elif newly_wide:
                self._update_status()
        return len(formatted)

    def set_filter(self, text: str) -> None:
        """Show only the lines matching `text`, with smart case (`core/smartcase.py`: any case
        unless `text` has a capital letter)."""
        from qatui.core.smartcase import compile_filter

        self.filter_text = text.strip()
        self._matches = compile_filter(self.filter_text).search if self.filter_text else None
        self._rewrite()
        self._update_status()

    def toggle_wrap(self) -> None:
        """Wrap long lines, or show each on one row (scrolling sideways)."""
        self.wrap = not self.wrap
        self._rewrite()
        if self.wrap:
            self.log_widget.scroll_to(x=0, animate=False, immediate=True)
        self._update_status()

    # --- writing rows ---

    @property
    def _text_width(self) -> int:
        """The columns a row has: the log's width less its vertical scroll bar, shown or not (so
        wrapped rows do not change width when the bar appears)."""
        log = self.log_widget
        return max(0, log.size.width - log.styles.scrollbar_size_vertical)

    def _write(self, lines: list[str]) -> None:
        if not self.wrap:
            self.log_widget.write_rows(lines, lines)
            return
        width = self._wrapped_width = self._text_width
        head = self.highlighter.width + 1
        rows: list[str] = []
        full: list[str] = []
        first: list[bool] = []
        for line in lines:
            pieces = wrap_rows(line, width, head)
            rows.extend(pieces)
            full.extend(repeat(line, len(pieces)))
            first.append(True)
            first.extend(repeat(False, len(pieces) - 1))
        self.log_widget.write_rows(rows, full, first)

    def _rewrite(self, renamed: dict[int, str] | None = None) -> None:
        """Write every kept line anew (wrap, filter or sources changed), keeping the selection
        and, while paused, the line at the top of the view (`renamed`: lines written anew with
        another source column, by the `id` of the old text)."""
        log = self.log_widget
        cursor, anchor, ranging = log.selection_anchors()
        top = log.full_line(log.visible_range[0]) if not self.following and log.lines else None
        if renamed:
            cursor, anchor, top = (None if line is None else renamed.get(id(line), line) for line in (cursor, anchor, top))
        lines = list(self._raw)
        if self._matches is not None:
            matches = self._matches
            lines = [line for line in lines if matches(line)]
        log.clear()
        if lines:
            self._write(lines)
        if cursor is not None:
            log.restore_selection(cursor, anchor, ranging)
        elif not self.following:
            row = log.row_of(top)
            if row is not None:
                log.scroll_to(y=row, animate=False, immediate=True)
        self._newly_wide()

    def _newly_wide(self) -> bool:
        """Whether unwrapped lines just became wider than the pane, or no longer are (the
        status line says so)."""
        if self._tail is None:  # no tail yet, no lines
            return False
        wide = not self.wrap and self._tail.virtual_size.width > self._text_width > 0
        changed = wide != self._wide
        self._wide = wide
        return changed

    # --- follow / pause ---

    def _set_following(self, following: bool) -> None:
        self.following = following
        self.log_widget.auto_scroll = following
        if following:
            self.pending = 0
            self.log_widget.action_unselect()  # following and a line selection exclude each other

    def toggle_follow(self) -> None:
        if self.following:
            self._set_following(False)
        else:
            self._set_following(True)
            self.log_widget.scroll_end(animate=False)
        self._update_status()

    def _scrolled(self, old: float, new: float) -> None:
        # Only the tester's scrolling pauses or follows; a resize does neither (log_selection).
        from qatui.ui.widgets.log_selection import ScrollIntent

        intent = self.log_widget.scroll_intent(old, new)
        if intent is ScrollIntent.PAUSE and self.following:
            self._set_following(False)
            self._update_status()
        elif intent is ScrollIntent.FOLLOW and not self.following:
            self._set_following(True)
            self._update_status()

    def on_selectable_log_selection_changed(self, message: SelectableLog.SelectionChanged) -> None:
        message.stop()
        if self.log_widget.line_selection.active and self.following:
            self._set_following(False)
        self._update_status()

    def on_selectable_log_wrap_requested(self, message: SelectableLog.WrapRequested) -> None:
        message.stop()
        self.toggle_wrap()

    def on_selectable_log_follow_requested(self, message: SelectableLog.FollowRequested) -> None:
        message.stop()
        self._set_following(True)
        self.log_widget.scroll_end(animate=False, immediate=True, x_axis=False)
        self._update_status()

    def on_resize(self) -> None:
        if self.wrap and self._text_width != self._wrapped_width:
            self._rewrite()
        self._newly_wide()
        self._update_status()  # fitted to the width

    def _update_status(self) -> None:
        self.status_line.update(log_status(
            following=self.following,
            pending=self.pending,
            selected=len(self._tail.line_selection) if self._tail is not None else 0,
            sources=self.sources,
            scope=self.scope,
            message=self._message,
            filter_text=self.filter_text,
            width=self.content_size.width,
            wrap=self.wrap,
            wide=self._wide,
        ))

    def note(self, message: str) -> None:
        self._message = message
        self._update_status()

    # --- evidence ---

    def selected_lines(self) -> list[str]:
        """The lines to attach: the tester's selection, else exactly the lines on screen."""
        return self.log_widget.lines_to_attach()[0]
