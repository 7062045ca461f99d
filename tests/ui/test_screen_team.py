"""The screen of a team: a tester's assigned part, and (snapshots) how a part and the
assignments look at 80×24 and 120×40, with and without colour."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from qatui.core.session import PartSpec
from qatui.ui.screens.main import MainScreen
from tests.ui.helpers import make_app, record_of, screen_text, wait_for

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]

TEAM = """\
qatui: 1
title: Shop release
version: "2026.12"
environments:
  local: {label: Local, default: true}
assign:
  api: Ben Ortiz
  admin-orders: Ben Ortiz
  admin: Anna
sections:
  - id: api
    title: REST API
    priority: critical
    items:
      - {id: api-login, title: Token login returns a token, tags: [auth]}
      - {id: api-products, title: Product list answers}
  - id: admin
    title: Admin pages
    priority: important
    items:
      - {id: admin-login, title: Admin login works, tags: [auth]}
      - {id: admin-orders, title: Orders list opens}
  - id: labels
    title: Label printing
    priority: nice
    items:
      - {id: label-print, title: A label prints}
"""


def team_checklist(tmp_path: Path) -> Path:
    path = tmp_path / "team.yaml"
    path.write_text(TEAM, encoding="utf-8")
    return path


async def test_an_assigned_tester_gets_their_part_and_is_told_so(tmp_path: Path) -> None:
    app = make_app(tmp_path, team_checklist(tmp_path), tester="ben ortiz")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen) and app.recorder is not None)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        assert screen.checklist_view.visible_item_ids() == ["api-login", "api-products", "admin-orders"]
        await wait_for(pilot, lambda: any("assigned to Ben Ortiz" in str(n.message) for n in app._notifications))
        text = screen_text(app)
        assert "part: assigned to Ben Ortiz" in text
        assert "REST API 0/2 →Ben Ort…" in text  # the section's assignee beside it (8 cells in a wide list)
        assert "Orders list opens" in text and text.count("→Ben Ort…") == 2  # and an item assigned on its own
    session = record_of(app)
    assert session.part == [PartSpec(assigned="Ben Ortiz")]
    assert [item.id for item in session.items()] == ["api-login", "api-products", "admin-orders"]


async def test_all_opens_everything_for_an_assigned_tester(tmp_path: Path) -> None:
    app = make_app(tmp_path, team_checklist(tmp_path), tester="Anna", everything=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen) and app.recorder is not None)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        assert len(screen.checklist_view.visible_item_ids()) == 5
        assert "part:" not in screen_text(app)
    assert record_of(app).part == []


@pytest.mark.parametrize("size", SIZES)
def test_a_part_with_assignments(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    app = make_app(tmp_path, team_checklist(tmp_path), tags="auth")

    async def tick(pilot: Pilot[Any]) -> None:
        await pilot.press("p", "j")

    assert snap_compare(app, terminal_size=size, run_before=tick)


def test_a_part_with_assignments_no_color(snap_compare: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(tmp_path, team_checklist(tmp_path), tags="auth")
    assert snap_compare(app, terminal_size=(80, 24))


def merged_record(tmp_path: Path) -> Path:
    """Anna worked the critical items, Ben the admin section and one API item; they disagree
    on `api-login` (passed / failed): the team merge writes the record a lead opens."""
    from qatui.core.loader import load_checklist
    from qatui.core.record.merge import merge
    from qatui.core.record.render import render
    from qatui.core.record.store import RecordFile
    from qatui.core.recorder import Recorder
    from qatui.core.run import part
    from qatui.core.session import Session, Status
    from tests.ui.helpers import FixedClock

    checklist = load_checklist(team_checklist(tmp_path))
    clock = FixedClock()
    sessions = []
    for tester, options, verdicts in (
        ("Anna", {"only": "critical"}, {"api-login": Status.PASSED, "api-products": Status.PASSED}),
        ("Ben Ortiz", {"sections": "api,admin"}, {"api-login": Status.FAILED, "admin-login": Status.PASSED,
                                                 "admin-orders": Status.BLOCKED}),
    ):
        opened = part.opening(checklist, part.choose(checklist, **options))
        session = Session.start(opened.checklist, tester=tester, environment="local", started_at=clock())
        part.cover(session, opened)
        recorder = Recorder(RecordFile(tmp_path / f"{tester}.md"), session, clock=clock)
        for item_id, status in verdicts.items():
            clock.advance(60)
            recorder.set_status(item_id, status, note="500 on login" if status is Status.FAILED else None)
        sessions.append(recorder.session)
    path = tmp_path / "release.md"
    path.write_text(render(merge(sessions).session), encoding="utf-8")
    return path


async def test_the_lead_decides_a_conflict_with_a_tick_and_signs(tmp_path: Path) -> None:
    from qatui.core.session import Status

    release = merged_record(tmp_path)
    app = make_app(tmp_path, release, tester="Lea", record_path=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen) and app.recorder is not None)
        await wait_for(pilot, lambda: any("conflict" in str(n.message) for n in app._notifications))
        assert not any("started by" in str(n.message) for n in app._notifications)  # a team's record
        screen = app.screen
        assert isinstance(screen, MainScreen)
        assert screen.checklist_view.select_item("api-login")
        await pilot.pause()
        text = screen_text(app)
        assert "≠ Token login returns a token" in text
        assert "CONFLICT" in text and "passed by Anna" in text and "failed by Ben Ortiz" in text
        assert "✓ Product list answers                   Anna" in text  # who did what, beside each item
        assert "✓ Admin login works                  Ben Ort…" in text
        await pilot.press("p")  # the lead decides it passed: a verdict on a conflict asks nothing more
        await wait_for(pilot, lambda: not record_of(release).item("api-login").conflict)
        assert "≠" not in screen_text(app)
        await pilot.press("S", "ctrl+s")
        await wait_for(pilot, lambda: record_of(release).signoff is not None)
    decided = record_of(release)
    item = decided.item("api-login")
    assert item.status is Status.PASSED and item.history[-1].tester == "Lea"
    assert [(e.tester, e.status) for e in item.history][:2] == [("Anna", Status.PASSED), ("Ben Ortiz", Status.FAILED)]
    assert decided.signoff is not None and decided.signoff.name == "Lea"


@pytest.mark.parametrize("size", SIZES)
def test_a_merged_record_with_a_conflict(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    app = make_app(tmp_path, merged_record(tmp_path), tester="Lea", record_path=None)
    assert snap_compare(app, terminal_size=size)


def test_a_merged_record_with_a_conflict_no_color(snap_compare: Any, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(tmp_path, merged_record(tmp_path), tester="Lea", record_path=None)
    assert snap_compare(app, terminal_size=(80, 24))
