"""Render a session as the Markdown record a tester commits.

The record is written for two readers. A person reads it on GitHub/GitLab: a header table, a
summary per priority and status, every section with its items as GFM task boxes (`[x]` only
when passed), notes, probe evidence and log excerpts, the performance table, open issues and
the sign-off. qatui reads it back from hidden anchors only (`<!-- qatui:KIND JSON -->`, one
per line, see `docs/record-format.md`), so the visible text can be shaped for people without
ever being parsed.

Rendering is one pass of string building with no Markdown library. It runs on every tick
(saving is render + atomic write), so `RecordFile` keeps a `RenderCache`: a tick re-renders
(and re-encodes) only the item that changed, and a 5,000-item record saves in a few
milliseconds beyond the write itself.
Anchors omit fields that hold their default value, which keeps untested items to one short
line and keeps diffs of a record small.

The parts: `anchors.py` (what qatui reads back), `item_text.py` (one item as people read it),
`marks.py` (priority, status and probe marks); this module puts the whole record together.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from qatui.core.checklist import Priority
from qatui.core.record.anchors import (
    FORMAT_VERSION,
    IN_BLOCK,
    anchor,
    metric_payload,
    probe_evidence_text,
    record_payload,
    section_payload,
    signoff_payload,
)
from qatui.core.record.escape import (
    code,
    html_text,
    inline,
    number,
    when,
)
from qatui.core.record.item_text import (
    item_chunk,
    item_label,
    text_block,
    verdicts_text,
)
from qatui.core.record.marks import (
    CONFLICT_OPEN_HEAD,
    OPEN_HEAD,
    PRIORITY_BADGE,
    STATUS_ORDER,
)
from qatui.core.session import (
    MetricValue,
    Session,
    Status,
    describe_part,
)

#: Named here for existing callers (`FORMAT_VERSION`, `IN_BLOCK`, `probe_evidence_text` live in
#: `anchors.py`, `STATUS_ORDER` in `marks.py`).
__all__ = ["FORMAT_VERSION", "IN_BLOCK", "STATUS_ORDER", "RenderCache", "probe_evidence_text", "render",
           "render_bytes", "threshold_ok"]


def _header(session: Session, out: list[str]) -> None:
    title = inline(session.title) if session.title.strip() else "Untitled checklist"
    out.append(f"# {title} — test record")
    out.append("")
    out.append(anchor("record", record_payload(session)))
    out.append("")
    environment = inline(session.environment_label or session.environment)
    if session.environment and session.environment_label not in ("", session.environment):
        environment += f" ({inline(session.environment)})"
    if session.protected:
        environment += " — **PROTECTED** (production-like)"
    digest = session.checklist_hash
    rows = [
        ("Checklist", inline(session.checklist_path) or "—"),
        ("Checklist version", inline(session.checklist_version) or "—"),
        ("Content hash", f"sha256 {inline(digest[:16])}…" if len(digest) > 16 else inline(digest) or "—"),
        ("Tester", inline(session.tester) or "—"),
        ("Environment", environment or "—"),
        *([("Part", inline(describe_part(session.part)))] if session.part else []),
        ("Target", inline(session.target) or "—"),
        ("Build", inline(session.build) or "—"),
        ("Commit", code(session.commit) if session.commit else "—"),
        ("Host", inline(session.host) or "—"),
        ("Started", when(session.started_at)),
        ("Finished", when(session.finished_at)),
        ("qatui", inline(session.qatui_version) or "—"),
    ]
    rows.extend((inline(label) or "—", inline(value) or "—") for label, value in session.facts.items())
    out.append("| Record | |")
    out.append("|---|---|")
    out.extend(f"| {label} | {value} |" for label, value in rows)
    out.append("")


def _about(session: Session, out: list[str]) -> None:
    """The checklist's description and notes: known issues, rollback, configuration. Each note
    is collapsed (it is the same in every record of the checklist)."""
    if not (session.description or session.notes):
        return
    out.append("## About this checklist")
    out.append("")
    if session.description:
        text_block("description", {}, session.description, "", out)
        out.append("")
    for note in session.notes:
        title = html_text(note.title) or "Note"
        kind = f" ({html_text(note.kind)})" if note.kind and note.kind != "info" else ""
        text_block("note", {"title": note.title, "kind": note.kind}, note.text, "", out,
                   opening=f"<details><summary>{title}{kind}</summary>")
        out.append("")
        out.append("</details>")
        out.append("")


def _summary(session: Session, counts: dict[Priority, dict[Status, int]], out: list[str]) -> None:
    out.append("## Summary")
    out.append("")
    out.append(
        "| Priority | "
        + " | ".join(f"{s.value.capitalize()} {s.mark}" for s in STATUS_ORDER)
        + " | Total |"
    )
    out.append("|---|" + "--:|" * (len(STATUS_ORDER) + 1))
    totals = dict.fromkeys(Status, 0)
    for priority in Priority:
        row = counts[priority]
        for status, count in row.items():
            totals[status] += count
        cells = " | ".join(str(row[s]) for s in STATUS_ORDER)
        out.append(f"| {PRIORITY_BADGE[priority]} {priority.label} | {cells} | {sum(row.values())} |")
    cells = " | ".join(f"**{totals[s]}**" for s in STATUS_ORDER)
    out.append(f"| **All** | {cells} | **{sum(totals.values())}** |")
    out.append("")
    critical = counts[Priority.CRITICAL]
    not_passed = sum(critical.values()) - critical[Status.PASSED]
    if not_passed:
        out.append(f"**{not_passed} critical item(s) not passed.**")
    elif sum(critical.values()):
        out.append("All critical items passed.")
    else:
        out.append("No critical items.")
    out.append("")
    in_conflict = sum(1 for item in session.items() if item.conflict)
    if in_conflict:
        out.append(f"**{in_conflict} item(s) in conflict: testers gave different verdicts; a new verdict decides.**")
        out.append("")
    if session.signoff is not None:
        out.append(f"Signed by {inline(session.signoff.name) or '—'} on {when(session.signoff.at)}.")
    else:
        out.append("Not signed.")
    out.append("")


#: cache entry: (key, chunk, label, first line of the note as shown in open issues,
#: chunk encoded as UTF-8 or None until a save asks for it)
_Entry = tuple[tuple[object, ...], str, str, str, bytes | None]


class RenderCache:
    """The Markdown of each item from the previous render, reused while the item is unchanged.

    A record is saved on every tick, and a tick changes one item out of thousands, so
    re-rendering only what changed keeps saving cheap. An item is unchanged when its id, title,
    fingerprint, status, note and time are the same and its evidence, probe and history lists
    hold the same (or equal) objects. Evidence and probe results are values: replace them rather than
    edit one in place, or call `invalidate(item_id)` after editing (the Recorder does both).
    The output is byte for byte what `render` without a cache produces.
    """

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}
        self.hits = 0
        self.misses = 0

    def invalidate(self, item_id: str | None = None) -> None:
        """Forget one item's Markdown, or everything."""
        if item_id is None:
            self._entries.clear()
        else:
            self._entries.pop(item_id, None)


