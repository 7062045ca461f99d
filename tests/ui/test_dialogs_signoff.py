"""The sign-off screen at 80×24, driven by keys: signing with open critical items asks first
(Back is the default), the checklist has the keys again once it closes, a signed record can be
reopened (key, palette) and then reads back exactly as the session, typed metrics are saved at
once and compared with the baseline, times read as a tester reads them, and the summary fits."""

from __future__ import annotations

from pathlib import Path

from qatui.core.record import render
from qatui.core.session import Status
from qatui.ui.app import QatuiApp
from qatui.ui.screens.main import MainScreen
from qatui.ui.screens.modals import ConfirmModal, ErrorModal
from qatui.ui.screens.signoff import SignOffScreen
from qatui.ui.widgets.checklist_view import ChecklistView
from tests.ui.helpers import make_app, record_of, record_of_new, screen_text

SMALL = (80, 24)


def current(app: QatuiApp) -> str | None:
    screen = app.screen
    assert isinstance(screen, MainScreen)
    return screen.current_item_id


async def test_signing_with_open_critical_items_asks_first_and_back_is_the_default(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("S", "ctrl+s")  # api-products (critical) is untested
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        text = screen_text(app)
        assert "Sign with open critical items?" in text and "Product list answers" in text
        assert "Sign anyway (y)" in text
        await pilot.press("enter")  # the focused button is Back
        await pilot.pause()
        assert isinstance(app.screen, SignOffScreen) and record_of(app).signoff is None
        await pilot.press("ctrl+s", "y")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen) and record_of(app).signoff is not None


async def test_after_signing_the_checklist_has_the_keys_and_o_reopens(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("p", "j", "p", "k")  # both critical items passed: no question
        await pilot.press("S", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen) and record_of(app).signoff is not None
        assert isinstance(app.screen.focused, ChecklistView)
        await pilot.press("j", "j")  # moves at once
        assert current(app) == "admin-login"
        await pilot.press("p")  # refused in words: the record is signed
        await pilot.pause()
        assert isinstance(app.screen, ErrorModal)
        error = screen_text(app)
        assert "signed by Hannah (QA) on 2026-11-23 09:30 UTC" in error and "+00:00" not in error
        await pilot.press("escape", "O")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal) and "Reopen the signed record?" in screen_text(app)
        footer = screen_text(app).split("\n")[-1]
        assert "Yes" in footer and "Pass" not in footer  # the dialog's keys, not the checklist's
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        saved = record_of(app)
        assert saved.signoff is None and saved.finished_at is None
        assert render(saved) == render(app.session)  # the record reads back exactly
        await pilot.press("p")
        assert record_of(app).item("admin-login").status is Status.PASSED


async def test_reopen_is_in_the_command_palette(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("p", "j", "p", "S", "ctrl+s")
        await pilot.pause()
        assert record_of(app).signoff is not None
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Reopen")
        for _ in range(40):  # the palette searches in a worker
            await pilot.pause(0.05)
            if "Reopen a signed record" in screen_text(app):
                break
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await pilot.pause()
        assert record_of(app).signoff is None


async def test_a_typed_metric_is_saved_at_once_and_compared_with_the_baseline(tmp_path: Path) -> None:
    old = tmp_path / "old.md"
    session = record_of_new(tmp_path / "seed", old)
    session.metrics[0].after = 400.0
    old.write_text(render(session))
    app = make_app(tmp_path, baseline=old)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("S")  # the cursor starts in the first field, "Login time (ms)"
        await pilot.press(*"abc", "enter")
        await pilot.pause()
        assert "'abc' is not a number" in screen_text(app)
        assert record_of(app).metrics[0].after is None
        await pilot.press(*["backspace"] * 3, *"420", "enter")
        await pilot.pause()
        assert record_of(app).metrics[0].after == 420.0  # saved before signing
        screen = app.screen
        assert isinstance(screen, SignOffScreen)
        table = str(screen.query_one("#signoff-performance").render())
        await pilot.press("pagedown")  # the table is below the summary at 80×24
        await pilot.pause()
        row = next(line for line in screen_text(app).split("\n") if "Login time" in line and "400" in line)
        assert "420 ms" in row and "+20 (+5.0%)" in row and "500 ms ✓" in row, (row, table)
        await pilot.press("shift+tab", *["backspace"] * 3, *"415", "escape")  # typed, not entered: back saves it
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
    assert record_of(app).metrics[0].after == 415.0


async def test_a_signed_record_shows_when_and_offers_reopen(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("p", "j", "p", "S", "ctrl+s", "S")
        await pilot.pause()
        text = screen_text(app)
        assert "Signed by Hannah (QA) on 2026-11-23 09:30 UTC" in text and "+00:00" not in text
        screen = app.screen
        assert isinstance(screen, SignOffScreen)
        screen.query_one("#signoff").scroll_end(animate=False)
        await pilot.pause()
        assert "Reopen the record" in screen_text(app)
        await pilot.press("ctrl+s")  # signing twice is refused in words
        await pilot.pause()
        assert "signed already" in screen_text(app)


async def test_summary_table_fits_80_columns(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("p", "S")
        await pilot.pause()
        lines = screen_text(app).split("\n")
        header = next(line for line in lines if "priority" in line and "passed" in line)
        assert "· untested" in header and header.rstrip().endswith("total")
        assert any(line.split()[:1] == ["all"] and line.split()[-1] == "5" for line in lines if line.strip())
