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
"""

from __future__ import annotations

import re
from collections.abc import Callable
from json.encoder import encode_basestring as _enc  # C implementation
from typing import Any

from qatui.core.checklist import Priority
from qatui.core.record.escape import (
    anchor_safe,
    block,
    block_safe,
    code,
    fence,
    html_text,
    inline,
    iso,
    jdump,
    number,
    quote,
    when,
)
from qatui.core.session import (
    Evidence,
    HistoryEntry,
    ItemResult,
    MetricValue,
    PartSpec,
    ProbeResult,
    ProbeStatus,
    SectionResult,
    Session,
    SignOff,
    Status,
    describe_part,
)

#: Version of the anchor format; `read` refuses records written in a newer one. Format 2 added
#: `history` anchors (an older qatui would refuse them as unknown, so it is told to upgrade);
#: format 1 records read as they always did, with an empty history.
FORMAT_VERSION = 2

#: Marks that read the same in every viewer, diff and terminal (emoji shortcodes such as
#: `:red_circle:` render only on some). They stay in the Basic Multilingual Plane: a single
#: character outside it would make Python hold the whole record as UCS-4, which makes decoding
#: a large record about eight times slower.
PRIORITY_BADGE = {
    Priority.CRITICAL: "●",
    Priority.IMPORTANT: "◐",
    Priority.NICE: "○",
}
STATUS_ORDER = (Status.PASSED, Status.FAILED, Status.BLOCKED, Status.SKIPPED, Status.UNTESTED)
PROBE_MARK = {
    ProbeStatus.PASSED: "✓",
    ProbeStatus.FAILED: "✗",
    ProbeStatus.ERROR: "⚠",
    ProbeStatus.TIMEOUT: "⏱",
    ProbeStatus.NOT_RUN: "·",
    ProbeStatus.INCONCLUSIVE: "?",
}
EVIDENCE_LABEL = {"log": "Log excerpt", "probe": "Probe output", "text": "Attached text"}

_OPEN_HEAD = {status: f"- {status.mark} **{status.value.upper()}** " for status in Status}
#: An item in conflict (testers gave different verdicts): never ticked, whatever its status.
CONFLICT_MARK = "≠"
_CONFLICT_HEAD = f"- [ ] **CONFLICT** {CONFLICT_MARK} "
_CONFLICT_OPEN_HEAD = f"- {CONFLICT_MARK} **CONFLICT** "
_ITEM_INDENT = "  "  # content column of `- [ ] ` list items
# Status word and mark shown on each task line, computed once.
_STATUS_HEAD = {
    status: f"- [{'x' if status is Status.PASSED else ' '}] **{status.value.upper()}** {status.mark} "
    for status in Status
}


def anchor(kind: str, payload: str | None = None) -> str:
    """One hidden anchor line; `payload` is JSON (made safe here)."""
    if payload is None:
        return f"<!-- qatui:{kind} -->"
    return f"<!-- qatui:{kind} {anchor_safe(payload)} -->"


# ---------------------------------------------------------------- anchor payloads


def record_payload(session: Session) -> str:
    data = {
        "format": FORMAT_VERSION,
        "title": session.title,
        "checklist_path": session.checklist_path,
        "checklist_version": session.checklist_version,
        "checklist_hash": session.checklist_hash,
        "tester": session.tester,
        "environment": session.environment,
        "environment_label": session.environment_label,
        "protected": session.protected,
        "started_at": iso(session.started_at),
        "finished_at": iso(session.finished_at),
        "qatui_version": session.qatui_version,
        "facts": session.facts,
    }
    if session.sources:  # only a merged record has them: a tester's record reads as before
        data["sources"] = [
            {"name": ref.name, "sha256": ref.sha256, "tester": ref.tester} for ref in session.sources
        ]
    if session.part:  # only a part record says so: a whole-checklist record reads as before
        data["part"] = [part_data(spec) for spec in session.part]
    for key in ("host", "target", "build", "commit"):  # format 2; only when known
        value = getattr(session, key)
        if value:
            data[key] = value
    return jdump(data)


def part_data(spec: PartSpec) -> dict[str, object]:
    """One spec of `Session.part` as the record's JSON: only the criteria it has."""
    data: dict[str, object] = {}
    if spec.priorities:
        data["priorities"] = list(spec.priorities)
    if spec.sections:
        data["sections"] = list(spec.sections)
    if spec.tags:
        data["tags"] = list(spec.tags)
    if spec.assigned:
        data["assigned"] = spec.assigned
    return data


def section_payload(index: int, section: SectionResult) -> str:
    return (
        f'{{"i":{index},"id":{_enc(section.id)},"title":{_enc(section.title)},'
        f'"priority":"{section.priority.value}"}}'
    )


