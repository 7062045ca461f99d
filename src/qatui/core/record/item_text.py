"""One item of the record as people read it: its task line, steps, note, probe results,
evidence and verdict history, with the anchors qatui reads back (`anchors.py`)."""

from __future__ import annotations

import re
from typing import Any

from qatui.core.record.anchors import (
    IN_BLOCK,
    STATUS_VALUE,
    anchor,
    evidence_data,
    history_payload,
    item_payload,
    probe_data,
    probe_evidence_text,
)
from qatui.core.record.escape import (
    anchor_safe,
    block,
    block_safe,
    code,
    fence,
    html_text,
    inline,
    jdump,
    number,
    quote,
    when,
)
from qatui.core.record.marks import (
    CONFLICT_HEAD,
    EVIDENCE_LABEL,
    ITEM_INDENT,
    PROBE_MARK,
    STATUS_HEAD,
)
from qatui.core.session import (
    Evidence,
    HistoryEntry,
    ItemResult,
    ProbeResult,
    Status,
)


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


def _probe_line(result: ProbeResult) -> str:
    line = f"{ITEM_INDENT}- {PROBE_MARK[result.status]} probe {code(result.probe_id)}"
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


_PROBE_INDENT = ITEM_INDENT + "  "  # content column of a probe's list item


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
    line = f"{ITEM_INDENT}{label_text}"
    if evidence.source:
        line += f" from **{inline(evidence.source)}**"
    if evidence.at is not None:
        line += f" at {when(evidence.at)}"
    if evidence.kind == "probe" and any(
        p.probe_id == evidence.source and probe_evidence_text(p) == evidence.text for p in item.probes
    ):
        out.append(f"{line}: the output of probe {code(evidence.source)} shown above.")
        out.append(f"{ITEM_INDENT}{anchor('evidence', jdump(evidence_data(evidence, {'probe': evidence.source})))}")
        return
    out.append(line + ":")
    text_block("evidence", evidence_data(evidence, IN_BLOCK), evidence.text, ITEM_INDENT, out,
               "log" if evidence.kind == "log" else "text")


#: How much of a note a history line shows (the anchor below it holds all of it).
HISTORY_NOTE_CHARS = 80


def _history(history: list[HistoryEntry], out: list[str]) -> None:
    """The item's verdicts, oldest first: one line each, its anchor on the line below.

    A new verdict adds two lines at the end of the item (the history comes last in an item) and changes no other line, so a
    record's diff shows exactly the change. The anchor is indented into the entry's list item
    (an HTML comment may interrupt a paragraph), which keeps the list one tight list.
    """
    out.append(f"{ITEM_INDENT}History:")
    out.append("")
    for entry in history:
        line = f"{ITEM_INDENT}- {when(entry.at)} {entry.status.mark} {entry.status.value}"
        if entry.tester:
            line += f" by {inline(entry.tester)}"
        first = entry.note.strip().split("\n", 1)[0].strip() if entry.note else ""
        if first:
            shown = first if len(first) <= HISTORY_NOTE_CHARS else first[: HISTORY_NOTE_CHARS - 1] + "…"
            line += f": {inline(shown)}"
        out.append(line)
        out.append(f"{ITEM_INDENT}  <!-- qatui:history {anchor_safe(history_payload(entry))} -->")


_PLAIN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/+-]*")


def item_label(item: ItemResult) -> str:
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
        f"{CONFLICT_HEAD if item.conflict else STATUS_HEAD[status]}{label or item_label(item)}\n"
        f"{ITEM_INDENT}<!-- qatui:item {anchor_safe(item_payload(item, at))} -->\n"
    )
    if item.conflict:
        chunk += (
            f"\n{ITEM_INDENT}**Conflict:** {verdicts_text(item.conflict)}. "
            "A new verdict decides it.\n"
        )
    if not (item.note or item.probes or item.evidence or item.history):
        if at is None or status is Status.UNTESTED:
            return chunk
        # isoformat output holds only digits, `-:.+T`: safe as it is.
        return f"{chunk}\n{ITEM_INDENT}<sub>{STATUS_VALUE[status]} at {at.replace('T', ' ')}</sub>\n"
    out: list[str] = [chunk[:-1]]
    if item.note:
        lines = quote(item.note, ITEM_INDENT)
        if lines:
            out.append("")
            out.extend(lines)
    if at is not None and status is not Status.UNTESTED:
        # isoformat output holds only digits, `-:.+T`: safe as it is.
        out.append("")
        newer = newer_evidence(item)
        mark = f" · ⚠ {newer.text()}" if newer is not None else ""  # digits and words only
        out.append(f"{ITEM_INDENT}<sub>{STATUS_VALUE[status]} at {at.replace('T', ' ')}{mark}</sub>")
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


def newer_evidence(item: ItemResult) -> Any:
    """`core/run/evidence.newer_evidence` (imported on first use: the record's own imports stay small)."""
    from qatui.core.run.evidence import newer_evidence as find

    return find(item)
