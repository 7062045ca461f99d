"""`a` attaches the log lines the tester selected with the keyboard, else exactly the lines on
screen, never lines that are not shown (QA F3); the log pane's keys show in the footer and help,
and its filter sits in the log pane (QA F8). 80×24, keys as a tester presses them.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console
from textual.color import Color
from textual.widgets import Input

from qatui.ui.keys import KEYS_BY_ID
from qatui.ui.screens.help import keys_table
from qatui.ui.widgets.log_pane import LogPane
from qatui.ui.widgets.log_selection import LineSelection
from tests.ui.helpers import record_of, screen_text
from tests.ui.logpane_support import (
    TOKEN,
    log_rows,
    newest_shown,
    parts,
    setup,
    status_row,
    wait_for,
)

SIZE = (80, 24)


def evidence_lines(app, item_id: str = "health") -> list[list[str]]:  # type: ignore[no-untyped-def]
    return [e.text.splitlines() for e in record_of(app).item(item_id).evidence]


async def test_select_three_lines_and_a_attaches_exactly_those(tmp_path: Path) -> None:
    app, log = setup(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane, tail = parts(app)
        await newest_shown(pilot, app, log.write(30))
        tail.focus()
        await pilot.press("up")  # the cursor shows on the newest line on screen
        assert not pane.following and tail.line_selection.cursor == 29
        await pilot.press("up", "shift+up", "shift+up")  # line 028, then extend to 027 and 026
        await pilot.pause()
        assert status_row(app).startswith("3 lines selected")
        log.write(4)  # lines keep arriving while the tester selects: counted, the view keeps still
        await wait_for(pilot, lambda: pane.pending == 4)
        assert [row.split("│ ")[-1] for row in log_rows(app)] == ["line 026", "line 027", "line 028"]
        await pilot.press("a")
        assert evidence_lines(app) == [["app  │ line 026", "app  │ line 027", "app  │ line 028"]]
        assert not tail.line_selection.active  # attached: the selection is done
        assert not pane.following  # still paused until space or end


async def test_v_starts_a_range_that_arrows_extend_and_esc_drops_it(tmp_path: Path) -> None:
    app, log = setup(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane, tail = parts(app)
        await newest_shown(pilot, app, log.write(30))
        tail.focus()
        await pilot.press("k", "k", "v", "k", "k", "k")  # 029 → 028; range from 028 up to 025
        assert tail.line_selection.span() == (25, 28)
        rows = log_rows(app)
        assert rows[0].endswith("line 025") and rows[-1].endswith("line 027")  # the cursor stays in view
        await pilot.press("j")  # back down one: 026..028
        assert tail.line_selection.span() == (26, 28)
        await pilot.press("escape")
        assert not tail.line_selection.active and not pane.following
        await pilot.press("space")
        assert pane.following
        await pilot.press("k", "shift+down", "a")  # from the newest line down: still one line, the newest
        assert evidence_lines(app) == [["app  │ line 029"]]


async def test_selected_lines_are_visible_without_colour(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app, log = setup(tmp_path)
    assert app.no_color and app._filters
    async with app.run_test(size=SIZE) as pilot:
        _, tail = parts(app)
        await newest_shown(pilot, app, log.write(10))
        tail.focus()
        await pilot.press("up", "shift+up")
        await pilot.pause()
        height = tail.scrollable_content_region.height

        def reversed_row(y: int) -> bool:
            segments = list(tail.render_line(y))
            for line_filter in app._filters:  # what the terminal gets: no colour
                segments = line_filter.apply(segments, Color(0, 0, 0))
            return all(seg.style is not None and seg.style.reverse for seg in segments if seg.text.strip())

        assert [reversed_row(y) for y in range(height)] == [False] * (height - 2) + [True, True]


async def test_without_a_selection_a_attaches_the_lines_on_screen_and_says_how_many(tmp_path: Path) -> None:
    app, log = setup(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        _pane, tail = parts(app)
        await newest_shown(pilot, app, log.write(40))
        shown = log_rows(app)
        assert 2 <= len(shown) < 40
        await pilot.press("a")  # from the checklist pane
        assert evidence_lines(app) == [shown]
        assert any(f"attached {len(shown)} log lines to health" in note.message for note in app._notifications)
        tail.focus()
        tail.action_scroll_up()
        tail.action_scroll_up()
        await pilot.pause()
        shown = log_rows(app)
        assert shown[-1].endswith("line 037")
        await pilot.press("a")
        assert evidence_lines(app)[-1] == shown


async def test_secrets_in_attached_log_lines_are_masked(tmp_path: Path) -> None:
    app, log = setup(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        _, tail = parts(app)
        shown = log.write(1, f"GET /api?token={TOKEN}").replace(TOKEN, "••••••")
        await newest_shown(pilot, app, shown)  # the pane masks it, as `qatui logs` does
        assert not any(TOKEN in row for row in log_rows(app))
        tail.focus()
        await pilot.press("up", "a")
        text = record_of(app).item("health").evidence[0].text
        assert "GET /api?token=" in text and TOKEN not in text
        assert TOKEN not in (tmp_path / "record.md").read_text()


async def test_selection_follows_its_lines_when_the_buffer_drops_old_ones(tmp_path: Path) -> None:
    app, log = setup(tmp_path, log_max_lines=40)
    async with app.run_test(size=SIZE) as pilot:
        pane, tail = parts(app)
        await newest_shown(pilot, app, log.write(40))
        tail.focus()
        await pilot.press("up", "shift+up")  # 038, 039
        log.write(10)  # the buffer keeps 40: the 10 oldest go
        await wait_for(pilot, lambda: pane.pending == 10)
        assert [row.split("│ ")[-1] for row in log_rows(app)][-2:] == ["line 038", "line 039"]
        await pilot.press("a")
        assert evidence_lines(app) == [["app  │ line 038", "app  │ line 039"]]


def test_line_selection_model() -> None:
    selection = LineSelection()
    assert selection.span() is None and len(selection) == 0
    selection.place(10)
    selection.move(8, extend=True)
    assert selection.span() == (8, 10) and len(selection) == 3
    selection.move(7, extend=False)
    assert selection.span() == (7, 7)
    selection.toggle_range()
    selection.move(9, extend=False)
    assert selection.span() == (7, 9)
    selection.dropped(8)
    assert selection.span() == (0, 1)
    selection.dropped(5)
    assert not selection.active


async def test_log_pane_keys_show_in_the_footer_and_help(tmp_path: Path) -> None:
    app, log = setup(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        _, tail = parts(app)
        await newest_shown(pilot, app, log.write(5))
        footer = screen_text(app).splitlines()[-1]
        assert "space Pause" not in footer and "w Wrap" not in footer  # checklist focused
        tail.focus()
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        for label in ("space Pause", "v Select", "a Attach", "/ Filter", "l Scope", "w Wrap", "z Zoom"):
            assert label in footer, (label, footer)
        assert "Unselect" not in footer
        await pilot.press("up")
        await pilot.pause()
        assert "esc Unselect" in screen_text(app).splitlines()[-1]
    console = Console(record=True, width=200, file=io.StringIO())
    console.print(keys_table())
    help_text = console.export_text()
    for key_id in ("log_filter", "log_range", "log_select_up", "log_end", "follow", "attach", "log_wrap",
                   "log_right", "zoom"):
        key = KEYS_BY_ID[key_id]
        assert key.help in help_text and key.display in help_text, key_id
    assert "in the log pane, / filters the log" in help_text


async def test_slash_in_the_log_pane_filters_the_log_in_a_field_of_the_log_pane(tmp_path: Path) -> None:
    app, log = setup(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        _pane, tail = parts(app)
        log.write(5)
        await newest_shown(pilot, app, log.write(1, "ERROR boom"))
        tail.focus()
        await pilot.press("slash")
        field = app.focused
        assert isinstance(field, Input) and field.id == "log-filter"
        assert isinstance(field.parent, LogPane)  # inside the log pane, not above the checklist
        await pilot.press(*"boom")
        assert list(tail.lines) == ["app  ! ERROR boom 005"]
        await pilot.press("enter")
        assert app.focused is tail and not field.display
        assert "filter: boom" in status_row(app)
        await pilot.press("slash", "escape")
        assert app.focused is tail and len(tail.lines) == 6
        assert "filter" not in status_row(app)
        await pilot.press("shift+tab", "shift+tab", "shift+tab")  # back to the checklist
        await pilot.press("slash")
        assert app.focused is not None and app.focused.id == "filter"  # the checklist's own filter
