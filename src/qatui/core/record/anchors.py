"""The record's hidden anchors (`<!-- qatui:KIND JSON -->`): everything qatui reads back
(`record/read.py`), one per line (`docs/record-format.md`). Fields that hold their default
value are left out, which keeps an untested item to one short line and a record's diffs small.
The item anchor is built by hand: it is made for every item on every save."""

from __future__ import annotations

from json.encoder import encode_basestring as _enc  # C implementation

from qatui.core.record.escape import (
    anchor_safe,
    iso,
    jdump,
)
from qatui.core.session import (
    Evidence,
    HistoryEntry,
    ItemResult,
    MetricValue,
    PartSpec,
    ProbeResult,
    SectionResult,
    Session,
    SignOff,
    Status,
)

#: Version of the anchor format; `read` refuses records written in a newer one. Format 2 added
#: `history` anchors (an older qatui would refuse them as unknown, so it is told to upgrade);
#: format 1 records read as they always did, with an empty history.
FORMAT_VERSION = 2


def anchor(kind: str, payload: str | None = None) -> str:
    """One hidden anchor line; `payload` is JSON (made safe here)."""
    if payload is None:
        return f"<!-- qatui:{kind} -->"
    return f"<!-- qatui:{kind} {anchor_safe(payload)} -->"


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


STATUS_VALUE = {status: status.value for status in Status}


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
