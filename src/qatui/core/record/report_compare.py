"""What changed between two runs of a checklist: `compare(new, old)`.

Item statuses, items whose text changed in the checklist (per-item fingerprints), items added
or removed, whether the checklist file changed (content hash), how the timings moved and
whether the sign-off changed; `warnings` say when the two records may not be two runs of one
thing. Split out of `report.py`; `qatui report --against` uses it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from qatui.core.record.report_json import finite, signoff_json
from qatui.core.session import Session, SignOff


@dataclass
class StatusChange:
    """An item whose status differs between two records (`qatui report --against`)."""

    id: str
    title: str
    priority: str
    old: str
    new: str


@dataclass
class MetricChange:
    """A metric whose figure differs between two records (`qatui report --against`)."""

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
                {"id": m.id, "name": m.name, "unit": m.unit, "old": finite(m.old_after),
                 "new": finite(m.new_after), "delta": finite(m.delta)}
                for m in self.metrics
            ],
            "signoff": None if self.signoff_change is None else {
                "change": self.signoff_change,
                "old": signoff_json(self.old_signoff),
                "new": signoff_json(self.new_signoff),
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
