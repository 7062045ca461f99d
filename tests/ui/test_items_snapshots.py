"""Snapshots of the views a tester works in, at 80×24, 120×40 and with NO_COLOR: the list after
tick and advance (counters that tell blocked and failed apart, the note mark), the item pane
with a multi-line note, its history and a checklist note that names it, the question before a
failed verdict changes, the checklist's notes (`i`), and probe results from the last session.

Deterministic as `test_screen_snapshots.py`: the CLI's factory, a clock that stands still, no
live probes (results are put in the record as the engine would)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from qatui.core.session import ProbeResult, ProbeStatus
from qatui.ui.app import QatuiApp
from qatui.ui.screens.main import MainScreen
from tests.ui.helpers import FIXTURES, T0, make_app

VIEWS = [
    pytest.param((80, 24), False, id="80x24"),
    pytest.param((120, 40), False, id="120x40"),
    pytest.param((80, 24), True, id="80x24-no-color"),
]


def noted_checklist(tmp_path: Path) -> Path:
    """The fixture checklist with a description and two notes, one naming `api-products`."""
    path = tmp_path / "noted.yaml"
    text = (FIXTURES / "session.yaml").read_text(encoding="utf-8").replace(
        "description: A small checklist for the screen's tests.\n",
        "description: |\n"
        "  A small checklist for the screen's tests. Work through the critical section first.\n"
        "notes:\n"
        "  - title: Product list is slow after the upgrade\n"
        "    kind: known-issues\n"
        "    text: |\n"
        "      The ORM change makes api-products take ~2 s on a cold cache. Warm it with:\n"
        "        python manage.py warm_cache --products\n"
        "  - title: Rolling back\n"
        "    kind: rollback\n"
        "    text: |\n"
        "      Only for a critical problem:\n"
        "        git checkout v1.8.3\n"
        "        docker compose up -d --build\n",
    )
    path.write_text(text, encoding="utf-8")
    return path


def _setup(monkeypatch: pytest.MonkeyPatch, no_color: bool) -> None:
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.mark.parametrize(("size", "no_color"), VIEWS)
def test_list_and_item_after_tick_and_advance(snap_compare: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              size: tuple[int, int], no_color: bool) -> None:
    _setup(monkeypatch, no_color)
    app = make_app(tmp_path, noted_checklist(tmp_path), advance=True)

    async def work(pilot: Pilot[Any]) -> None:
        assert isinstance(app, QatuiApp)
        await pilot.press("p", "b", *"The list answers 504 behind the proxy.", "enter",
                          *"Waiting for ops to raise the timeout.", "ctrl+s", "f", "ctrl+s")
        screen = app.screen
        assert isinstance(screen, MainScreen)
        screen.checklist_view.select_item("api-products")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=work)


@pytest.mark.parametrize(("size", "no_color"), VIEWS)
def test_changing_a_finding_asks_first(snap_compare: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       size: tuple[int, int], no_color: bool) -> None:
    _setup(monkeypatch, no_color)
    app = make_app(tmp_path, advance=True)

    async def ask(pilot: Pilot[Any]) -> None:
        await pilot.press("f", *"Login answers 500.", "enter", *"Traceback in web logs.", "ctrl+s", "k", "p")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=ask)


@pytest.mark.parametrize(("size", "no_color"), VIEWS)
def test_the_note_editor_with_several_lines(snap_compare: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            size: tuple[int, int], no_color: bool) -> None:
    _setup(monkeypatch, no_color)
    app = make_app(tmp_path)

    async def write(pilot: Pilot[Any]) -> None:
        await pilot.press("f", *"Step 2 fails:", "enter", *"the token is empty.", "enter", "enter", *"Seen twice.")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=write)


@pytest.mark.parametrize(("size", "no_color"), VIEWS)
def test_the_checklist_notes_view(snap_compare: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  size: tuple[int, int], no_color: bool) -> None:
    _setup(monkeypatch, no_color)
    app = make_app(tmp_path, noted_checklist(tmp_path))
    assert snap_compare(app, terminal_size=size, press=["i"])


@pytest.mark.parametrize(("size", "no_color"), VIEWS)
def test_probe_results_from_the_last_session(snap_compare: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             size: tuple[int, int], no_color: bool) -> None:
    _setup(monkeypatch, no_color)
    env = {"HOME": str(tmp_path), "TEST_BASE_URL": "http://127.0.0.1:8001"}
    app = make_app(tmp_path, FIXTURES / "probes.yaml", env_vars=env)

    async def old_results(pilot: Pilot[Any]) -> None:
        assert isinstance(app, QatuiApp)
        await pilot.pause()
        app.view.recorder.add_probe_results("version", [ProbeResult(
            probe_id="version-json", kind="http", status=ProbeStatus.PASSED,
            summary="status 200 in 41 ms; captured django_version", duration_ms=41.0,
            at=T0 - timedelta(hours=20), where="probes.yaml:29")])
        app.view.reindex()
        screen = app.screen
        assert isinstance(screen, MainScreen)
        screen.refresh_item("version")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=old_results)