def _sections(
    session: Session, out: list[Any], cache: RenderCache | None, encoded: bool = False
) -> tuple[dict[Priority, dict[Status, int]], list[str]]:
    """Render every section grouped by priority into `out` (UTF-8 bytes when `encoded`);
    return the counts and the open-issue lines."""
    add: Callable[[str], None] = (lambda line: out.append(line.encode())) if encoded else out.append
    old: dict[str, _Entry] = cache._entries if cache is not None else {}
    new: dict[str, _Entry] = {}
    issues: dict[Priority, list[str]] = {priority: [] for priority in Priority}
    conflicts: list[str] = []  # open issues too, listed first: they need a decision
    counts = {priority: dict.fromkeys(Status, 0) for priority in Priority}
    misses = 0
    indexed = list(enumerate(session.sections))
    for priority in Priority:
        group = [(i, s) for i, s in indexed if s.priority is priority]
        if not group:
            continue
        add(f"## {PRIORITY_BADGE[priority]} {priority.label}")
        add("")
        open_lines = issues[priority]
        count = counts[priority]
        for index, section in group:
            title = inline(section.title) if section.title.strip() else "(untitled section)"
            add(f"### {title}")
            add("")
            add(anchor("section", section_payload(index, section)))
            add("")
            if not section.items:
                continue
            chunks: list[Any] = []
            passed = 0
            for item in section.items:
                status = item.status
                count[status] += 1
                if status is Status.PASSED:
                    passed += 1
                evidence = item.evidence
                probes = item.probes
                history = item.history
                conflict = item.conflict
                key = (item.id, item.title, item.fingerprint, status, item.note, item.updated_at,
                       tuple(evidence) if evidence else (), tuple(probes) if probes else (),
                       tuple(history) if history else (), tuple(conflict) if conflict else ())
                entry = old.get(item.id)
                if entry is None or entry[0] != key:
                    label = item_label(item)
                    first = item.note.strip().split("\n", 1)[0].strip() if item.note else ""
                    chunk = item_chunk(item, label)
                    entry = (key, chunk, label, inline(first[:200]) if first else "",
                             chunk.encode() if encoded else None)
                    misses += 1
                elif encoded and entry[4] is None:
                    entry = (*entry[:4], entry[1].encode())
                new[item.id] = entry
                chunks.append(entry[4] if encoded else entry[1])
                if conflict:
                    conflicts.append(
                        f"{CONFLICT_OPEN_HEAD}{entry[2]} — {priority.label}, {title}: {verdicts_text(conflict)}"
                    )
                elif status is Status.FAILED or status is Status.BLOCKED:
                    line = f"{OPEN_HEAD[status]}{entry[2]} — {priority.label}, {title}"
                    open_lines.append(f"{line}: {entry[3]}" if entry[3] else line)
            add(f"{passed} of {len(section.items)} passed.")
            add("")
            out.extend(chunks)
    if cache is not None:
        cache._entries = new
        cache.misses += misses
        cache.hits += len(new) - misses
    return counts, conflicts + [line for priority in Priority for line in issues[priority]]


