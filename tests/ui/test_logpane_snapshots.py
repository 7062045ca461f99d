"""A picture of the log pane at 80×24 with three lines selected: reverse video (kept with
NO_COLOR), the cursor line bold, the status saying what `a` will do, the log pane's keys in the
footer. Update with `--snapshot-update` after a deliberate change."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
