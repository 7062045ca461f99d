"""`qatui report records/` — a team's records reported as one: per-tester counts, what nobody
worked (critical first, items in no record included), conflicts, and the gate over the union."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from qatui.core.checklist import Checklist
from qatui.core.loader import load_checklist
from qatui.core.record.store import RecordFile
from qatui.core.record.team import counts_by_tester, coverage, team_summary
from qatui.core.recorder import Recorder
from qatui.core.run import part
from qatui.core.session import PartSpec, Session, SignOff, Status

T0 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)

CHECKLIST = """\
qatui: 1
title: Shop release
version: "2026.12"
environments:
  local: {label: Local, default: true}
  staging: {label: Staging}
sections:
  - id: api
    title: REST API
    priority: critical
    items:
      - {id: api-login, title: Token login}
      - {id: api-list, title: Product list}
  - id: ws
    title: WebSockets
    priority: critical
    items:
      - {id: ws-connect, title: Connects}
  - id: admin
    title: Admin
    priority: important
    items:
      - {id: admin-login, title: Admin login}
  - id: labels
    title: Labels
    priority: nice
    items:
      - {id: label-print, title: A label prints}
"""


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


def checklist_at(folder: Path) -> Checklist:
    path = folder / "shop.yaml"
    path.write_text(CHECKLIST, encoding="utf-8")
    return load_checklist(path)


def part_record(checklist: Checklist, path: Path, tester: str, clock: Clock, verdicts: dict[str, Status],
                environment: str = "local", **options: str) -> Session:
    """A tester's part record, written by the Recorder as the screen writes it."""
    opened = part.opening(checklist, part.choose(checklist, **options))
    session = Session.start(opened.checklist, tester=tester, environment=environment, started_at=clock())
    part.cover(session, opened)
    recorder = Recorder(RecordFile(path), session, clock=clock)
    recorder.save()
    for item_id, status in verdicts.items():
        recorder.set_status(item_id, status, note="why" if status is Status.FAILED else None)
    return recorder.session


@pytest.fixture
def team(tmp_path: Path) -> tuple[Checklist, Path]:
    """Anna worked the critical items, Ben the api and admin sections; they disagree on api-login."""
    checklist = checklist_at(tmp_path)
    records = tmp_path / "records"
    records.mkdir()
    clock = Clock()
    part_record(checklist, records / "shop-local-anna.md", "Anna", clock,
                {"api-login": Status.PASSED, "api-list": Status.PASSED, "ws-connect": Status.BLOCKED},
                only="critical")
    part_record(checklist, records / "shop-local-ben.md", "Ben", clock,
                {"api-login": Status.FAILED, "admin-login": Status.SKIPPED}, sections="api,admin")
    (records / "README.md").write_text("# notes, not a record\n", encoding="utf-8")
    return checklist, records