def _metric_delta(metric: MetricValue) -> str:
    """The change column: `core/run/figures.metric_change`, the one computation of it."""
    from qatui.core.run.figures import metric_change

    return metric_change(metric.before, metric.after).text(number)


def threshold_ok(metric: MetricValue) -> bool | None:
    """True/False when the after-value can be judged against the threshold, else None."""
    if metric.threshold is None or metric.after is None:
        return None
    return metric.after <= metric.threshold


def _table_section(out: list[str], title: str, header: str, rule: str) -> None:
    """A `## title` section that opens with a table: heading, blank line, header and rule."""
    out.extend((f"## {title}", "", header, rule))


def _metrics(session: Session, out: list[str]) -> None:
    if not session.metrics:
        return
    _table_section(out, "Performance", "| Metric | Unit | Before | After | Delta | Threshold | Notes |",
                   "|---|---|--:|--:|--:|--:|---|")
    for metric in session.metrics:
        threshold = "—"
        if metric.threshold is not None:
            verdict = threshold_ok(metric)
            mark = "" if verdict is None else (" ✓" if verdict else " ✗ **over**")
            threshold = f"≤ {number(metric.threshold)}{mark}"
        name = inline(metric.name) or inline(metric.id) or "—"
        out.append(
            f"| {name} | {inline(metric.unit) or '—'} | {number(metric.before)} | "
            f"{number(metric.after)} | {_metric_delta(metric)} | {threshold} | {inline(metric.notes)} |"
        )
    out.append("")
    out.extend(anchor("metric", metric_payload(metric)) for metric in session.metrics)
    out.append("")


def _open_issues(lines: list[str], out: list[str]) -> None:
    out.append("## Open issues")
    out.append("")
    out.extend(lines or ["None: no item failed or is blocked."])
    out.append("")


def _sources(session: Session, out: list[str]) -> None:
    """The records a merged record was made from (the anchor in the header holds them)."""
    if not session.sources:
        return
    _table_section(out, "Merged from", "| Record | Tester | sha256 |", "|---|---|---|")
    for ref in session.sources:
        out.append(f"| {inline(ref.name) or '—'} | {inline(ref.tester) or '—'} | {inline(ref.sha256[:16]) or '—'}… |")
    out.append("")


def _signoff(session: Session, out: list[str]) -> None:
    out.append("## Sign-off")
    out.append("")
    signoff = session.signoff
    if signoff is None:
        out.append("**Not signed.**")
        out.append("")
        return
    out.append(anchor("signoff", signoff_payload(signoff)))
    out.append("")
    out.append("| Sign-off | |")
    out.append("|---|---|")
    out.append(f"| Signed by | {inline(signoff.name) or '—'} |")
    out.append(f"| Role | {inline(signoff.role) or '—'} |")
    out.append(f"| Date and time | {when(signoff.at)} |")
    out.append(f"| Meaning | {inline(signoff.meaning) or '—'} |")
    if signoff.comment:
        out.append(f"| Comment | {inline(signoff.comment)} |")
    out.append("")


def _render(session: Session, cache: RenderCache | None, encoded: bool) -> tuple[str, list[Any], str]:
    """The record in three parts: everything before the sections, the sections, the rest."""
    body: list[Any] = []
    counts, open_issues = _sections(session, body, cache, encoded)  # counted while rendering
    head: list[str] = []
    _header(session, head)
    _summary(session, counts, head)
    _about(session, head)
    tail: list[str] = []
    _metrics(session, tail)
    _open_issues(open_issues, tail)
    _sources(session, tail)
    _signoff(session, tail)
    items = sum(len(section.items) for section in session.sections)
    tail.append(
        anchor(
            "end",
            f'{{"sections":{len(session.sections)},"items":{items},"metrics":{len(session.metrics)}}}',
        )
    )
    tail.append("")
    return "\n".join(head), body, "\n".join(tail)


def render(session: Session, cache: RenderCache | None = None) -> str:
    """The Markdown record of `session`; `read(render(s)) == s`.

    `cache` (kept by whoever saves the same session repeatedly) only makes it faster.
    """
    head, body, tail = _render(session, cache, encoded=False)
    return "\n".join([head, *body, tail])


def render_bytes(session: Session, cache: RenderCache | None = None) -> bytes:
    """`render(session).encode()`, faster with a cache: unchanged items stay encoded."""
    head, body, tail = _render(session, cache, encoded=True)
    return b"\n".join([head.encode(), *body, tail.encode()])
