"""Gaps found by trying `qatui probe` / `qatui trust` the way a CI user does: a bad
$QATUI_FORMAT, a forgotten $QATUI_ENV, `--help` naming the variables, an edited checklist that
says it changed, and a record whose session start is the window of a logs probe."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

from tests.servers import HttpApp
from tests.unit.probe_support import write

Cli = Callable[..., subprocess.CompletedProcess[str]]


def test_bad_qatui_format_is_a_usage_error_not_a_silent_table(tmp_path: Path, http_app: HttpApp, cli: Cli) -> None:
    path = write(tmp_path, http_app.url)
    result = cli("probe", str(path), "--only", "version", extra_env={"QATUI_FORMAT": "xml"})
    assert result.returncode == 2
    assert result.stdout == ""
    assert "$QATUI_FORMAT is 'xml'; choose one of: table, json, junit" in result.stderr
    upper = cli("probe", str(path), "--only", "version", extra_env={"QATUI_FORMAT": "JSON"})
    assert upper.returncode == 0 and json.loads(upper.stdout)["totals"]["passed"] == 1


def test_unknown_environment_from_qatui_env_says_where_it_came_from(tmp_path: Path, http_app: HttpApp, cli: Cli) -> None:
    path = write(tmp_path, http_app.url)
    result = cli("probe", str(path), extra_env={"QATUI_ENV": "locl"})
    assert result.returncode == 2
    assert "no environment 'locl' (set by $QATUI_ENV) (did you mean 'local'?)" in result.stderr
    trust = cli("trust", str(path), "--env", "prod")
    assert trust.returncode == 2 and "choose one of: local, production" in trust.stderr


def test_help_lists_the_environment_variables(cli: Cli) -> None:
    probe_help = cli("probe", "--help")
    assert probe_help.returncode == 0
    for name in ("QATUI_ENV", "QATUI_FORMAT", "QATUI_RECORD", "QATUI_TESTER", "NO_COLOR", "XDG_DATA_HOME", "DOCKER_HOST"):
        assert f"\n  {name} " in probe_help.stdout, name
    logs_help = cli("logs", "--help")
    for name in ("QATUI_ENV", "NO_COLOR", "DOCKER_HOST", "COMPOSE_PROJECT_NAME"):
        assert f"\n  {name} " in logs_help.stdout, name


def test_edited_checklist_says_it_changed_since_trusted(tmp_path: Path, http_app: HttpApp, cli: Cli) -> None:
    path = write(tmp_path, http_app.url, trusted=False)
    first = cli("probe", str(path), "--only", "shell")
    assert "this checklist is not trusted" in first.stderr
    assert cli("trust", str(path), "--yes").returncode == 0
    path.write_text(path.read_text() + "\n# edited\n")
    again = cli("probe", str(path), "--only", "shell")
    assert again.returncode == 0
    assert "it changed since it was trusted" in again.stderr
    review = cli("trust", str(path), "--yes")
    assert "changed since you trusted it" in review.stdout


LOGS_CHECKLIST = """\
qatui: 1
title: Window
environments:
  local: {default: true}
logs:
  app: {file: app.log}
sections:
  - id: s
    title: S
    priority: critical
    items:
      - id: quiet
        title: Quiet
        probes:
          - {id: no-errors, kind: logs, source: app, absent: ERROR, window: session}
"""


def test_record_session_start_is_the_window_of_a_logs_probe(tmp_path: Path, cli: Cli) -> None:
    """A CI job resumes the day's record: "no ERROR since the session started" must look back
    to that session's start, not to the start of this `qatui probe` run."""
    path = tmp_path / "window.yaml"
    path.write_text(LOGS_CHECKLIST)
    assert cli("trust", str(path), "--yes").returncode == 0
    log = tmp_path / "app.log"
    log.write_text("")
    record = tmp_path / "rec.md"
    first = cli("probe", str(path), "--record", str(record), "--format", "json")
    # an empty log is no evidence: not a pass (inconclusive), but the record is written
    assert json.loads(first.stdout)["results"][0]["status"] == "inconclusive", first.stdout
    assert record.exists(), first.stderr
    # an error written as the record's session started, before this run (a clock time with
    # no date, as the demo target and many logging formats write it)
    from qatui.core.record.store import RecordFile

    started = RecordFile(record).load().started_at
    assert started is not None
    at = started.astimezone().strftime("%H:%M:%S,%f")[:12]
    log.write_text(f"{at} ERROR payment failed\n")
    second = cli("probe", str(path), "--record", str(record), "--format", "json")
    assert second.returncode == 1, second.stdout
    result = json.loads(second.stdout)["results"][0]
    assert result["status"] == "failed" and "payment failed" in result["explanation"]
    without_record = cli("probe", str(path), "--format", "json")
    alone = json.loads(without_record.stdout)["results"][0]
    # this run's own session holds no error (and is too young to vouch for a pass)
    assert alone["status"] == "inconclusive" and "payment failed" not in alone["explanation"]


def test_record_of_another_checklist_is_refused_before_probes_run(tmp_path: Path, http_app: HttpApp, cli: Cli) -> None:
    path = write(tmp_path, http_app.url)
    record = tmp_path / "not-a-record.md"
    record.write_text("# just notes\n")
    result = cli("probe", str(path), "--record", str(record), "--only", "version")
    assert result.returncode == 2
    assert result.stdout == ""
    assert f"--record {record}:" in result.stderr
    assert "Traceback" not in result.stderr