def qatui(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QATUI_")}
    return subprocess.run([sys.executable, "-m", "qatui", *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=120)


def test_the_team_json_has_testers_coverage_conflicts_and_the_gate(team: tuple[Checklist, Path]) -> None:
    _, records = team
    done = qatui(records.parent, "report", str(records), "--format", "json", "--gate")
    assert done.returncode == 1, done.stderr
    data = json.loads(done.stdout)
    assert data["records"] == [str(records / "shop-local-anna.md"), str(records / "shop-local-ben.md")]
    assert data["parts"] == {str(records / "shop-local-anna.md"): "critical",
                             str(records / "shop-local-ben.md"): "sections api, admin"}
    assert data["testers"] == {
        "Anna": {"passed": 2, "failed": 0, "blocked": 1, "skipped": 0},
        "Ben": {"passed": 0, "failed": 1, "blocked": 0, "skipped": 1},
    }
    assert [c["id"] for c in data["conflicts"]] == ["api-login"]
    assert {(v["tester"], v["status"]) for v in data["conflicts"][0]["verdicts"]} == {
        ("Anna", "passed"), ("Ben", "failed")}
    # nobody worked: nothing in the union is untested; the labels item is in no record at all
    assert data["coverage"] == [{"id": "label-print", "title": "A label prints", "priority": "nice",
                                 "in_record": "no"}]
    reasons = data["gate"]["reasons"]
    assert any("in conflict" in r and "api-login" in r for r in reasons)
    assert any("not merged and signed" in r for r in reasons)
    assert data["items"] == 4  # the union: api ×2, ws, admin
    json.dumps(data, allow_nan=False)


def test_the_team_text_says_who_did_what(team: tuple[Checklist, Path]) -> None:
    _, records = team
    done = qatui(records.parent, "report", *sorted(str(p) for p in records.glob("shop-*.md")))
    assert done.returncode == 0, done.stderr  # no --gate: a report, not a verdict
    out = done.stdout
    assert "2 record(s):" in out and "shop-local-ben.md — sections api, admin" in out
    assert "Anna" in out and "Ben" in out
    assert "not worked yet: 1 item(s), 0 critical" in out and "label-print — A label prints (in no record)" in out
    assert "CONFLICT api-login" in out
    assert out.rstrip().splitlines()[-1].startswith("gate: FAIL")


def test_critical_items_in_no_record_fail_the_gate_and_come_first(tmp_path: Path) -> None:
    checklist = checklist_at(tmp_path)
    clock = Clock()
    only_admin = part_record(checklist, tmp_path / "admin.md", "Ben", clock, {"admin-login": Status.PASSED},
                             sections="admin")
    entries = coverage(only_admin, checklist)
    assert [e["id"] for e in entries] == ["api-login", "api-list", "ws-connect", "label-print"]
    data = team_summary([("admin.md", only_admin)], checklist)
    assert data["gate"]["reasons"][0] == "3 critical item(s) are in no record: api-login, api-list, ws-connect"


def test_merged_resolved_and_signed_the_union_passes(team: tuple[Checklist, Path]) -> None:
    checklist, records = team
    release = records.parent / "release.md"
    merged = qatui(records.parent, "merge", str(records / "shop-local-anna.md"), str(records / "shop-local-ben.md"),
                   "-o", str(release))
    assert merged.returncode == 1, merged.stderr  # one conflict to decide
    recorder = Recorder.open_or_start(checklist, release, tester="Lea", environment="local", clock=Clock())
    assert set(recorder.session.part) == {PartSpec(priorities=("critical",)), PartSpec(sections=("api", "admin"))}
    recorder.set_status("api-login", Status.PASSED)
    recorder.set_status("ws-connect", Status.PASSED)
    recorder.sign(SignOff(name="Lea", role="QA lead", at=T0, meaning="Approved"))
    counts = counts_by_tester(recorder.session)
    assert counts["Lea"] == {"passed": 2, "failed": 0, "blocked": 0, "skipped": 0}
    done = qatui(records.parent, "report", str(release), "--gate")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "gate: pass" in done.stdout and "Lea" in done.stdout


def test_records_of_two_environments_are_refused_saying_which(tmp_path: Path) -> None:
    checklist = checklist_at(tmp_path)
    clock = Clock()
    part_record(checklist, tmp_path / "a.md", "Anna", clock, {}, only="critical")
    part_record(checklist, tmp_path / "b.md", "Ben", clock, {}, environment="staging", only="critical")
    done = qatui(tmp_path, "report", str(tmp_path / "a.md"), str(tmp_path / "b.md"))
    assert done.returncode == 2 and done.stdout == ""
    assert "different environments" in done.stderr and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1


def test_against_takes_one_record(team: tuple[Checklist, Path]) -> None:
    _, records = team
    done = qatui(records.parent, "report", str(records), "--against", str(records / "shop-local-anna.md"))
    assert done.returncode == 2 and "name one record" in done.stderr


def test_the_team_text_prints_a_records_text_inert(tmp_path: Path) -> None:
    """A record comes in a pull request: a tester named with an escape sequence must not reach
    the terminal raw through the team lines of `qatui report`."""
    checklist = checklist_at(tmp_path)
    records = tmp_path / "records"
    records.mkdir()
    clock = Clock()
    hostile = "Eve\x1b]0;owned\x07\x1b[2J"
    part_record(checklist, records / "shop-local-anna.md", "Anna", clock, {"api-login": Status.PASSED},
                only="critical")
    part_record(checklist, records / "shop-local-eve.md", hostile, clock, {"api-login": Status.FAILED},
                sections="api")
    done = qatui(records.parent, "report", *sorted(str(p) for p in records.glob("shop-*.md")))
    assert "CONFLICT api-login" in done.stdout
    assert "\x1b" not in done.stdout and "\x07" not in done.stdout
    assert "Eve\\e]0;owned" in done.stdout  # said visibly, as core/text.inert writes it
