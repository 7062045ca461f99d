"""A test session: who tests which checklist where, and what they found.

The session is exactly what the Markdown record holds, no more: `record.read(record.render(s))
== s` for every session. It keeps a snapshot of the checklist's structure (section and item
titles, priorities, per-item fingerprints) so that a record can be reported on, compared and
rendered without the checklist file it came from.

Times are timezone-aware datetimes; a record written in Berlin and read in Lisbon says the
same instant.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import field
from datetime import datetime
from enum import StrEnum

from qatui.core.checklist import Checklist, Note, Priority
from qatui.core.datatypes import datatype
from qatui.core.errors import QatuiError


class Status(StrEnum):
    UNTESTED = "untested"
    PASSED = "passed"
    FAILED = "failed"
    BLOCKED = "blocked"
    SKIPPED = "skipped"

    @property
    def mark(self) -> str:
        """A mark that reads without colour (NO_COLOR, plain Markdown)."""
        return {
            "untested": "·",
            "passed": "✓",
            "failed": "✗",
            "blocked": "⊘",
            "skipped": "↷",
        }[self.value]

    @property
    def is_open(self) -> bool:
        """Still needs attention before a sign-off."""
        return self in (Status.UNTESTED, Status.FAILED, Status.BLOCKED)


class ProbeStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    TIMEOUT = "timeout"
    NOT_RUN = "not_run"
    #: The probe ran but saw too little to judge (a logs check that read almost nothing): not
    #: evidence either way, so it counts as not passed everywhere (screen, CI, record, gate).
    INCONCLUSIVE = "inconclusive"

    @property
    def passed(self) -> bool:
        """Only `passed` is a pass; every other status (inconclusive included) is not."""
        return self is ProbeStatus.PASSED


@datatype
class ProbeResult:
    """The evidence one probe run produced. It suggests; it never ticks an item."""

    probe_id: str
    kind: str
    status: ProbeStatus
    summary: str  # one line: actual beside expected, and where the expectation is written
    duration_ms: float | None = None
    explanation: str = ""  # plain words on failure
    detail: str = ""  # bounded request/response or output excerpt, secrets masked
    captures: dict[str, str] = field(default_factory=dict)  # masked values only
    at: datetime | None = None
    where: str = ""  # `django-upgrade.yaml:88`


@datatype
class Evidence:
    """Something attached to an item: log lines, a probe's output, or text."""

    kind: str  # log | probe | text
    source: str  # log source name, probe id, or "tester"
    text: str
    at: datetime | None = None


@datatype
class HistoryEntry:
    """One change of an item's verdict: what it became, who said so, and when.

    The history is what a team merge and a reviewer rely on: when two testers give one item
    different verdicts, both entries are kept (the merge never picks one silently), and the
    item shows who changed what. `note` holds the note as it stood with that verdict, so a
    failure's explanation survives a later pass. Entries are in time order; the item's
    current `status` is the last entry's unless a merge marked the item as a conflict.
    """

    status: Status
    tester: str
    at: datetime
    note: str = ""


@datatype(frozen=True)
class PartSpec:
    """One way of choosing a tester's part of a checklist: the items that match every criterion
    given (`priorities` critical…, `sections` by id, `tags`, `assigned` to a tester by the
    checklist's `assign:`); a criterion left empty does not narrow, and the names within one
    criterion are alternatives (`sections=("api", "websockets")`: either section).

    Only the shape lives here (the record stores it); which items a part holds is decided in
    `core/run/part.py`, the one place the screen and `qatui probe` ask.
    """

    priorities: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    assigned: str = ""


def describe_part(specs: Iterable[PartSpec]) -> str:
    """`critical · sections api, websockets` / `assigned to Ben`: the criteria of a spec joined
    by ` · `, the specs of a union by ` + `; `the whole checklist` for none. The record's header,
    the screen and `qatui report` say a part in these words."""
    shown = [_describe_spec(spec) for spec in specs]
    return " + ".join(shown) if shown else "the whole checklist"


def union_parts(*parts: list[PartSpec]) -> list[PartSpec]:
    """The part a merge of records covers: their specs together, each once; the whole
    checklist (an empty list) as soon as one of them covers the whole checklist."""
    merged: list[PartSpec] = []
    for part in parts:
        if not part:
            return []
        merged.extend(spec for spec in part if spec not in merged)
    return merged


