"""The JSON shapes of one metric, item, sign-off and source in `qatui report --format json`.

Split out of `report.py` so that `summary` (the whole document) and `compare` (what changed
between two records) build the same shapes from one place. The contract is documented in
`docs/record-format.md`: keys are only ever added, never renamed or removed.
"""

from __future__ import annotations

import math
from typing import Any

from qatui.core.record.render import threshold_ok
from qatui.core.record.sources import SourceState
from qatui.core.session import ItemResult, MetricValue, Session, SignOff, Status


def finite(value: float | None) -> float | None:
    """JSON has no NaN or infinity; strict parsers in CI scripts would choke on them."""
    return value if value is None or math.isfinite(value) else None


def metric_json(metric: MetricValue) -> dict[str, Any]:
    from qatui.core.run.figures import metric_change

    change = metric_change(metric.before, metric.after)
    delta = change.delta
    percent = round(change.percent, 2) if change.percent is not None else None
    return {
        "id": metric.id,
        "name": metric.name,
        "unit": metric.unit,
        "before": finite(metric.before),
        "after": finite(metric.after),
        "delta": finite(delta),
        "delta_percent": finite(percent),
        "threshold": finite(metric.threshold),
        "within_threshold": threshold_ok(metric),
    }


def sources_json(session: Session, sources: list[SourceState] | None) -> list[dict[str, Any]]:
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


def item_json(item: ItemResult, section: str, priority: str, tester: str) -> dict[str, Any]:
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


def signoff_json(signoff: SignOff | None) -> dict[str, str] | None:
    if signoff is None:
        return None
    return {"name": signoff.name, "role": signoff.role, "at": signoff.at.isoformat(),
            "meaning": signoff.meaning, "comment": signoff.comment}
