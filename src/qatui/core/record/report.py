"""What a record says, in numbers: counts, open items, sign-off, timings, and what changed.

`qatui report` and CI scripts use this. `summary(session)` is the JSON contract documented in
`docs/record-format.md` (keys are only ever added, never renamed or removed); `compare(new,
old)` tells what changed between two runs of a checklist: item statuses, items whose text
changed in the checklist (per-item fingerprints), items added or removed, whether the
checklist file changed (content hash) and how the timings moved; `gate_reasons(session)` says
why a record may not go to production (empty means it may).

The comparison lives in `report_compare.py`, the JSON shapes of one item, metric and
sign-off in `report_json.py`, the plain-text report in `report_text.py`; their public names
are imported here too, so `from qatui.core.record.report import compare, format_text` works.
"""

from __future__ import annotations

from typing import Any

from qatui import __version__
from qatui.core.checklist import Priority
from qatui.core.record.render import STATUS_ORDER
from qatui.core.record.report_compare import Comparison, MetricChange, StatusChange, compare
from qatui.core.record.report_json import (
    item_json,
    metric_json,
    signoff_json,
    sources_json,
    verdict_by,
)
from qatui.core.record.report_text import format_text, human_duration, human_time
from qatui.core.record.sources import SourceState, source_reasons
from qatui.core.session import ProbeStatus, Session, Status

#: Version of the JSON produced by `summary`; bumped only for incompatible changes.
JSON_VERSION = 1

__all__ = [
    "JSON_VERSION", "Comparison", "MetricChange", "StatusChange", "compare", "format_text", "gate_reasons",
    "human_duration", "human_time", "passed_against_probes", "probe_totals", "summary", "verdict_by",
]


def gate_reasons(session: Session) -> list[str]:
    """Why this record does not clear the release gate; empty when it does."""
    reasons: list[str] = []
    in_conflict = [item.id for item in session.items() if item.conflict]
    if in_conflict:
        shown = ", ".join(in_conflict[:10]) + (" …" if len(in_conflict) > 10 else "")
        reasons.append(f"{len(in_conflict)} item(s) in conflict need a decision: {shown}")
    open_critical = session.open_critical()
    if open_critical:
        shown = ", ".join(open_critical[:10]) + (" …" if len(open_critical) > 10 else "")
        reasons.append(f"{len(open_critical)} critical item(s) not passed: {shown}")
    unproven = passed_against_probes(session, Priority.CRITICAL)
    if unproven:
        shown = ", ".join(f"{entry['id']} ({entry['probe']} {entry['probe_status']})" for entry in unproven[:10])
        reasons.append(
            f"{len(unproven)} critical item(s) marked passed though a probe did not pass: {shown}"
            + (" …" if len(unproven) > 10 else "")
        )
    if session.signoff is None:
        reasons.append("the record is not signed")
    return reasons


def passed_against_probes(session: Session, priority: Priority | None = None) -> list[dict[str, str]]:
    """Items marked passed whose latest probe evidence did not pass (failed, error, timeout, or
    inconclusive — too little seen to be evidence): one entry per such probe.

    The tester decides, but a release gate must not read "passed" over evidence that says
    otherwise or says nothing: an `inconclusive` logs check is not a pass, wherever it shows.
    """
    found = []
    for section in session.sections:
        if priority is not None and section.priority is not priority:
            continue
        for item in section.items:
            if item.status is not Status.PASSED:
                continue
            for probe in item.probes:
                if probe.status in _NOT_PASSED:
                    found.append({"id": item.id, "title": item.title, "priority": section.priority.value,
                                  "probe": probe.probe_id, "probe_status": probe.status.value,
                                  "summary": probe.summary})
    return found


#: Probe results that are evidence against a pass (`not_run` is no evidence either way).
_NOT_PASSED = (ProbeStatus.FAILED, ProbeStatus.ERROR, ProbeStatus.TIMEOUT, ProbeStatus.INCONCLUSIVE)


def probe_totals(session: Session) -> dict[str, int]:
    """The latest result of every probe in the record, counted by status."""
    counts = {status.value: 0 for status in ProbeStatus}
    for item in session.items():
        for probe in item.probes:
            counts[probe.status.value] += 1
    return counts


def summary(session: Session, path: str = "", sources: list[SourceState] | None = None) -> dict[str, Any]:
    """The documented JSON contract of `qatui report --format json`.

    `sources`: the merged record's sources as found on disk (`core/record/sources.py`); a
    source changed since the merge fails the gate."""
    totals = session.counts()
    by_priority = {
        priority.value: {status.value: count for status, count in session.counts(priority).items()}
        for priority in Priority
    }
    by_rank = sorted(session.sections, key=lambda s: s.priority.rank)
    # Failed and blocked first (they need someone), then untested; critical first in each.
    open_items = [
        {"id": item.id, "title": item.title, "priority": section.priority.value,
         "status": item.status.value, "note": item.note}
        for wanted in ((Status.FAILED, Status.BLOCKED), (Status.UNTESTED,))
        for section in by_rank
        for item in section.items
        if item.status in wanted
    ]
    signoff = session.signoff
    reasons = gate_reasons(session) + source_reasons(sources or [], signoff is not None)
    return {
        "version": JSON_VERSION,
        "qatui_version": __version__,
        "record": path,
        "title": session.title,
        "checklist": {
            "path": session.checklist_path,
            "version": session.checklist_version,
            "hash": session.checklist_hash,
        },
        "tester": session.tester,
        "environment": session.environment,
        "environment_label": session.environment_label,
        "protected": session.protected,
        "started_at": session.started_at.isoformat() if session.started_at else None,
        "finished_at": session.finished_at.isoformat() if session.finished_at else None,
        "facts": dict(session.facts),
        "recorded_with": session.qatui_version,
        "host": session.host,
        "target": session.target,
        "build": session.build,
        "commit": session.commit,
        "items": sum(totals.values()),
        "totals": {status.value: totals[status] for status in STATUS_ORDER},
        "by_priority": {
            priority: {status.value: counts[status.value] for status in STATUS_ORDER}
            for priority, counts in by_priority.items()
        },
        "open_critical": session.open_critical(),
        "open_items": open_items,
        "signed": signoff is not None,
        "signoff": signoff_json(signoff),
        "metrics": [metric_json(metric) for metric in session.metrics],
        "gate": {"passed": not reasons, "reasons": reasons},
        "probe_totals": probe_totals(session),
        "passed_against_probes": passed_against_probes(session),
        "conflicts": [
            {"id": item.id, "title": item.title, "priority": section.priority.value, "status": item.status.value,
             "verdicts": [{"status": entry.status.value, "tester": entry.tester, "at": entry.at.isoformat(),
                           "note": entry.note} for entry in item.conflict]}
            for section in session.sections
            for item in section.items
            if item.conflict
        ],
        "sources": sources_json(session, sources),
        "results": [
            item_json(item, section.id, section.priority.value, session.tester)
            for section in session.sections
            for item in section.items
        ],
    }