def _describe_spec(spec: PartSpec) -> str:
    bits: list[str] = []
    if spec.priorities:
        bits.append(", ".join(spec.priorities))
    if spec.sections:
        bits.append(("section " if len(spec.sections) == 1 else "sections ") + ", ".join(spec.sections))
    if spec.tags:
        bits.append(("tag " if len(spec.tags) == 1 else "tags ") + ", ".join(spec.tags))
    if spec.assigned:
        bits.append(f"assigned to {spec.assigned}")
    return " · ".join(bits) or "everything"


@datatype
class ItemResult:
    """The tester's verdict on one item: status, note, evidence, who and when, and every earlier verdict."""

    id: str
    title: str
    fingerprint: str = ""
    status: Status = Status.UNTESTED
    note: str = ""
    updated_at: datetime | None = None
    evidence: list[Evidence] = field(default_factory=list)
    probes: list[ProbeResult] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)
    #: The verdicts a merge could not reconcile (entries of `history`, in its order): testers
    #: gave this item different verdicts and nobody has decided yet. Empty when there is no
    #: conflict; a new verdict (`Recorder.set_status`) is the decision and empties it. While it
    #: is set, `status` is the most severe of these verdicts (failed > blocked > skipped >
    #: passed), so anything that does not know about conflicts never reads a pass in it.
    conflict: list[HistoryEntry] = field(default_factory=list)


@datatype(frozen=True)
class SourceRef:
    """A record a merged record was made from: its file name (relative to the merged record's
    folder), the sha256 of its bytes when it was merged, and its tester. The sign-off of a
    merged record covers these: `qatui report` says when one of them changed since."""

    name: str
    sha256: str
    tester: str = ""


@datatype
class SectionResult:
    """The results of one section's items, in checklist order."""

    id: str
    title: str
    priority: Priority
    items: list[ItemResult] = field(default_factory=list)


@datatype
class MetricValue:
    """A metric's figures for the session: before, after, unit and the limit of change allowed."""

    id: str
    name: str
    unit: str = "ms"
    before: float | None = None
    after: float | None = None
    threshold: float | None = None
    notes: str = ""


@datatype
class SignOff:
    """Who signed the session off, in which role, when, and what the signature means."""

    name: str
    role: str
    at: datetime
    meaning: str
    comment: str = ""


