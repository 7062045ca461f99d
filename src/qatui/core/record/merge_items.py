"""One item of a team's records, merged: its verdict, note, evidence, probes and history.

The rules are described in `core/record/merge.py` (which merges whole records and is the door
to this module); here is how they are done for one item, fast enough for 10 records of 5,000
items (`benchmarks/merge.py`): the common cases (nobody or one tester worked the item, or
every copy is the same) are copies; only items worked differently by several testers go
through the general path (normalise each copy's history, unite them, find the verdicts that
still count, decide clean or conflict).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from qatui.core.session import Evidence, HistoryEntry, ItemResult, ProbeResult, Status

#: The time given to a verdict that carries none at all (a record without any time in it).
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: Severity of a verdict: a conflict shows the most severe of its verdicts as its status.
SEVERITY = {Status.UNTESTED: 0, Status.PASSED: 1, Status.SKIPPED: 2, Status.BLOCKED: 3, Status.FAILED: 4}

_Key = tuple[Status, str, datetime, str]


def _key(entry: HistoryEntry) -> _Key:
    return (entry.status, entry.tester, entry.at, entry.note)


def normalized_history(item: ItemResult, tester: str, started_at: datetime | None) -> list[HistoryEntry]:
    """The item's history with the entry its fields imply when that entry is missing.

    A worked item without history (a record written before history existed), or one whose
    status or note is not its last entry's (a note written by another hand after the
    verdict), gets one more entry: status, the record's tester, the item's time, its note.
    An item in conflict is left as it is (its status is not a verdict of its own)."""
    history = item.history
    if item.conflict:
        return history
    if history:
        last = history[-1]
        if last.status is item.status and last.note == item.note:
            return history
        at = item.updated_at or last.at
    else:
        if item.status is Status.UNTESTED and not item.note:
            return history
        at = item.updated_at or started_at or EPOCH
    return [*history, HistoryEntry(item.status, tester, at, item.note)]


@dataclass
class _Side:
    """One record's copy of an item, ready to merge."""

    item: ItemResult
    history: list[HistoryEntry]
    #: The verdicts this record holds for the item: its last entry, or its conflict's entries.
    verdicts: list[HistoryEntry]


def _side(item: ItemResult, tester: str, started_at: datetime | None) -> _Side:
    history = normalized_history(item, tester, started_at)
    verdicts = list(item.conflict) if item.conflict else history[-1:]
    return _Side(item, history, verdicts)


_T = TypeVar("_T")


def _agreed(lists: list[list[_T]]) -> tuple[list[list[_T]], list[_T] | None]:
    """The non-empty lists, and what they all hold when they agree (nothing, or one list the
    same on every side: the common case, kept as it is); None when they must be united."""
    nonempty = [values for values in lists if values]
    if not nonempty:
        return nonempty, []
    first = nonempty[0]
    if all(values == first for values in nonempty):
        return nonempty, list(first)
    return nonempty, None


def _history_sort_key(entry: HistoryEntry, seq: int) -> tuple[Any, ...]:
    return (entry.at, entry.tester, seq, entry.status.value, entry.note)


def _unite_histories(histories: list[list[HistoryEntry]]) -> list[HistoryEntry]:
    """All entries once, by time. Entries of one tester in one second keep their record's order."""
    nonempty, agreed = _agreed(histories)
    if agreed is not None:
        return agreed
    keyed: list[tuple[tuple[Any, ...], HistoryEntry]] = []
    for history in nonempty:
        seq = 0
        previous: tuple[datetime, str] | None = None
        for entry in history:
            stamp = (entry.at, entry.tester)
            seq = seq + 1 if stamp == previous else 0
            previous = stamp
            keyed.append((_history_sort_key(entry, seq), entry))
    keyed.sort(key=lambda pair: pair[0])
    seen: set[_Key] = set()
    united: list[HistoryEntry] = []
    for _, entry in keyed:
        key = _key(entry)
        if key not in seen:
            seen.add(key)
            united.append(entry)
    return united


def _evidence_key(evidence: Evidence) -> tuple[Any, ...]:
    return (evidence.at is not None, evidence.at or EPOCH, evidence.kind, evidence.source, evidence.text)


def _unite_evidence(lists: list[list[Evidence]]) -> list[Evidence]:
    """Every piece of evidence once; one list when all agree, else ordered by time."""
    nonempty, agreed = _agreed(lists)
    if agreed is not None:
        return agreed
    found: dict[tuple[Any, ...], Evidence] = {}
    for evidence in nonempty:
        for piece in evidence:
            found.setdefault(_evidence_key(piece), piece)
    return [found[key] for key in sorted(found)]


