"""The checklist pane: every section and item, grouped by priority, drawn with the Line API.

A checklist can have thousands of items. Widgets per row (ListView) take seconds to mount and
stutter on every key, so this is a single `ScrollView` that keeps a flat list of rows and draws
only the rows in view (`render_line`), the way Textual's own OptionList and DataTable do. Moving
the cursor repaints two lines; a tick recounts in O(items) with no widget churn.

It stays one module of ~530 lines on purpose: the rows, the counts beside them and the
line drawing share one flat index, and splitting them would put a call between every row and
its data in the hottest path of the screen (`benchmarks/keys.py`).

Rows are: a priority heading (Critical first), a section with done/total (done: passed or
skipped, `core/run/tally.py`) and its failed and blocked counts (`✗1 ⊘2`), and items with a
status mark that reads without colour (✓ ✗ ⊘ ↷ ·, and ≠ for an item a team merge left in
conflict) and `✎` after the title when the item has a note. A team's record shows who did
what: when its items were ticked by more than one tester, each item shows the tester of its
latest verdict at the right edge (the name in a wide pane, initials in a narrow one); the
checklist's `assign:` is shown the same way (`→Ben` beside a section, and beside an item
assigned on its own).

Attributes down, messages up: the screen hands it the checklist and the session and calls
`refresh_statuses()` after a tick; the widget posts `ItemHighlighted` when the cursor moves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.binding import BindingType
from textual.events import Click
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from qatui.core.checklist import Checklist, Item, Priority
from qatui.core.run.tally import Tally, tally_of
from qatui.core.session import Session, Status
from qatui.core.text import inert
from qatui.ui.keys import bindings

if TYPE_CHECKING:
    from qatui.ui.widgets.filtering import ItemFilter

#: After an item's title when its result has a note (reads without colour).
NOTE_MARK = "✎"


@dataclass(slots=True)
class Row:
    """One row of the checklist view: a priority heading, a section heading or an item."""

    kind: str  # priority | section | item
    priority: Priority
    section: int = -1  # index into checklist.sections
    item: Item | None = None


#: From this many cells wide the list shows testers' names (8 cells), below it their initials.
WIDE_LIST = 44
#: An item a team merge left in conflict (the record writes the same mark).
CONFLICT_MARK = "≠"
#: The component class of each status mark.
STATUS_CLASS: dict[Status, str] = {
    Status.UNTESTED: "checklist--muted",
    Status.PASSED: "checklist--passed",
    Status.FAILED: "checklist--failed",
    Status.BLOCKED: "checklist--blocked",
    Status.SKIPPED: "checklist--muted",
}


class ChecklistView(ScrollView, can_focus=True):
    """Sections by priority with per-section progress; items with status marks."""

    BINDINGS: ClassVar[list[BindingType]] = list(bindings("list"))

    #: One class per look, not per use: Textual styles each component class as a node of its
    #: own on every restyle (mount, focus), so the four uses that share `$text-muted` (counts,
    #: note marks, skipped and untested marks) share `checklist--muted`, and the failed and
    #: blocked counts share their marks' classes: 15 classes → 10 took the checklist's two
    #: stylings before the first frame from 4.2 to 3.0 ms.
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "checklist--priority",
        "checklist--section",
        "checklist--item",
        "checklist--cursor",
        "checklist--muted",
        "checklist--passed",
        "checklist--failed",
        "checklist--blocked",
        "checklist--conflict",
        "checklist--who",
    }

    DEFAULT_CSS = """
    ChecklistView {
        background: $surface;
        & > .checklist--priority { text-style: bold; color: $text-accent; }
        & > .checklist--section { text-style: bold; }
        & > .checklist--item { }
        & > .checklist--cursor { background: $block-cursor-blurred-background; }
        &:focus > .checklist--cursor { background: $block-cursor-background; color: $block-cursor-foreground; text-style: bold; }
        & > .checklist--muted { color: $text-muted; }
        & > .checklist--passed { color: $text-success; }
        & > .checklist--failed { color: $text-error; text-style: bold; }
        & > .checklist--blocked { color: $text-warning; text-style: bold; }
        & > .checklist--conflict { color: $text-warning; text-style: bold reverse; }
        & > .checklist--who { color: $text-secondary; }
    }
    """

    class ItemHighlighted(Message):
        """The cursor moved to another item."""

        def __init__(self, view: ChecklistView, item_id: str | None) -> None:
            super().__init__()
            self.view = view
            self.item_id = item_id

        @property
        def control(self) -> ChecklistView:
            return self.view

    cursor: reactive[int] = reactive(-1, always_update=False, repaint=False)
    """Index into the rows of the highlighted item row (-1: nothing to show)."""

    def __init__(
        self,
        checklist: Checklist,
        session: Session,
        *,
        start_at: str | None = None,
        start_next_open: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.checklist = checklist
        self._session = session
        self._start_at = start_at
        #: Start on the first open item after `start_at` when that one is ticked (a resumed
        #: session with tick and advance on: the tester goes on where the next verdict is due).
        self._start_next_open = start_next_open
        #: The item the tester put the cursor on last (kept while a filter hides it).
        self._chosen: str | None = None
        #: Told of each `ItemHighlighted` at once, instead of the message being posted: the
        #: screen's item pane then changes in the same frame as the cursor's rows. A posted
        #: message bubbles through the containers' queues, and the screen's update timer can
        #: draw the new cursor with the old item in between.
        self.highlight_listener: Callable[[ChecklistView.ItemHighlighted], None] | None = None
        #: The `/` filter; None until the tester first filters (its module is not needed before).
        self._filter: ItemFilter | None = None
        self._rows: list[Row] = []
        # Finished lines by row index: scrolling by one row repaints the whole pane, and a
        # line costs more to build (styles, segments) than to look up. Cleared whenever
        # anything a line shows changes (statuses, rows, width, styles); the cursor's two
        # rows are dropped when it moves.
        self._lines: dict[int, Strip] = {}
        self._lines_width = -1
        self._status: dict[str, Status] = {}
        #: item id → who gave its latest verdict, filled only when several testers did (a team's record).
        self._who: dict[str, str] = {}
        self._conflicts: set[str] = set()
        #: Items whose result has a note (the `✎` mark).
        self._noted: set[str] = set()
        self._section_counts: list[Tally] = []
        self._priority_counts: dict[Priority, Tally] = {}
        self._priority_of: dict[int, Priority] = {
            index: section.priority for index, section in enumerate(checklist.sections)
        }
        self._read_statuses()
        self._build_rows()

    # --- data ---

    @property
    def session(self) -> Session:
        return self._session

    @session.setter
    def session(self, session: Session) -> None:
        self._session = session
        self.refresh_statuses()

    @property
    def item_filter(self) -> ItemFilter:
        if self._filter is None:
            from qatui.ui.widgets.filtering import ItemFilter

            self._filter = ItemFilter()
        return self._filter

    @property
    def rows(self) -> list[Row]:
        return self._rows

    @property
    def highlighted_item(self) -> Item | None:
        if 0 <= self.cursor < len(self._rows):
            return self._rows[self.cursor].item
        return None

    def status_of(self, item_id: str) -> Status:
        return self._status.get(item_id, Status.UNTESTED)

    def visible_item_ids(self) -> list[str]:
        return [row.item.id for row in self._rows if row.item is not None]

    def _read_statuses(self) -> None:
        self._lines.clear()
        results = self._session.items()
        self._status = {item.id: item.status for item in results}
        self._noted = {item.id for item in results if item.note}
        self._read_team()
        status = self._status
        counts: list[Tally] = []
        by_priority: dict[Priority, list[Status]] = {p: [] for p in Priority}
        for section in self.checklist.sections:
            statuses = [status.get(item.id, Status.UNTESTED) for item in section.items]
            counts.append(tally_of(statuses))
            by_priority[section.priority].extend(statuses)
        self._section_counts = counts
        self._priority_counts = {p: tally_of(v) for p, v in by_priority.items()}

    def _read_team(self) -> None:
        """Who gave each item its latest verdict, kept only when that is more than one tester,
        and the items in conflict (`ItemResult.conflict`, from a team merge)."""
        who: dict[str, str] = {}
        conflicts: set[str] = set()
        for item in self._session.items():
            if item.conflict:
                conflicts.add(item.id)
            if item.history and item.history[-1].status is not Status.UNTESTED:
                who[item.id] = item.history[-1].tester
        self._who = who if len(set(who.values())) > 1 else {}
        self._conflicts = conflicts

    def _build_rows(self) -> None:
        self._lines.clear()
        rows: list[Row] = []
        filt = self._filter if self._filter is not None and self._filter.active else None
        sections = sorted(
            enumerate(self.checklist.sections), key=lambda pair: pair[1].priority.rank
        )
        current: Priority | None = None
        for index, section in sections:
            if filt is None:
                items = section.items
            else:
                items = [
                    item
                    for item in section.items
                    if filt.matches(item, section, self._status.get(item.id, Status.UNTESTED))
                ]
                if not items:
                    continue
            if section.priority is not current:
                current = section.priority
                rows.append(Row("priority", section.priority))
            rows.append(Row("section", section.priority, index))
            rows.extend(Row("item", section.priority, index, item) for item in items)
        self._rows = rows

    def refresh_statuses(self) -> None:
        """Re-read every status from the session (after a tick or a reload) and repaint."""
        self._read_statuses()
        if self._filter is not None and self._filter.uses_status:
            self._rebuild_keeping_cursor()
        else:
            self.refresh()

    def set_filter(self, item_filter: ItemFilter) -> None:
        self._filter = item_filter
        self._rebuild_keeping_cursor()

    def _rebuild_keeping_cursor(self) -> None:
        """Rows for the current filter, the cursor on the item the tester chose if it is among
        them. That is the item chosen before the filter changed, not whichever one the cursor
        fell on meanwhile: typed letter by letter, `is:open` filters by the word `is` first."""
        current = self.highlighted_item
        self._build_rows()
        self._update_virtual_size()
        rows = {row.item.id: index for index, row in enumerate(self._rows) if row.item is not None}
        target = rows.get(self._chosen or "", rows.get(current.id if current else "", -1))
        if target < 0:
            target = self._next_item_row(-1, 1)
        self._set_cursor(target, force_message=current is None or target < 0
                         or self._rows[target].item is not current, chosen=False)
        self.refresh()

    # --- geometry ---

    def _initial_row(self) -> int:
        start = self._next_item_row(-1, 1)
        if self._start_at is not None:  # a resumed session opens where the tester stopped
            wanted = self._start_at
            if self._start_next_open and self.status_of(wanted) is not Status.UNTESTED:
                wanted = self.next_open_item(wanted) or wanted
            start = next((i for i, row in enumerate(self._rows)
                          if row.item is not None and row.item.id == wanted), start)
        return start

    def initial_item_id(self) -> str | None:
        """The item the cursor starts on (the screen fills the detail panes for the first frame)."""
        index = self._initial_row()
        item = self._rows[index].item if 0 <= index < len(self._rows) else None
        return item.id if item is not None else None

    def on_mount(self) -> None:
        self._update_virtual_size()
        if self.cursor < 0:
            self._set_cursor(self._initial_row(), force_message=True)

    def on_resize(self) -> None:
        self._update_virtual_size()
        # Grown again (after a small window, say): no blank rows under the list's end, and if
        # the cursor fits on the first page the list starts at its first priority heading.
        height = self.scrollable_content_region.height
        top = max(0, len(self._rows) - height)
        if 0 <= self.cursor < height - 1:
            top = 0
        if self.scroll_offset.y > top:
            self.scroll_to(y=top, animate=False, immediate=True)
        self._scroll_to_cursor()

    def _update_virtual_size(self) -> None:
        width = self.scrollable_content_region.width
        self.virtual_size = Size(width, len(self._rows))

    # --- cursor ---

    def _next_item_row(self, start: int, step: int) -> int:
        index = start + step
        while 0 <= index < len(self._rows):
            if self._rows[index].kind == "item":
                return index
            index += step
        return -1

    def _set_cursor(self, index: int, *, force_message: bool = False, chosen: bool = True) -> None:
        """Move the cursor; `chosen`: the tester put it there (a filter change did not)."""
        if chosen and 0 <= index < len(self._rows) and self._rows[index].item is not None:
            self._chosen = self._rows[index].item.id  # type: ignore[union-attr]
        old = self.cursor
        if index == old and not force_message:
            return
        self.cursor = index
        if old != index:
            self._lines.pop(old, None)
            self._lines.pop(index, None)
            self._refresh_row(old)
            self._refresh_row(index)
        self._scroll_to_cursor()
        item = self.highlighted_item
        message = self.ItemHighlighted(self, item.id if item else None)
        if self.highlight_listener is not None:
            self.highlight_listener(message)
        else:
            self.post_message(message)

    def next_open_item(self, after: str) -> str | None:
        """The first untested item after `after` in the list as shown (filter and priority
        order included), wrapping round to the earlier ones; None when no other is open."""
        ids = self.visible_item_ids()
        start = ids.index(after) + 1 if after in ids else 0
        for item_id in ids[start:] + ids[:start]:
            if item_id != after and self._status.get(item_id, Status.UNTESTED) is Status.UNTESTED:
                return item_id
        return None

    def select_item(self, item_id: str) -> bool:
        for index, row in enumerate(self._rows):
            if row.item is not None and row.item.id == item_id:
                self._set_cursor(index)
                return True
        return False

    def _refresh_row(self, index: int) -> None:
        if index < 0:
            return
        y = index - self.scroll_offset.y
        if 0 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def _scroll_to_cursor(self) -> None:
        if self.cursor < 0 or not self.is_mounted:
            return
        # Show the section heading above the first item of a section when there is room.
        top = self.cursor
        while top > 0 and self._rows[top - 1].kind != "item" and self.cursor - top < 2:
            top -= 1
        height = self.scrollable_content_region.height
        first = round(self.scroll_offset.y)
        if height <= 0 or (top >= first and self.cursor < first + height):
            return  # in view: only the two cursor rows repaint
        # Out of view: the list jumps so the cursor sits mid-pane (as mutt's index does), not
        # one row at a time. Scrolling repaints the whole pane and its scroll bar; a held `j`
        # then pays that once per half a pane of rows instead of on every key.
        target = self.cursor - height // 2 if self.cursor >= first + height else top - height // 2
        self.scroll_to(y=max(0, target), animate=False, force=True, immediate=True)

    def action_cursor_down(self) -> None:
        target = self._next_item_row(self.cursor, 1)
        if target >= 0:
            self._set_cursor(target)

    def action_cursor_up(self) -> None:
        target = self._next_item_row(self.cursor, -1)
        if target >= 0:
            self._set_cursor(target)

    def action_page_down(self) -> None:
        self._move_by(max(1, self.scrollable_content_region.height - 1))

    def action_page_up(self) -> None:
        self._move_by(-max(1, self.scrollable_content_region.height - 1))

    def _move_by(self, delta: int) -> None:
        if not self._rows:
            return
        index = min(max(self.cursor + delta, 0), len(self._rows) - 1)
        step = 1 if delta > 0 else -1
        if self._rows[index].kind != "item":
            found = self._next_item_row(index, step)
            index = found if found >= 0 else self._next_item_row(index, -step)
        if index >= 0:
            self._set_cursor(index)

    def action_first(self) -> None:
        self._set_cursor(self._next_item_row(-1, 1))

    def action_last(self) -> None:
        self._set_cursor(self._next_item_row(len(self._rows), -1))

    def on_click(self, event: Click) -> None:
        index = event.y + self.scroll_offset.y
        if 0 <= index < len(self._rows) and self._rows[index].kind == "item":
            self._set_cursor(index)

    # --- drawing ---

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._lines.clear()

    def render_line(self, y: int) -> Strip:
        index = y + self.scroll_offset.y
        width = self.scrollable_content_region.width
        if width != self._lines_width:
            self._lines.clear()
            self._lines_width = width
        line = self._lines.get(index)
        if line is None:
            line = self._lines[index] = self._render_row(index, width)
        return line

    def _render_row(self, index: int, width: int) -> Strip:
        base = self.get_component_rich_style("checklist--item")
        if not 0 <= index < len(self._rows):
            return Strip.blank(width, base)
        row = self._rows[index]
        if row.kind == "priority":
            segments = self._priority_segments(row)
        elif row.kind == "section":
            segments = self._section_segments(row)
        else:
            segments = self._item_segments(row)
        if index == self.cursor:
            cursor = self.get_component_rich_style("checklist--cursor")
            base = base + cursor
            segments = [Segment(text, (style or Style()) + cursor) for text, style, _ in segments]
        # Every segment carries a style: Textual's NO_COLOR filter expects one.
        segments = [Segment(text, base + style if style else base) for text, style, _ in segments]
        strip = Strip(segments)
        return strip.crop_extend(0, width, base)

    def _count_segments(self, counts: Tally) -> list[Segment]:
        """` 5/7 ✗1 ⊘1`: done (passed or skipped) of all, then failed and blocked apart."""
        out = [Segment(f" {counts.done}/{counts.total}", self.get_component_rich_style("checklist--muted"))]
        if counts.failed:
            out.append(Segment(f" {Status.FAILED.mark}{counts.failed}", self.get_component_rich_style(STATUS_CLASS[Status.FAILED])))
        if counts.blocked:
            out.append(Segment(f" {Status.BLOCKED.mark}{counts.blocked}", self.get_component_rich_style(STATUS_CLASS[Status.BLOCKED])))
        return out

    def _priority_segments(self, row: Row) -> list[Segment]:
        style = self.get_component_rich_style("checklist--priority")
        return [Segment(row.priority.label.upper(), style), *self._count_segments(self._priority_counts[row.priority])]

    def _section_segments(self, row: Row) -> list[Segment]:
        section = self.checklist.sections[row.section]
        style = self.get_component_rich_style("checklist--section")
        counts = self._count_segments(self._section_counts[row.section])
        assignee = self.checklist.assign.get(section.id, "")
        if assignee:
            counts.append(Segment(" →" + self._tester_name(assignee), self.get_component_rich_style("checklist--who")))
        width = self.scrollable_content_region.width
        room = max(4, width - 1 - sum(seg.cell_length for seg in counts))
        return [Segment(" " + _fit(section.title, room), style), *counts]

    def _tester_name(self, name: str) -> str:
        """A tester's name for the list: up to 8 cells in a wide pane, initials in a narrow one."""
        name = inert(name, one_line=True).strip() or "?"
        if self.scrollable_content_region.width >= WIDE_LIST:
            return _fit(name, 8)
        words = name.split()
        return ("".join(word[0] for word in words[:2]) if len(words) > 1 else name[:2]).upper()

    def _item_segments(self, row: Row) -> list[Segment]:
        assert row.item is not None
        item_id = row.item.id
        status = self._status.get(item_id, Status.UNTESTED)
        mark, mark_style = status.mark, self.get_component_rich_style(STATUS_CLASS[status])
        if item_id in self._conflicts:
            mark, mark_style = CONFLICT_MARK, self.get_component_rich_style("checklist--conflict")
        base = self.get_component_rich_style("checklist--item")
        who = self._who.get(item_id, "")
        if who:
            tail = " " + self._tester_name(who)
        elif item_id in self.checklist.assign:
            tail = " →" + self._tester_name(self.checklist.assign[item_id])
        else:
            tail = ""
        note = " " + NOTE_MARK if item_id in self._noted else ""
        width = self.scrollable_content_region.width
        room = width - 4 - cell_len(mark) - cell_len(tail) - cell_len(note)
        title = " " + _fit(row.item.title, room)
        segments = [Segment("   ", base), Segment(mark, mark_style), Segment(title, base)]
        if note:
            segments.append(Segment(note, self.get_component_rich_style("checklist--muted")))
        if tail:  # at the right edge, so the names line up as a column
            gap = max(0, width - 3 - cell_len(mark) - cell_len(title) - cell_len(note) - cell_len(tail))
            segments += [Segment(" " * gap, base), Segment(tail, self.get_component_rich_style("checklist--who"))]
        return segments


def _fit(text: str, cells: int) -> str:
    """`text` in at most `cells` terminal cells, cut with "…" when it does not fit; control
    characters shown as `\\e` … (untrusted checklist text, see `core/text.py`)."""
    text = inert(text, one_line=True)
    if cell_len(text) <= cells:
        return text
    return set_cell_size(text, max(0, cells - 1)) + "…" if cells > 0 else ""
