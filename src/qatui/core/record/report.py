"""What a record says, in numbers: counts, open items, sign-off, timings, and what changed.

`qatui report` and CI scripts use this. `summary(session)` is the JSON contract documented in
`docs/record-format.md` (keys are only ever added, never renamed or removed); `compare(new,
old)` tells what changed between two runs of a checklist: item statuses, items whose text
changed in the checklist (per-item fingerprints), items added or removed, whether the
checklist file changed (content hash) and how the timings moved; `gate_reasons(session)` says
why a record may not go to production (empty means it may).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from qatui import __version__
from qatui.core.checklist import Priority
from qatui.core.record.render import STATUS_ORDER, threshold_ok
from qatui.core.record.sources import SourceState, source_reasons
from qatui.core.session import ItemResult, MetricValue, ProbeStatus, Session, SignOff, Status

#: Version of the JSON produced by `summary`; bumped only for incompatible changes.
JSON_VERSION = 1


@dataclass
class StatusChange:
    id: str
    title: str
    priority: str
    old: str
    new: str


@dataclass
class MetricChange:
    id: str
    name: str
    unit: str
    old_after: float | None
    new_after: float | None

    @property
    def delta(self) -> float | None:
        from qatui.core.run.figures import metric_change

        return metric_change(self.old_after, self.new_after).delta


@dataclass
class Comparison:
    """What changed from an older record of the same checklist to a newer one."""

    checklist_changed: bool
    old_hash: str
    new_hash: str
    status_changed: list[StatusChange] = field(default_factory=list)
    text_changed: list[str] = field(default_factory=list)  # item ids
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    metrics: list[MetricChange] = field(default_factory=list)
    #: Why the two records may not be two runs of one thing (another checklist or environment,
    #: the "older" one newer); the comparison is still made, these say what to make of it.
    warnings: list[str] = field(default_factory=list)
    old_signoff: SignOff | None = None
    new_signoff: SignOff | None = None

    @property
    def signoff_change(self) -> str | None:
        """"removed" (the older record was signed, this one is not), "added", "replaced" (signed
        by someone else or at another time), or None when the sign-off did not change."""
        old, new = self.old_signoff, self.new_signoff
        if old == new:
            return None
        if new is None:
            return "removed"
        return "added" if old is None else "replaced"

    @property
    def changed(self) -> bool:
        """Whether anything at all changed (the checklist, an item, a figure, the sign-off)."""
        return bool(self.checklist_changed or self.status_changed or self.text_changed or self.added
                    or self.removed or self.metrics or self.signoff_change)

    def as_json(self) -> dict[str, Any]:
        return {
            "warnings": self.warnings,
            "checklist_changed": self.checklist_changed,
            "old_checklist_hash": self.old_hash,
            "new_checklist_hash": self.new_hash,
            "status_changed": [
                {"id": c.id, "title": c.title, "priority": c.priority, "old": c.old, "new": c.new}
                for c in self.status_changed
            ],
            "text_changed": self.text_changed,
            "added": self.added,
            "removed": self.removed,
            "metrics": [
                {"id": m.id, "name": m.name, "unit": m.unit, "old": _finite(m.old_after),
                 "new": _finite(m.new_after), "delta": _finite(m.delta)}
                for m in self.metrics
            ],
            "signoff": None if self.signoff_change is None else {
                "change": self.signoff_change,
                "old": _signoff_json(self.old_signoff),
                "new": _signoff_json(self.new_signoff),
            },
        }


def compare(new: Session, old: Session) -> Comparison:
    old_items = {item.id: item for item in old.items()}
    new_ids: set[str] = set()
    result = Comparison(
        checklist_changed=bool(new.checklist_hash or old.checklist_hash)
        and new.checklist_hash != old.checklist_hash,
        old_hash=old.checklist_hash,
        new_hash=new.checklist_hash,
    )
    result.warnings = _mismatches(new, old)
    for section in new.sections:
        for item in section.items:
            new_ids.add(item.id)
            before = old_items.get(item.id)
            if before is None:
                result.added.append(item.id)
                continue
            if before.status is not item.status:
                result.status_changed.append(
                    StatusChange(item.id, item.title, section.priority.value,
                                 before.status.value, item.status.value)
                )
            if before.fingerprint != item.fingerprint:
                result.text_changed.append(item.id)
    result.removed = [item_id for item_id in old_items if item_id not in new_ids]
    old_metrics = {metric.id: metric for metric in old.metrics}
    for metric in new.metrics:
        previous = old_metrics.get(metric.id)
        old_after = previous.after if previous else None
        if old_after == metric.after or (old_after is None and metric.after is None):
            continue  # only what changed: an unchanged or unmeasured figure says nothing
        result.metrics.append(MetricChange(metric.id, metric.name, metric.unit, old_after, metric.after))
    result.old_signoff, result.new_signoff = old.signoff, new.signoff
    return result


def _mismatches(new: Session, old: Session) -> list[str]:
    """What makes `old` look like something other than an earlier run of `new`'s checklist."""
    found: list[str] = []
    if old.checklist_path != new.checklist_path or old.title != new.title:
        found.append(
            f"the older record is of another checklist ({old.title!r}, {old.checklist_path or '—'}; "
            f"this one: {new.title!r}, {new.checklist_path or '—'})"
        )
    if old.environment != new.environment:
        found.append(
            f"the older record is of environment {old.environment!r}, this one of {new.environment!r}"
        )
    if old.started_at is not None and new.started_at is not None and old.started_at > new.started_at:
        found.append(
            f"the older record started later ({old.started_at.isoformat()}) than this one "
            f"({new.started_at.isoformat()}): are they the wrong way round?"
        )
    return found


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