def _probe_key(result: ProbeResult) -> tuple[Any, ...]:
    return (
        result.at is not None, result.at or EPOCH, result.status.value, result.summary, result.kind,
        result.duration_ms is not None, result.duration_ms or 0.0, result.explanation, result.detail,
        sorted(result.captures.items()), result.where,
    )


def _unite_probes(lists: list[list[ProbeResult]]) -> list[ProbeResult]:
    """The latest result of each probe (as the recorder keeps it), ordered by probe id."""
    nonempty, agreed = _agreed(lists)
    if agreed is not None:
        return agreed
    latest: dict[str, tuple[tuple[Any, ...], ProbeResult]] = {}
    for probes in nonempty:
        for result in probes:
            key = _probe_key(result)
            held = latest.get(result.probe_id)
            if held is None or key > held[0]:
                latest[result.probe_id] = (key, result)
    return [latest[probe_id][1] for probe_id in sorted(latest)]


def _pristine(item: ItemResult) -> bool:
    return (
        item.status is Status.UNTESTED and not item.note and not item.history and not item.evidence
        and not item.probes and not item.conflict
    )


def _copy(item: ItemResult, history: list[HistoryEntry] | None = None) -> ItemResult:
    history = item.history if history is None else history
    # Conflict entries must be the very entries of the new history list (same values).
    return ItemResult(
        item.id, item.title, item.fingerprint, item.status, item.note, item.updated_at,
        list(item.evidence), list(item.probes), list(history), list(item.conflict),
    )


def merge_item(
    copies: list[tuple[ItemResult, str, datetime | None]], base: ItemResult | None = None
) -> ItemResult:
    """One item from its copies in several records: (item, the record's tester, its start)."""
    if len(copies) == 1:
        item, tester, started = copies[0]
        return _copy(item, normalized_history(item, tester, started))
    worked = [copy for copy in copies if not _pristine(copy[0])]
    if len(worked) <= 1:  # the common case: nobody, or one tester, worked the item
        item, tester, started = worked[0] if worked else copies[0]
        return _copy(item, normalized_history(item, tester, started))
    items = [item for item, _, _ in copies]
    first = worked[0][0]
    if all(copy[0] == first for copy in worked[1:]):
        return _copy(first, normalized_history(first, worked[0][1], worked[0][2]))
    deciding = worked
    if base is not None:
        changed = [copy for copy in worked if copy[0] != base]
        deciding = changed or worked[:1]
    sides = [_side(item, tester, started) for item, tester, started in deciding]
    all_sides = sides if deciding is worked else [_side(item, tester, started) for item, tester, started in worked]
    history = _unite_histories([side.history for side in all_sides])
    verdicts = _current_verdicts(sides)
    statuses = {entry.status for entry in verdicts}
    updated = [item.updated_at for item in items if item.updated_at is not None]
    position = {id(entry): index for index, entry in enumerate(history)}
    by_key = {_key(entry): entry for entry in history}
    conflict: list[HistoryEntry] = []
    if not verdicts:
        status, note = Status.UNTESTED, ""
    elif len(statuses) == 1:
        chosen = max(verdicts, key=lambda entry: _history_sort_key(entry, 0))
        status, note = chosen.status, chosen.note
    else:
        status = max(statuses, key=SEVERITY.__getitem__)
        chosen = max((entry for entry in verdicts if entry.status is status),
                     key=lambda entry: _history_sort_key(entry, 0))
        note = chosen.note
        conflict = sorted((by_key[_key(entry)] for entry in verdicts), key=lambda entry: position[id(entry)])
    title = items[0].title
    fingerprint = next((item.fingerprint for item in items if item.fingerprint), "")
    return ItemResult(
        id=items[0].id,
        title=title,
        fingerprint=fingerprint,
        status=status,
        note=note,
        updated_at=max(updated) if updated else None,
        evidence=_unite_evidence([item.evidence for item in items]),
        probes=_unite_probes([item.probes for item in items]),
        history=history,
        conflict=conflict,
    )


def _current_verdicts(sides: list[_Side]) -> list[HistoryEntry]:
    """The verdicts that still count: each side's, less those another side has gone past;
    untested ones only when nothing else remains."""
    known = [{_key(entry) for entry in side.history} for side in sides]
    own = [{_key(entry) for entry in side.verdicts} for side in sides]
    found: dict[_Key, HistoryEntry] = {}
    for side in sides:
        for entry in side.verdicts:
            key = _key(entry)
            if key in found:
                continue
            if any(key in seen and key not in mine for seen, mine in zip(known, own, strict=True)):
                continue  # a record that holds this verdict went on to another one
            found[key] = entry
    verdicts = list(found.values())
    worked = [entry for entry in verdicts if entry.status is not Status.UNTESTED]
    return worked or verdicts
