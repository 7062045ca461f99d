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
