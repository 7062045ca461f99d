"""Logs probes over real log sources (a file followed like tail -F, a command's output)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from qatui.core.checklist import LogSourceSpec, ProbeSpec
from qatui.core.probes import run_probes
from qatui.core.session import ProbeResult, ProbeStatus
from tests.servers import checklist_of, probe


def run(*specs: ProbeSpec, logs: dict[str, LogSourceSpec], trusted: bool = True, started: datetime | None = None) -> list[ProbeResult]:
    checklist = checklist_of(*specs, logs=logs)
    return run_probes(checklist, "local", list(specs), trusted=trusted, env={}, session_started=started)


def _file(tmp_path: Path, text: str) -> dict[str, LogSourceSpec]:
    path = tmp_path / "app.log"
    path.write_text(text)
    return {"app": LogSourceSpec(name="app", kind="file", target=str(path))}


def test_absent_since_session_ignores_older_lines(tmp_path: Path) -> None:
    started = datetime.now(UTC)
    old = (started - timedelta(hours=1)).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    new = (started + timedelta(seconds=1)).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    logs = _file(tmp_path, f"{old} ERROR before the session\n{new} INFO task done\n")
    [result] = run(probe(id="a", kind="logs", source="app", absent=r"\bERROR\b"), logs=logs, started=started)
    assert result.status is ProbeStatus.PASSED, result.summary + result.explanation + result.detail
    assert "no line matching" in result.summary and "since" in result.summary


def test_absent_in_last_lines_fails_with_the_line(tmp_path: Path) -> None:
    logs = _file(tmp_path, "ok\nERROR huey task crashed\nok\n")
    [result] = run(probe(id="a", kind="logs", source="app", absent=r"\bERROR\b", window={"lines": 10}), logs=logs)
    assert result.status is ProbeStatus.FAILED
    assert result.summary.startswith("1 line(s) match /\\bERROR\\b/ in app in the last 10 lines, expected none")
    assert "huey task crashed" in result.explanation and "huey task crashed" in result.detail


def test_present_within_seconds(tmp_path: Path) -> None:
    logs = _file(tmp_path, "starting\n")
    path = Path(logs["app"].target)
    timer = threading.Timer(0.3, lambda: path.open("a").write("Task sync_products succeeded\n"))
    timer.start()
    try:
        [result] = run(probe(id="p", kind="logs", source="app", present=r"Task \w+ succeeded", within=5, window={"lines": 1}), logs=logs)
    finally:
        timer.cancel()
    assert result.status is ProbeStatus.PASSED, result.summary + result.detail
    assert "appeared in app" in result.summary


def test_present_never_appears(tmp_path: Path) -> None:
    logs = _file(tmp_path, "starting\n")
    [result] = run(probe(id="p", kind="logs", source="app", present="never", within=0.4), logs=logs)
    assert result.status is ProbeStatus.FAILED
    assert "no line matching /never/ in app within 0.4 s" in result.summary


def test_unreadable_source_is_an_error_not_a_pass(tmp_path: Path) -> None:
    logs = {"app": LogSourceSpec(name="app", kind="file", target=str(tmp_path / "missing.log"))}
    [result] = run(probe(id="a", kind="logs", source="app", absent="ERROR"), logs=logs)
    assert result.status is ProbeStatus.ERROR
    assert "could not read app" in result.explanation


def test_command_source_needs_trust() -> None:
    logs = {"cmd": LogSourceSpec(name="cmd", kind="command", target="printf 'ok\\nERROR boom\\n'")}
    spec = probe(id="a", kind="logs", source="cmd", absent="ERROR", window={"lines": 50})
    [untrusted] = run(spec, logs=logs, trusted=False)
    assert untrusted.status is ProbeStatus.NOT_RUN and "qatui trust" in untrusted.explanation
    [trusted] = run(spec, logs=logs, trusted=True)
    assert trusted.status is ProbeStatus.FAILED, trusted.summary + trusted.detail
    assert "ERROR boom" in trusted.explanation


def test_unknown_source() -> None:
    [result] = run(probe(id="a", kind="logs", source="nope", absent="x"), logs={})
    assert result.status is ProbeStatus.ERROR and "no log source 'nope'" in result.summary


def test_present_on_unreadable_source_does_not_wait(tmp_path: Path) -> None:
    logs = {"app": LogSourceSpec(name="app", kind="file", target=str(tmp_path / "missing.log"))}
    # `within` is longer than the test's own timeout: waiting for it would fail the test
    [result] = run(probe(id="p", kind="logs", source="app", present="done", within=3600), logs=logs)
    assert result.status is ProbeStatus.ERROR


# --- no vacuous verdicts (issue 11.2) ----------------------------------------------------------


def _stamp(at: datetime) -> str:
    return at.astimezone().strftime("%Y-%m-%d %H:%M:%S,000")


def test_absent_over_nothing_read_is_inconclusive_not_passed(tmp_path: Path) -> None:
    logs = _file(tmp_path, "")
    [result] = run(probe(id="a", kind="logs", source="app", absent=r"\bERROR\b"), logs=logs)
    assert result.status is ProbeStatus.INCONCLUSIVE, result.summary
    assert result.summary.startswith("no line of app read since ")
    assert "0 line(s) of app were read" in result.explanation and "min_lines (1)" in result.explanation
    assert "Widen the window" in result.explanation


def test_fewer_lines_than_min_lines_is_inconclusive(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    logs = _file(tmp_path, "".join(f"{_stamp(now - timedelta(seconds=s))} INFO tick\n" for s in (30, 20)))
    few = probe(id="a", kind="logs", source="app", absent=r"\bERROR\b", min_lines=5)
    enough = probe(id="b", kind="logs", source="app", absent=r"\bERROR\b", min_lines=2)
    results = run(few, enough, logs=logs)
    assert [r.status for r in results] == [ProbeStatus.INCONCLUSIVE, ProbeStatus.PASSED], [r.summary for r in results]
    assert "only 2 line(s) of app read" in results[0].summary and "at least 5 needed" in results[0].summary
    assert "(2 lines read)" in results[1].summary


def test_a_young_session_window_is_inconclusive_an_old_one_is_evidence(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    logs = _file(tmp_path, "".join(f"{_stamp(now - timedelta(seconds=s))} INFO tick\n" for s in range(300, 0, -10)))
    spec = probe(id="a", kind="logs", source="app", absent=r"\bERROR\b", window="session")
    [young] = run(spec, logs=logs, started=now - timedelta(seconds=15))
    assert young.status is ProbeStatus.INCONCLUSIVE, young.summary
    assert "session window is" in young.summary and "needs a session at least 60 s old" in young.explanation
    [old] = run(spec, logs=logs, started=now - timedelta(minutes=4))
    assert old.status is ProbeStatus.PASSED, old.summary + old.explanation


def test_a_match_is_evidence_however_little_was_read(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    logs = _file(tmp_path, f"{_stamp(now - timedelta(seconds=2))} ERROR boom\n")
    spec = probe(id="a", kind="logs", source="app", absent=r"\bERROR\b", window="session", min_lines=50)
    [result] = run(spec, logs=logs, started=now - timedelta(seconds=5))
    assert result.status is ProbeStatus.FAILED


def test_recent_default_reaches_back_ten_minutes_not_to_the_run_start(tmp_path: Path) -> None:
    """`qatui probe` without a record: its "session" is the run; the default window still reads
    the recent lines, as `grep` over the logs would."""
    now = datetime.now(UTC)
    logs = _file(tmp_path, f"{_stamp(now - timedelta(minutes=5))} ERROR huey task crashed\n"
                           f"{_stamp(now - timedelta(minutes=20))} ERROR long ago\n")
    [result] = run(probe(id="a", kind="logs", source="app", absent=r"\bERROR\b"), logs=logs)
    assert result.status is ProbeStatus.FAILED, result.summary
    assert result.summary.startswith("1 line(s) match")


def test_minutes_window(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    logs = _file(tmp_path, f"{_stamp(now - timedelta(minutes=5))} ERROR x\n{_stamp(now - timedelta(seconds=5))} INFO ok\n")
    narrow = probe(id="a", kind="logs", source="app", absent=r"\bERROR\b", window={"minutes": 1})
    wide = probe(id="b", kind="logs", source="app", absent=r"\bERROR\b", window={"minutes": 6})
    results = run(narrow, wide, logs=logs)
    assert [r.status for r in results] == [ProbeStatus.PASSED, ProbeStatus.FAILED], [r.summary for r in results]


# --- the whole error block (issue 11.7) --------------------------------------------------------


def test_a_failed_check_shows_the_traceback_up_to_its_exception_line(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    frames = "".join(f'  File "/app/tasks.py", line {n}, in step{n}\n    step{n + 1}()\n' for n in range(6))
    text = (f"{_stamp(now - timedelta(seconds=30))} ERROR huey Unhandled exception in task sync\n"
            "Traceback (most recent call last):\n" + frames +
            "django.db.utils.OperationalError: no such table: shop_product\n"
            f"{_stamp(now - timedelta(seconds=29))} INFO huey Executing tasks.next\n")
    logs = _file(tmp_path, text)
    [result] = run(probe(id="a", kind="logs", source="app", absent=r"\bERROR\b|Traceback"), logs=logs)
    assert result.status is ProbeStatus.FAILED
    assert "OperationalError: no such table: shop_product" in result.detail
    assert "Executing tasks.next" not in result.detail
    assert result.explanation.endswith("it ends: django.db.utils.OperationalError: no such table: shop_product")


def test_an_endless_block_is_bounded(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    text = f"{_stamp(now - timedelta(seconds=3))} ERROR x\nTraceback (most recent call last):\n" + "  frame\n" * 500
    logs = _file(tmp_path, text)
    [result] = run(probe(id="a", kind="logs", source="app", absent=r"\bERROR\b"), logs=logs)
    assert result.status is ProbeStatus.FAILED
    shown = result.detail.splitlines()
    assert shown.count("  frame") == 38 and "… 462 more line(s) of this block" in shown
