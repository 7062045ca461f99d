"""The log pane follows through any resize, pauses when the tester scrolls up, follows again at
the end (QA F2), and its status line fits at 80 columns (QA F9).

A real file log source, written by the test, at 80×24 with keys as a tester presses them.
"""

from __future__ import annotations

from pathlib import Path

from qatui.ui.widgets.log_status import Part, fit, log_status
from tests.ui.helpers import wait_for
from tests.ui.logpane_support import (
    log_rows,
    newest_shown,
    parts,
    setup,
    status_row,
)


async def test_following_survives_the_probe_detail_and_terminal_resizes(tmp_path: Path) -> None:
    app, log = setup(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        pane, _tail = parts(app)
        await newest_shown(pilot, app, log.write(30))
        await pilot.press("tab", "tab")  # the probe pane
        await pilot.press("enter")  # expand the probe: the log pane gets shorter
        await pilot.pause()
        await newest_shown(pilot, app, log.write(3))
        await pilot.press("enter")  # collapse
        await newest_shown(pilot, app, log.write(3))
        await pilot.resize_terminal(120, 40)
        await newest_shown(pilot, app, log.write(3))
        await pilot.resize_terminal(80, 24)
        await newest_shown(pilot, app, log.write(3))
        assert pane.following and pane.pending == 0
        assert status_row(app).startswith("following")


async def test_scrolling_up_pauses_and_end_or_G_follows_again(tmp_path: Path) -> None:
    app, log = setup(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        pane, tail = parts(app)
        await newest_shown(pilot, app, log.write(30))
        tail.focus()
        tail.action_scroll_up()  # the mouse wheel's action
        await pilot.pause()
        assert not pane.following
        shown = log_rows(app)
        last = log.write(5)
        await wait_for(pilot, lambda: pane.pending == 5)
        assert log_rows(app) == shown  # paused: the view keeps still
        assert "PAUSED · 5 new lines · space follows" in status_row(app)
        await pilot.resize_terminal(120, 40)  # a resize neither pauses nor follows
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert not pane.following
        await pilot.press("end")
        assert pane.following and pane.pending == 0
        await newest_shown(pilot, app, last)
        await newest_shown(pilot, app, log.write(2))
        tail.action_scroll_up()
        await pilot.pause()
        assert not pane.following
        await pilot.press("G")
        assert pane.following
        await newest_shown(pilot, app, log.write(2))
        tail.action_scroll_up()
        await pilot.pause()
        log.write(2)
        await wait_for(pilot, lambda: pane.pending == 2)
        tail.scroll_end(animate=False, immediate=True)  # the wheel or the scrollbar down to the end
        await pilot.pause()
        assert pane.following
        await newest_shown(pilot, app, log.write(1))


async def test_the_paused_status_fits_at_80_columns(tmp_path: Path) -> None:
    app, log = setup(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        pane, _tail = parts(app)
        await pilot.press("l")  # every source: app, web, worker
        await wait_for(pilot, lambda: pane.sources == ["app", "web", "worker"])
        await pilot.press("space")
        log.write(48)
        await wait_for(pilot, lambda: pane.pending == 48)
        status = status_row(app)
        assert status.startswith("PAUSED · 48 new"), status
        assert "space follows" in status and "…" not in status
        assert len(status) <= pane.content_size.width


def test_status_parts_shrink_least_important_first() -> None:
    line = log_status(following=False, pending=48, selected=0, sources=["web", "huey", "daphne"],
                      scope="all", message="", filter_text="", width=46)
    assert line == "PAUSED · 48 new lines · space follows · all"
    wide = log_status(following=False, pending=1, selected=3, sources=["web"], scope="item",
                      message="", filter_text="err", width=200)
    assert wide == "3 lines selected · a attaches · esc drops · PAUSED · 1 new line · space follows · filter: err · item: web"
    narrow = log_status(following=False, pending=1, selected=3, sources=["web"], scope="item",
                        message="", filter_text="err", width=46)
    assert narrow == "3 lines selected · PAUSED · 1 new · filtered"
    filtered = log_status(following=False, pending=4, selected=0, sources=["app"], scope="all",
                          message="", filter_text="Traceback", width=46)
    assert filtered == "PAUSED · 4 new lines · filter: Traceback · all"  # the filter outranks the hint
    assert fit([Part(["following"]), Part(["a very long note about a source"], flexible=True)], 24) == "following · a very long…"
