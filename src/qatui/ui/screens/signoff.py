"""The sign-off screen: what is still open, the performance table, and the signature.

Open critical items come first and are warned about, never hidden; signing with them open is
the tester's call (the record shows it), so it takes a second, explicit "Sign anyway" whose
default button is "Back". The performance table puts "before" (this record's own before
value, else the baseline record's measurement: `--baseline OLD.md` or the last record of the
same checklist) beside "after" (this session's probe timings, or the figure the tester types
here for a manual metric) and the change, computed by the record's own helpers
(`core.record.render`), so the screen and the record never disagree. A typed figure is saved
at once through `save_figure` (the session control's, the Recorder's `set_metric_after`),
like every other change.

Everything here must fit 80 columns: the summary table has no vertical rules and a total
column, like the record's. Times are shown to the minute with their zone, the way a tester
reads them. A signed record shows who signed and offers "Reopen" instead of "Sign".

Nothing typed here is lost. The screen opens with the cursor in the first field (a figure to
type, else the name), so the first key typed lands somewhere; the focused field's label turns
into `▶ Name` in reverse video, a mark that survives NO_COLOR. Every field is in the form at the
bottom, above the footer (the figures to type, then name, role, meaning, comment and the
buttons; many figures scroll in a few rows of their own), so at 80×24 it is on screen whatever
the summary's length, and the screen opens with the summary at the top; the summary, the open
items and the performance table scroll above the form (PageUp/PageDown from any field). What was
typed in the form is kept for the rest of the session (`_DRAFTS`), so Back and `S` again bring
the comment back; figures are saved to the record on Back anyway.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import ClassVar
from weakref import WeakKeyDictionary

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Static

from qatui.core.checklist import Checklist, Priority
from qatui.core.record.escape import number
from qatui.core.record.render import STATUS_ORDER, threshold_ok
from qatui.core.run.figures import metric_change
from qatui.core.session import MetricValue, Session, SignOff

#: The signature form as typed, per app (one app is one session), until it is signed: a new
#: `SignOffScreen` is made each time `S` is pressed, and Back must not lose a written comment.
#: Kept here rather than on the app so that the app needs no sign-off state of its own.
_DRAFTS: WeakKeyDictionary[App[object], dict[str, str]] = WeakKeyDictionary()

#: The form's fields: input id → label.
FORM_FIELDS = {"signoff-name": "Name", "signoff-role": "Role", "signoff-meaning": "Meaning",
               "signoff-comment": "Comment"}
FOCUS_MARK = "▶ "


def shown_time(value: datetime) -> str:
    """A date and time as a tester reads it: to the minute, with its zone."""
    zone = value.tzname() or ""
    if zone.startswith("UTC") and len(zone) > 3:
        zone = zone[3:]  # "UTC+01:00" reads as "+01:00"
    return f"{value:%Y-%m-%d %H:%M} {zone}".strip()


def summary_table(session: Session) -> Table:
    """Counts per priority and status, with totals (the record's summary, in 80 columns)."""
    table = Table(
        title="Summary by priority", title_justify="left", expand=False, box=box.SIMPLE_HEAD,
        show_edge=False, pad_edge=False, padding=(0, 1, 0, 0),
    )
    table.add_column("priority", style="bold", no_wrap=True)
    for status in STATUS_ORDER:
        table.add_column(f"{status.mark} {status.value}", justify="right", no_wrap=True)
    table.add_column("total", justify="right", no_wrap=True)
    totals = dict.fromkeys(STATUS_ORDER, 0)
    for priority in Priority:
        counts = session.counts(priority)
        if not sum(counts.values()):
            continue
        for status in STATUS_ORDER:
            totals[status] += counts[status]
        table.add_row(priority.label, *(str(counts[s]) for s in STATUS_ORDER), str(sum(counts.values())))
    table.add_row(
        Text("all", style="bold"), *(Text(str(totals[s]), style="bold") for s in STATUS_ORDER),
        Text(str(sum(totals.values())), style="bold"),
    )
    return table


def open_items(session: Session) -> RenderableType:
    lines: list[RenderableType] = []
    critical = session.open_critical()
    if critical:
        lines.append(
            Text(f"⚠ {len(critical)} critical item{'s are' if len(critical) != 1 else ' is'} not passed:", style="bold red")
        )
        for item_id in critical:
            item = session.item(item_id)
            lines.append(Text(f"  {item.status.mark} {item.title}  ({item.status.value})", style="red"))
    else:
        lines.append(Text("✓ every critical item passed", style="bold green"))
    others = [
        (section.priority, item)
        for section in session.sections
        if section.priority is not Priority.CRITICAL
        for item in section.items
        if item.status.is_open
    ]
    if others:
        lines.append(Text(f"{len(others)} other open item{'s' if len(others) != 1 else ''}:", style="bold yellow"))
        for priority, item in others[:15]:
            lines.append(Text(f"  {item.status.mark} {item.title}  ({priority.label}, {item.status.value})"))
        if len(others) > 15:
            lines.append(Text(f"  … and {len(others) - 15} more", style="dim"))
    return Group(*lines)


def before_value(metric: MetricValue, baseline: Session | None) -> float | None:
    if metric.before is not None:
        return metric.before
    if baseline is None:
        return None
    for old in baseline.metrics:
        if old.id == metric.id:
            return old.after if old.after is not None else old.before
    return None


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    return f"{number(value)} {unit}".strip()


def performance_table(session: Session, baseline: Session | None) -> Table | Text:
    """Before, after, the change and the limit of every metric, as the record's table has them."""
    if not session.metrics:
        return Text("No performance figures in this checklist.", style="dim")
    table = Table(
        title="Performance", title_justify="left", box=box.SIMPLE_HEAD, show_edge=False,
        pad_edge=False, padding=(0, 1, 0, 0),
    )
    table.add_column("metric", style="bold", overflow="fold")
    table.add_column("before", justify="right", no_wrap=True)
    table.add_column("after", justify="right", no_wrap=True)
    table.add_column("change", justify="right", no_wrap=True)
    table.add_column("limit", justify="right", no_wrap=True)
    for metric in session.metrics:
        compared = replace(metric, before=before_value(metric, baseline))
        moved = metric_change(compared.before, compared.after)
        change = Text(moved.text(number))
        if moved.percent is not None and compared.before is not None and compared.before > 0 and moved.percent > 20:
            change.stylize("red")
        verdict = threshold_ok(compared)
        limit = Text(_fmt(metric.threshold, metric.unit))
        if verdict is True:
            limit.append(" ✓", style="green")
        elif verdict is False:
            limit.append(" ✗ over", style="bold red")
        table.add_row(
            metric.name,
            _fmt(compared.before, metric.unit),
            _fmt(metric.after, metric.unit),
            change,
            limit,
        )
    return table


def parse_figure(text: str) -> float | None:
    """A typed figure: a finite number, or nothing (clears it). Raises ValueError otherwise."""
    text = text.strip().replace(",", ".")
    if not text:
        return None
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


class SignOffScreen(Screen[SignOff | None]):
    CSS_PATH = "dialogs.tcss"  # read when the first of these screens opens
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Back"),
        Binding("ctrl+s", "sign", "Sign"),
        Binding("pageup", "scroll_summary(-1)", "Scroll up", show=False),
        Binding("pagedown", "scroll_summary(1)", "Scroll down", show=False),
    ]
    AUTO_FOCUS = None  # `on_mount` picks the first field that can be typed in

    def __init__(self, checklist: Checklist, session: Session, baseline: Session | None, clock: Callable[[], datetime],
                 *, save_figure: Callable[[str, float | None], bool], signer: str = "") -> None:
        super().__init__()
        #: Who signs: the person working the record now (a lead signing a team's merged record
        #: is not its first tester); the record's tester when not given.
        self.signer = signer or session.tester
        self.checklist = checklist
        self.session = session
        self.baseline = baseline
        self.clock = clock
        #: Saves a typed figure through the recorder at once; False when it was not saved
        #: (the error is shown by whoever saves, and the tester stays on the field).
        self.save_figure = save_figure

    @property
    def manual_metrics(self) -> list[MetricValue]:
        """The session's metrics whose "after" the tester types (no probe, no capture)."""
        manual = {metric.id for metric in self.checklist.metrics if metric.source == "manual"}
        return [metric for metric in self.session.metrics if metric.id in manual]

    def compose(self) -> ComposeResult:
        spec = self.checklist.signoff
        signed = self.session.signoff
        draft = _DRAFTS.get(self.app, {}) if signed is None else {}
        yield Label(f"Sign-off · {self.session.title}", classes="dialog-title", id="signoff-title")
        with VerticalScroll(id="signoff", can_focus=True):
            if signed is not None:
                yield Static(
                    Text(
                        f"✓ Signed by {signed.name} ({signed.role}) on {shown_time(signed.at)}: {signed.meaning}. "
                        "Reopen it to change anything.",
                        style="bold green",
                    ),
                    id="signoff-done",
                )
            yield Static(summary_table(self.session), id="signoff-summary")
            yield Static(open_items(self.session), id="signoff-open")
            yield Static(performance_table(self.session, self.baseline), id="signoff-performance")
        with Vertical(id="signoff-form"):
            manual = self.manual_metrics
            if manual:
                yield Label("Figures you measure (enter saves):", classes="signoff-heading")
                with VerticalScroll(id="signoff-figures"), Grid(id="signoff-metrics"):
                    for metric in manual:
                        yield Label(f"  {metric.name} ({metric.unit})" if metric.unit else f"  {metric.name}",
                                    id=f"label-metric-{metric.id}", classes="signoff-label")
                        yield Input(
                            "" if metric.after is None else number(metric.after),
                            id=f"metric-{metric.id}", compact=True, placeholder="a number",
                            disabled=signed is not None,
                        )
            with Grid(id="signoff-fields"):
                defaults = {
                    "signoff-name": self.signer,
                    "signoff-role": spec.roles[0] if spec.roles else "QA",
                    "signoff-meaning": spec.meaning,
                    "signoff-comment": "",
                }
                placeholders = {"signoff-role": ", ".join(spec.roles) or "QA, Tech lead, …",
                                "signoff-comment": "optional"}
                for field_id, label in FORM_FIELDS.items():
                    yield Label(f"  {label}", id=f"label-{field_id}", classes="signoff-label")
                    yield Input(draft.get(field_id, defaults[field_id]), id=field_id, compact=True,
                                placeholder=placeholders.get(field_id, ""))
            yield Static("", id="signoff-error", classes="dialog-hint")
            with Horizontal(classes="dialog-buttons"):
                if signed is None:
                    yield Button("Sign (ctrl+s)", id="sign", variant="success", compact=True)
                else:
                    yield Button("Reopen the record", id="reopen", variant="warning", compact=True)
                yield Button("Back (esc)", id="back", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        blink = not getattr(self.app, "deterministic", False)
        for field in self.query(Input):
            field.cursor_blink = blink
        if self.session.signoff is not None:
            for field in self.query("#signoff-fields Input").results(Input):
                field.disabled = True
        first = next((field for field in self.query(Input).results(Input) if not field.disabled), None)
        self.set_focus(first or self.query_one("#signoff", VerticalScroll))

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self._mark(event.widget, True)

    def _mark(self, widget: object, focused: bool) -> None:
        """`▶ Name` in reverse video beside the focused field (a mark NO_COLOR keeps)."""
        if not isinstance(widget, Input) or not widget.id:
            return
        for label in self.query(f"#label-{widget.id}").results(Label):
            text = str(label.content).removeprefix(FOCUS_MARK).removeprefix("  ")
            label.update(f"{FOCUS_MARK if focused else '  '}{text}")
            label.set_class(focused, "-focused")

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id in FORM_FIELDS and self.session.signoff is None:
            _DRAFTS.setdefault(self.app, {})[event.input.id] = event.value

    def action_scroll_summary(self, direction: int) -> None:
        """PageUp/PageDown move the summary above the form, whichever field has focus."""
        body = self.query_one("#signoff", VerticalScroll)
        if direction < 0:
            body.scroll_page_up(animate=False)
        else:
            body.scroll_page_down(animate=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id and event.input.id.startswith("metric-") and not self._save_figure(event.input):
            return
        self.focus_next()

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        widget = event.widget
        self._mark(widget, False)
        if isinstance(widget, Input) and widget.id and widget.id.startswith("metric-") and widget.is_attached:
            self._save_figure(widget)

    def _save_figure(self, field: Input) -> bool:
        """Save a typed figure at once; False (and a message) when it is not a number."""
        assert field.id is not None
        metric_id = field.id.removeprefix("metric-")
        metric = next((m for m in self.session.metrics if m.id == metric_id), None)
        if metric is None:
            return False
        try:
            value = parse_figure(field.value)
        except ValueError:
            self._error(f"{metric.name}: {field.value.strip()!r} is not a number.")
            return False
        if value == metric.after:
            return True
        if not self.save_figure(metric_id, value):
            return False
        self._error("")
        self.refresh_tables()
        return True

    def refresh_tables(self) -> None:
        self.query_one("#signoff-performance", Static).update(performance_table(self.session, self.baseline))

    def _error(self, text: str) -> None:
        self.query_one("#signoff-error", Static).update(text)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "sign":
            self.action_sign()
        elif event.button.id == "reopen":
            self.dismiss(None)
            self.app.call_later(self.app.run_action, "app.reopen")
        else:
            self.action_cancel()

    def action_sign(self) -> None:
        if self.session.signoff is not None:
            self._error("The record is signed already; reopen it to sign again.")
            return
        for field in self.query("#signoff-metrics Input").results(Input):
            if not self._save_figure(field):
                field.focus()
                return
        name = self.query_one("#signoff-name", Input).value.strip()
        role = self.query_one("#signoff-role", Input).value.strip()
        meaning = self.query_one("#signoff-meaning", Input).value.strip()
        comment = self.query_one("#signoff-comment", Input).value.strip()
        if not name or not role or not meaning:
            self._error("Name, role and meaning are needed to sign.")
            return
        critical = self.session.open_critical()
        if not critical:
            self._signed(name, role, meaning, comment, True)
            return
        from qatui.ui.screens.modals import ConfirmModal

        body = Text()
        body.append(
            f"{len(critical)} critical item{'s are' if len(critical) != 1 else ' is'} not passed:\n", style="bold"
        )
        for item_id in critical[:12]:
            item = self.session.item(item_id)
            body.append(f"  {item.status.mark} {item.title}  ({item.status.value})\n")
        if len(critical) > 12:
            body.append(f"  … and {len(critical) - 12} more\n", style="dim")
        body.append(
            "\nThe record will show them as open, and `qatui report` will say the release gate is "
            "not cleared."
        )
        self.app.push_screen(
            ConfirmModal("Sign with open critical items?", body, yes="Sign anyway", no="Back", default="no", error=True),
            lambda yes: self._signed(name, role, meaning, comment, bool(yes)),
        )

    def _signed(self, name: str, role: str, meaning: str, comment: str, yes: bool) -> None:
        if yes:
            _DRAFTS.pop(self.app, None)  # signed: the next sign-off (after a reopen) starts afresh
            self.dismiss(SignOff(name=name, role=role, at=self.clock(), meaning=meaning, comment=comment))

    def action_cancel(self) -> None:
        """Back to the checklist; a figure typed but not yet entered is saved first (and a
        figure that is not a number keeps the tester here, with the reason)."""
        for field in self.query("#signoff-metrics Input").results(Input):
            if not field.disabled and not self._save_figure(field):
                field.focus()
                return
        self.dismiss(None)
