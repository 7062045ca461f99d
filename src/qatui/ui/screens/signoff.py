"""The sign-off screen: what is still open, the performance table, and the signature.

Open critical items come first and are warned about, never hidden; signing with them open is
the tester's call (the record shows it). The performance table puts "before" (this record's
own before value, else the baseline record's measurement: `--baseline OLD.md` or the last
record of the same checklist) beside "after" (this session's probe timings). Confirming answers
a `SignOff`; the app passes it to `Recorder.sign`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Static

from qatui.core.checklist import Checklist, Priority
from qatui.core.session import MetricValue, Session, SignOff, Status


def summary_table(session: Session) -> Table:
    table = Table(title="Summary by priority", title_justify="left", expand=False, show_edge=False)
    table.add_column("priority", style="bold")
    for status in (Status.PASSED, Status.FAILED, Status.BLOCKED, Status.SKIPPED, Status.UNTESTED):
        table.add_column(f"{status.mark} {status.value}", justify="right")
    for priority in Priority:
        counts = session.counts(priority)
        if not sum(counts.values()):
            continue
        table.add_row(
            priority.label,
            *(str(counts[s]) for s in (Status.PASSED, Status.FAILED, Status.BLOCKED, Status.SKIPPED, Status.UNTESTED)),
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
    return f"{value:g} {unit}".strip()


def performance_table(session: Session, baseline: Session | None) -> Table | Text:
    if not session.metrics:
        return Text("No performance figures in this checklist.", style="dim")
    table = Table(title="Performance", title_justify="left", show_edge=False)
    table.add_column("metric", style="bold")
    table.add_column("before", justify="right")
    table.add_column("after", justify="right")
    table.add_column("limit", justify="right")
    table.add_column("")
    for metric in session.metrics:
        before = before_value(metric, baseline)
        verdict = Text("")
        if metric.after is not None and metric.threshold is not None:
            verdict = (
                Text("✓ within", style="green")
                if metric.after <= metric.threshold
                else Text("✗ over limit", style="bold red")
            )
        elif metric.after is not None and before is not None and before > 0:
            change = (metric.after - before) / before * 100
            verdict = Text(f"{change:+.0f}%", style="red" if change > 20 else "")
        table.add_row(
            metric.name,
            _fmt(before, metric.unit),
            _fmt(metric.after, metric.unit),
            _fmt(metric.threshold, metric.unit),
            verdict,
        )
    return table


class SignOffScreen(Screen[SignOff | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Back"),
        Binding("ctrl+s", "sign", "Sign"),
    ]
    AUTO_FOCUS = "#signoff"

    def __init__(self, checklist: Checklist, session: Session, baseline: Session | None, clock: Callable[[], datetime]) -> None:
        super().__init__()
        self.checklist = checklist
        self.session = session
        self.baseline = baseline
        self.clock = clock

    def compose(self) -> ComposeResult:
        spec = self.checklist.signoff
        with VerticalScroll(id="signoff", can_focus=True):
            yield Label(f"Sign-off · {self.session.title}", classes="dialog-title")
            if self.session.signoff is not None:
                done = self.session.signoff
                yield Static(
                    Text(f"Already signed by {done.name} ({done.role}) at {done.at:%Y-%m-%d %H:%M}: {done.meaning}", style="bold green")
                )
            yield Static(summary_table(self.session), id="signoff-summary")
            yield Static(open_items(self.session), id="signoff-open")
            yield Static(performance_table(self.session, self.baseline), id="signoff-performance")
            with Grid(id="signoff-fields"):
                roles = ", ".join(spec.roles)
                yield Label("Name")
                yield Input(self.session.tester, id="signoff-name", compact=True)
                yield Label("Role")
                yield Input(spec.roles[0] if spec.roles else "QA", id="signoff-role", compact=True,
                            placeholder=roles or "QA, Tech lead, …")
                yield Label("Meaning")
                yield Input(spec.meaning, id="signoff-meaning", compact=True)
                yield Label("Comment")
                yield Input("", id="signoff-comment", compact=True, placeholder="optional")
            yield Static("", id="signoff-error", classes="dialog-hint")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Sign", id="sign", variant="success")
                yield Button("Back", id="back")
        yield Footer()

    def on_mount(self) -> None:
        blink = not getattr(self.app, "deterministic", False)
        for field in self.query(Input):
            field.cursor_blink = blink

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "sign":
            self.action_sign()
        else:
            self.action_cancel()

    def action_sign(self) -> None:
        name = self.query_one("#signoff-name", Input).value.strip()
        role = self.query_one("#signoff-role", Input).value.strip()
        meaning = self.query_one("#signoff-meaning", Input).value.strip()
        comment = self.query_one("#signoff-comment", Input).value.strip()
        if not name or not role or not meaning:
            self.query_one("#signoff-error", Static).update("Name, role and meaning are needed to sign.")
            return
        self.dismiss(SignOff(name=name, role=role, at=self.clock(), meaning=meaning, comment=comment))

    def action_cancel(self) -> None:
        self.dismiss(None)
