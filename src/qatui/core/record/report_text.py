"""The plain-text report of `qatui report` (no colour), and times and durations as people read them.

Split out of `report.py`: this formats the JSON `summary` (and a `Comparison`) for a
terminal; every line is made inert, so a record cannot drive the terminal.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from qatui.core.checklist import Priority
from qatui.core.record.render import STATUS_ORDER
from qatui.core.record.report_compare import Comparison
from qatui.core.session import Status


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
