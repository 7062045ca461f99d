"""Properties of merging records (hypothesis over generated teams of records).

On records without conflicts, merging is commutative and associative; whatever the records,
it never loses a verdict, a note, a piece of evidence or a history entry, never picks one of
two different verdicts silently, and what it produces survives render → read exactly.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qatui.core.record import read, render
from qatui.core.record.merge import merge, normalized_history
from qatui.core.session import Session, Status

from .merge_samples import order, ref, team

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def merged(*records: Session) -> Session:
    """Merge as `qatui merge` does: a merged record stands for its sources, not for itself."""
    sources = [None if record.sources else ref(record) for record in records]
    return merge(list(records), sources=sources, order=order()).session


@SETTINGS
@given(team())
def test_merging_is_commutative_without_conflicts(records: list[Session]) -> None:
    a, b = records[0], records[1]
    result = merge([a, b], sources=[ref(a), ref(b)], order=order())
    assert result.clean
    assert merged(a, b) == merged(b, a)


@SETTINGS
@given(team(max_records=3).filter(lambda records: len(records) == 3))
def test_merging_is_associative_without_conflicts(records: list[Session]) -> None:
    a, b, c = records
    assert merged(merged(a, b), c) == merged(a, merged(b, c)) == merged(a, b, c)


@SETTINGS
@given(team(conflicts=True))
def test_merging_is_commutative_with_conflicts_too(records: list[Session]) -> None:
    a, b = records[0], records[1]
    assert merged(a, b) == merged(b, a)


@SETTINGS
@given(team(conflicts=True, max_records=4))
def test_merging_never_loses_a_verdict_note_evidence_or_history_entry(records: list[Session]) -> None:
    result = merge(records, sources=[ref(r) for r in records], order=order())
    out = {item.id: item for item in result.session.items()}
    for record in records:
        for item in record.items():
            got = out[item.id]
            keys = {(e.status, e.tester, e.at, e.note) for e in got.history}
            for entry in normalized_history(item, record.tester, record.started_at):
                assert (entry.status, entry.tester, entry.at, entry.note) in keys
            if item.status is not Status.UNTESTED:
                assert item.status in {e.status for e in got.history}
            if item.note:
                assert item.note == got.note or item.note in {e.note for e in got.history}
            for evidence in item.evidence:
                assert evidence in got.evidence
            for probe in item.probes:  # the latest result of each probe is kept
                kept = next(p for p in got.probes if p.probe_id == probe.probe_id)
                assert (kept.at or probe.at) is None or kept.at >= probe.at  # type: ignore[operator]


@SETTINGS
@given(team(conflicts=True, max_records=4))
def test_different_final_verdicts_are_a_conflict_never_a_silent_pick(records: list[Session]) -> None:
    result = merge(records, sources=[ref(r) for r in records], order=order())
    out = {item.id: item for item in result.session.items()}
    for item_id, item in out.items():
        finals = {r.item(item_id).status for r in records
                  if any(i.id == item_id for i in r.items()) and r.item(item_id).status is not Status.UNTESTED}
        if len(finals) > 1:
            assert item.conflict, item_id
            assert {e.status for e in item.conflict} == finals
            assert all(entry in item.history for entry in item.conflict)
            assert item.status is not Status.PASSED
        else:
            assert not item.conflict
            assert item.status is (finals.pop() if finals else Status.UNTESTED)
    assert {c.item_id for c in result.conflicts} == {i for i, item in out.items() if item.conflict}


@SETTINGS
@given(team(conflicts=True, max_records=4))
def test_merge_then_render_then_read_is_the_merge(records: list[Session]) -> None:
    session = merge(records, sources=[ref(r) for r in records], order=order()).session
    assert read(render(session)) == session


@SETTINGS
@given(team(), st.data())
def test_merging_one_record_or_a_record_with_itself_changes_nothing(records: list[Session], data: st.DataObject) -> None:
    record = records[0]
    record.sources = [ref(records[1])]  # stands for its sources: merging it adds none
    assert merge([record]).session == merge([record, record]).session
    assert merge([record]).session.items() == record.items()
