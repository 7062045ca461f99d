"""`inconclusive` (not enough evidence) counts as not passed in every face: `qatui probe`'s table,
JSON and JUnit and its exit status (with and without `--strict`), the Markdown record (rendered
and read back exactly), `qatui report` and its `--gate`."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from qatui.cli import main
from qatui.core.record import read, render
from qatui.core.record.report import format_text, gate_reasons, summary
from qatui.core.session import ProbeResult, ProbeStatus, Status
from tests.conftest import trust_file

from .record_samples import T0, signed_session

CHECKLIST = """\
qatui: 1
title: Quiet logs
environments:
  local: {{label: Local, default: true}}
logs:
  quiet: {{file: {quiet}}}
  busy: {{file: {busy}}}
sections:
  - id: s
    title: S
    priority: critical
    items:
      - id: quiet-clean
        title: Nothing logged, so nothing proven
        probes:
          - {{id: quiet-no-errors, kind: logs, source: quiet, absent: '\\bERROR\\b'}}
      - id: busy-clean
        title: Enough logged
        probes:
          - {{id: busy-no-errors, kind: logs, source: busy, absent: '\\bERROR\\b', min_lines: 3}}
"""


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QATUI_")}
    env.update({"XDG_DATA_HOME": str(tmp_path / "xdg"), "NO_COLOR": "1"})
    return env


def _checklist(tmp_path: Path) -> Path:
    """The checklist, trusted as `qatui trust --yes` would (an untrusted one runs nothing)."""
    now = datetime.now(UTC)
    quiet, busy = tmp_path / "quiet.log", tmp_path / "busy.log"
    quiet.write_text("")
    busy.write_text("".join(
        f"{(now - timedelta(seconds=s)).astimezone().strftime('%Y-%m-%d %H:%M:%S,000')} INFO tick\n" for s in (40, 30, 20, 10)))
    path = tmp_path / "quiet.yaml"
    path.write_text(CHECKLIST.format(quiet=quiet, busy=busy))
    env = {k: v for k, v in os.environ.items() if not k.startswith("QATUI_")}
    trust_file(path, {**env, "XDG_DATA_HOME": str(tmp_path / "xdg")})  # as _cli's environment
    return path


def _cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        code = main(list(args), _env(tmp_path))
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("strict", [False, True])
def test_probe_table_and_exit_status(tmp_path: Path, capsys: pytest.CaptureFixture[str], strict: bool) -> None:
    path = _checklist(tmp_path)
    code, out, _ = _cli(tmp_path, capsys, "probe", str(path), *(["--strict"] if strict else []))
    assert code == 1, out
    assert "? inconclusive  quiet-clean" in out and "✓ passed        busy-clean" in out
    assert "no line of quiet read since" in out and "2 probe(s): 1 passed, 1 inconclusive" in out


def test_probe_json_and_junit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _checklist(tmp_path)
    code, out, _ = _cli(tmp_path, capsys, "probe", str(path), "--format", "json")
    data = json.loads(out)
    assert code == 1 and data["ok"] is False
    assert [r["status"] for r in data["results"]] == ["inconclusive", "passed"]
    assert data["totals"]["inconclusive"] == 1
    code, out, _ = _cli(tmp_path, capsys, "probe", str(path), "--format", "junit")
    suite = ET.fromstring(out.split("\n", 1)[1]).find("testsuite")
    assert suite is not None and suite.get("failures") == "1" and suite.get("errors") == "0"
    quiet = next(case for case in suite.iter("testcase") if case.get("name") == "quiet-no-errors")
    failure = quiet.find("failure")
    assert failure is not None and failure.get("type") == "inconclusive"
    assert "0 line(s) of quiet were read" in (failure.text or "")


def test_probe_record_keeps_inconclusive_and_the_gate_refuses_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _checklist(tmp_path)
    record = tmp_path / "record.md"
    _cli(tmp_path, capsys, "probe", str(path), "--record", str(record))
    text = record.read_text(encoding="utf-8")
    assert "- ? probe `quiet-no-errors` (logs) **inconclusive**: no line of quiet read" in text
    session = read(text, str(record))
    assert session.item("quiet-clean").probes[0].status is ProbeStatus.INCONCLUSIVE
    code, out, _ = _cli(tmp_path, capsys, "report", str(record))
    assert code == 0 and "probes: 1 passed, 1 inconclusive" in out


def test_record_round_trips_inconclusive() -> None:
    session = signed_session()
    session.item("ws-connect").probes = [ProbeResult(
        probe_id="huey-no-errors", kind="logs", status=ProbeStatus.INCONCLUSIVE,
        summary="only 2 line(s) of huey read since 18:29:40, at least 5 needed",
        explanation="2 line(s) of huey were read …", detail="2 lines read", at=T0, where="x.yaml:3")]
    assert read(render(session), "r.md") == session


def test_gate_refuses_a_critical_item_passed_over_an_inconclusive_probe() -> None:
    session = signed_session()
    assert gate_reasons(session) == []
    item = session.item("ws-connect")
    assert item.status is Status.PASSED
    item.probes = [ProbeResult(probe_id="huey-no-errors", kind="logs", status=ProbeStatus.INCONCLUSIVE,
                               summary="no line of huey read since 18:29:40, at least 1 needed")]
    reasons = gate_reasons(session)
    assert reasons == ["1 critical item(s) marked passed though a probe did not pass: ws-connect (huey-no-errors inconclusive)"]
    data = summary(session, "r.md")
    assert data["gate"]["passed"] is False and data["probe_totals"]["inconclusive"] == 1
    assert data["passed_against_probes"][0]["probe_status"] == "inconclusive"
    assert "gate: FAIL" in format_text(data)
    item.probes[0].status = ProbeStatus.PASSED
    assert gate_reasons(session) == []
