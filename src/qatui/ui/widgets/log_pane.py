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
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.highlighter import Highlighter
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from qatui.core.text import ESCAPE
from qatui.ui.widgets.log_selection import ScrollIntent, SelectableLog
from qatui.ui.widgets.log_status import log_status

if TYPE_CHECKING:
    from qatui.core.logs.base import LogLine

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


class TailLog(SelectableLog):
    """Textual's `Log` (with the line selection of `log_selection`), measuring new lines on the spot.

    `Log` measures the width of every batch in a new thread worker (a thread per write, each
    running a regex over every line); in a flood that is ten threads a second fighting the
    screen for the GIL. The pane does not scroll sideways, so `len` of the longest line is
    all the width it needs, and it costs microseconds.
    """

    def _update_size(self, updates: int, lines: list[str]) -> None:  # type: ignore[override]
        if lines:
            self._update_maximum_width(updates, max(map(len, lines)))


class LogPane(Vertical, can_focus=False):
    """A status line and a bounded `Log`; the app writes batches with `add_lines`."""

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
        self.log_widget = TailLog(max_lines=max_lines, highlight=True, auto_scroll=True, id="log")
        self.log_widget.highlighter = self.highlighter
        self.status_line = Static("", id="log-status")
        self.following = True
        self.pending = 0
        self.sources: list[str] = []
        self.scope = "item"
        self.filter_text = ""
        self._raw: deque[str] = deque(maxlen=max_lines)
        self._message = "no log sources for this item"

    def compose(self) -> ComposeResult:
        # The tail itself is mounted a frame later (`_mount_tail`): it is empty until a source
        # speaks (0.15 s after an item is opened, at the soonest), and its widget, CSS and scroll
        # bars were ~2% of the first paint.
        yield self.status_line

    def on_mount(self) -> None:
        self._update_status()
        self.call_after_refresh(self._mount_tail)

    async def _mount_tail(self) -> None:
        await self.mount(self.log_widget)
        self.watch(self.log_widget, "scroll_y", self._scrolled, init=False)

    # --- feeding ---

    def set_sources(self, sources: list[str], scope: str, message: str = "") -> None:
        """A new set of sources: clear the buffer and say what is shown."""
        self.sources = list(sources)
        self.scope = scope
        self.highlighter.width = max([4, *(len(s) for s in sources)])
        for source in sources:
            self.highlighter.colour(source)
        self._raw.clear()
        self.log_widget.clear()
        self.pending = 0
        self._message = message or (
            "no log sources for this item" if not sources else ""
        )
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
        if self.filter_text:
            needle = self.filter_text.lower()
            formatted = [line for line in formatted if needle in line.lower()]
            unseen = 0  # unknown how many of them matched
        if formatted:
            self.log_widget.write_lines(formatted)
            if not self.following:
                self.pending += len(formatted) + unseen
                self._update_status()
        return len(formatted)

    def set_filter(self, text: str) -> None:
        self.filter_text = text.strip()
        lines = list(self._raw)
        if self.filter_text:
            needle = self.filter_text.lower()
            lines = [line for line in lines if needle in line.lower()]
        self.log_widget.clear()
        if lines:
            self.log_widget.write_lines(lines)
        self._update_status()

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

    def on_selectable_log_follow_requested(self, message: SelectableLog.FollowRequested) -> None:
        message.stop()
        self._set_following(True)
        self.log_widget.scroll_end(animate=False, immediate=True, x_axis=False)
        self._update_status()

    def on_resize(self) -> None:
        self._update_status()  # fitted to the width

    def _update_status(self) -> None:
        self.status_line.update(log_status(
            following=self.following,
            pending=self.pending,
            selected=len(self.log_widget.line_selection),
            sources=self.sources,
            scope=self.scope,
            message=self._message,
            filter_text=self.filter_text,
            width=self.content_size.width,
        ))

    def note(self, message: str) -> None:
        self._message = message
        self._update_status()

    # --- evidence ---

    def selected_lines(self) -> list[str]:
        """The lines to attach: the tester's selection, else exactly the lines on screen."""
        return self.log_widget.lines_to_attach()[0]
