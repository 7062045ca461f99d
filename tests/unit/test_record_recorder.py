"""The Recorder: every change saved at once, times from the clock, secrets never written."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from qatui.core.errors import RecordConflict, RecordError
from qatui.core.record import RecordFile, render
from qatui.core.recorder import Recorder, default_record_path
from qatui.core.secrets import MASK, Masker
from qatui.core.session import Evidence, HistoryEntry, ProbeResult, ProbeStatus, SignOff, Status

from .record_samples import T0, sample_checklist

CANARY = "CANARY-7f3a9-s3cr3t"


def ticking_clock(start: datetime = T0) -> Callable[[], datetime]:
    state = {"now": start}

    def clock() -> datetime:
        state["now"] += timedelta(seconds=1)
        return state["now"]

    return clock


def on_disk(recorder: Recorder):  # type: ignore[no-untyped-def]
    return RecordFile(recorder.file.path).load()


def test_start_saves_at_once_with_every_item_untested(tmp_path: Path) -> None:
    path = tmp_path / "records" / "r.md"
    recorder = Recorder.open_or_start(sample_checklist(), path, tester="Hannah", environment="local",
                                      clock=ticking_clock())
    assert not recorder.resumed
    session = on_disk(recorder)
    assert session == recorder.session
    assert session.environment_label == "Local Docker (dev)" and session.tester == "Hannah"
    assert session.started_at == T0 + timedelta(seconds=1)
    assert {item.status for item in session.items()} == {Status.UNTESTED}


def test_every_call_is_on_disk_when_it_returns(tmp_path: Path) -> None:
    recorder = Recorder.open_or_start(sample_checklist(), tmp_path / "r.md", tester="Hannah",
                                      environment="local", clock=ticking_clock())
    recorder.set_status("ws-connect", Status.PASSED)
    assert on_disk(recorder).item("ws-connect").status is Status.PASSED
    recorder.set_status("ws-404", Status.FAILED, note="200 instead of 404")
    assert on_disk(recorder).item("ws-404").note == "200 instead of 404"
    recorder.set_note("ws-404", "nginx routes /ws/")
    assert on_disk(recorder).item("ws-404").note == "nginx routes /ws/"
    recorder.attach("ws-404", Evidence(kind="log", source="web", text="ERROR Not Found"))
    assert on_disk(recorder).item("ws-404").evidence[0].text == "ERROR Not Found"
    recorder.add_probe_results("ws-404", [ProbeResult("p", "http", ProbeStatus.FAILED, "status 200")])
    recorder.add_probe_results("ws-404", [ProbeResult("p", "http", ProbeStatus.PASSED, "status 404")])
    probes = on_disk(recorder).item("ws-404").probes
    assert [(p.probe_id, p.status) for p in probes] == [("p", ProbeStatus.PASSED)]  # re-run replaces
    recorder.set_fact("Django", "4.2.29")
    assert on_disk(recorder).facts == {"Django": "4.2.29"}
    recorder.set_metric_before("order-list", 640)
    recorder.set_metric_after("order-list", 702.5)
    metric = on_disk(recorder).metrics[0]
    assert (metric.before, metric.after) == (640.0, 702.5)
    assert on_disk(recorder) == recorder.session


def test_times_are_timezone_aware_from_the_injected_clock(tmp_path: Path) -> None:
    lisbon = timezone(timedelta(hours=0))
    kolkata = timezone(timedelta(hours=5, minutes=30))
    recorder = Recorder.open_or_start(sample_checklist(), tmp_path / "r.md", tester="H", environment="local",
                                      clock=lambda: datetime(2026, 3, 10, 18, 30, tzinfo=kolkata))
    item = recorder.set_status("ws-connect", Status.PASSED)
    assert item.updated_at == datetime(2026, 3, 10, 13, 0, tzinfo=lisbon)
    assert on_disk(recorder).item("ws-connect").updated_at.utcoffset() == timedelta(hours=5, minutes=30)
    naive = Recorder(recorder.file, recorder.session, clock=lambda: datetime(2026, 3, 10, 12, 0))
    assert naive.set_status("ws-404", Status.SKIPPED).updated_at.tzinfo is not None


def test_unknown_item_or_metric_is_a_clear_error(tmp_path: Path) -> None:
    recorder = Recorder.open_or_start(sample_checklist(), tmp_path / "r.md", tester="H", environment="local")
    with pytest.raises(RecordError, match="no item 'nope'"):
        recorder.set_status("nope", Status.PASSED)
    with pytest.raises(RecordError, match="no performance metric"):
        recorder.set_metric_after("nope", 1.0)


def test_signed_record_must_be_reopened_to_change(tmp_path: Path) -> None:
    recorder = Recorder.open_or_start(sample_checklist(), tmp_path / "r.md", tester="H", environment="local",
                                      clock=ticking_clock())
    recorder.sign(SignOff(name="Ravi", role="Tech lead", at=datetime(2026, 3, 10, 15, 0, tzinfo=UTC),
                          meaning="Approved for production deploy"))
    saved = on_disk(recorder)
    assert saved.signed and saved.finished_at is not None
    with pytest.raises(RecordError, match="signed by Ravi"):
        recorder.set_status("ws-connect", Status.FAILED)
    recorder.reopen()
    assert not on_disk(recorder).signed
    recorder.set_status("ws-connect", Status.FAILED)


def test_canary_secret_never_reaches_any_file(tmp_path: Path) -> None:
    masker = Masker([CANARY])
    folder = tmp_path / "records"
    recorder = Recorder.open_or_start(sample_checklist(), folder / "r.md", tester="Hannah",
                                      environment="local", clock=ticking_clock(), masker=masker)
    recorder.set_status("ws-404", Status.FAILED, note=f"token was {CANARY} in the URL")
    recorder.set_note("ws-connect", f"Authorization: Token {CANARY}\nsecond line")
    recorder.attach("ws-404", Evidence(kind="log", source=f"web {CANARY}", text=f"GET /?t={CANARY} 500"))
    recorder.add_probe_results("api-token", [
        ProbeResult("token", "http", ProbeStatus.PASSED, summary=f"token {CANARY}",
                    explanation=CANARY, detail=f'{{"token": "{CANARY}"}}', captures={"token": CANARY},
                    where=CANARY)
    ])
    recorder.set_fact(f"Key {CANARY}", CANARY)
    recorder.sign(SignOff(name="Hannah", role="QA", at=T0, meaning="ok", comment=f"used {CANARY}"))
    recorder.save_as(folder / "copy.md")
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    records = [p for p in written if not p.name.endswith(".lock")]
    assert len(records) == 2 and len(written) == 4  # each record has its lock file beside it
    for path in written:
        data = path.read_bytes()
        assert CANARY.encode() not in data, f"secret leaked into {path}"
    for path in records:
        assert MASK.encode() in path.read_bytes()
    assert CANARY not in render(recorder.session)


def test_session_handed_over_with_a_secret_is_masked(tmp_path: Path) -> None:
    first = Recorder.open_or_start(sample_checklist(), tmp_path / "r.md", tester="H", environment="local")
    first.session.item("ws-404").note = f"raw {CANARY}"  # someone bypassed the recorder
    recorder = Recorder(first.file, first.session, masker=Masker([CANARY]))
    recorder.set_status("ws-connect", Status.PASSED)
    assert CANARY.encode() not in (tmp_path / "r.md").read_bytes()


def test_resume_keeps_every_result(tmp_path: Path) -> None:
    path = tmp_path / "r.md"
    first = Recorder.open_or_start(sample_checklist(), path, tester="Hannah", environment="local",
                                   clock=ticking_clock())
    first.set_status("ws-connect", Status.PASSED)
    first.set_status("ws-404", Status.FAILED, note="still 200")
    again = Recorder.open_or_start(sample_checklist(), path, tester="Bob", environment="local",
                                   clock=ticking_clock())
    assert again.resumed and again.changes == []
    assert again.session == first.session
    again.set_status("api-token", Status.PASSED)
    assert on_disk(again).item("ws-404").note == "still 200"


def test_resume_after_the_checklist_changed(tmp_path: Path) -> None:
    path = tmp_path / "r.md"
    first = Recorder.open_or_start(sample_checklist(), path, tester="H", environment="local",
                                   clock=ticking_clock())
    first.set_status("ws-404", Status.PASSED, note="ok")
    first.set_status("devices-list", Status.FAILED)
    changed = sample_checklist(extra_item=True, changed_title=True)
    again = Recorder.open_or_start(changed, path, tester="H", environment="local", clock=ticking_clock())
    assert again.changes[0] == "the checklist changed since this record was started"
    assert any("'ws-404' changed" in change for change in again.changes)
    assert any("'devices-add'" in change for change in again.changes)
    saved = on_disk(again)
    assert saved.item("ws-404").status is Status.UNTESTED and saved.item("ws-404").note == "ok"
    assert saved.item("devices-list").status is Status.FAILED
    assert saved.item("devices-add").status is Status.UNTESTED
    assert saved.checklist_hash == changed.content_hash


def test_resume_refuses_another_checklist_or_environment(tmp_path: Path) -> None:
    path = tmp_path / "r.md"
    Recorder.open_or_start(sample_checklist(), path, tester="H", environment="local")
    with pytest.raises(RecordError, match="environment 'local'"):
        Recorder.open_or_start(sample_checklist(), path, tester="H", environment="production")
    other = sample_checklist("checklists/other.yaml")
    other.title = "Another checklist"
    with pytest.raises(RecordError, match="another checklist"):
        Recorder.open_or_start(other, path, tester="H", environment="local")


def test_recorder_reports_a_conflict_instead_of_overwriting(tmp_path: Path) -> None:
    path = tmp_path / "r.md"
    recorder = Recorder.open_or_start(sample_checklist(), path, tester="H", environment="local")
    path.write_text(path.read_text(encoding="utf-8").replace("Hannah", "H") + "\n", encoding="utf-8")
    with pytest.raises(RecordConflict):
        recorder.set_status("ws-connect", Status.PASSED)
    recorder.save_as(tmp_path / "mine.md")
    recorder.set_status("ws-connect", Status.PASSED)
    assert RecordFile(tmp_path / "mine.md").load().item("ws-connect").status is Status.PASSED


def test_imported_ticks_start_passed(tmp_path: Path) -> None:
    checklist = sample_checklist()
    checklist.initial_status = {"ws-connect": "passed"}
    recorder = Recorder.open_or_start(checklist, tmp_path / "r.md", tester="H", environment="local",
                                      clock=ticking_clock())
    assert on_disk(recorder).item("ws-connect").status is Status.PASSED


def test_default_record_path() -> None:
    checklist = sample_checklist("checklists/django-upgrade.yaml")
    assert default_record_path(checklist, "local", date(2026, 11, 23)) == Path(
        "records/django-upgrade-local-2026-11-23.md"
    )
    assert default_record_path(checklist, "prod eu/1", datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
                               base="/srv/repo") == Path("/srv/repo/records/django-upgrade-prod-eu-1-2026-01-02.md")


def test_every_verdict_change_is_in_the_history(tmp_path: Path) -> None:
    path = tmp_path / "r.md"
    recorder = Recorder.open_or_start(sample_checklist(), path, tester="Hannah", environment="local",
                                      clock=ticking_clock())
    recorder.set_status("ws-404", Status.PASSED)
    recorder.set_status("ws-404", Status.FAILED, note="200 instead of 404")
    recorder.set_note("ws-404", "200 instead of 404\nnginx routes /ws/")  # the failure's note, written after
    recorder.set_status("ws-404", Status.FAILED)  # the same verdict again: no new entry
    t = T0 + timedelta(seconds=1)  # the clock's first tick started the record
    expected = [
        HistoryEntry(Status.PASSED, "Hannah", t + timedelta(seconds=1)),
        HistoryEntry(Status.FAILED, "Hannah", t + timedelta(seconds=2), "200 instead of 404\nnginx routes /ws/"),
    ]
    assert recorder.session.item("ws-404").history == expected
    assert on_disk(recorder).item("ws-404").history == expected
    # A pass later keeps the failure's explanation in its entry, and a resume by Bob names Bob.
    bob = Recorder.open_or_start(sample_checklist(), path, tester="Bob", environment="local",
                                 clock=ticking_clock(T0 + timedelta(hours=1)))
    bob.set_status("ws-404", Status.PASSED, note="")
    bob.set_note("ws-404", "fixed in nginx.conf")  # Bob's note goes to Bob's entry only
    history = on_disk(bob).item("ws-404").history
    assert [(e.status, e.tester, e.note) for e in history] == [
        (Status.PASSED, "Hannah", ""),
        (Status.FAILED, "Hannah", "200 instead of 404\nnginx routes /ws/"),
        (Status.PASSED, "Bob", "fixed in nginx.conf"),
    ]
    assert on_disk(bob).tester == "Hannah"  # the record's tester is who started it


def test_a_note_never_rewrites_another_verdicts_entry(tmp_path: Path) -> None:
    recorder = Recorder.open_or_start(sample_checklist(), tmp_path / "r.md", tester="H", environment="local",
                                      clock=ticking_clock())
    recorder.set_status("ws-404", Status.FAILED, note="broken")
    recorder.session.item("ws-404").status = Status.BLOCKED  # e.g. a merge decided otherwise
    recorder.set_note("ws-404", "now blocked")
    assert [e.note for e in on_disk(recorder).item("ws-404").history] == ["broken"]
    assert recorder.set_note("api-token", "no verdict yet").history == []


def test_a_failed_save_takes_the_history_entry_back(tmp_path: Path) -> None:
    path = tmp_path / "r.md"
    recorder = Recorder.open_or_start(sample_checklist(), path, tester="H", environment="local",
                                      clock=ticking_clock())
    recorder.set_status("ws-404", Status.FAILED, note="first")
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # changed on disk
    with pytest.raises(RecordConflict):
        recorder.set_status("ws-404", Status.PASSED)
    with pytest.raises(RecordConflict):
        recorder.set_note("ws-404", "second")
    item = recorder.session.item("ws-404")
    assert [(e.status, e.note) for e in item.history] == [(Status.FAILED, "first")]
    assert item.status is Status.FAILED and item.note == "first"


def test_history_is_masked(tmp_path: Path) -> None:
    recorder = Recorder.open_or_start(sample_checklist(), tmp_path / "r.md", tester=f"H {CANARY}",
                                      environment="local", clock=ticking_clock(), masker=Masker([CANARY]))
    recorder.set_status("ws-404", Status.FAILED, note=f"token {CANARY}")
    (entry,) = recorder.session.item("ws-404").history
    assert CANARY not in entry.tester and CANARY not in entry.note and MASK in entry.note
    assert CANARY.encode() not in (tmp_path / "r.md").read_bytes()


def test_imported_ticks_and_checklist_changes_keep_the_history_true(tmp_path: Path) -> None:
    checklist = sample_checklist()
    checklist.initial_status = {"ws-404": "passed"}
    path = tmp_path / "r.md"
    recorder = Recorder.open_or_start(checklist, path, tester="H", environment="local", clock=ticking_clock())
    started = recorder.session.started_at
    assert started is not None
    assert on_disk(recorder).item("ws-404").history == [HistoryEntry(Status.PASSED, "H", started)]
    changed = sample_checklist(changed_title=True)  # ws-404's text changed: untested again
    again = Recorder.open_or_start(changed, path, tester="H", environment="local",
                                   clock=ticking_clock(T0 + timedelta(days=1)))
    history = on_disk(again).item("ws-404").history
    assert [e.status for e in history] == [Status.PASSED, Status.UNTESTED]
    assert history[-1].at == T0 + timedelta(days=1, seconds=1)


def test_a_batch_of_probe_results_for_several_items_is_written_once(tmp_path: Path) -> None:
    recorder = Recorder.open_or_start(sample_checklist(), tmp_path / "r.md", tester="Hannah",
                                      environment="local", clock=ticking_clock())
    writes: list[int] = []
    save = recorder.file.save
    recorder.file.save = lambda *a, **k: (writes.append(1), save(*a, **k))[1]  # type: ignore[method-assign]
    recorder.add_probe_results_of({
        "ws-connect": [ProbeResult("a", "tcp", ProbeStatus.PASSED, "open")],
        "api-token": [ProbeResult("b", "http", ProbeStatus.FAILED, "status 500")],
    })
    assert len(writes) == 1
    saved = on_disk(recorder)
    assert [r.summary for r in saved.item("ws-connect").probes] == ["open"]
    assert [r.summary for r in saved.item("api-token").probes] == ["status 500"]
    assert saved.item("api-token").probes[0].at is not None  # stamped by the clock


def test_a_batch_that_cannot_be_saved_changes_no_item(tmp_path: Path) -> None:
    recorder = Recorder.open_or_start(sample_checklist(), tmp_path / "r.md", tester="Hannah",
                                      environment="local", clock=ticking_clock())
    recorder.add_probe_results("ws-connect", [ProbeResult("a", "tcp", ProbeStatus.PASSED, "open")])
    other = Recorder.open_or_start(sample_checklist(), tmp_path / "r.md", tester="Ben",  # a teammate
                                   environment="local", clock=ticking_clock(T0 + timedelta(hours=1)))
    other.set_status("devices-list", Status.BLOCKED, note="no VPN")
    path = Path(recorder.file.path)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    with pytest.raises(RecordConflict):
        recorder.add_probe_results_of({
            "ws-connect": [ProbeResult("a", "tcp", ProbeStatus.FAILED, "closed")],
            "api-token": [ProbeResult("b", "http", ProbeStatus.FAILED, "status 500")],
        })
    assert [r.summary for r in recorder.session.item("ws-connect").probes] == ["open"]  # put back
    assert recorder.session.item("api-token").probes == []
