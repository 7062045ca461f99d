"""A picture of the log pane at 80×24 with three lines selected: reverse video (kept with
NO_COLOR), the cursor line bold, the status saying what `a` will do, the log pane's keys in the
footer. Update with `--snapshot-update` after a deliberate change."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from qatui.core.logs.base import LogLine
from qatui.ui.screens.main import MainScreen
from tests.ui.helpers import make_app


def test_log_pane_with_a_selection(snap_compare: Any, tmp_path: Path) -> None:
    app = make_app(tmp_path)

    async def select(pilot: Pilot[Any]) -> None:
        await pilot.pause()  # the main screen is composed
        screen = app.screen
        assert isinstance(screen, MainScreen)
        pane = screen.log_pane
        pane.set_sources(["web"], "item")
        app.logs.inject([
            LogLine("web", f"GET /api/orders/{n} 200") for n in range(8)
        ] + [LogLine("web", "ERROR order 8 failed", is_error=True)])
        await pilot.pause(0.3)
        pane.log_widget.focus()
        await pilot.press("up", "shift+up", "shift+up")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=select)


#: A request log with a failure and its traceback, the lines longer than the pane at 80×24.
FLOOD = [
    LogLine("web", f"10.0.0.{n} - - [04/Dec/2026:18:25:{n:02d} +0000] \"GET /api/orders/?page={n}&sort=-created HTTP/1.1\" 200 {512 + n}")
    for n in range(6)
] + [
    LogLine("web", "ERROR Internal Server Error: /api/orders/42/refund/ (request id 7f3c9a1e-4b2d-4e8f-9c1a-2b3c4d5e6f70)", is_error=True),
    LogLine("web", "Traceback (most recent call last):", is_error=True),
    LogLine("web", '  File "/app/shop/orders/views.py", line 118, in refund_order_with_a_long_function_name', is_error=True),
    LogLine("web", "ValueError: refund amount 129.90 exceeds the captured amount 99.90 for order 42", is_error=True),
    LogLine("web", "10.0.0.9 - - [04/Dec/2026:18:25:09 +0000] \"POST /api/orders/42/refund/ HTTP/1.1\" 500 145"),
]
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


def zoomed(app: Any, *, wrap: bool) -> Any:
    async def run(pilot: Pilot[Any]) -> None:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, MainScreen)
        pane = screen.log_pane
        pane.set_sources(["web"], "item")
        app.logs.inject(FLOOD)
        await pilot.pause(0.3)
        pane.log_widget.focus()
        await pilot.press("z", *(["w"] if wrap else []))
        await pilot.pause()

    return run


@pytest.mark.parametrize("size", SIZES)
def test_zoomed_log_pane(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    """`z` on the log pane: the whole screen for the log, the status saying lines go on (→)."""
    app = make_app(tmp_path)
    assert snap_compare(app, terminal_size=size, run_before=zoomed(app, wrap=False))


@pytest.mark.parametrize("size", SIZES)
def test_zoomed_log_pane_wrapped(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    """`z` then `w`: long lines wrapped, their rows under the mark (an error's rows stay red)."""
    app = make_app(tmp_path)
    assert snap_compare(app, terminal_size=size, run_before=zoomed(app, wrap=True))


def test_zoomed_log_pane_wrapped_no_color(snap_compare: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same with NO_COLOR: the marks (`!` for an error's every row) read without colour."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(tmp_path)
    assert app.no_color
    assert snap_compare(app, terminal_size=(80, 24), run_before=zoomed(app, wrap=True))


def test_wrapped_log_pane_in_place(snap_compare: Any, tmp_path: Path) -> None:
    """`w` without zoom at 120×40: the pane keeps its place, the lines wrap inside it."""
    app = make_app(tmp_path)

    async def run(pilot: Pilot[Any]) -> None:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, MainScreen)
        screen.log_pane.set_sources(["web"], "item")
        app.logs.inject(FLOOD)
        await pilot.pause(0.3)
        screen.log_pane.log_widget.focus()
        await pilot.press("w")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 40), run_before=run)
