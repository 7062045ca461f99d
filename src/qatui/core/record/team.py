"""What a team did with one checklist: who worked what, what nobody worked, what needs a decision.

`qatui report records/*.md` (several records, or a folder) and `qatui report release.md` (a
merged record) both come here. The records are joined item by item by the team merge
(`core/record/merge.py`: the same function `qatui merge` and the git driver use, so the
report never reads a union the merge would not write), and the release gate is asked of that
union. On top of `report.summary` of the union — the same JSON contract, keys only added —
come:

* `records`: the files read;
* `testers`: per tester, the items whose latest verdict of theirs is passed, failed, blocked or
  skipped (from the items' histories: a merged record still says who did what);
* `coverage`: the items nobody has worked yet, critical first — the union's untested items, and
  the checklist's items that are in no record at all when the checklist can be read;
* `parts`: the part each record says it covers;
* `warnings`: what the merge says a person should know (facts or metrics that disagree).

`conflicts` (items testers gave different verdicts that nobody has decided yet, each with every
competing verdict) and the gate's reason for them come with `summary` itself (`report.py`): an
unresolved conflict fails the gate, whatever the item's priority.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from qatui.core.checklist import Checklist, Priority
from qatui.core.record.sources import SourceState
from qatui.core.session import Session, Status, describe_part, is_team_record

__all__ = ["WORKED", "counts_by_tester", "coverage", "is_team_record", "team_lines", "team_summary", "union"]

#: Statuses counted per tester (untested is nobody's work).
WORKED = (Status.PASSED, Status.FAILED, Status.BLOCKED, Status.SKIPPED)


def union(named: Sequence[tuple[str, Session]], checklist: Checklist | None = None) -> tuple[Session, list[str]]:
    """The records joined into one session, and what the merge warns about. One record is
    itself; several are merged by the team merge (it refuses records of different checklist
    versions or environments, saying which), in the checklist's order when it is given."""
    if len(named) == 1:
        return named[0][1], []
    from qatui.core.record.merge import merge

    order = [(section.id, [item.id for item in section.items]) for section in checklist.sections] if checklist else []
    result = merge([session for _, session in named], names=[name for name, _ in named], order=order)
    return result.session, list(result.warnings)


def counts_by_tester(session: Session) -> dict[str, dict[str, int]]:
    """tester → status → items whose latest verdict by that tester has that status.

    From the histories; an item worked before histories were kept counts for the record's
    tester with its status."""
    counts: dict[str, dict[str, int]] = {}

    def add(tester: str, status: Status) -> None:
        row = counts.setdefault(tester or "—", {s.value: 0 for s in WORKED})
        row[status.value] += 1

    for item in session.items():
        latest: dict[str, Status] = {}
        for entry in item.history:
            latest[entry.tester] = entry.status
        if not latest and item.status is not Status.UNTESTED:
            latest[session.tester] = item.status
        for tester, status in latest.items():
            if status is not Status.UNTESTED:
                add(tester, status)
    return dict(sorted(counts.items(), key=lambda pair: pair[0].casefold()))


def coverage(session: Session, checklist: Checklist | None = None) -> list[dict[str, str]]:
    """Items nobody has worked yet, critical first (checklist order within a priority): the
    union's untested items, then, with the checklist, its items that no record holds."""
    entries: list[tuple[int, int, dict[str, str]]] = []
    held: set[str] = set()
    order = 0
    for section in session.sections:
        for item in section.items:
            held.add(item.id)
            if item.status is Status.UNTESTED and not item.conflict:
                entries.append((section.priority.rank, order,
                                {"id": item.id, "title": item.title, "priority": section.priority.value,
                                 "in_record": "yes"}))
            order += 1
    if checklist is not None:
        for cl_section in checklist.sections:
            for cl_item in cl_section.items:
                if cl_item.id not in held:
                    entries.append((cl_section.priority.rank, order,
                                    {"id": cl_item.id, "title": cl_item.title,
                                     "priority": cl_section.priority.value, "in_record": "no"}))
                    order += 1
    entries.sort(key=lambda entry: (entry[0], entry[1]))
    return [entry for _, _, entry in entries]


def team_summary(
    named: Sequence[tuple[str, Session]], checklist: Checklist | None = None,
    sources: list[SourceState] | None = None,
) -> dict[str, Any]:
    """`report.summary` of the union, with the team's keys (see the module docstring);
    `sources` as `summary` takes them (a merged record's sources checked on disk)."""
    from qatui.core.record.report import summary

    session, warnings = union(named, checklist)
    data = summary(session, named[0][0] if len(named) == 1 else "", sources)
    data["records"] = [name for name, _ in named]
    data["parts"] = {name: describe_part(record.part) for name, record in named}
    data["testers"] = counts_by_tester(session)
    data["coverage"] = coverage(session, checklist)
    data["warnings"] = warnings
    not_covered = [entry["id"] for entry in data["coverage"]
                   if entry["priority"] == Priority.CRITICAL.value and entry["in_record"] == "no"]
    if not_covered:
        shown = ", ".join(not_covered[:10]) + (" …" if len(not_covered) > 10 else "")
        data["gate"]["reasons"].insert(0, f"{len(not_covered)} critical item(s) are in no record: {shown}")
        data["gate"]["passed"] = False
    if len(named) > 1 and not session.signed:
        reasons = data["gate"]["reasons"]
        if "the record is not signed" in reasons:
            reasons[reasons.index("the record is not signed")] = (
                "the records are not merged and signed: qatui merge them into one record and sign it"
            )
    return data


def team_lines(data: dict[str, Any]) -> list[str]:
    """The team part of the text report: parts, testers, coverage, conflicts, warnings."""
    lines: list[str] = []
    parts = [part for part in (data.get("parts") or {}).values() if part != describe_part([])]
    if not (len(data.get("records", [])) > 1 or len(data.get("testers", {})) > 1 or data.get("conflicts") or parts):
        return lines  # one tester's record of the whole checklist: the plain report says it all
    lines.append("")
    records = data["records"]
    lines.append(f"{len(records)} record(s):" if len(records) > 1 else "record:")
    for name, part in data["parts"].items():
        lines.append(f"  {name} — {part}")
    lines.append(f"{'tester':<16}" + "".join(f"{s.value:>9}" for s in WORKED))
    for tester, row in data["testers"].items():
        lines.append(f"{tester[:15]:<16}" + "".join(f"{row[s.value]:>9}" for s in WORKED))
    untested = data.get("coverage") or []
    if untested:
        critical = sum(entry["priority"] == "critical" for entry in untested)
        lines.append("")
        lines.append(f"not worked yet: {len(untested)} item(s), {critical} critical")
        for entry in untested[:15]:
            where = "" if entry["in_record"] == "yes" else " (in no record)"
            lines.append(f"  {entry['priority']:<9} {entry['id']} — {entry['title']}{where}")
        if len(untested) > 15:
            lines.append(f"  … and {len(untested) - 15} more")
    for warning in data.get("warnings") or []:
        lines.append(f"warning: {warning}")
    return lines

