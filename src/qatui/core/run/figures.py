"""What probe results mean for the record's header and performance table, computed once.

`derived_figures` gives the sign-off facts (label → captured value) and the "after" figure of
each probe-timed or captured metric; `metric_change` gives a metric's change between two
figures. The screen, `qatui probe --record`, the record's table, `qatui report` and the
sign-off screen all ask here, so a figure never reads one way on the screen and another in CI.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterable, Mapping

from qatui.core.checklist import Checklist
from qatui.core.datatypes import datatype
from qatui.core.secrets import Masker
from qatui.core.session import ProbeResult, ProbeStatus


def derived_figures(
    checklist: Checklist, results: Iterable[ProbeResult], captures: Mapping[str, str], masker: Masker | None
) -> tuple[dict[str, str], dict[str, float]]:
    """Facts and metric "after" figures from `results` (a batch of probe results).

    Only what these results captured counts (`captures` holds the raw values, e.g. the run's
    whole scope): a capture taken an hour ago is not this batch's figure. A fact whose value is
    secret (a `secret: true` capture, a secret's value) is left out. A probe-timed metric is the
    duration of a probe that passed; a failed request's time is not a performance figure."""
    results = list(results)
    taken = {name for r in results if r.status is ProbeStatus.PASSED for name in r.captures}
    facts = {
        label: captures[name]
        for label, name in checklist.signoff.facts.items()
        if name in taken and name in captures and not (masker is not None and captures[name] in masker)
    }
    durations = {r.probe_id: r.duration_ms for r in results if r.status is ProbeStatus.PASSED and r.duration_ms is not None}
    metrics: dict[str, float] = {}
    for metric in checklist.metrics:
        if metric.probe and metric.probe in durations:
            metrics[metric.id] = round(float(durations[metric.probe] or 0.0), 1)
        elif metric.capture and metric.capture in taken and metric.capture in captures:
            with contextlib.suppress(ValueError):
                metrics[metric.id] = float(captures[metric.capture])
    return facts, metrics


@datatype(frozen=True)
class MetricChange:
    """`after - before`, and that change in percent of `before` (None when it has no meaning:
    a figure missing, `before` zero, or a figure that is not a finite number)."""

    delta: float | None
    percent: float | None

    def text(self, number: object = None) -> str:
        """`+12.5 (+10.0%)`, `-3`, or `—`; `number` formats a figure (the record's style)."""
        if self.delta is None:
            return "—"
        shown = ("+" if self.delta > 0 else "") + (number(self.delta) if callable(number) else f"{self.delta:g}")
        if self.percent is not None:
            shown += f" ({self.percent:+.1f}%)"
        return shown


def metric_change(before: float | None, after: float | None) -> MetricChange:
    """The one computation of a metric's change, for the record, the report and the screen."""
    if before is None or after is None:
        return MetricChange(None, None)
    delta = after - before
    if not math.isfinite(delta):
        return MetricChange(None, None)
    percent = delta / abs(before) * 100 if before != 0 and math.isfinite(before) else None
    return MetricChange(delta, percent)
