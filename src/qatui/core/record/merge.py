"""Merge the records of one checklist run by a team: item by item, never silently picking a verdict.

A release checklist is worked by several testers, each writing their own record (or their part
of it), or by one record changed on two git branches. `merge` joins such records into one:

* **Refused**: records of different checklists, checklist versions (version or content hash)
  or environments (`MergeRefused`, naming which record differs and how). Joining them would
  put verdicts about different things side by side.
* **Items**: each item's verdict, note, evidence, probe results and history come from whoever
  worked it. An item nobody worked stays untested; an untested item never overrides a worked
  one. Histories are united (ordered by time, duplicates dropped), so no verdict is lost.
* **Verdicts**: the verdicts that count are each record's latest one for the item (the last
  history entry; for an item already in conflict, its competing verdicts), *less those another
  record has seen and gone past*: a record whose history holds a verdict but has a later one of
  its own superseded it (the tester changed their mind, the lead decided a conflict). This is
  git's ancestry, item by item: a stale copy of a record never reopens a decision. When the
  verdicts that remain agree, the item is clean; when they differ, the item is a conflict
  (`ItemResult.conflict` holds the competing history entries; `status` is the most severe of
  them so nothing reads a pass in it) until someone gives it a new verdict.
* **History from records without one**: a worked item with no history (a record written before
  history existed), or a note written after the last verdict by another hand, is given the
  entry its fields imply (status, the record's tester, the item's time, its note) so that
  every verdict and note takes part in the merge and survives it.
* **Three-way** (the git merge driver): with `base`, a record whose item is unchanged since
  the common ancestor does not take part in that item's verdict, as in any three-way merge.
* **Order**: sections and items keep the checklist's order when it is given (`order`), else the
  order the records share; records of different parts are interleaved by their own orders.
* **Metrics**: per metric, values the records agree on are kept; when they disagree the merged
  record keeps the slowest (the highest, as a release gate would) and the summary says so.
  Notes that differ are joined.
* **Facts** (Django 4.2.29 …): united; a fact the records disagree on keeps every value, joined
  with ` / `, and the summary says so (two testers may have tested two builds).
* **Part**: records of parts of the checklist (`--only`, `--section`, `--tag`, `assign:`) merge
  into a record of the union of their parts (`Session.part`); the whole checklist as soon as
  one of them covers it all.
* **Header**: testers joined (`Ana, Ben`), the earliest start, the latest finish (none while
  any record is unfinished), the records it was made from in `sources` (name + sha256), and
  no sign-off: a sign-off vouches for what the signer saw, so the lead signs the merged record.

On records without conflicts merging is commutative and associative and `merge` of one record
is that record (tests/unit/test_record_merge_properties.py proves it with hypothesis).
Pure: no I/O; the command (`qatui merge`) reads, hashes and writes the files.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from qatui.core.checklist import Priority
from qatui.core.errors import QatuiError
from qatui.core.record.merge_items import EPOCH, SEVERITY, merge_item, normalized_history
from qatui.core.session import (
    HistoryEntry,
    ItemResult,
    MetricValue,
    PartSpec,
    SectionResult,
    Session,
    SourceRef,
    Status,
)

__all__ = [
    "EPOCH", "SEVERITY", "Conflict", "MergeRefused", "MergeResult", "conflicts", "merge", "merge_item",
    "merge_order", "merge_parts", "normalized_history", "verdict_words", "worked_by",
]

#: How testers of a merged record are joined in its `tester` field (and split again).
TESTER_JOIN = ", "
#: How differing values of one fact are joined (and split again).
FACT_JOIN = " / "
#: How differing notes of one metric are joined.
NOTE_JOIN = "; "


class MergeRefused(QatuiError):
    """The records are not of one checklist version and environment: they cannot be merged."""

    title = "Records cannot be merged"


@dataclass
class Conflict:
    """An item the testers gave different verdicts: what each said (entries of its history)."""

    item_id: str
    title: str
    priority: Priority
    verdicts: list[HistoryEntry]


@dataclass
class MergeResult:
    """The merged session and what a person should know about the merge."""

    session: Session
    conflicts: list[Conflict] = field(default_factory=list)
    #: tester → number of items with a verdict of theirs in the merged history.
    by_tester: dict[str, int] = field(default_factory=dict)
    #: Things that merged, but not trivially: facts or metrics the records disagree on, a
    #: sign-off that does not carry over.
    warnings: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.conflicts


# ---------------------------------------------------------------- refusal


def _check_same_run(sessions: Sequence[Session], names: Sequence[str]) -> None:
    first, first_name = sessions[0], names[0]
    for session, name in zip(sessions[1:], names[1:], strict=True):
        if (first.checklist_hash and session.checklist_hash and first.checklist_hash != session.checklist_hash) or (
            first.checklist_version != session.checklist_version
        ):
            same_checklist = first.title == session.title
            raise MergeRefused(
                f"{first_name} and {name} are records of "
                + ("different versions of the checklist" if same_checklist else "different checklists")
                + f": {first_name} of {_describe(first)}, {name} of {_describe(session)}; "
                "only records of one checklist version are merged (open each record with the "
                "checklist it was made from, or merge the records of one version)"
            )
        if not (first.checklist_hash and session.checklist_hash) and first.title != session.title:
            raise MergeRefused(
                f"{first_name} and {name} are records of different checklists: "
                f"{first_name} of {_describe(first)}, {name} of {_describe(session)}"
            )
        if first.environment != session.environment:
            raise MergeRefused(
                f"{first_name} and {name} are records of different environments: {first_name} of "
                f"{first.environment!r}, {name} of {session.environment!r}; a verdict on one "
                "environment says nothing about another"
            )


def _describe(session: Session) -> str:
    version = f"version {session.checklist_version}" if session.checklist_version else "no version"
    digest = f", content sha256 {session.checklist_hash[:12]}…" if session.checklist_hash else ""
    return f"{session.title!r} ({session.checklist_path or '—'}, {version}{digest})"


# ---------------------------------------------------------------- order


def merge_order(sequences: Sequence[Sequence[str]], known: Sequence[str] = ()) -> list[str]:
    """One order for the ids of several ordered lists.

    Ids in `known` (the checklist's order) come in that order. Otherwise, when every list is
    the same, that list; else each list's order is kept as far as the lists agree (a
    topological order of "comes after" within each list), and ids no list orders relative to
    each other come by their earliest position in any list, then by id. A cycle (lists that
    disagree) is broken the same way. Never depends on which list came first.
    """
    everything = {item for sequence in sequences for item in sequence}
    if known:
        ordered = [item for item in known if item in everything]
        if len(ordered) == len(everything):
            return ordered
        placed = set(ordered)
        rest = merge_order([[item for item in sequence if item not in placed] for sequence in sequences])
        return ordered + rest
    first = sequences[0] if sequences else []
    if all(sequence == first for sequence in sequences):
        return list(first)
    rank: dict[str, int] = {}
    after: dict[str, set[str]] = {item: set() for item in everything}
    waiting: dict[str, int] = dict.fromkeys(everything, 0)
    for sequence in sequences:
        for index, item in enumerate(sequence):
            rank[item] = min(rank.get(item, index), index)
            if index:
                before = sequence[index - 1]
                if item not in after[before] and before != item:
                    after[before].add(item)
                    waiting[item] += 1
    ready = [(rank[item], item) for item, count in waiting.items() if not count]
    heapq.heapify(ready)
    result: list[str] = []
    done: set[str] = set()
    while len(result) < len(everything):
        if not ready:  # a cycle: take the earliest of what is left
            item = min((item for item in everything if item not in done), key=lambda i: (rank[i], i))
            waiting[item] = 0
            heapq.heappush(ready, (rank[item], item))
        _, item = heapq.heappop(ready)
        if item in done:
            continue
        done.add(item)
        result.append(item)
        for following in after[item]:
            waiting[following] -= 1
            if waiting[following] == 0 and following not in done:
                heapq.heappush(ready, (rank[following], following))
    return result


# ---------------------------------------------------------------- records


def _split_join(values: Iterable[str], joiner: str) -> str:
    parts = sorted({part for value in values for part in value.split(joiner) if part})
    return joiner.join(parts)


def _merge_facts(sessions: Sequence[Session], warnings: list[str]) -> dict[str, str]:
    labels = merge_order([list(session.facts) for session in sessions])
    facts: dict[str, str] = {}
    for label in labels:
        values = [session.facts[label] for session in sessions if label in session.facts]
        if all(value == values[0] for value in values):
            facts[label] = values[0]
            continue
        facts[label] = _split_join(values, FACT_JOIN)
        warnings.append(f"the records disagree on {label}: {facts[label]} (all values kept)")
    return facts


def _merge_metrics(sessions: Sequence[Session], warnings: list[str]) -> list[MetricValue]:
    order = merge_order([[metric.id for metric in session.metrics] for session in sessions])
    by_id: dict[str, list[MetricValue]] = {}
    for session in sessions:
        for metric in session.metrics:
            by_id.setdefault(metric.id, []).append(metric)
    merged: list[MetricValue] = []
    for metric_id in order:
        copies = by_id[metric_id]
        first = copies[0]
        values: dict[str, float | None] = {}
        for name in ("before", "after", "threshold"):
            found = [getattr(copy, name) for copy in copies if getattr(copy, name) is not None]
            distinct = sorted(set(found))
            values[name] = distinct[-1] if distinct else None
            if len(distinct) > 1 and name != "threshold":
                warnings.append(
                    f"the records disagree on metric {first.name or metric_id} ({name}: "
                    f"{', '.join(f'{value:g}' for value in distinct)} {first.unit}); kept the slowest, "
                    f"{distinct[-1]:g}"
                )
        notes = [copy.notes for copy in copies if copy.notes]
        if not notes:
            note = ""
        elif all(text == notes[0] for text in notes):
            note = notes[0]
        else:
            note = _split_join(notes, NOTE_JOIN)
        merged.append(MetricValue(
            id=metric_id, name=first.name, unit=first.unit, before=values["before"], after=values["after"],
            threshold=values["threshold"], notes=note,
        ))
    return merged


def merge_parts(sessions: Sequence[Session]) -> list[PartSpec]:
    """The part a merged record covers: the union of its records' parts (`Session.part`), the
    whole checklist (empty) as soon as one of them covers it all. In one order whatever the
    order of the records (`core/run/part.union` keeps the order it is given, for a screen)."""
    if any(not session.part for session in sessions):
        return []
    specs = {spec for session in sessions for spec in session.part}
    return sorted(specs, key=lambda spec: (spec.priorities, spec.sections, spec.tags, spec.assigned))


def _merge_sources(sessions: Sequence[Session], sources: Sequence[SourceRef | None]) -> list[SourceRef]:
    """The records named directly, and the sources of merged records among them; a record
    named directly wins over an older copy of the same name in a merged record's sources."""
    direct = {source.name: source for source in sources if source is not None}
    found: set[SourceRef] = set(direct.values())
    for session, source in zip(sessions, sources, strict=True):
        if source is None:
            found.update(ref for ref in session.sources if ref.name not in direct)
    return sorted(found, key=lambda ref: (ref.name, ref.sha256, ref.tester))