def _finite(value: float | None) -> float | None:
    """JSON has no NaN or infinity; strict parsers in CI scripts would choke on them."""
    return value if value is None or math.isfinite(value) else None


def _metric_json(metric: MetricValue) -> dict[str, Any]:
    from qatui.core.run.figures import metric_change

    change = metric_change(metric.before, metric.after)
    delta = change.delta
    percent = round(change.percent, 2) if change.percent is not None else None
    return {
        "id": metric.id,
        "name": metric.name,
        "unit": metric.unit,
        "before": _finite(metric.before),
        "after": _finite(metric.after),
        "delta": _finite(delta),
        "delta_percent": _finite(percent),
        "threshold": _finite(metric.threshold),
        "within_threshold": threshold_ok(metric),
    }


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
        "signoff": _signoff_json(signoff),
        "metrics": [_metric_json(metric) for metric in session.metrics],
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
        "sources": _sources_json(session, sources),
        "results": [
            _item_json(item, section.id, section.priority.value, session.tester)
            for section in session.sections
            for item in section.items
        ],
    }


def _sources_json(session: Session, sources: list[SourceState] | None) -> list[dict[str, Any]]:
    """The merged record's sources; `found` and `changed` are null when they were not looked for."""
    if sources is None:
        return [{"name": ref.name, "sha256": ref.sha256, "tester": ref.tester, "found": None, "changed": None}
                for ref in session.sources]
    return [{"name": state.ref.name, "sha256": state.ref.sha256, "tester": state.ref.tester,
             "found": state.found, "changed": state.changed} for state in sources]


def verdict_by(item: ItemResult, tester: str) -> str | None:
    """Who gave the item its current verdict: the last history entry's tester, else the
    record's tester for a verdict given before histories were kept; None while untested."""
    if item.history:
        return item.history[-1].tester
    return None if item.status is Status.UNTESTED else tester


def _item_json(item: ItemResult, section: str, priority: str, tester: str) -> dict[str, Any]:
    return {
        "id": item.id,
        "title": item.title,
        "section": section,
        "priority": priority,
        "status": item.status.value,
        "note": item.note,
        "tester": verdict_by(item, tester),
        "at": item.updated_at.isoformat() if item.updated_at else None,
        "history": [
            {"status": entry.status.value, "tester": entry.tester, "at": entry.at.isoformat(), "note": entry.note}
            for entry in item.history
        ],
    }


def _signoff_json(signoff: SignOff | None) -> dict[str, str] | None:
    if signoff is None:
        return None
    return {"name": signoff.name, "role": signoff.role, "at": signoff.at.isoformat(),
            "meaning": signoff.meaning, "comment": signoff.comment}


