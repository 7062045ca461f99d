"""The main screen: checklist pane, item pane, probe pane and log pane under a header.

The screen holds no session state of its own: it reads the session through the `SessionView`
it is given and turns keys into requests (`TickRequested`, `ProbesRequested`, `AttachRequested`,
…, `ui/messages.py`) posted to the app, whose controllers own the recorder and every worker.
They tell the screen what changed (`ItemChanged`, `ProbesChanged`, `LogSourcesChanged`, …) and
the screen redraws that from the view.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input

from qatui.core.session import ProbeResult, Status
from qatui.ui import messages as m
from qatui.ui.keys import bindings
from qatui.ui.ticking import tick
from qatui.ui.widgets.checklist_view import ChecklistView
from qatui.ui.widgets.item_pane import ItemPane
from qatui.ui.widgets.log_pane import LogPane
from qatui.ui.widgets.probe_pane import ProbePane
from qatui.ui.widgets.session_header import SessionHeader

if TYPE_CHECKING:
    from qatui.ui.session_view import SessionView


def _breakpoint(width: int, breakpoints: list[tuple[int, str]]) -> str | None:
    """The class of the widest breakpoint `width` reaches (as `Screen._on_resize` picks it)."""
    for least, name in sorted(breakpoints, reverse=True):
        if width >= least:
            return name
    return None


class MainScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = list(bindings("screen"))
    AUTO_FOCUS = "ChecklistView"
    #: `esc` in a zoomed pane first does what it does there (drop the log selection, close a
    #: filter), and only then restores the pane (`action_unzoom`).
    ESCAPE_TO_MINIMIZE = False

    def __init__(self, view: SessionView) -> None:
        super().__init__()
        self.view = view
        self._pending_item: str | None = None
        self._detail_timer: Timer | None = None
        self._detail_frame_pending = False  # the last detail render is not on the terminal yet
        self._filter_field: Input | None = None
        self._log_filter_field: Input | None = None
        self._shown_item: str | None = None
        self._resumed = False

    def post_message(self, message: Message) -> bool:
        """The first `ScreenResume` comes right after the mount that styled every pane: it
        restyles none of them again (`refresh_styles`). Textual restyles the whole screen on
        every resume, since something may have changed while it was not shown; the first time
        nothing was, and styling every pane a second time (the checklist with each of its
        component classes) delayed the first frame. Later resumes (after a dialog) restyle."""
        if isinstance(message, events.ScreenResume) and not self._resumed:
            self._resumed = True
            message.refresh_styles = False
        return super().post_message(message)

    def compose(self) -> ComposeResult:
        # The width's breakpoint class (`-narrow`/`-wide`, `QatuiApp.HORIZONTAL_BREAKPOINTS`)
        # is set before the panes mount, as Textual would set it on the first Resize: then
        # that Resize changes no class and every pane is styled once, not twice.
        width = self.app.size.width
        breakpoints = self.app.HORIZONTAL_BREAKPOINTS or []
        self.update_classes({name: name == _breakpoint(width, breakpoints) for _, name in breakpoints}, update=False)
        view = self.view
        assert view.checklist is not None
        session = view.session
        header = SessionHeader(session, view.clock, id="header")
        header.auto_run = view.auto_run
        yield header
        with Vertical(id="left"):
            # The filter field is mounted the first time `/` is pressed: an Input (its CSS,
            # its cursor timer) costs start-up time and is hidden until then anyway.
            checklist_view = ChecklistView(view.checklist, session, start_at=view.resume_item(),
                                           start_next_open=view.advance, id="checklist")
            checklist_view.highlight_listener = self.on_checklist_view_item_highlighted
            yield checklist_view
        with Vertical(id="right"):
            # The detail panes hold the first item before they are mounted, so the first
            # frame already shows its steps (not one frame and a detail delay later).
            item_pane = ItemPane(view.checklist, id="item")
            probe_pane = ProbePane(id="probes")
            probe_pane.clock = view.clock
            probe_pane.opened_at = self.opened_at = view.clock()  # older results: "from the last session"
            first = checklist_view.initial_item_id()
            if first is not None:
                self._fill_details(first, item_pane, probe_pane)
                self._shown_item = first
            yield item_pane
            yield probe_pane
            yield LogPane(max_lines=view.log_max_lines, id="logs")

    def on_mount(self) -> None:
        self.query_one("#checklist", ChecklistView).border_title = "Checklist"
        # The key bar (ten widgets, each styled and then recomposed) comes one frame after the
        # checklist: the first frame shows what the tester reads first, sooner.
        self.call_after_refresh(self._mount_footer)
        if not self.view.deterministic:
            self.set_interval(1.0, self._tick_clock)
            self.set_interval(30.0, lambda: self.probe_pane.refresh_ages())

    async def _mount_footer(self) -> None:
        from textual.widgets import Footer  # its module, too, is not needed for the first frame

        await self.mount(Footer(show_command_palette=False, compact=True))
        self.refresh_bindings()  # the footer missed the screen's first bindings signal

    @on(m.AutoRunChanged)
    def _auto_run_changed(self, message: m.AutoRunChanged) -> None:
        header = self.query_one(SessionHeader)
        header.auto_run = message.on
        header.update_header()

    def _tick_clock(self) -> None:
        self.query_one(SessionHeader).update_header()

    # --- views ---

    @property
    def checklist_view(self) -> ChecklistView:
        return self.query_one("#checklist", ChecklistView)

    @property
    def item_pane(self) -> ItemPane:
        return self.query_one("#item", ItemPane)

    @property
    def probe_pane(self) -> ProbePane:
        return self.query_one("#probes", ProbePane)

    @property
    def log_pane(self) -> LogPane:
        return self.query_one("#logs", LogPane)

    @property
    def current_item_id(self) -> str | None:
        item = self.checklist_view.highlighted_item
        return item.id if item else None

    #: Seconds the item and probe panes wait for the cursor to settle while keys come faster
    #: than frames (a held `j` on a busy machine): then each key repaints only two list rows
    #: and the detail panes catch up once the keys stop.
    DETAIL_DELAY = 0.04

    def on_checklist_view_item_highlighted(self, message: ChecklistView.ItemHighlighted) -> None:
        """Leading edge, then coalescing. Drawing an item costs well under a millisecond
        (`render_item` and its strips), so a key that finds the last detail frame already on
        the terminal draws its item at once, in the same frame as the cursor: no wait for the
        cursor to settle, whatever the key rate, as long as the screen keeps up. A key that
        comes before that frame was drawn means the keys outrun the frames: from then on the
        panes wait for a `DETAIL_DELAY` pause in the keys (reset by each one), so a burst costs
        one detail render at its end. A timer on the key rate alone cannot tell the two apart:
        a terminal's key repeat (25–40 ms) is slower than one frame of a screen that keeps up."""
        self._pending_item = message.item_id
        if self._shown_item is not None and message.item_id == self._shown_item and self._detail_timer is None:
            self._shown_item = None  # the first item, filled in before the first frame
        elif self.view.deterministic or (self._detail_timer is None and not self._detail_frame_pending):
            self._show_pending()
        elif self._detail_timer is None:
            self._detail_timer = self.set_timer(self.DETAIL_DELAY, self._show_pending)
        else:
            self._detail_timer.reset()
        self.app.post_message(m.ItemOpened(message.item_id))

    def _show_pending(self) -> None:
        if self._detail_timer is not None:
            self._detail_timer.stop()
            self._detail_timer = None
        self._show_item(self._pending_item)
        if not self._detail_frame_pending:
            self._detail_frame_pending = True
            self.call_after_refresh(self._detail_frame_drawn)

    def _detail_frame_drawn(self) -> None:
        self._detail_frame_pending = False

    def _show_item(self, item_id: str | None) -> None:
        if item_id is None:
            self.item_pane.show(None, None)
            self.probe_pane.show([], {}, set())
            return
        self._fill_details(item_id, self.item_pane, self.probe_pane)

    def _fill_details(self, item_id: str, item_pane: ItemPane, probe_pane: ProbePane) -> None:
        view = self.view
        item_pane.show(view.item(item_id), view.item_result(item_id))
        self._fill_probes(item_id, probe_pane)

    def refresh_probes(self, item_id: str) -> None:
        if item_id != self.current_item_id:
            return
        self._fill_probes(item_id, self.probe_pane)

    def _fill_probes(self, item_id: str, probe_pane: ProbePane) -> None:
        view = self.view
        item = view.item(item_id)
        results: dict[str, ProbeResult] = view.probe_results(item_id)
        running = {p.id for p in item.probes if view.is_running(p.id)}
        recorded = view.item_result(item_id)
        probe_pane.show(item.probes, results, running, recorded.status if recorded else Status.UNTESTED)

    def refresh_item(self, item_id: str) -> None:
        """After a change to one item: statuses, counts, header and (if shown) the details."""
        self.checklist_view.refresh_statuses()
        self.query_one(SessionHeader).update_header()
        if item_id == self.current_item_id:
            self._show_item(item_id)

    def refresh_all(self) -> None:
        """After a reload: the session object itself changed."""
        session = self.view.session
        self.query_one(SessionHeader).session = session
        self.checklist_view.session = session
        self.query_one(SessionHeader).update_header()
        self._show_item(self.current_item_id)

    # --- told what changed (`ui/messages.py`) ---

    @on(m.ItemChanged)
    def _item_changed(self, message: m.ItemChanged) -> None:
        self.refresh_item(message.item_id)

    @on(m.SessionChanged)
    def _session_changed(self) -> None:
        self.refresh_all()

    @on(m.ProbesChanged)
    def _probes_changed(self, message: m.ProbesChanged) -> None:
        for item_id in message.item_ids:
            self.refresh_probes(item_id)

    @on(m.LogSourcesChanged)
    def _log_sources_changed(self, message: m.LogSourcesChanged) -> None:
        self.log_pane.set_sources(message.names, message.scope, message.message, keep=message.keep)
        if message.note:
            self.log_pane.note(message.note)

    @on(m.LogLinesReady)
    def _log_lines_ready(self, message: m.LogLinesReady) -> None:
        pane = self.log_pane
        for batch in message.take():
            pane.add_lines(batch)

    @on(m.SignoffClosed)
    def _signoff_closed(self) -> None:
        self.checklist_view.focus()

    # --- actions (keys from qatui.ui.keys) ---

    def _ask(self, request: m.Request) -> None:
        """Post a request to the app itself, not up through this screen: posted by a key's
        binding, the app handles it with that key, before the keys typed after it."""
        self.app.post_message(request)

    def action_set_status(self, value: str) -> None:
        item_id = self.current_item_id
        if item_id is None:
            return
        tick(self, item_id, Status(value))

    def action_note(self) -> None:
        item_id = self.current_item_id
        if item_id is not None:
            self._ask(m.NoteRequested(item_id))

    def action_run_item_probes(self) -> None:
        item_id = self.current_item_id
        if item_id is not None:
            self._ask(m.ProbesRequested([item_id], label="r"))

    def action_run_section_probes(self) -> None:
        item_id = self.current_item_id
        checklist = self.view.checklist
        if item_id is None or checklist is None:
            return
        section = checklist.section_of(item_id)
        self._ask(m.ProbesRequested([item.id for item in section.items], label="R", section=True))

    def action_cancel_probes(self) -> None:
        self._ask(m.CancelProbesRequested())

    def action_toggle_auto_run(self) -> None:
        self._ask(m.AutoRunToggled())

    def action_attach(self) -> None:
        item_id = self.current_item_id
        if item_id is None:
            return
        if self.focused is self.probe_pane:
            probe = self.probe_pane.selected
            result = self.probe_pane.selected_result()
            if probe is not None and result is not None:
                self._ask(m.AttachRequested(item_id, result=result))
                return
        lines, which = self.log_pane.log_widget.lines_to_attach()
        if lines:
            self._ask(m.AttachRequested(item_id, lines=lines, sources=self.log_pane.sources))
            if which == "selected":
                self.log_pane.log_widget.action_unselect()  # attached: the selection is done
            return
        result = self.probe_pane.selected_result()
        if result is not None:
            self._ask(m.AttachRequested(item_id, result=result))
            return
        self.notify("Nothing to attach: no log lines and no probe output yet.", severity="warning")

    #: Whole in the list's width at 80×24 (28 cells inside the field's border; ? lists the rest).
    ITEM_FILTER_HINT = "words status:failed is:open"

    @property
    def filter_field(self) -> Input | None:
        """The filter field, once `/` has been pressed."""
        return self._filter_field

    async def action_filter(self) -> None:
        field = self.filter_field
        if field is None:
            field = Input(placeholder=self.ITEM_FILTER_HINT, id="filter")
            await self.query_one("#left", Vertical).mount(field, before=0)
            self._filter_field = field
        field.value = self.checklist_view.item_filter.text
        field.display = True
        field.focus()

    async def action_filter_logs(self) -> None:
        """`/` in the log pane: the log's own filter field, inside the log pane (QA F8: in the box
        above the checklist it read as a checklist filter). Shown while typing; once applied the
        pane's status line says `filter: …`."""
        pane = self.log_pane
        field = self._log_filter_field
        if field is None:
            field = Input(placeholder="filter lines · Capitals: exact case · enter/esc", id="log-filter", compact=True)
            await pane.mount(field, before=pane.log_widget)
            self._log_filter_field = field
        field.value = pane.filter_text
        field.display = True
        field.focus()

    def _close_log_filter(self, field: Input) -> None:
        field.display = False
        self.log_pane.log_widget.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "log-filter":
            event.stop()
            self.log_pane.set_filter(event.value)
            self._close_log_filter(event.input)
            return
        if event.input.id != "filter":
            return
        event.stop()
        self._apply_filter(event.value)
        for problem in self.checklist_view.item_filter.problems:
            self.notify(problem, title="Filter", severity="warning")
        self.checklist_view.focus()
        event.input.display = bool(event.value.strip())

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "log-filter":
            event.stop()
            self.log_pane.set_filter(event.value)
        elif event.input.id == "filter":
            event.stop()
            self._apply_filter(event.value)

    def _apply_filter(self, text: str) -> None:
        from qatui.ui.widgets.filtering import ItemFilter

        self.checklist_view.set_filter(ItemFilter.parse(text))

    def on_key(self, event) -> None:  # type: ignore[no-untyped-def]
        log_field = self._log_filter_field
        if log_field is not None and event.key == "escape" and self.focused is log_field:
            event.stop()
            log_field.value = ""
            self.log_pane.set_filter("")
            self._close_log_filter(log_field)
            return
        field = self.filter_field
        if field is not None and event.key == "escape" and self.focused is field:
            event.stop()
            field.value = ""
            self._apply_filter("")
            field.display = False
            self.checklist_view.focus()

    def action_focus_probes(self) -> None:
        """`enter` on an item: to its probes (`enter` there opens a probe's detail)."""
        pane = self.probe_pane
        if not pane.probes:
            self.notify("this item has no probes")
            return
        pane.focus()

    def action_focus_list(self) -> None:
        if self.maximized is not None:  # `esc` in a zoomed probe pane restores it first
            self.minimize()
            return
        self.checklist_view.focus()

    def action_clear_filter(self) -> None:
        """`esc` on the list: the filter goes, the cursor stays on its item."""
        if not self.checklist_view.item_filter.active:
            if self.maximized is not None:  # no filter to clear: `esc` restores a zoomed list
                self.minimize()
            return
        view = self.checklist_view
        shown = view.highlighted_item
        field = self.filter_field
        if field is not None:
            field.value = ""
            field.display = False
        self._apply_filter("")
        if shown is not None:
            view.select_item(shown.id)  # the item the tester is on, not the one before the filter
        self.notify("filter cleared")

    def action_checklist_notes(self) -> None:
        from qatui.ui.screens.notes import ChecklistNotesScreen

        checklist = self.view.checklist
        assert checklist is not None
        if not isinstance(self.app.screen, ChecklistNotesScreen):
            self.app.push_screen(ChecklistNotesScreen(checklist))

    # --- zoom (Textual's maximize) ---

    def action_toggle_zoom(self) -> None:
        """`z`: the focused pane fills the screen (the log pane with its status line), or goes
        back to its place."""
        if self.maximized is not None:
            self.minimize()
            return
        focused = self.focused
        if focused is None or (isinstance(focused, Input) and focused.id == "filter"):
            focused = self.checklist_view
        self.maximize(focused)

    def action_unzoom(self) -> None:
        self.minimize()

    ZOOM_HINT = " · z restores"

    def watch_maximized(self, old: Widget | None, new: Widget | None) -> None:
        """The zoomed pane's title says how to go back (the footer has no room for it)."""
        for widget, zoomed in ((old, False), (new, True)):
            title = widget.border_title if widget is not None else None
            if widget is None or not isinstance(title, str):
                continue
            title = title.removesuffix(self.ZOOM_HINT)
            widget.border_title = title + self.ZOOM_HINT if zoomed else title

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "unzoom":  # `esc` only restores a zoomed pane; elsewhere it is the pane's own
            return self.maximized is not None and not isinstance(self.focused, Input)
        return True

    def action_toggle_follow(self) -> None:
        self.log_pane.toggle_follow()

    def action_toggle_log_scope(self) -> None:
        self._ask(m.LogScopeToggled())

    def action_signoff(self) -> None:
        self._ask(m.SignoffRequested())
