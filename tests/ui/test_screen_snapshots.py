"""Snapshots of the screens at 80×24 and 120×40 (pytest-textual-snapshot).

Deterministic by construction: the same factory as the CLI, a clock that stands still (the
header's elapsed time reads 00:00), no blinking cursors, no animations, no live logs or probes
(probe results are injected through the Recorder, as the probe engine would). Update with
`pytest tests/ui/test_screen_snapshots.py --snapshot-update` after a deliberate change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from qatui.core.session import ProbeResult, ProbeStatus
from qatui.ui.app import QatuiApp
from qatui.ui.screens.main import MainScreen
from tests.ui.helpers import FIXTURES, T0, make_app

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.mark.parametrize("size", SIZES)
def test_main_screen(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    app = make_app(tmp_path)

    async def ticks(pilot: Pilot[Any]) -> None:
        await pilot.press("p", "j", "s", "j")

    assert snap_compare(app, terminal_size=size, run_before=ticks)


@pytest.mark.parametrize("size", SIZES)
def test_help_screen(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(tmp_path), terminal_size=size, press=["question_mark"])


@pytest.mark.parametrize("size", SIZES)
def test_signoff_screen(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    app = make_app(tmp_path)

    async def to_signoff(pilot: Pilot[Any]) -> None:
        await pilot.press("p", "j", "f", *"500", "ctrl+s", "S")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=to_signoff)


def _failed_probe() -> ProbeResult:
    return ProbeResult(
        probe_id="error-page",
        kind="http",
        status=ProbeStatus.FAILED,
        summary="status 500, expected 200 — probes.yaml:41",
        duration_ms=12.0,
        explanation="The server answered with an error page (HTTP 500): the view crashed. "
        "Look at the web logs for the traceback.",
        detail="GET http://127.0.0.1:8001/error\n← 500 Internal Server Error\n<h1>Server Error (500)</h1>",
        at=T0,
        where="probes.yaml:41",
    )


@pytest.mark.parametrize("size", SIZES)
def test_failed_item_with_if_fails_and_probe_explanation(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    app = make_app(tmp_path, FIXTURES / "probes.yaml", env_vars={"HOME": str(tmp_path), "TEST_BASE_URL": "http://127.0.0.1:8001"})

    async def failed(pilot: Pilot[Any]) -> None:
        assert isinstance(app, QatuiApp)
        await pilot.pause()
        app.recorder.add_probe_results("broken", [_failed_probe()])
        await pilot.press("j", "f", *"500 page", "ctrl+s")
        screen = app.screen
        assert isinstance(screen, MainScreen)
        screen.probe_pane.focus()
        await pilot.press("enter")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=failed)


@pytest.mark.parametrize("size", SIZES)
def test_start_screen(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    app = make_app(tmp_path, tester=None, env_key=None)
    assert snap_compare(app, terminal_size=size)