def human_time(value: datetime | str | None) -> str:
    """A time as a person reads it in a report: `2026-12-04 14:03 UTC`, `2026-03-10 14:05
    +01:00` (minutes are enough there; the record keeps the seconds)."""
    if value is None:
        return "—"
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return value
        value = parsed
    if value.tzinfo is None:
        return f"{value:%Y-%m-%d %H:%M}"
    offset = value.utcoffset()
    if not offset:
        return f"{value:%Y-%m-%d %H:%M} UTC"
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{value:%Y-%m-%d %H:%M} {sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def human_duration(seconds: float) -> str:
    """`45 s`, `12 min`, `2 h 05 min`, `3 d 4 h`: how long a session took, roughly."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{int(seconds)} s"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def _num(value: float | None) -> str:
    from qatui.core.record.escape import number

    return number(value)


def _plain(text: str) -> str:
    """One line with no control characters: a record cannot drive the terminal (they show as
    `\\e`, `\\r` … like everywhere else, see `core/text.py`)."""
    from qatui.core.text import inert

    return inert(text, one_line=True)


def format_text(data: dict[str, Any], comparison: Comparison | None = None, against: str = "") -> str:
    """The plain-text report (no colour)."""
    text = "\n".join(_lines(data, comparison, against))
    return "\n".join(_plain(line) for line in text.split("\n"))


def _lines(data: dict[str, Any], comparison: Comparison | None, against: str) -> list[str]:
    lines: list[str] = []
    env = data["environment_label"] or data["environment"]
    if data["protected"]:
        env += " [PROTECTED]"
    lines.append(f"{data['title']} — {data['record']}")
    when = f"started {human_time(data['started_at'])}"
    if data["finished_at"]:
        when += f" · finished {human_time(data['finished_at'])}"
        try:
            took = datetime.fromisoformat(data["finished_at"]) - datetime.fromisoformat(data["started_at"])
        except (TypeError, ValueError):
            pass
        else:
            when += f" ({human_duration(took.total_seconds())})"
    else:
        when += " · not finished"
    lines.append(f"tester {data['tester'] or '—'} · environment {env or '—'} · {when}")
    where = [f"{label} {data.get(key)}" for key, label in
             (("target", "target"), ("build", "build"), ("commit", "commit"), ("host", "host")) if data.get(key)]
    if where:
        lines.append(" · ".join(w if not w.startswith("commit ") else w[:19] for w in where))
    if data["facts"]:
        lines.append(" · ".join(f"{label} {value}" for label, value in data["facts"].items()))
    lines.append("")
    header = f"{'':<14}" + "".join(f"{s.value:>9}" for s in STATUS_ORDER) + f"{'total':>8}"
    lines.append(header)
    for priority in Priority:
        row = data["by_priority"][priority.value]
        lines.append(
            f"{priority.label:<14}" + "".join(f"{row[s.value]:>9}" for s in STATUS_ORDER)
            + f"{sum(row.values()):>8}"
        )
    totals = data["totals"]
    lines.append(f"{'all':<14}" + "".join(f"{totals[s.value]:>9}" for s in STATUS_ORDER) + f"{data['items']:>8}")
    lines.append("")
    if data["open_critical"]:
        lines.append(f"open critical ({len(data['open_critical'])}): " + ", ".join(data["open_critical"]))
    else:
        lines.append("open critical: none")
    untested: list[str] = []
    for item in data["open_items"]:
        if item["status"] == Status.UNTESTED.value:
            untested.append(item["id"])
            continue
        lines.append(f"  {item['status'].upper():<8} {item['id']} — {item['title']} ({item['priority']})")
        # The tester's words are why the item is open: every line of the note, indented.
        lines.extend(f"           {line}" for line in item["note"].strip().split("\n") if line.strip())
    if untested:
        shown = ", ".join(untested[:10]) + (f" … ({len(untested) - 10} more)" if len(untested) > 10 else "")
        lines.append(f"  untested ({len(untested)}): {shown}")
    probes = data.get("probe_totals") or {}
    if any(probes.values()):
        lines.append("probes: " + ", ".join(f"{n} {status.replace('_', ' ')}" for status, n in probes.items() if n))
    for entry in data.get("passed_against_probes") or []:
        lines.append(
            f"  PASSED   {entry['id']} — but probe {entry['probe']} {entry['probe_status']}: {entry['summary']}"
        )
    conflicts = data.get("conflicts") or []
    if conflicts:
        lines.append(f"conflicts ({len(conflicts)}) — testers gave different verdicts; a new verdict decides:")
        for conflict in conflicts:
            verdicts = " vs ".join(f"{v['status']} by {v['tester'] or '—'} at {v['at']}" for v in conflict["verdicts"])
            lines.append(f"  CONFLICT {conflict['id']} — {conflict['title']} ({conflict['priority']}): {verdicts}")
    sources = data.get("sources") or []
    if sources:
        lines.append(f"merged from {len(sources)} record(s):")
        for source in sources:
            state = {None: "", True: " — CHANGED since the merge", False: " — unchanged"}[source["changed"]]
            if source["found"] is False:
                state = " — not found beside the record (not checked)"
            lines.append(f"  {source['name']} ({source['tester'] or '—'}, sha256 {source['sha256'][:12]}…){state}")
    signoff = data["signoff"]
    if signoff:
        lines.append(
            f"signed: yes — {signoff['name']} ({signoff['role']}) at {human_time(signoff['at'])}: {signoff['meaning']}"
        )
    else:
        lines.append("signed: no")
    measured = [m for m in data["metrics"] if m["before"] is not None or m["after"] is not None]
    unmeasured = [m["name"] or m["id"] for m in data["metrics"] if m not in measured]
    if data["metrics"]:
        lines.append("")
        lines.append("performance:")
        if unmeasured:
            lines.append(f"  not measured: {', '.join(unmeasured)}")
        for m in measured:
            delta = "—"
            if m["delta"] is not None:
                delta = ("+" if m["delta"] > 0 else "") + _num(m["delta"])
                if m["delta_percent"] is not None:
                    delta += f" ({m['delta_percent']:+.1f}%)"
            verdict = ""
            if m["within_threshold"] is not None:
                verdict = f"  threshold {_num(m['threshold'])}: {'ok' if m['within_threshold'] else 'OVER'}"
            lines.append(
                f"  {m['name']}: before {_num(m['before'])} after {_num(m['after'])} "
                f"{m['unit']}, delta {delta}{verdict}"
            )
    if comparison is not None:
        lines.append("")
        lines.append(f"changes since {against or 'the older record'}:")
        for warning in comparison.warnings:
            lines.append(f"  warning: {warning}")
        if comparison.checklist_changed:
            lines.append(
                f"  the checklist changed (hash {comparison.old_hash[:12] or '—'} → "
                f"{comparison.new_hash[:12] or '—'})"
            )
        old_sign, new_sign = comparison.old_signoff, comparison.new_signoff
        if comparison.signoff_change == "removed" and old_sign is not None:
            lines.append(f"  sign-off removed: it was signed by {old_sign.name} ({old_sign.role}) "
                         f"at {human_time(old_sign.at)}, and is not any more")
        elif comparison.signoff_change is not None and new_sign is not None:
            lines.append(f"  signed by {new_sign.name} ({new_sign.role}) at {human_time(new_sign.at)}"
                         + (" (replacing an earlier sign-off)" if comparison.signoff_change == "replaced" else ""))
        for change in comparison.status_changed:
            lines.append(f"  {change.id}: {change.old} → {change.new} — {change.title}")
        if comparison.text_changed:
            lines.append("  text changed: " + ", ".join(comparison.text_changed))
        if comparison.added:
            lines.append("  added: " + ", ".join(comparison.added))
        if comparison.removed:
            lines.append("  removed: " + ", ".join(comparison.removed))
        for metric in comparison.metrics:
            if metric.delta is not None:
                lines.append(
                    f"  {metric.name}: {_num(metric.old_after)} → {_num(metric.new_after)} "
                    f"{metric.unit} ({'+' if metric.delta > 0 else ''}{_num(metric.delta)})"
                )
        if not comparison.changed:
            lines.append("  nothing changed")
    gate = data["gate"]
    lines.append("")
    lines.append("gate: pass" if gate["passed"] else "gate: FAIL — " + "; ".join(gate["reasons"]))
    return [_plain(line) for line in lines]
