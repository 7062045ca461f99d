"""The item pane: what the tester is asked to do for the selected item, and what they found.

Title, location, steps, expected and the if-fails hint come from the checklist; status, note,
evidence and the verdict's history (status, who, when: `ItemResult.history`) from the session.
When the item failed or is blocked the if-fails hint moves to the top in a framed block,
because that is when a tester needs it. The checklist's notes that name the item
(`core/note_refs.py`) are listed under its title, with the key that shows them (`i`). Marks and
labels carry the meaning so the pane reads the same with NO_COLOR.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.text import Text

from qatui.core.checklist import Checklist, Item, Note, Section
from qatui.core.note_refs import note_heading, notes_naming
from qatui.core.run.evidence import newer_evidence
from qatui.core.run.part import owner
from qatui.core.session import HistoryEntry, ItemResult, Status
from qatui.core.text import inert
from qatui.ui.inert_filter import shown
from qatui.ui.widgets.checklist_view import CONFLICT_MARK
from qatui.ui.widgets.rich_pane import RichPane

_STATUS_STYLE = {
    Status.PASSED: "bold green",
    Status.FAILED: "bold red",
    Status.BLOCKED: "bold yellow",
    Status.SKIPPED: "dim",
    Status.UNTESTED: "dim",
}

EVIDENCE_LINES = 12  # lines of each attachment shown; the record keeps them all
HISTORY_LINES = 8  # the latest verdict changes shown; the record keeps them all


def render_item(
    checklist: Checklist, item: Item | None, result: ItemResult | None, section: Section | None = None,
    notes: list[Note] | None = None,
) -> RenderableType:
    if item is None:
        return Text("No item matches the filter.", style="dim italic")
    section = section or checklist.section_of(item.id)
    status = result.status if result else Status.UNTESTED
    parts: list[RenderableType] = []
    head = Text()
    head.append(f"{status.mark} {status.value.upper()}", style=_STATUS_STYLE[status])
    head.append(f"  {item.id}", style="dim")
    if item.destructive:
        head.append("  DESTRUCTIVE" + (" · ASKS ON EVERY ENVIRONMENT" if item.destructive_always else ""),
                    style="bold red")
    parts.append(head)
    parts.append(shown(item.title, "bold"))
    parts.append(shown(f"{section.title} · {section.priority.label}", "dim"))
    assignee = owner(checklist, item)
    if assignee:
        parts.append(_field("Assigned to", assignee))
    team = _team(result) if result is not None else []
    parts.extend(team)
    for note in notes or ():
        line = Text("» ", style="bold cyan")
        line.append("Checklist note: ", style="bold")
        line.append_text(shown(note_heading(note), one_line=True))
        line.append("  (i shows it)", style="dim")
        parts.append(line)
    newer = newer_evidence(result) if result is not None else None
    if newer is not None:  # a re-run replaced the evidence the tick was made on
        parts.append(Text(f"⚠ {newer.text()}: look at the probes again before you rely on the tick",
                          style="bold yellow"))
    if result is not None and result.note:
        parts.append(_field("Tester's note", result.note, style="italic"))
    failing = status in (Status.FAILED, Status.BLOCKED)
    if failing and item.if_fails:
        parts.append(
            Panel(
                shown(item.if_fails),
                title="⚠ IF IT FAILS",
                title_align="left",
                border_style="bold red",
            )
        )
    if item.location:
        parts.append(_field("Location", item.location))
    if item.steps:
        steps = Text()
        steps.append("Steps\n", style="bold underline")
        for number, step in enumerate(item.steps, 1):
            steps.append(f"{number}. ", style="bold")
            steps.append_text(shown(step + ("\n" if number < len(item.steps) else "")))
        parts.append(steps)
    if item.expected:
        parts.append(_field("Expected", item.expected))
    if item.if_fails and not failing:
        parts.append(_field("If it fails", item.if_fails))
    if item.notes:
        parts.append(_field("Notes", item.notes))
    if result is not None and result.evidence:
        parts.append(Text("Evidence", style="bold underline"))
        for evidence in result.evidence:
            lines = evidence.text.splitlines()
            lines_shown = "\n".join(lines[-EVIDENCE_LINES:])
            more = len(lines) - EVIDENCE_LINES
            label = inert(f"{evidence.kind}: {evidence.source}", one_line=True)
            if more > 0:
                label += f" (last {EVIDENCE_LINES} of {len(lines)} lines)"
            parts.append(Panel(shown(lines_shown), title=label, title_align="left", border_style="dim"))
    if result is not None and result.history and not team:  # a team's "Who" already lists them
        parts.append(_history(result))
    return Group(*parts)


def _verdict(entry: HistoryEntry) -> Text:
    """`✗ failed by Ben at 2026-03-10 14:07 — the token expired` (one line, inert)."""
    text = Text()
    text.append(f"{entry.status.mark} {entry.status.value}", style=_STATUS_STYLE[entry.status])
    text.append_text(shown(f" by {entry.tester or '—'} at {entry.at.strftime('%Y-%m-%d %H:%M')}"))
    note = entry.note.strip().splitlines()[0] if entry.note.strip() else ""
    if note:
        text.append_text(shown(f" — {note}", "italic"))
    return text


def _team(result: ItemResult) -> list[RenderableType]:
    """A conflict's competing verdicts (framed: they need a decision), or, for an item more
    than one tester gave a verdict, who said what."""
    conflict: list[HistoryEntry] = list(result.conflict)
    if conflict:
        lines = Text("\n").join(_verdict(entry) for entry in conflict)
        lines.append("\nA verdict (p f b s) decides; the history keeps all of them.", style="dim")
        return [Panel(lines, title=f"{CONFLICT_MARK} CONFLICT", title_align="left", border_style="bold yellow")]
    worked = [entry for entry in result.history if entry.status is not Status.UNTESTED]
    if len({entry.tester for entry in worked}) < 2:
        return []
    who = Text("Who\n", style="bold underline")
    who.append_text(Text("\n").join(_verdict(entry) for entry in worked[-5:]))
    return [who]


def _history(result: ItemResult) -> Text:
    """The latest verdict changes, oldest first: `✗ failed · Hannah · 2026-11-23 09:31`."""
    text = Text()
    text.append("History\n", style="bold underline")
    entries = result.history[-HISTORY_LINES:]
    earlier = len(result.history) - len(entries)
    if earlier:
        text.append(f"… {earlier} earlier change{'s' if earlier != 1 else ''} in the record\n", style="dim")
    for number, entry in enumerate(entries, 1):
        text.append(f"{entry.status.mark} {entry.status.value}", style=_STATUS_STYLE[entry.status])
        text.append_text(shown(f" · {entry.tester or '?'} · {entry.at:%Y-%m-%d %H:%M}", "dim", one_line=True))
        if number < len(entries):
            text.append("\n")
    return text


def _field(label: str, value: str, style: str = "") -> Text:
    text = Text()
    text.append(f"{label}: ", style="bold")
    text.append_text(shown(value, style))
    return text


class ItemPane(RichPane):
    """Scrollable details of one item; the screen sets it with `show(item, result)`."""

    def __init__(self, checklist: Checklist, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.checklist = checklist
        self.border_title = "Item"
        self._sections = {i.id: section for section in checklist.sections for i in section.items}
        #: item id → the notes that name it, found when the item is first shown.
        self._notes: dict[str, list[Note]] = {}

    def show(self, item: Item | None, result: ItemResult | None) -> None:
        section = self._sections.get(item.id) if item is not None else None
        notes = None
        if item is not None:
            notes = self._notes.get(item.id)
            if notes is None:
                notes = self._notes[item.id] = notes_naming(self.checklist, item)
        self.set_renderable(render_item(self.checklist, item, result, section, notes))
