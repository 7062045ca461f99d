"""Merging records item by item: examples of each rule of `core/record/merge.py`."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from qatui.core.errors import RecordError
from qatui.core.record import read, render
from qatui.core.record.merge import MergeRefused, conflicts, merge, merge_order, normalized_history
from qatui.core.record.report import gate_reasons, summary
from qatui.core.session import Evidence, HistoryEntry, PartSpec, SignOff, Status

from .merge_samples import T0, blank, order, work

FAILED, PASSED, BLOCKED, SKIPPED, UNTESTED = (
    Status.FAILED, Status.PASSED, Status.BLOCKED, Status.SKIPPED, Status.UNTESTED)


def test_testers_who_worked_different_items_merge_cleanly_each_item_from_its_tester() -> None:
    ana, ben = blank("Ana"), blank("Ben")
    work(ana, "ws-connect", (PASSED, 5, ""))
    work(ben, "api-token", (BLOCKED, 6, "staging database down"))
    ben.item("api-token").evidence.append(Evidence("log", "web", "500 Internal Server Error", T0))
    result = merge([ana, ben])
    assert result.clean and not result.conflicts
    session = result.session
    assert session.item("ws-connect").status is PASSED
    token = session.item("api-token")
    assert (token.status, token.note, token.evidence) == (BLOCKED, "staging database down", ben.item("api-token").evidence)
    assert [e.tester for e in token.history] == ["Ben"]
    assert session.item("devices-list").status is UNTESTED  # nobody worked it
    assert result.by_tester == {"Ana": 1, "Ben": 1}
    assert session.tester == "Ana, Ben"


def test_same_final_verdict_merges_cleanly_with_histories_united_in_time_order() -> None:
    ana, ben = blank("Ana"), blank("Ben")
    work(ana, "ws-404", (FAILED, 5, "200"), (PASSED, 20, "fixed"))
    work(ben, "ws-404", (PASSED, 10, "404 as expected"))
    item = merge([ana, ben]).session.item("ws-404")
    assert not item.conflict
    assert item.status is PASSED
    assert item.note == "fixed"  # the latest verdict's note; the others are in the history
    assert [(e.tester, e.status) for e in item.history] == [("Ana", FAILED), ("Ben", PASSED), ("Ana", PASSED)]


def test_a_history_entry_both_records_hold_is_kept_once() -> None:
    ana = blank("Ana")
    work(ana, "ws-404", (PASSED, 5, ""))
    copy = read(render(ana))  # the same record on another branch
    item = merge([ana, copy]).session.item("ws-404")
    assert len(item.history) == 1


def test_different_verdicts_are_a_conflict_both_kept_never_one_picked() -> None:
    ana, ben = blank("Ana"), blank("Ben")
    work(ana, "ws-404", (PASSED, 5, "looks fine"))
    work(ben, "ws-404", (FAILED, 8, "200 instead of 404"))
    result = merge([ana, ben])
    assert not result.clean
    [conflict] = result.conflicts
    assert conflict.item_id == "ws-404"
    assert [(v.tester, v.status) for v in conflict.verdicts] == [("Ana", PASSED), ("Ben", FAILED)]
    item = result.session.item("ws-404")
    assert item.conflict == conflict.verdicts
    assert all(entry in item.history for entry in item.conflict)
    # Anything that does not know about conflicts reads the most severe verdict, never a pass.
    assert item.status is FAILED and item.note == "200 instead of 404"
    assert "1 item(s) in conflict need a decision: ws-404" in gate_reasons(result.session)
    data = summary(result.session)
    assert data["conflicts"][0]["verdicts"][0]["tester"] == "Ana"
    assert not data["gate"]["passed"]


def test_passed_against_skipped_is_a_conflict_shown_as_skipped() -> None:
    ana, ben = blank("Ana"), blank("Ben")
    work(ana, "devices-add", (PASSED, 5, ""))
    work(ben, "devices-add", (SKIPPED, 6, "no device at hand"))
    item = merge([ana, ben]).session.item("devices-add")
    assert item.conflict and item.status is SKIPPED


def test_an_untested_copy_never_overrides_a_worked_one() -> None:
    ana, ben = blank("Ana"), blank("Ben")
    work(ana, "ws-connect", (PASSED, 5, ""))
    for records in ([ana, ben], [ben, ana]):
        assert merge(records).session.item("ws-connect").status is PASSED


def test_a_decision_sticks_when_a_stale_copy_is_merged_again() -> None:
    ana, ben = blank("Ana"), blank("Ben")
    work(ana, "ws-404", (PASSED, 5, ""))
    work(ben, "ws-404", (FAILED, 8, "200"))
    team = merge([ana, ben]).session
    # The lead decides: a new verdict, which ends the conflict (as Recorder.set_status does).
    item = team.item("ws-404")
    item.history.append(HistoryEntry(FAILED, "Lea", T0 + timedelta(minutes=30), "nginx routes /ws/"))
    item.status, item.note, item.conflict = FAILED, "nginx routes /ws/", []
    again = merge([team, ben, ana])
    assert again.clean
    assert again.session.item("ws-404").note == "nginx routes /ws/"
    # A tester who then works the item again disagrees with the decision: a new conflict.
    work(ana, "ws-404", (PASSED, 40, "retested after the nginx fix"))
    later = merge([team, ana])
    assert [(v.tester, v.status) for v in later.session.item("ws-404").conflict] == [("Lea", FAILED), ("Ana", PASSED)]


def test_a_tester_who_changed_their_mind_resolves_the_conflict() -> None:
    ana, ben = blank("Ana"), blank("Ben")
    work(ana, "ws-404", (PASSED, 5, ""))
    work(ben, "ws-404", (FAILED, 8, "200"))
    team = merge([ana, ben]).session
    work(ana, "ws-404", (FAILED, 20, "I see it too"))  # Ana's own record goes on
    result = merge([team, ana])
    assert result.clean
    assert result.session.item("ws-404").status is FAILED


def test_three_way_merge_of_records_without_history_takes_the_changed_side() -> None:
    base = blank("Ana")
    base.item("ws-404").status, base.item("ws-404").updated_at = PASSED, T0
    ours, theirs = read(render(base)), read(render(base))
    ours.item("ws-404").status, ours.item("ws-404").updated_at = FAILED, T0 + timedelta(minutes=3)
    theirs.item("api-token").status, theirs.item("api-token").updated_at = BLOCKED, T0 + timedelta(minutes=4)
    assert not merge([ours, theirs]).clean  # without the ancestor the old pass looks like a verdict
    result = merge([ours, theirs], base=base)
    assert result.clean
    assert result.session.item("ws-404").status is FAILED
    assert result.session.item("api-token").status is BLOCKED


def test_a_record_without_history_gets_the_entry_its_fields_imply() -> None:
    old = blank("Ana")
    item = old.item("ws-404")
    item.status, item.note, item.updated_at = FAILED, "200", T0
    assert normalized_history(item, "Ana", T0) == [HistoryEntry(FAILED, "Ana", T0, "200")]
    untouched = old.item("ws-connect")
    assert normalized_history(untouched, "Ana", T0) == []


def test_part_records_merge_into_the_whole_in_the_checklists_order() -> None:
    ana = blank("Ana", keep={"ws-connect", "devices-add"})
    ben = blank("Ben", keep={"ws-404", "api-token", "devices-list"})
    work(ana, "devices-add", (PASSED, 5, ""))
    work(ben, "api-token", (PASSED, 6, ""))
    session = merge([ana, ben], order=order()).session
    assert [s.id for s in session.sections] == ["websockets", "api", "devices"]
    assert [i.id for i in session.items()] == ["ws-connect", "ws-404", "api-token", "devices-list", "devices-add"]
    assert session.part == []  # neither record says it is a part
    ana.part, ben.part = [PartSpec(assigned="Ana")], [PartSpec(priorities=("critical",)), PartSpec(assigned="Ben")]
    assert merge([ana, ben]).session.part == merge([ben, ana]).session.part == [
        PartSpec(assigned="Ana"), PartSpec(assigned="Ben"), PartSpec(priorities=("critical",))]
    assert merge([ana, blank("Chloé")]).session.part == []  # Chloé's record is of the whole checklist
    # Without the checklist, the records' own orders are kept where they say something.
    without = merge([ana, ben]).session
    assert [s.id for s in without.sections] == ["websockets", "api", "devices"]
    assert {i.id for i in without.items()} == {i.id for i in session.items()}


def test_merge_order_keeps_what_the_lists_agree_on() -> None:
    assert merge_order([["a", "c"], ["a", "b", "c"]]) == ["a", "b", "c"]
    assert merge_order([["b", "c"], ["a"]]) == merge_order([["a"], ["b", "c"]])
    assert merge_order([["a", "b"], ["b", "a"]]) in (["a", "b"], ["b", "a"])  # a cycle still ends
    assert merge_order([["x"], ["y"]], known=["y", "x"]) == ["y", "x"]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda s: replace(s, checklist_version="1.5", checklist_hash="cd" * 32),
         ["ana.md and ben.md", "different versions of the checklist", "version 1.4", "version 1.5"]),
        (lambda s: replace(s, checklist_hash="cd" * 32), ["different versions", "abababababab", "cdcdcdcdcdcd"]),
        (lambda s: replace(s, title="Another checklist", checklist_hash="cd" * 32), ["different checklists"]),
        (lambda s: replace(s, environment="production"),
         ["different environments", "ana.md of 'local'", "ben.md of 'production'"]),
    ],
)
def test_records_of_another_version_or_environment_are_refused_saying_which(change, words) -> None:  # type: ignore[no-untyped-def]
    ana, ben = blank("Ana"), change(blank("Ben"))
    with pytest.raises(MergeRefused) as caught:
        merge([ana, ben], names=["ana.md", "ben.md"])
    assert caught.value.title == "Records cannot be merged"
    for word in words:
        assert word in caught.value.message


def test_metrics_and_facts_that_disagree_are_kept_and_said() -> None:
    ana, ben = blank("Ana"), blank("Ben")
    ana.facts, ben.facts = {"Django": "4.2.29", "Python": "3.12"}, {"Django": "4.2.28", "Redis": "7"}
    ana.metrics[0].after, ben.metrics[0].after = 702.5, 688.0
    ana.metrics[1].after = 120.0
    result = merge([ana, ben])
    assert result.session.facts == {"Django": "4.2.28 / 4.2.29", "Python": "3.12", "Redis": "7"}
    assert [m.after for m in result.session.metrics] == [702.5, 120.0]  # the slowest is kept
    assert any("Django" in w for w in result.warnings)
    assert any("Order-List" in w and "702.5" in w for w in result.warnings)


def test_a_sign_off_does_not_carry_over_a_merge() -> None:
    ana, ben = blank("Ana"), blank("Ben")
    ana.signoff = SignOff("Lea", "lead", T0, "approved")
    result = merge([ana, ben])
    assert result.session.signoff is None
    assert any("sign-off by Lea" in w for w in result.warnings)


def test_header_of_a_merged_record() -> None:
    ana, ben = blank("Ana", T0), blank("Ben", T0 + timedelta(hours=1))
    ana.finished_at = T0 + timedelta(hours=3)
    session = merge([ana, ben]).session
    assert session.started_at == T0 and session.finished_at is None  # Ben is not finished
    ben.finished_at = T0 + timedelta(hours=4)
    assert merge([ana, ben]).session.finished_at == T0 + timedelta(hours=4)


def test_a_conflict_survives_render_and_read_and_is_listed() -> None:
    ana, ben = blank("Ana"), blank("Ben")
    work(ana, "ws-404", (PASSED, 5, ""))
    work(ben, "ws-404", (FAILED, 8, "200"))
    session = merge([ana, ben]).session
    text = render(session)
    assert "- [ ] **CONFLICT** ≠ Title of ws-404 · `ws-404`" in text
    assert "**Conflict:** passed by Ana at 2026-03-10 09:05:00+01:00 vs failed by Ben at 2026-03-10 09:08:00+01:00" in text
    assert "**1 item(s) in conflict" in text
    back = read(text)
    assert back == session
    assert [c.item_id for c in conflicts(back)] == ["ws-404"]


def test_a_conflict_naming_a_missing_history_entry_is_refused_with_its_line() -> None:
    ana, ben = blank("Ana"), blank("Ben")
    work(ana, "ws-404", (PASSED, 5, ""))
    work(ben, "ws-404", (FAILED, 8, "200"))
    text = render(merge([ana, ben]).session).replace('"conflict":[0,1]', '"conflict":[0,7]')
    with pytest.raises(RecordError, match=r"merged\.md:\d+: 'conflict' names history entries \[0, 7\]"):
        read(text, "merged.md")


def test_a_verdict_given_through_the_recorder_decides_the_conflict(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from qatui.core.record.store import RecordFile
    from qatui.core.recorder import Recorder

    ana, ben = blank("Ana"), blank("Ben")
    work(ana, "ws-404", (PASSED, 5, ""))
    work(ben, "ws-404", (FAILED, 8, "200"))
    record = RecordFile(tmp_path / "release.md")
    record.save(merge([ana, ben]).session)
    decided_at = T0 + timedelta(hours=1)
    recorder = Recorder(record, record.load(), clock=lambda: decided_at)
    recorder.tester = "Lea"
    # The same verdict as the conflict shows is still a decision: it is recorded, by Lea.
    recorder.set_status("ws-404", FAILED, "nginx routes /ws/ to gunicorn")
    item = read((tmp_path / "release.md").read_text(encoding="utf-8")).item("ws-404")
    assert not item.conflict
    assert [(e.tester, e.status) for e in item.history] == [("Ana", PASSED), ("Ben", FAILED), ("Lea", FAILED)]
    assert item.history[-1].at == decided_at
    assert not any("conflict" in reason for reason in gate_reasons(read((tmp_path / "release.md").read_text())))


def test_an_ancestor_of_another_checklist_version_is_left_out_not_refused() -> None:
    base = replace(blank("Ana"), checklist_version="1.3", checklist_hash="cd" * 32)
    ours, theirs = blank("Ana"), blank("Ana")
    work(ours, "ws-404", (PASSED, 5, ""))
    work(theirs, "api-token", (PASSED, 6, ""))
    result = merge([ours, theirs], base=base)
    assert result.clean and "merged without it" in result.warnings[0]
