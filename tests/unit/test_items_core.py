"""The core rules behind the item list: counts, which notes name which items, which probes may
change data, and how a probe run and a result's age are said."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from qatui.core.checklist import Priority
from qatui.core.loader import load_checklist
from qatui.core.note_refs import note_heading, notes_by_item
from qatui.core.run.gate import destructive
from qatui.core.run.tally import Tally, tally, tally_of
from qatui.core.session import ProbeResult, ProbeStatus, Session, Status
from qatui.ui.probe_summary import age, run_summary, skipped_destructive

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "ui" / "fixtures"
T0 = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def session_with(statuses: dict[str, Status]) -> Session:
    checklist = load_checklist(FIXTURES / "session.yaml")
    session = Session.start(checklist, tester="Hannah", environment="local", started_at=T0)
    for item_id, status in statuses.items():
        session.item(item_id).status = status
    return session


def test_blocked_and_failed_are_not_done_and_are_named_apart() -> None:
    session = session_with({"api-login": Status.PASSED, "api-products": Status.BLOCKED,
                            "admin-login": Status.FAILED, "label-print": Status.SKIPPED})
    counts = tally(session)
    assert counts == Tally(passed=1, failed=1, blocked=1, skipped=1, open=1)
    assert (counts.done, counts.total) == (2, 5)
    assert counts.words() == "1 passed · 1 failed · 1 blocked · 1 skipped · 1 open"
    assert counts.marks() == "✗1 ⊘1"
    critical = tally(session, Priority.CRITICAL)
    assert (critical.done, critical.total, critical.blocked) == (1, 2, 1)  # not "2/2"


def test_words_leave_out_zeros_unless_asked() -> None:
    counts = tally_of([Status.PASSED, Status.PASSED, Status.UNTESTED])
    assert counts.words() == "2 passed · 1 open"
    assert counts.words(zeros=True) == "2 passed · 0 failed · 0 blocked · 0 skipped · 1 open"
    assert tally_of([]).words() == "0 items"


def test_the_session_counts_and_the_tally_agree() -> None:
    session = session_with({"api-login": Status.FAILED, "admin-orders": Status.BLOCKED})
    counts = tally(session)
    assert {status: counts.count(status) for status in Status} == session.counts()


def test_a_note_names_an_item_by_its_id_or_a_probe_id_as_a_whole_word(tmp_path: Path) -> None:
    path = tmp_path / "notes.yaml"
    path.write_text(
        """qatui: 1
title: Notes
notes:
  - title: "Known issue: login"
    kind: known-issues
    text: The token-login item fails on Mondays.
  - title: Ports
    kind: config
    text: "port-check-extra is another thing; so is xtoken-login and token-login.v2"
  - title: Rollback
    kind: rollback
    text: Run the ping-probe again after rolling back.
sections:
  - id: s
    title: S
    priority: critical
    items:
      - id: token-login
        title: Token login
      - id: port-check
        title: Port check
        probes:
          - id: ping-probe
            kind: tcp
            host: 127.0.0.1
            port: 9
""",
        encoding="utf-8",
    )
    checklist = load_checklist(path)
    found = {item: [note.title for note in notes] for item, notes in notes_by_item(checklist).items()}
    # `token-login.` ends a sentence; `xtoken-login`, `token-login.v2` and `port-check-extra`
    # are other words; the probe id names its item.
    assert found == {"token-login": ["Known issue: login"], "port-check": ["Rollback"]}
    assert note_heading(checklist.notes[0]) == "⚠ Known issue · Known issue: login"


def test_the_shipped_django_checklist_ties_its_deprecation_note_to_the_test_suite_item() -> None:
    checklist = load_checklist(ROOT / "checklists" / "django-upgrade.yaml")
    found = notes_by_item(checklist)
    assert [note.kind for note in found["signoff-test-suite"]] == ["known-issues"]  # names `deprecation-check`


def test_destructive_probes_are_known_on_any_environment() -> None:
    checklist = load_checklist(FIXTURES / "probes.yaml")
    flags = {probe.id: destructive(checklist, probe) for item in checklist.items() for probe in item.probes}
    assert flags["wipe-cache"] is True
    assert flags["say-hello"] is False and flags["version-json"] is False


def _result(status: ProbeStatus) -> ProbeResult:
    return ProbeResult(probe_id="p", kind="http", status=status, summary="")


def test_the_run_summary_names_each_status_and_the_time() -> None:
    results = [_result(ProbeStatus.PASSED)] * 12 + [_result(ProbeStatus.FAILED)] * 2 + [_result(ProbeStatus.INCONCLUSIVE)]
    assert run_summary("R", results, 3.24) == "R: 12 passed, 2 failed, 1 inconclusive in 3.2 s"
    assert run_summary("r", [_result(ProbeStatus.NOT_RUN)], 0.0, cancelled=True) == "r: 1 not run in 0.0 s (cancelled)"
    assert run_summary("r", [], 0.04) == "r: nothing ran in 0.0 s"
    assert skipped_destructive("R", ["cache-clear"]).startswith("R: not run: cache-clear (destructive")


def test_a_result_says_how_old_it_is_and_whether_it_is_from_an_earlier_session() -> None:
    opened = T0
    assert age(None, T0, opened) == ""
    assert age(T0 - timedelta(minutes=5), T0, opened) == "last session"
    assert age(T0 + timedelta(seconds=10), T0 + timedelta(seconds=30), opened) == "just now"
    assert age(T0, T0 + timedelta(minutes=3, seconds=20), opened) == "3 min ago"
    assert age(T0, T0 + timedelta(hours=2), opened) == "2 h ago"
    assert age(T0, T0 + timedelta(days=3), None) == "3 d ago"