@datatype
class Session:
    """One tester's run of a checklist in one environment: every item's result, metrics, facts and sign-off."""

    title: str
    checklist_path: str
    tester: str
    environment: str  # key
    environment_label: str = ""
    protected: bool = False
    checklist_version: str = ""
    checklist_hash: str = ""
    started_at: datetime | None = None
    finished_at: datetime | None = None
    qatui_version: str = ""
    facts: dict[str, str] = field(default_factory=dict)
    sections: list[SectionResult] = field(default_factory=list)
    metrics: list[MetricValue] = field(default_factory=list)
    signoff: SignOff | None = None
    #: The records this one was merged from (`qatui merge`); empty for a tester's own record.
    sources: list[SourceRef] = field(default_factory=list)
    #: The part of the checklist this record covers: the union of these specs; empty means the
    #: whole checklist. A tester's part record holds only the part's items (`core/run/part.py`).
    part: list[PartSpec] = field(default_factory=list)
    #: Where and what was tested (see `core/record/context.py`): the machine qatui ran on, the
    #: environment's base URL, and the build and commit under test (`--build`, or git).
    host: str = ""
    target: str = ""
    build: str = ""
    commit: str = ""
    #: The checklist's description and notes (known issues, rollback, configuration), kept in
    #: the record so a reviewer reads them beside the results (positions are not kept).
    description: str = ""
    notes: list[Note] = field(default_factory=list)

    # --- queries ---

    def items(self) -> list[ItemResult]:
        return [item for section in self.sections for item in section.items]

    def item(self, item_id: str) -> ItemResult:
        for section in self.sections:
            for item in section.items:
                if item.id == item_id:
                    return item
        raise KeyError(item_id)

    def priority_of(self, item_id: str) -> Priority:
        for section in self.sections:
            if any(item.id == item_id for item in section.items):
                return section.priority
        raise KeyError(item_id)

    def counts(self, priority: Priority | None = None) -> dict[Status, int]:
        counts = {status: 0 for status in Status}
        for section in self.sections:
            if priority is None or section.priority is priority:
                for item in section.items:
                    counts[item.status] += 1
        return counts

    def open_critical(self) -> list[str]:
        return [
            item.id
            for section in self.sections
            if section.priority is Priority.CRITICAL
            for item in section.items
            if item.status is not Status.PASSED
        ]

    @property
    def signed(self) -> bool:
        return self.signoff is not None

    # --- construction ---

    def fill_fingerprints(self, checklist: Checklist) -> None:
        """Give every item without a fingerprint the fingerprint of its checklist item."""
        items = {item.id: item for section in checklist.sections for item in section.items}
        for result in self.items():
            if not result.fingerprint and result.id in items:
                result.fingerprint = items[result.id].fingerprint()

    @classmethod
    def start(
        cls,
        checklist: Checklist,
        *,
        tester: str,
        environment: str,
        started_at: datetime,
        qatui_version: str = "",
        fingerprints: bool = True,
    ) -> Session:
        """A fresh session with every item untested, in the checklist's section order.

        With `fingerprints=False` the items' fingerprints are left empty for `fill_fingerprints`
        to add before the session is first written: the screen shows a new session first and
        writes it a frame later, and for 5,000 items the hashing is half of this call.
        """
        env = checklist.environments.get(environment)
        return cls(
            title=checklist.title,
            checklist_path=checklist.path,
            tester=tester,
            environment=environment,
            environment_label=env.label if env else environment,
            protected=env.protected if env else False,
            checklist_version=checklist.version,
            checklist_hash=checklist.content_hash,
            started_at=started_at,
            qatui_version=qatui_version,
            target=target_of(checklist, environment),
            description=checklist.description,
            notes=checklist_notes(checklist),
            sections=[
                SectionResult(
                    id=section.id,
                    title=section.title,
                    priority=section.priority,
                    items=[
                        ItemResult(id=item.id, title=item.title, fingerprint=item.fingerprint() if fingerprints else "")
                        for item in section.items
                    ],
                )
                for section in checklist.sections
            ],
            metrics=[
                MetricValue(
                    id=m.id, name=m.name, unit=m.unit, threshold=m.threshold, notes=m.notes
                )
                for m in checklist.metrics
            ],
        )


def checklist_notes(checklist: Checklist) -> list[Note]:
    """The checklist's notes as a record keeps them: without their positions in the file."""
    return [Note(note.title, note.text, note.kind) for note in checklist.notes]


#: The variables that name where an environment is reached, in the order they are looked for.
TARGET_VARS = ("base_url", "url", "host")


def target_of(checklist: Checklist, environment: str, process_env: Mapping[str, str] | None = None) -> str:
    """The base URL of an environment as the record names it: its `base_url` var (else `url`,
    else `host`), expanded like a probe expands it but without secrets or captures, reading
    only the process environment variables the checklist declares (`from_env:`). A value that
    still needs something only a run provides is kept as written; none at all is ""."""
    env = checklist.environments.get(environment)
    source = os.environ if process_env is None else process_env
    declared = {name: source[name] for name in checklist.from_env if name in source}
    from qatui.core.variables import layered_lookup

    lookup = layered_lookup(written=[env.vars if env else {}, checklist.vars], after=[declared])
    for name in TARGET_VARS:
        try:
            value = lookup(name)
        except QatuiError:
            written = (env.vars if env else {}).get(name) or checklist.vars.get(name)
            value = str(written) if written is not None else None
        if value:
            return value
    return ""


def is_team_record(session: Session) -> bool:
    """A record several testers worked (merged from records, or with verdicts by more than one
    tester in its histories): whoever opens it works it under their own name. Here, not in
    `record/`, so the screen can ask it without importing the record modules at start-up."""
    if session.sources:
        return True
    testers = {entry.tester for item in session.items() for entry in item.history}
    return len(testers) > 1
