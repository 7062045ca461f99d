"""Records of one checklist worked by several testers, for the merge tests (and hypothesis)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from qatui.core.checklist import Priority
from qatui.core.session import (
    Evidence,
    HistoryEntry,
    ItemResult,
    MetricValue,
    PartSpec,
    ProbeResult,
    ProbeStatus,
    SectionResult,
    Session,
    SourceRef,
    Status,
)

from .record_samples import BERLIN, NASTY

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=BERLIN)
VERDICTS = [Status.PASSED, Status.FAILED, Status.BLOCKED, Status.SKIPPED]
#: The checklist every generated record is a record of: (section id, priority, item ids).
SKELETON: list[tuple[str, Priority, list[str]]] = [
    ("websockets", Priority.CRITICAL, ["ws-connect", "ws-404", "ws-auth"]),
    ("api", Priority.IMPORTANT, ["api-token", "api-list"]),
    ("devices", Priority.NICE, ["devices-list", "devices-add", "devices-remove"]),
]
METRICS = ["order-list", "login"]
FACTS = {"Django": "4.2.29", "Python": "3.12.13", "Database": "PostgreSQL 16"}


def order() -> list[tuple[str, list[str]]]:
    return [(section_id, list(items)) for section_id, _, items in SKELETON]


def blank(tester: str, started_at: datetime | None = T0, *, keep: set[str] | None = None) -> Session:
    """A record of the skeleton with every item untested; `keep` makes it a part record."""
    sections = []
    for section_id, priority, item_ids in SKELETON:
        items = [ItemResult(id=i, title=f"Title of {i}", fingerprint=hashlib.sha256(i.encode()).hexdigest()[:12])
                 for i in item_ids if keep is None or i in keep]
        if items:
            sections.append(SectionResult(id=section_id, title=section_id.title(), priority=priority, items=items))
    return Session(
        title="Django 3.2 → 4.2 upgrade", checklist_path="checklists/django-upgrade.yaml", tester=tester,
        environment="local", environment_label="Local Docker (dev)", checklist_version="1.4",
        checklist_hash="ab" * 32, started_at=started_at, qatui_version="0.1.0", sections=sections,
        metrics=[MetricValue(id=m, name=m.title(), threshold=800.0) for m in METRICS],
    )


def work(session: Session, item_id: str, *steps: tuple[Status, int, str]) -> ItemResult:
    """Give an item verdicts as the recorder would: (status, minutes after T0, note) each."""
    item = session.item(item_id)
    for status, minutes, note in steps:
        at = T0 + timedelta(minutes=minutes)
        item.status, item.note, item.updated_at = status, note, at
        item.history.append(HistoryEntry(status, session.tester, at, note))
    return item


texts = st.one_of(st.sampled_from(["", "ok", "200 instead of 404", "db down"]), st.sampled_from(NASTY[:12]))


@st.composite
def team(draw: Any, *, conflicts: bool = False, max_records: int = 3) -> list[Session]:
    """2–`max_records` records of the skeleton by different testers, some of them part records.

    Without `conflicts`, every tester who works an item ends on the same verdict for it (their
    earlier verdicts may differ); with it, final verdicts are drawn per record."""
    count = draw(st.integers(min_value=2, max_value=max_records))
    all_items = [i for _, _, ids in SKELETON for i in ids]
    final = {i: draw(st.sampled_from(VERDICTS)) for i in all_items}
    agreed_metrics = {m: draw(st.one_of(st.none(), st.floats(min_value=1, max_value=2000))) for m in METRICS}
    records: list[Session] = []
    for index in range(count):
        tester = ["Ana", "Ben", "Chloé", "Dev", "Eun"][index]
        part = draw(st.one_of(st.none(), st.sets(st.sampled_from(all_items), min_size=1)))
        started = T0 + timedelta(minutes=draw(st.integers(min_value=0, max_value=30)))
        session = blank(tester, started, keep=part)
        if part is not None:
            session.part = [PartSpec(sections=tuple(sorted(part))[:1], assigned=tester)]
        finished = draw(st.booleans())
        session.finished_at = started + timedelta(hours=5) if finished else None
        session.facts = {k: v for k, v in FACTS.items() if draw(st.booleans())}
        for metric in session.metrics:
            if draw(st.booleans()):
                metric.after = agreed_metrics[metric.id]
        minute = 1 + index * 7  # distinct testers; times may still meet across records
        for item in session.items():
            if not draw(st.booleans()):
                continue
            earlier = draw(st.lists(st.sampled_from(VERDICTS), max_size=2))
            last = draw(st.sampled_from(VERDICTS)) if conflicts else final[item.id]
            steps = []
            for status in [*earlier, last]:
                minute += draw(st.integers(min_value=1, max_value=5))
                steps.append((status, minute, draw(texts)))
            work(session, item.id, *steps)
            for n in range(draw(st.integers(min_value=0, max_value=2))):
                item.evidence.append(Evidence(kind="log", source=f"web-{n}", text=draw(texts),
                                              at=T0 + timedelta(minutes=minute + n)))
            if draw(st.booleans()):
                item.probes.append(ProbeResult(
                    probe_id=f"{item.id}-probe", kind="http",
                    status=draw(st.sampled_from(list(ProbeStatus))), summary=draw(texts),
                    at=T0 + timedelta(minutes=minute, seconds=draw(st.integers(0, 59)))))
        records.append(session)
    return records


def ref(session: Session) -> SourceRef:
    return SourceRef(f"{session.tester.lower()}.md", hashlib.sha256(session.tester.encode()).hexdigest(), session.tester)