def merge(
    sessions: Sequence[Session],
    *,
    names: Sequence[str] = (),
    sources: Sequence[SourceRef | None] = (),
    base: Session | None = None,
    order: Sequence[tuple[str, Sequence[str]]] = (),
    qatui_version: str | None = None,
) -> MergeResult:
    """Merge `sessions` (see the module docstring).

    `names` name the records in errors (defaults: "record 1", …). `sources` is, for each
    session, the reference the merged record lists for it, or None for a record that is not
    listed itself (the two sides of a git merge are one record; a merged record lists its own
    sources instead). `base` is the common ancestor of a three-way merge. `order` is the
    checklist's order, `[(section id, [item ids])]`, when the checklist is at hand.
    """
    if not sessions:
        raise MergeRefused("no records to merge")
    names = list(names) or [f"record {index + 1}" for index in range(len(sessions))]
    source_refs = list(sources) or [None] * len(sessions)
    _check_same_run(sessions, names)
    warnings: list[str] = []
    if base is not None:
        try:
            _check_same_run([*sessions, base], [*names, "the common ancestor"])
        except MergeRefused:
            # Both sides moved to another checklist version since they parted: the ancestor
            # says nothing about their items any more, so they are merged two-way.
            base = None
            warnings.append("the common ancestor is of another checklist version; merged without it")
    base_items = {item.id: item for item in base.items()} if base is not None else {}

    known_sections = [section_id for section_id, _ in order]
    known_items = {section_id: list(items) for section_id, items in order}
    section_order = merge_order([[section.id for section in session.sections] for session in sessions],
                                known_sections)
    by_section: dict[str, list[tuple[SectionResult, str, datetime | None]]] = {}
    for session in sessions:
        for section in session.sections:
            by_section.setdefault(section.id, []).append((section, session.tester, session.started_at))

    result = MergeResult(session=Session(title="", checklist_path="", tester="", environment=""))
    sections: list[SectionResult] = []
    for section_id in section_order:
        copies = by_section[section_id]
        first = copies[0][0]
        item_order = merge_order([[item.id for item in section.items] for section, _, _ in copies],
                                 known_items.get(section_id, ()))
        by_item: dict[str, list[tuple[ItemResult, str, datetime | None]]] = {}
        for section, tester, started in copies:
            for item in section.items:
                by_item.setdefault(item.id, []).append((item, tester, started))
        merged_items: list[ItemResult] = []
        for item_id in item_order:
            item = merge_item(by_item[item_id], base_items.get(item_id))
            merged_items.append(item)
            if item.conflict:
                result.conflicts.append(Conflict(item.id, item.title, first.priority, list(item.conflict)))
        sections.append(SectionResult(id=first.id, title=first.title, priority=first.priority, items=merged_items))

    head = sessions[0]
    starts = [session.started_at for session in sessions if session.started_at is not None]
    finishes = [session.finished_at for session in sessions]
    signed = [session.signoff.name for session in sessions if session.signoff is not None]
    if signed:
        warnings.append(
            f"the sign-off by {', '.join(sorted(set(signed)))} does not carry over to the merged "
            "record (it vouched for what the signer saw); sign the merged record"
        )
    result.session = Session(
        title=head.title,
        checklist_path=head.checklist_path,
        tester=_split_join((session.tester for session in sessions), TESTER_JOIN),
        environment=head.environment,
        environment_label=max((session.environment_label for session in sessions), key=lambda v: (bool(v), v)),
        protected=any(session.protected for session in sessions),
        checklist_version=head.checklist_version,
        checklist_hash=max(session.checklist_hash for session in sessions),
        started_at=min(starts) if starts else None,
        finished_at=max(f for f in finishes if f is not None) if all(f is not None for f in finishes) else None,
        qatui_version=qatui_version if qatui_version is not None else max(s.qatui_version for s in sessions),
        facts=_merge_facts(sessions, warnings),
        sections=sections,
        metrics=_merge_metrics(sessions, warnings),
        signoff=None,
        sources=_merge_sources(sessions, source_refs),
        part=merge_parts(sessions),
    )
    result.by_tester = worked_by(result.session)
    result.warnings = warnings
    return result


def worked_by(session: Session) -> dict[str, int]:
    """tester → how many items they gave a verdict (other than untested), by the histories."""
    counts: dict[str, int] = {}
    for item in session.items():
        testers = {entry.tester for entry in item.history if entry.status is not Status.UNTESTED}
        for tester in testers:
            counts[tester] = counts.get(tester, 0) + 1
    return dict(sorted(counts.items()))


def verdict_words(entries: Iterable[HistoryEntry]) -> str:
    """`passed by Ana at 2026-03-10 14:05:00+01:00 vs failed by Ben at …` (plain text)."""
    return " vs ".join(
        f"{entry.status.value} by {entry.tester or '—'} at {entry.at.isoformat(sep=' ', timespec='seconds')}"
        for entry in entries
    )


def conflicts(session: Session) -> list[Conflict]:
    """The items of a (read) record that still need a decision, in the record's order."""
    return [
        Conflict(item.id, item.title, section.priority, list(item.conflict))
        for section in session.sections
        for item in section.items
        if item.conflict
    ]