#: What an anchor holds in place of a text stored in the verbatim block that follows it.
IN_BLOCK = {"block": 1}


def probe_data(result: ProbeResult, *, detail_in_block: bool = False) -> dict[str, object]:
    data: dict[str, object] = {
        "probe_id": result.probe_id,
        "kind": result.kind,
        "status": result.status.value,
        "summary": result.summary,
    }
    if result.duration_ms is not None:
        data["duration_ms"] = result.duration_ms
    if result.explanation:
        data["explanation"] = result.explanation
    if result.detail:
        data["detail"] = IN_BLOCK if detail_in_block else result.detail
    if result.captures:
        data["captures"] = result.captures
    if result.at is not None:
        data["at"] = result.at.isoformat()
    if result.where:
        data["where"] = result.where
    return data


def evidence_data(evidence: Evidence, text: object = None) -> dict[str, object]:
    """`text`: what the anchor holds for the text when not the text itself (`IN_BLOCK`, or a
    reference to a probe's output)."""
    data: dict[str, object] = {"kind": evidence.kind, "source": evidence.source,
                               "text": evidence.text if text is None else text}
    if evidence.at is not None:
        data["at"] = evidence.at.isoformat()
    return data


def probe_evidence_text(result: ProbeResult) -> str:
    """The text the screen attaches as evidence for a probe's output (`a` on a result): its
    status and summary, explanation and detail. The record stores such evidence as a reference
    while the probe's result is still the one it was taken from, so the output is written once."""
    parts = [f"{result.status.value}: {result.summary}"]
    if result.explanation:
        parts.append(result.explanation)
    if result.detail:
        parts.append(result.detail)
    return "\n".join(parts)


_STATUS_VALUE = {status: status.value for status in Status}
_STATUS_FIELD = {
    status: "" if status is Status.UNTESTED else f',"status":"{status.value}"' for status in Status
}
_FP = ',"fp":{}'


def item_payload(item: ItemResult, at: str | None = None) -> str:
    """`at` is the item's `updated_at.isoformat()` when the caller has it already."""
    # Hand-built: this runs once per item on every save, and most items are one short line.
    fingerprint = item.fingerprint
    status = item.status
    payload = (
        f'{{"id":{_enc(item.id)},"title":{_enc(item.title)}'
        f'{_FP.format(_enc(fingerprint)) if fingerprint else ""}'
        f"{_STATUS_FIELD[status]}"
    )
    if item.note:
        payload += f',"note":{_enc(item.note)}'
    if item.updated_at is not None:
        payload += f',"at":"{at or item.updated_at.isoformat()}"'
    # Probe results, evidence and history have anchors of their own (format 2), so a re-run
    # or a new verdict changes their lines, not this one.
    if item.conflict:
        payload += ',"conflict":' + jdump(conflict_positions(item))
    return payload + "}"


def history_payload(entry: HistoryEntry) -> str:
    """One history entry; `note` only when there is one (most verdicts have none)."""
    payload = (
        f'{{"status":"{entry.status.value}","tester":{_enc(entry.tester)},'
        f'"at":"{entry.at.isoformat()}"'
    )
    if entry.note:
        payload += f',"note":{_enc(entry.note)}'
    return payload + "}"


def conflict_positions(item: ItemResult) -> list[int]:
    """Where the competing verdicts of a conflict are in the item's history (the anchor keeps
    positions, not copies: the entries themselves are written once, in the history)."""
    positions: list[int] = []
    for entry in item.conflict:
        position = next(
            (index for index, held in enumerate(item.history) if held is entry and index not in positions), None
        )
        if position is None:
            position = next(
                index for index, held in enumerate(item.history) if held == entry and index not in positions
            )
        positions.append(position)
    return positions


def metric_payload(metric: MetricValue) -> str:
    return jdump(
        {
            "id": metric.id,
            "name": metric.name,
            "unit": metric.unit,
            "before": metric.before,
            "after": metric.after,
            "threshold": metric.threshold,
            "notes": metric.notes,
        }
    )


def signoff_payload(signoff: SignOff) -> str:
    return jdump(
        {
            "name": signoff.name,
            "role": signoff.role,
            "at": signoff.at.isoformat(),
            "meaning": signoff.meaning,
            "comment": signoff.comment,
        }
    )


# ---------------------------------------------------------------- visible parts


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


