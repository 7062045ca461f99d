"""The probe pane: the selected item's probes, their last results and a suggestion.

One line per probe (mark, kind, id, duration, age, one-line summary); `enter` expands the
selected probe to its detail and the plain-words explanation. The age says when the result was
taken (`3 min ago`, or `last session` for a result older than this screen, said in full under
the list and in the pane's border: see
`ui/probe_summary.py`); it is worked out when the pane is drawn, and the screen redraws it now
and then. Results are evidence, never a verdict: the
pane suggests ("all probes passed — press p to confirm") and the tester decides.

The pane is small (an item has a handful of probes), so it is one Static redrawn on change.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text
from textual.binding import BindingType
from textual.reactive import reactive

from qatui.core.checklist import ProbeSpec
from qatui.core.session import ProbeResult, ProbeStatus, Status
from qatui.ui.inert_filter import shown as visible
from qatui.ui.keys import bindings
from qatui.ui.probe_summary import age, from_last_session
from qatui.ui.widgets.rich_pane import RichPane

PROBE_MARK = {
    ProbeStatus.PASSED: ("✓", "bold green"),
    ProbeStatus.FAILED: ("✗", "bold red"),
    ProbeStatus.ERROR: ("!", "bold red"),
    ProbeStatus.TIMEOUT: ("⧗", "bold yellow"),
    ProbeStatus.NOT_RUN: ("·", "dim"),
    # Not enough evidence: not a pass. The summary starts with "inconclusive:" (NO_COLOR).
    ProbeStatus.INCONCLUSIVE: ("?", "bold yellow"),
}
RUNNING_MARK = ("…", "bold cyan")
DETAIL_LINES = 30


PROBLEM = (ProbeStatus.FAILED, ProbeStatus.ERROR, ProbeStatus.TIMEOUT, ProbeStatus.INCONCLUSIVE)


def suggestion(
    probes: list[ProbeSpec],
    results: dict[str, ProbeResult],
    running: set[str],
    status: Status = Status.UNTESTED,
) -> Text:
    """One line that says what the probes mean for the item, given how it is ticked now."""
    if not probes:
        return Text("This item has no probes: check it by hand.", style="dim")
    if running:
        return Text(f"running {len(running)} of {len(probes)} probes… (x cancels)", style="cyan")
    got = [results[p.id] for p in probes if p.id in results]
    if not got:
        return Text("Probes not run yet — press r to run them.", style="dim")
    bad = [r for r in got if r.status in PROBLEM]
    not_run = [r for r in got if r.status is ProbeStatus.NOT_RUN]
    all_passed = len(got) == len(probes) and not bad and not not_run
    ticked = status is not Status.UNTESTED
    if ticked:
        if status is Status.PASSED and (bad or not_run):
            return Text(
                f"marked passed, though {len(bad) + len(not_run)} of {len(probes)} probes did not pass",
                style="bold yellow",
            )
        if status is Status.PASSED and all_passed:
            return Text("all probes passed · marked passed", style="green")
        return Text(f"marked {status.value} · probes: {_counts(got, len(probes))}", style="dim")
    if all_passed:
        return Text("all probes passed — press p to confirm", style="bold green")
    if bad:
        unsure = sum(r.status is ProbeStatus.INCONCLUSIVE for r in bad)
        if unsure == len(bad):
            return Text(
                f"{unsure} of {len(probes)} probes inconclusive (not enough evidence, not a pass) — "
                "the detail says what to do; r runs them again",
                style="bold yellow",
            )
        return Text(
            f"{len(bad)} of {len(probes)} probes did not pass — look at the evidence, then f to fail with a note",
            style="bold red",
        )
    if not_run:
        return Text(
            f"{len(not_run)} of {len(probes)} probes were not run (cancelled or not allowed) — "
            "the detail says why; r runs them again",
            style="yellow",
        )
    return Text(f"{len(got)} of {len(probes)} probes run — press r to run them all", style="yellow")


def _counts(got: list[ProbeResult], total: int) -> str:
    passed = sum(r.status is ProbeStatus.PASSED for r in got)
    return f"{passed} of {total} passed"


class ProbePane(RichPane):
    """Probes of one item; the screen feeds specs, results and the running set."""

    BINDINGS: ClassVar[list[BindingType]] = list(bindings("probes"))

    cursor: reactive[int] = reactive(0)
    """Index of the selected probe."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.border_title = "Probes"
        self.probes: list[ProbeSpec] = []
        self.results: dict[str, ProbeResult] = {}
        self.running: set[str] = set()
        self.status = Status.UNTESTED
        self.expanded: set[str] = set()
        self._shown: object = None
        #: The app's clock and when this screen opened (the screen sets both): a result's age.
        self.clock: Callable[[], datetime] | None = None
        self.opened_at: datetime | None = None

    def show(
        self,
        probes: list[ProbeSpec],
        results: dict[str, ProbeResult],
        running: set[str],
        status: Status = Status.UNTESTED,
    ) -> None:
        if [p.id for p in probes] != [p.id for p in self.probes]:
            self.cursor = 0
            self.expanded = set()
        key = ([p.id for p in probes], [id(r) for r in results.values()], sorted(running), status)
        if key == self._shown:
            return  # moving between items without probes repaints nothing
        self._shown = key
        self.probes = probes
        self.results = results
        self.running = running
        self.status = status
        self._redraw()

    @property
    def selected(self) -> ProbeSpec | None:
        if 0 <= self.cursor < len(self.probes):
            return self.probes[self.cursor]
        return None

    def selected_result(self) -> ProbeResult | None:
        probe = self.selected
        return self.results.get(probe.id) if probe else None

    def watch_cursor(self) -> None:
        self._redraw()

    def action_cursor_down(self) -> None:
        if self.cursor < len(self.probes) - 1:
            self.cursor += 1

    def action_cursor_up(self) -> None:
        if self.cursor > 0:
            self.cursor -= 1

    def action_expand(self) -> None:
        probe = self.selected
        if probe is None:
            return
        self.expanded ^= {probe.id}
        self._redraw()

    def _redraw(self) -> None:
        self.set_class(bool(self.expanded), "-expanded")
        self.set_renderable(self.render_probes(), keep_scroll=True)
        total = len(self.probes)
        self.border_subtitle = f"{len(self.running)} running" if self.running else (
            f"{total} probe{'s' if total != 1 else ''}{self._oldest_age()}" if total else ""
        )

    def _age(self, result: ProbeResult | None) -> str:
        if result is None or self.clock is None:
            return ""
        return age(result.at, self.clock(), self.opened_at)

    def _oldest_age(self) -> str:
        """` · from the last session`, ` · 3 min ago`: the oldest shown result's age, in the
        border, where a narrow pane cannot cut it off."""
        if self._old_results():
            return " · from the last session"
        timed = [r for p in self.probes if (r := self.results.get(p.id)) is not None and r.at is not None]
        oldest = self._age(min(timed, key=lambda r: r.at)) if timed else ""  # type: ignore[arg-type,return-value]
        return f" · {oldest}" if oldest else ""

    def _old_results(self) -> int:
        """How many shown results were taken before this screen opened (a resumed record's)."""
        return sum(from_last_session(self.results[p.id].at, self.opened_at)
                   for p in self.probes if p.id in self.results and p.id not in self.running)

    def render_probes(self) -> RenderableType:
        parts: list[RenderableType] = []
        focused = self.has_focus
        for index, probe in enumerate(self.probes):
            result = self.results.get(probe.id)
            if probe.id in self.running:
                mark, style = RUNNING_MARK
            elif result is not None:
                mark, style = PROBE_MARK[result.status]
            else:
                mark, style = PROBE_MARK[ProbeStatus.NOT_RUN]
            line = Text(no_wrap=True, overflow="ellipsis")
            pointer = "▸" if index == self.cursor else " "
            line.append(pointer + " ", style="bold" if focused else "")
            line.append(mark, style=style)
            line.append(f" {probe.kind:<9} ", style="dim")
            line.append(probe.id, style="bold")
            if probe.destructive:
                line.append(" destructive", style="red")
            if result is not None and result.duration_ms is not None:
                line.append(f"  {result.duration_ms:.0f} ms", style="cyan")
            if probe.id in self.running:
                line.append("  running…", style="cyan")
            elif result is not None:
                if result.status is ProbeStatus.INCONCLUSIVE:
                    line.append("  inconclusive:", style="bold yellow")
                    line.append_text(visible(f" {result.summary}", one_line=True))
                else:
                    line.append_text(visible(f"  {result.summary}", one_line=True))
            else:
                line.append("  not run", style="dim")
            when = self._age(result)
            if when and probe.id not in self.running:
                line.append(f" · {when}", style="dim")  # after the summary, which matters more
            if index == self.cursor and focused:
                line.stylize("reverse")
            parts.append(line)
            if probe.id in self.expanded:
                parts.append(self._detail(probe, result))
        if parts:
            parts.append(Text(""))
        parts.append(suggestion(self.probes, self.results, self.running, self.status))
        old = self._old_results()
        if old:
            parts.append(Text(f"{old} result{'s are' if old != 1 else ' is'} from the last session — "
                              "r runs the probes again", style="yellow"))
        return Group(*parts)

    def _detail(self, probe: ProbeSpec, result: ProbeResult | None) -> RenderableType:
        """The expanded probe, indented as a block: a wrapped line lines up under its label
        (`Why:` and `where:` are a column of their own), not at the pane's left edge."""
        if result is None:
            return Padding(Text("not run yet", style="dim"), (0, 0, 0, 4))
        rows = Table.grid(padding=(0, 1))
        rows.add_column(no_wrap=True)
        rows.add_column(ratio=1)
        if result.where:
            rows.add_row(Text("where:", style="dim"), Text(result.where, style="dim"))
        if result.at is not None:
            when = self._age(result)
            stamp = f"{result.at:%Y-%m-%d %H:%M:%S}"  # as recorded (a snapshot must not depend on the zone)
            rows.add_row(Text("taken:", style="dim"), Text(f"{stamp} ({when})" if when else stamp, style="dim"))
        if result.explanation:
            rows.add_row(Text("Why:", style="bold yellow"), visible(result.explanation))
        parts: list[RenderableType] = [rows]
        if result.detail:
            lines = result.detail.splitlines()
            shown = [f"│ {line}" for line in lines[:DETAIL_LINES]]
            if len(lines) > DETAIL_LINES:
                shown.append(f"│ … {len(lines) - DETAIL_LINES} more lines")
            parts.append(visible("\n".join(shown), "dim"))
        if result.captures:
            captured = ", ".join(f"{k}={v}" for k, v in result.captures.items())
            parts.append(visible(f"captured: {captured}", "dim", one_line=True))
        return Padding(Group(*parts), (0, 0, 0, 4))

    def refresh_ages(self) -> None:
        """Draw the results' ages again (the screen calls this every half minute)."""
        if self.results:
            self._redraw()

    def on_focus(self) -> None:
        self._redraw()

    def on_blur(self) -> None:
        self._redraw()
