"""`qatui report`: the JSON contract, comparisons between runs, and the release gate."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qatui.cli import main
from qatui.core.record import RecordFile, render
from qatui.core.record.report import compare, gate_reasons, summary
from qatui.core.session import Session, Status

from .record_samples import basic_session, sample_checklist, signed_session

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
UNSIGNED = GOLDEN / "record-unsigned.md"
SIGNED = GOLDEN / "record-signed.md"


def qatui(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("QATUI_")}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "qatui", *args], capture_output=True, text=True,
                          env=full_env, timeout=60)


def test_summary_keeps_the_documented_contract() -> None:
    data = summary(basic_session(), "r.md")
    assert data["totals"] == {"passed": 1, "failed": 1, "blocked": 1, "skipped": 0, "untested": 1}
    assert data["by_priority"] == {
        "critical": {"passed": 1, "failed": 1, "blocked": 0, "skipped": 0, "untested": 0},
        "important": {"passed": 0, "failed": 0, "blocked": 1, "skipped": 0, "untested": 0},
        "nice": {"passed": 0, "failed": 0, "blocked": 0, "skipped": 0, "untested": 1},
    }
    assert data["signed"] is False and data["signoff"] is None
    assert data["open_critical"] == ["ws-404"]
    assert data["tester"] == "Hannah" and data["environment"] == "local"
    # failed and blocked first, then untested; critical first in each
    assert [(i["id"], i["status"]) for i in data["open_items"]] == [
        ("ws-404", "failed"), ("api-token", "blocked"), ("devices-list", "untested")]
    assert data["metrics"][0] | {"delta_percent": None} == {
        "id": "order-list", "name": "Order list load time", "unit": "ms", "before": 640.0,
        "after": 702.5, "delta": 62.5, "delta_percent": None, "threshold": 800.0, "within_threshold": True,
    }
    assert data["gate"]["passed"] is False
    json.dumps(data, allow_nan=False)


def test_non_finite_numbers_never_reach_the_json() -> None:
    session = basic_session()
    session.metrics[0].after = float("inf")
    json.dumps(summary(session), allow_nan=False)


def test_gate_needs_every_critical_item_passed_and_a_signature() -> None:
    assert gate_reasons(signed_session()) == []
    reasons = gate_reasons(basic_session())
    assert reasons == ["1 critical item(s) not passed: ws-404", "the record is not signed"]
    session = signed_session()
    session.item("ws-connect").status = Status.SKIPPED  # skipped is not passed
    assert gate_reasons(session) == ["1 critical item(s) not passed: ws-connect"]


def test_compare_finds_status_text_and_structure_changes() -> None:
    old = basic_session()
    changed = sample_checklist(extra_item=True, changed_title=True)
    new = Session.start(changed, tester="Hannah", environment="local", started_at=old.started_at)  # type: ignore[arg-type]
    new.item("ws-connect").status = Status.PASSED
    new.item("ws-404").status = Status.PASSED
    new.metrics[0].after = 650.0
    result = compare(new, old)
    assert result.checklist_changed
    assert [(c.id, c.old, c.new) for c in result.status_changed] == [
        ("ws-404", "failed", "passed"), ("api-token", "blocked", "untested")
    ]
    assert result.text_changed == ["ws-404"]
    assert result.added == ["devices-add"] and result.removed == []
    assert result.metrics[0].delta == -52.5
    unchanged = compare(basic_session(), basic_session())
    assert not unchanged.checklist_changed and not unchanged.status_changed and not unchanged.text_changed


def test_cli_in_process_json_and_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(UNSIGNED), "--format", "json"], env={}) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["open_critical"] == ["ws-404"]
    assert main(["report", str(SIGNED)], env={"QATUI_FORMAT": "json"}) == 0
    assert json.loads(capsys.readouterr().out)["signed"] is True
    assert main(["report", str(SIGNED), "--format", "text"], env={"QATUI_FORMAT": "json"}) == 0
    assert "signed: yes — Ravi Kumar" in capsys.readouterr().out


def test_subprocess_text_report() -> None:
    done = qatui("report", str(UNSIGNED))
    assert done.returncode == 0, done.stderr
    assert "open critical (1): ws-404" in done.stdout
    lines = done.stdout.splitlines()
    assert lines[1] == "tester Hannah · environment Local Docker (dev) · started 2026-03-10 14:00 +01:00 · not finished"
    assert lines[2] == ("target http://localhost:8001 · build v4.2.0-rc1-3-g1a2b3c4 · commit 1a2b3c4d5e6f"
                        " · host qa-laptop-7")
    assert lines[3] == "Django 4.2.29 · Python 3.12.13"  # the captured facts
    assert "signed: no" in done.stdout
    assert "Order list load time: before 640 after 702.5 ms, delta +62.5 (+9.8%)" in done.stdout


def test_subprocess_gate() -> None:
    failed = qatui("report", str(UNSIGNED), "--gate")
    assert failed.returncode == 1
    assert "gate: FAIL — 1 critical item(s) not passed: ws-404; the record is not signed" in failed.stdout
    passed = qatui("report", str(SIGNED), "--gate", env={"QATUI_FORMAT": "json"})
    assert passed.returncode == 0, passed.stderr
    assert json.loads(passed.stdout)["gate"] == {"passed": True, "reasons": []}
    json_failed = qatui("report", str(UNSIGNED), "--gate", "--format", "json")
    assert json_failed.returncode == 1
    assert "gate failed: the record is not signed" in json_failed.stderr


def test_subprocess_against_an_older_record(tmp_path: Path) -> None:
    old = tmp_path / "old.md"
    new = tmp_path / "new.md"
    RecordFile(old).save(basic_session())
    later = Session.start(sample_checklist(changed_title=True), tester="Bob", environment="local",
                          started_at=basic_session().started_at)  # type: ignore[arg-type]
    later.item("ws-404").status = Status.PASSED
    new.write_text(render(later), encoding="utf-8")
    done = qatui("report", str(new), "--against", str(old), "--format", "json")
    assert done.returncode == 0, done.stderr
    changes = json.loads(done.stdout)["changes"]
    assert changes["checklist_changed"] is True
    assert {c["id"]: (c["old"], c["new"]) for c in changes["status_changed"]} == {
        "ws-connect": ("passed", "untested"), "ws-404": ("failed", "passed"), "api-token": ("blocked", "untested")
    }
    assert changes["text_changed"] == ["ws-404"]
    text = qatui("report", str(new), "--against", str(old))
    assert "the checklist changed (hash" in text.stdout
    assert "ws-404: failed → passed" in text.stdout and "text changed: ws-404" in text.stdout


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: None, "no such record"),
        (lambda p: p.write_text("# just notes\n- [ ] a\n", encoding="utf-8"), "is not a qatui record"),
        (lambda p: p.write_bytes(b"\x00\xff\xfe binary"), "is not a qatui record"),
        (lambda p: p.write_text(render(basic_session())[:900], encoding="utf-8"), "is incomplete"),
    ],
)
def test_subprocess_errors_are_one_line_exit_2(tmp_path: Path, make, message: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "r.md"
    make(path)
    done = qatui("report", str(path))
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in done.stderr


def test_against_a_missing_record_is_exit_2(tmp_path: Path) -> None:
    done = qatui("report", str(SIGNED), "--against", str(tmp_path / "gone.md"))
    assert done.returncode == 2 and "gone.md: no such record" in done.stderr


def test_help_lists_the_environment_variable() -> None:
    done = qatui("report", "--help")
    assert done.returncode == 0 and "QATUI_FORMAT" in done.stdout and "--gate" in done.stdout


def test_help_lists_every_variable_it_honours() -> None:
    done = qatui("report", "--help")
    assert "QATUI_RECORD" in done.stdout and "QATUI_FORMAT" in done.stdout


def test_the_record_can_come_from_qatui_record(capsys: pytest.CaptureFixture[str]) -> None:
    # one QATUI_RECORD for the whole CI job: `qatui probe --record` writes it, report reads it
    assert main(["report", "--gate", "--format", "json"], env={"QATUI_RECORD": str(SIGNED)}) == 0
    assert json.loads(capsys.readouterr().out)["record"] == str(SIGNED)
    assert main(["report", str(UNSIGNED), "--format", "json"], env={"QATUI_RECORD": str(SIGNED)}) == 0
    assert json.loads(capsys.readouterr().out)["signed"] is False  # the argument wins
    with pytest.raises(SystemExit) as usage:
        main(["report"], env={})
    assert usage.value.code == 2
    assert "RECORD" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("value", "shown", "warned"),
    [("json", "json", False), ("JSON", "json", False), ("text", "text", False), ("junit", "text", False),
     ("table", "text", False), ("xml", "text", True), ("", "text", False)],
)
def test_qatui_format_values(value: str, shown: str, warned: bool, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(SIGNED)], env={"QATUI_FORMAT": value}) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("{") is (shown == "json")
    assert ("ignoring QATUI_FORMAT='xml'" in captured.err) is warned


def test_a_folder_without_records_or_an_endless_file_is_refused_at_once(tmp_path: Path) -> None:
    # A folder is a team's records (`qatui report records/`); one without any is said so.
    (tmp_path / "README.md").write_text("# not a record\n", encoding="utf-8")
    folder = qatui("report", str(tmp_path))
    assert folder.returncode == 2 and "holds no qatui record" in folder.stderr
    endless = qatui("report", "/dev/zero")
    assert endless.returncode == 2 and "/dev/zero is a character device, not a regular file" in endless.stderr
    assert "Traceback" not in folder.stderr + endless.stderr


def test_a_record_of_another_tool_or_an_empty_one_is_one_line(tmp_path: Path) -> None:
    empty = tmp_path / "empty.md"
    empty.write_bytes(b"")
    foreign = tmp_path / "allure.md"
    foreign.write_text("<!-- allure:report {\"x\": 1} -->\n# Report\n| a | b |\n|---|---|\n", encoding="utf-8")
    for path in (empty, foreign):
        done = qatui("report", str(path), "--gate")
        assert done.returncode == 2 and done.stdout == ""
        assert done.stderr.count("\n") == 1 and "is not a qatui record" in done.stderr


def test_an_unreadable_record_is_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # tests run as root here, where chmod 000 still reads: refuse the open the way the OS would
    from qatui.core import files

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(files, "_open", refuse)
    assert main(["report", str(SIGNED)], env={}) == 2
    assert capsys.readouterr().err == f"qatui report: cannot read {SIGNED}: permission denied\n"


def test_compare_warns_when_the_records_are_not_two_runs_of_one_thing() -> None:
    assert compare(basic_session(), basic_session()).warnings == []
    assert compare(signed_session(), basic_session()).warnings == [
        "the older record is of environment 'local', this one of 'production'"
    ]
    other = basic_session()
    other.title, other.checklist_path = "Another", "checklists/other.yaml"
    other.started_at = other.started_at.replace(year=2027)  # type: ignore[union-attr]
    warnings = compare(basic_session(), other).warnings
    assert len(warnings) == 2
    assert warnings[0].startswith("the older record is of another checklist ('Another', checklists/other.yaml")
    assert "wrong way round" in warnings[1]
    done = qatui("report", str(UNSIGNED), "--against", str(SIGNED))
    assert "  warning: the older record is of environment 'production', this one of 'local'" in done.stdout


def test_any_terminal_encoding_and_undecodable_text_never_give_a_traceback(tmp_path: Path) -> None:
    session = basic_session()
    session.item("ws-404").note = "a byte from a terminal: \udc80"
    record = tmp_path / "r.md"
    record.write_text(render(session), encoding="utf-8")
    for env in ({}, {"PYTHONIOENCODING": "ascii"}):
        data = qatui("report", str(record), "--format", "json", env=env)
        assert data.returncode == 0 and "Traceback" not in data.stderr
        parsed = json.loads(data.stdout)  # UTF-8 JSON whatever the terminal takes
        assert parsed["title"] == "Django 3.2 → 4.2 upgrade"
        assert parsed["open_items"][0]["note"] == "a byte from a terminal: \udc80"
        text = qatui("report", str(record), "--against", str(UNSIGNED), env=env)
        assert text.returncode == 0 and "Traceback" not in text.stderr
        assert ("\\u2192" in text.stdout) is bool(env)  # an escape where the terminal cannot show →


def test_json_lists_every_item_with_its_verdict_history_and_the_qatui_version() -> None:
    from qatui import __version__

    data = summary(basic_session(), "r.md")
    assert data["qatui_version"] == __version__ and data["recorded_with"] == "0.1.0"
    assert (data["target"], data["build"], data["host"]) == (
        "http://localhost:8001", "v4.2.0-rc1-3-g1a2b3c4", "qa-laptop-7")
    results = {r["id"]: r for r in data["results"]}
    assert list(results) == ["ws-connect", "ws-404", "api-token", "devices-list"]  # checklist order
    failed = results["ws-404"]
    assert failed | {"note": "", "history": []} == {
        "id": "ws-404", "title": "Port 8001 answers 404 for /ws/", "section": "websockets",
        "priority": "critical", "status": "failed", "note": "", "tester": "Ana",
        "at": "2026-03-10T14:07:00+01:00", "history": [],
    }
    assert failed["note"].startswith("Got 200 instead of 404")
    assert [(h["status"], h["tester"], h["at"]) for h in failed["history"]] == [
        ("passed", "Hannah", "2026-03-10T14:03:00+01:00"), ("failed", "Ana", "2026-03-10T14:07:00+01:00")]
    # a verdict from before histories: the record's tester; untested: nobody yet
    assert results["ws-connect"]["tester"] == "Hannah" and results["ws-connect"]["history"] == []
    assert results["devices-list"]["tester"] is None and results["devices-list"]["at"] is None
    json.dumps(data, allow_nan=False)


def test_text_report_reads_like_a_report() -> None:
    from qatui.core.record.report import format_text

    session = basic_session()
    session.metrics.append(type(session.metrics[0])(id="daily", name="Daily report"))  # no figures
    text = format_text(summary(session, "r.md"))
    assert "T14:" not in text and ".000" not in text  # no raw ISO times
    # the failure's note, every line, under the failed item
    failed = text.split("  FAILED   ws-404")[1].split("\n  BLOCKED")[0]
    assert "Got 200 instead of 404" in failed and "looks like a fence" in failed
    assert "  BLOCKED  api-token — Token request returns a token (important)\n" \
           "           Blocked: the staging database is down." in text
    assert "  untested (1): devices-list" in text
    assert "Daily report: before" not in text and "not measured: Daily report" in text
    signed = format_text(summary(signed_session(), "s.md"))
    assert "started 2026-03-10 14:00 +01:00 · finished 2026-03-10 23:30 +09:00 (1 h 30 min)" in signed
    assert "at 2026-03-10 23:30 +09:00: Approved for production deploy" in signed


@pytest.mark.parametrize(("seconds", "shown"), [(0, "0 s"), (59.9, "59 s"), (60, "1 min"), (12 * 60 + 5, "12 min"),
                                                (3600 + 5 * 60, "1 h 05 min"), (27 * 3600, "1 d 3 h")])
def test_durations_are_human(seconds: float, shown: str) -> None:
    from qatui.core.record.report import human_duration

    assert human_duration(seconds) == shown


def test_human_time_names_utc_and_offsets() -> None:
    from datetime import UTC, datetime, timedelta, timezone

    from qatui.core.record.report import human_time

    assert human_time(datetime(2026, 12, 4, 14, 3, 59, 999, tzinfo=UTC)) == "2026-12-04 14:03 UTC"
    assert human_time("2026-12-04T14:03:00-05:30") == "2026-12-04 14:03 -05:30"
    assert human_time(datetime(2026, 12, 4, 14, 3, tzinfo=timezone(timedelta(hours=1)))) == "2026-12-04 14:03 +01:00"
    assert human_time(None) == "—" and human_time("not a time") == "not a time"


def test_against_shows_only_what_changed_including_a_lost_sign_off() -> None:
    from qatui.core.record.report import format_text

    old = signed_session()
    new = signed_session()
    new.signoff = None  # reopened after it was signed
    comparison = compare(new, old)
    assert comparison.signoff_change == "removed"
    assert comparison.as_json()["signoff"]["change"] == "removed"
    assert comparison.as_json()["signoff"]["old"]["name"] == "Ravi Kumar"
    text = format_text(summary(new, "new.md"), comparison, "old.md")
    changes = text.split("changes since old.md:")[1].split("\ngate:")[0]
    assert "sign-off removed: it was signed by Ravi Kumar (Tech lead) at 2026-03-10 23:30 +09:00" in changes
    # nothing else changed, and nothing unchanged is listed
    assert "checklist" not in changes and "Order list" not in changes and "nothing changed" not in changes
    same = compare(signed_session(), signed_session())
    assert not same.changed and same.metrics == [] and same.as_json()["signoff"] is None
    text = format_text(summary(signed_session(), "s.md"), same, "old.md")
    assert text.split("changes since old.md:")[1].split("\ngate:")[0].strip() == "nothing changed"
    # a figure that moved is listed; one that did not is not
    moved = signed_session()
    moved.metrics[0].after = 650.0
    assert [(m.id, m.old_after, m.new_after) for m in compare(moved, signed_session()).metrics] == [
        ("order-list", 610.0, 650.0)]
    assert compare(basic_session(), signed_session()).signoff_change == "removed"
    assert compare(signed_session(), basic_session()).signoff_change == "added"


def test_subprocess_against_says_a_sign_off_went_away(tmp_path: Path) -> None:
    old, new = tmp_path / "old.md", tmp_path / "new.md"
    RecordFile(old).save(signed_session())
    reopened = signed_session()
    reopened.signoff = None
    reopened.finished_at = None
    RecordFile(new).save(reopened)
    text = qatui("report", str(new), "--against", str(old))
    assert text.returncode == 0, text.stderr
    assert "sign-off removed: it was signed by Ravi Kumar" in text.stdout
    data = json.loads(qatui("report", str(new), "--against", str(old), "--format", "json").stdout)
    assert data["changes"]["signoff"]["change"] == "removed" and data["changes"]["metrics"] == []