def text_block(kind: str, data: dict[str, object], text: str, indent: str, out: list[str],
               info: str = "text", key: str = "text", opening: str = "") -> None:
    """An anchor whose `data[key]` is `text`, shown in the verbatim block below it and stored
    only there when it reads back exactly (`block_safe`); else stored in the anchor and shown
    in a plain fence. `opening` is a line between the anchor and the block (a `<details>`)."""
    safe = block_safe(text)
    out.append(f"{indent}{anchor(kind, jdump({**data, key: IN_BLOCK if safe else text}))}")
    if opening:
        out.append(f"{indent}{opening}")
    if text:
        out.append("")
        out.extend(block(text, indent, info) if safe else fence(text, indent, info))


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


def _probe_line(result: ProbeResult) -> str:
    line = f"{_ITEM_INDENT}- {PROBE_MARK[result.status]} probe {code(result.probe_id)}"
    if result.kind:
        line += f" ({inline(result.kind)})"
    line += f" **{result.status.value.replace('_', ' ')}**"
    if result.summary:
        line += f": {inline(result.summary)}"
    if result.duration_ms is not None:
        line += f" — {number(result.duration_ms)} ms"
    if result.where:
        line += f" — {inline(result.where)}"
    if result.at is not None:
        line += f" — {when(result.at)}"
    return line


_PROBE_INDENT = _ITEM_INDENT + "  "  # content column of a probe's list item


def _probe(result: ProbeResult, out: list[str]) -> None:
    """One probe result: its line, its anchor, the explanation and captures, and its output in
    a collapsible block. The output is stored once, in that block (`text_block`), so a re-run
    changes the lines of the output that changed, the probe line and the anchor."""
    out.append(_probe_line(result))
    detail = result.detail
    safe = bool(detail) and block_safe(detail)
    out.append(f"{_PROBE_INDENT}{anchor('probe', jdump(probe_data(result, detail_in_block=safe)))}")
    if result.explanation:
        out.append("")
        out.append(f"{_PROBE_INDENT}{inline(result.explanation)}")
    if result.captures:
        out.append("")
        out.append(f"{_PROBE_INDENT}captured " + ", ".join(
            f"{code(name)} = {code(value)}" for name, value in result.captures.items()))
    if detail:
        out.append("")
        out.append(f"{_PROBE_INDENT}<details><summary>Output of probe {html_text(result.probe_id)}</summary>")
        out.append("")
        out.extend(block(detail, _PROBE_INDENT) if safe else fence(detail, _PROBE_INDENT))
        out.append("")
        out.append(f"{_PROBE_INDENT}</details>")


def _evidence(evidence: Evidence, item: ItemResult, out: list[str]) -> None:
    """Attached evidence: a line saying what and when, its anchor, the text in a block. Probe
    output attached while the probe's result is still the one shown above is a reference to it."""
    label_text = EVIDENCE_LABEL.get(evidence.kind, f"Attached {inline(evidence.kind)}")
    line = f"{_ITEM_INDENT}{label_text}"
    if evidence.source:
        line += f" from **{inline(evidence.source)}**"
    if evidence.at is not None:
        line += f" at {when(evidence.at)}"
    if evidence.kind == "probe" and any(
        p.probe_id == evidence.source and probe_evidence_text(p) == evidence.text for p in item.probes
    ):
        out.append(f"{line}: the output of probe {code(evidence.source)} shown above.")
        out.append(f"{_ITEM_INDENT}{anchor('evidence', jdump(evidence_data(evidence, {'probe': evidence.source})))}")
        return
    out.append(line + ":")
    text_block("evidence", evidence_data(evidence, IN_BLOCK), evidence.text, _ITEM_INDENT, out,
               "log" if evidence.kind == "log" else "text")


#: How much of a note a history line shows (the anchor below it holds all of it).
HISTORY_NOTE_CHARS = 80


def _history(history: list[HistoryEntry], out: list[str]) -> None:
    """The item's verdicts, oldest first: one line each, its anchor on the line below.

    A new verdict adds two lines at the end of the item (the history comes last in an item) and changes no other line, so a
    record's diff shows exactly the change. The anchor is indented into the entry's list item
    (an HTML comment may interrupt a paragraph), which keeps the list one tight list.
    """
    out.append(f"{_ITEM_INDENT}History:")
    out.append("")
    for entry in history:
        line = f"{_ITEM_INDENT}- {when(entry.at)} {entry.status.mark} {entry.status.value}"
        if entry.tester:
            line += f" by {inline(entry.tester)}"
        first = entry.note.strip().split("\n", 1)[0].strip() if entry.note else ""
        if first:
            shown = first if len(first) <= HISTORY_NOTE_CHARS else first[: HISTORY_NOTE_CHARS - 1] + "…"
            line += f": {inline(shown)}"
        out.append(line)
        out.append(f"{_ITEM_INDENT}  <!-- qatui:history {anchor_safe(history_payload(entry))} -->")


