"""A resumed record made to match its checklist again, and a new one started from it.

Split out of `recorder.py` (the `Recorder` keeps the changes a person makes; this module holds
what happens to a session's structure when the checklist it was started from changed):
items added or dropped, items whose text changed untested again, each change listed for the
person who resumes the record.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from qatui.core.checklist import Checklist
from qatui.core.session import HistoryEntry, ItemResult, MetricValue, SectionResult, Session, Status


def apply_initial_status(session: Session, checklist: Checklist) -> None:
    """Boxes already ticked in an imported Markdown checklist start with that status."""
    statuses = {status.value: status for status in Status}
    for item in session.items():
        word = checklist.initial_status.get(item.id)
        if word in statuses:
            item.status = statuses[word]
            item.updated_at = session.started_at
            if item.status is not Status.UNTESTED and session.started_at is not None:
                item.history.append(HistoryEntry(item.status, session.tester, session.started_at))


def same_checklist(session: Session, checklist: Checklist) -> bool:
    """A record of this checklist: the same file name or the same title (a checklist moved or
    renamed keeps its records)."""
    return (
        Path(session.checklist_path).name == Path(checklist.path).name
        or session.title == checklist.title
    )


def bring_in_line(session: Session, checklist: Checklist, now: datetime) -> list[str]:
    """Make a resumed session's structure match the checklist; say what changed.

    An item made untested again because its text changed gets a history entry for that (with
    the session's tester and `now`) when it has a history, so its last entry stays its status."""
    if checklist.content_hash and session.checklist_hash == checklist.content_hash:
        return []
    changes: list[str] = []
    old_items = {item.id: item for item in session.items()}
    sections: list[SectionResult] = []
    for section in checklist.sections:
        result = SectionResult(id=section.id, title=section.title, priority=section.priority)
        for item in section.items:
            fingerprint = item.fingerprint()
            old = old_items.pop(item.id, None)
            if old is None:
                result.items.append(ItemResult(id=item.id, title=item.title, fingerprint=fingerprint))
                changes.append(f"new item {item.id!r} added, untested")
                continue
            if old.fingerprint != fingerprint:
                if old.status is not Status.UNTESTED:
                    changes.append(
                        f"item {item.id!r} changed in the checklist since it was marked "
                        f"{old.status.value}; it is untested again"
                    )
                    old.status = Status.UNTESTED
                    if old.history:
                        old.history.append(HistoryEntry(Status.UNTESTED, session.tester, now, old.note))
                old.fingerprint = fingerprint
            old.title = item.title
            result.items.append(old)
        sections.append(result)
    for dropped in old_items.values():
        changes.append(f"item {dropped.id!r} ({dropped.status.value}) is no longer in the checklist; dropped")
    old_metrics = {metric.id: metric for metric in session.metrics}
    session.metrics = [
        MetricValue(
            id=m.id,
            name=m.name,
            unit=m.unit,
            before=old_metrics[m.id].before if m.id in old_metrics else None,
            after=old_metrics[m.id].after if m.id in old_metrics else None,
            threshold=m.threshold,
            notes=m.notes,
        )
        for m in checklist.metrics
    ]
    session.sections = sections
    session.title = checklist.title
    session.checklist_version = checklist.version
    if session.checklist_hash != checklist.content_hash:
        changes.insert(0, "the checklist changed since this record was started")
    session.checklist_hash = checklist.content_hash
    env = checklist.environments.get(session.environment)
    if env is not None:
        session.environment_label, session.protected = env.label, env.protected
    return changes
