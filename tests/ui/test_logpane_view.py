"""A log view worth reading (issue 14): any pane zooms to the whole screen (`z`, Textual's
maximize), long lines wrap (`w`) or scroll sideways (`←`/`→`) and are never cut without a word,
`l` keeps the lines and the selection of the sources shown before and after, and the filter has
smart case. 80×24, keys as a tester presses them."""

from __future__ import annotations

from pathlib import Path

from rich.cells import cell_len

from qatui.ui.screens.main import MainScreen
from qatui.ui.widgets.log_pane import LogPane, wrap_rows
from tests.ui.helpers import record_of
from tests.ui.logpane_support import log_rows, newest_shown, parts, setup, status_row, wait_for

SIZE = (80, 24)
LONG = "GET /api/orders/?page=1&sort=-created&fields=id,total,status,customer.email " + "x" * 60 + " END"


def evidence(app, item_id: str = "health") -> list[list[str]]:  # type: ignore[no-untyped-def]
    return [e.text.splitlines() for e in record_of(app).item(item_id).evidence]


async def test_z_zooms_the_focused_pane_and_z_or_esc_restores_it(tmp_path: Path) -> None:
    app, log = setup(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane, tail = parts(app)
        await newest_shown(pilot, app, log.write(40))
        screen = app.screen
        assert isinstance(screen, MainScreen)
        small = len(log_rows(app))
        tail.focus()
        await pilot.press("z")
        await pilot.pause()
        assert screen.maximized is pane  # the pane with its status line, not the bare log
        assert pane.border_title == "Logs · z restores"
        assert len(log_rows(app)) >= 18 > small  # most of the 24 rows show log lines
        assert log_rows(app)[-1].endswith("line 039")  # still following, the newest at the bottom
        await pilot.press("escape")
        await pilot.pause()
        assert screen.maximized is None and len(log_rows(app)) == small and pane.border_title == "Logs"
        screen.item_pane.focus()
        await pilot.press("z")
        assert screen.maximized is screen.item_pane
        await pilot.press("z")
        assert screen.maximized is None


async def test_esc_in_a_zoomed_log_first_drops_the_selection(tmp_path: Path) -> None:
    app, log = setup(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane, tail = parts(app)
        await newest_shown(pilot, app, log.write(10))
        tail.focus()
        await pilot.press("z", "up", "shift+up")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, MainScreen)
        assert screen.maximized is pane and len(tail.line_selection) == 2
        await pilot.press("escape")
        assert not tail.line_selection.active and screen.maximized is pane
        await pilot.press("escape")
        assert screen.maximized is None


async def test_long_lines_say_so_scroll_sideways_and_wrap_with_w(tmp_path: Path) -> None:
    app, log = setup(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane, tail = parts(app)
        log.write(1, LONG)
        await wait_for(pilot, lambda: any("END" in line for line in tail.lines))
        await pilot.pause()
        assert "lines go on →" in status_row(app)
        assert not any("END" in row for row in log_rows(app))  # cut by the pane's edge…
        tail.focus()
        await pilot.press(*["right"] * 12)  # …and read by scrolling sideways, a quarter view a key
        await pilot.pause()
        assert tail.scroll_x > 0 and any(row.endswith("END 000") for row in log_rows(app))
        await pilot.press("w")
        await pilot.pause()
        assert pane.wrap and tail.scroll_x == 0 and "wrapped" in status_row(app)
        rows = [row for row in log_rows(app) if row.strip()]
        assert rows[-1].endswith("END 000") and rows[-1].startswith("     │ ")  # the rest, under the mark
        await pilot.press("up")  # the cursor on the last row: a piece of the wrapped line
        await pilot.press("a")
        assert evidence(app) == [[f"app  │ {LONG} 000"]]  # attached whole, never a piece
        await pilot.press("w")
        await pilot.pause()
        assert not pane.wrap and len(tail.lines) == 1


async def test_wrapped_rows_follow_a_resize(tmp_path: Path) -> None:
    app, log = setup(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        _pane, tail = parts(app)
        log.write(1, LONG)
        await wait_for(pilot, lambda: any("END" in line for line in tail.lines))
        tail.focus()
        await pilot.press("w")
        narrow = len(tail.lines)
        await pilot.press("z")  # the zoomed pane is wider: fewer rows for the same line
        await wait_for(pilot, lambda: len(tail.lines) < narrow)
        assert all(len(row) <= tail.scrollable_content_region.width for row in tail.lines)


async def test_l_keeps_the_lines_and_the_selection_and_reads_nothing_twice(tmp_path: Path) -> None:
    app, log = setup(tmp_path)
    (tmp_path / "app.log.web").write_text("web 1\nweb 2\n")
    async with app.run_test(size=SIZE) as pilot:
        pane, tail = parts(app)
        await newest_shown(pilot, app, log.write(30))
        tail.focus()
        await pilot.press("up", "up")  # the cursor on line 028
        assert tail.full_line(tail.line_selection.cursor or 0).endswith("line 028")
        await pilot.press("l")
        await wait_for(pilot, lambda: any("web 2" in line for line in tail.lines))
        assert pane.scope == "all"
        assert [line for line in tail.lines if line.endswith("line 005")] == ["app    │ line 005"]  # once
        assert tail.full_line(tail.line_selection.cursor or 0).endswith("line 028")  # still selected
        await pilot.press("l")
        await pilot.pause()
        assert pane.scope == "item" and not any("web" in line.split("│")[0] for line in tail.lines)
        assert sum(1 for line in tail.lines if "line 0" in line) == 30
        log.write(1)  # the app source kept running through both switches
        await wait_for(pilot, lambda: any(line.endswith("line 030") for line in tail.lines))
        await pilot.press("a")
        assert evidence(app) == [["app  │ line 028"]]  # the source column narrow again


async def test_the_log_filter_has_smart_case(tmp_path: Path) -> None:
    app, log = setup(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane, tail = parts(app)
        for text in ("ERROR upper", "error lower", "Error mixed", "fine"):
            log.write(1, text)
        await newest_shown(pilot, app, "fine 003")
        tail.focus()
        await pilot.press("slash", *"error", "enter")
        assert [line[7:] for line in tail.lines] == ["ERROR upper 000", "error lower 001", "Error mixed 002"]
        await pilot.press("slash", "ctrl+a", "ctrl+k", *"Error", "enter")
        assert [line[7:] for line in tail.lines] == ["Error mixed 002"]
        assert isinstance(pane, LogPane) and pane.filter_text == "Error"


def test_wrap_rows_keep_words_whole_and_the_mark_on_every_row() -> None:
    line = "web  ! ValueError: refund amount 129.90 exceeds the captured amount 99.90 for order 42"
    rows = wrap_rows(line, 40, 5)
    assert all(len(row) <= 40 for row in rows) and rows[0].startswith("web  ! ValueError")
    assert all(row.startswith("     ! ") for row in rows[1:])  # the error mark on every row
    assert "".join([rows[0], *(row[7:] for row in rows[1:])]) == line  # nothing lost, nothing added
    assert not any(row.endswith(("refu", "captu")) for row in rows)  # words stay whole
    token = "web  │ " + "x" * 100  # a token longer than a row is cut where the row ends
    assert [len(row) for row in wrap_rows(token, 40, 5)] == [40, 40, 40, 8]
    assert wrap_rows("web  │ short", 40, 5) == ["web  │ short"]
    wide = wrap_rows("web  │ " + "漢字" * 30, 40, 5)  # two columns a character: cut by columns
    assert all(cell_len(row) <= 40 for row in wide) and len(wide) == 4


async def test_equal_lines_next_to_each_other_are_all_attached(tmp_path: Path) -> None:
    """Two blank lines of a batch are the same string object; attaching counts rows, not objects."""
    from qatui.core.logs.base import LogBatch

    app, _log = setup(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane, tail = parts(app)
        app.logs.inject(LogBatch("app", ["before", "", "", "after"]))  # type: ignore[arg-type]
        await wait_for(pilot, lambda: any(line.endswith("after") for line in tail.lines))
        tail.focus()
        await pilot.press("up", "shift+up", "shift+up", "shift+up", "a")
        assert evidence(app) == [["app  │ before", "app  │ ", "app  │ ", "app  │ after"]]
        assert isinstance(pane, LogPane)