_PLAIN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/+-]*")


def _label(item: ItemResult) -> str:
    """`Title · `id`` as shown on the task line and in open issues."""
    title = item.title
    shown_title = inline(title) if title.strip() else "(untitled)"
    item_id = item.id
    shown_id = f"`{item_id}`" if _PLAIN_ID.fullmatch(item_id) else code(item_id)
    return f"{shown_title} · {shown_id}"


def verdicts_text(entries: list[HistoryEntry]) -> str:
    """`passed by Ana at 2026-03-10 14:05:00+01:00 vs failed by Ben at …` (escaped inline)."""
    return " vs ".join(
        f"{entry.status.value} by {inline(entry.tester) or '—'} at {when(entry.at)}" for entry in entries
    )


def item_chunk(item: ItemResult, label: str | None = None) -> str:
    """The Markdown of one item; joined with "\n" to what follows, it ends in a blank line."""
    status = item.status
    at = item.updated_at.isoformat() if item.updated_at is not None else None
    chunk = (
        f"{_CONFLICT_HEAD if item.conflict else _STATUS_HEAD[status]}{label or _label(item)}\n"
        f"{_ITEM_INDENT}<!-- qatui:item {anchor_safe(item_payload(item, at))} -->\n"
    )
    if item.conflict:
        chunk += (
            f"\n{_ITEM_INDENT}**Conflict:** {verdicts_text(item.conflict)}. "
            "A new verdict decides it.\n"
        )
    if not (item.note or item.probes or item.evidence or item.history):
        if at is None or status is Status.UNTESTED:
            return chunk
        # isoformat output holds only digits, `-:.+T`: safe as it is.
        return f"{chunk}\n{_ITEM_INDENT}<sub>{_STATUS_VALUE[status]} at {at.replace('T', ' ')}</sub>\n"
    out: list[str] = [chunk[:-1]]
    if item.note:
        lines = quote(item.note, _ITEM_INDENT)
        if lines:
            out.append("")
            out.extend(lines)
    if at is not None and status is not Status.UNTESTED:
        # isoformat output holds only digits, `-:.+T`: safe as it is.
        out.append("")
        newer = newer_evidence(item)
        mark = f" · ⚠ {newer.text()}" if newer is not None else ""  # digits and words only
        out.append(f"{_ITEM_INDENT}<sub>{_STATUS_VALUE[status]} at {at.replace('T', ' ')}{mark}</sub>")
    if item.probes:
        for result in item.probes:
            out.append("")
            _probe(result, out)
    for evidence in item.evidence:
        out.append("")
        _evidence(evidence, item, out)
    if item.history:
        # Last in the item: a list right after the probe list would join it.
        out.append("")
        _history(item.history, out)
    out.append("")
    return "\n".join(out)


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
                    label = _label(item)
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
                        f"{_CONFLICT_OPEN_HEAD}{entry[2]} — {priority.label}, {title}: {verdicts_text(conflict)}"
                    )
                elif status is Status.FAILED or status is Status.BLOCKED:
                    line = f"{_OPEN_HEAD[status]}{entry[2]} — {priority.label}, {title}"
                    open_lines.append(f"{line}: {entry[3]}" if entry[3] else line)
            add(f"{passed} of {len(section.items)} passed.")
            add("")
            out.extend(chunks)
    if cache is not None:
        cache._entries = new
        cache.misses += misses
        cache.hits += len(new) - misses
    return counts, conflicts + [line for priority in Priority for line in issues[priority]]


def newer_evidence(item: ItemResult) -> Any:
    """`core/run/evidence.newer_evidence` (imported on first use: the record's own imports stay small)."""
    from qatui.core.run.evidence import newer_evidence as find

    return find(item)


def _metric_delta(metric: MetricValue) -> str:
    """The change column: `core/run/figures.metric_change`, the one computation of it."""
    from qatui.core.run.figures import metric_change

    return metric_change(metric.before, metric.after).text(number)


def threshold_ok(metric: MetricValue) -> bool | None:
    """True/False when the after-value can be judged against the threshold, else None."""
    if metric.threshold is None or metric.after is None:
        return None
    return metric.after <= metric.threshold


def _metrics(session: Session, out: list[str]) -> None:
    if not session.metrics:
        return
    out.append("## Performance")
    out.append("")
    out.append("| Metric | Unit | Before | After | Delta | Threshold | Notes |")
    out.append("|---|---|--:|--:|--:|--:|---|")
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
    out.append("## Merged from")
    out.append("")
    out.append("| Record | Tester | sha256 |")
    out.append("|---|---|---|")
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
