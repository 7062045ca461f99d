"""Sign-off that cannot lose input (issue 14): the cursor starts in the first field, the focused
field is marked in a way NO_COLOR keeps, Back keeps what was typed, and at 80×24 the signature
form is on screen even under the Django checklist's long list of open items."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Label

from qatui.ui.app import QatuiApp
from qatui.ui.screens.main import MainScreen
from qatui.ui.screens.signoff import SignOffScreen
from tests.ui.helpers import CHECKLIST, make_app, record_of, screen_text

SMALL = (80, 24)
DJANGO = Path(__file__).parents[2] / "checklists" / "django-upgrade.yaml"


def signoff(app: QatuiApp) -> SignOffScreen:
    screen = app.screen
    assert isinstance(screen, SignOffScreen)
    return screen


def marked(app: QatuiApp) -> list[str]:
    """The labels that carry the focus mark."""
    return [str(label.content) for label in signoff(app).query(".signoff-label.-focused").results(Label)]


async def test_the_first_figure_typed_lands_in_the_first_field(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("S", *"412", "enter")
        await pilot.pause()
        assert record_of(app).metrics[0].after == 412.0


async def test_without_figures_the_cursor_starts_in_the_name(tmp_path: Path) -> None:
    text = CHECKLIST.read_text(encoding="utf-8")
    start, end = text.index("metrics:"), text.index("signoff:")
    checklist = tmp_path / "no-figures.yaml"
    checklist.write_text(text[:start] + text[end:], encoding="utf-8")
    app = make_app(tmp_path, checklist)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("S")
        await pilot.pause()
        focused = app.focused
        assert isinstance(focused, Input) and focused.id == "signoff-name"
        assert marked(app) == ["▶ Name"]


async def test_the_focus_mark_follows_the_cursor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(tmp_path)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("S")
        await pilot.pause()
        assert app.no_color
        assert marked(app) == ["▶ Login time (ms)"]
        await pilot.press("tab")
        await pilot.pause()
        assert marked(app) == ["▶ Name"]
        assert "▶ Name" in screen_text(app) and "▶ Login time" not in screen_text(app)
        await pilot.press("tab", "tab", "tab")
        await pilot.pause()
        assert marked(app) == ["▶ Comment"]
        label = signoff(app).query_one("#label-signoff-comment", Label)
        assert label.styles.text_style.reverse  # reverse video: seen without colour


async def test_back_keeps_the_comment_and_the_figures(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("S", *"433", "tab", "ctrl+a", "ctrl+k", *"Ann", "tab", "tab", "tab",
                          *"seen on staging", "escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        await pilot.press("S")
        await pilot.pause()
        screen = signoff(app)
        assert screen.query_one("#metric-login-ms", Input).value == "433"
        assert screen.query_one("#signoff-name", Input).value == "Ann"
        assert screen.query_one("#signoff-comment", Input).value == "seen on staging"
    assert record_of(app).metrics[0].after == 433.0  # saved on Back
    assert record_of(app).signoff is None


async def test_signing_clears_the_draft(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("p", "j", "p", "S", "tab", "tab", "tab", "tab", *"all good", "ctrl+s")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        signed = record_of(app).signoff
        assert signed is not None and signed.comment == "all good"
        await pilot.press("O", "y", "S")  # reopened: the next sign-off starts afresh
        await pilot.pause()
        assert signoff(app).query_one("#signoff-comment", Input).value == ""


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_the_form_is_on_screen_under_a_long_summary(tmp_path: Path, size: tuple[int, int]) -> None:
    app = make_app(tmp_path, DJANGO, tester="Hannah", env_key="local", trusted=False)
    async with app.run_test(size=size) as pilot:
        await pilot.press("S")
        await pilot.pause()
        text = screen_text(app)
        # the summary from its top; the first figure has the cursor; the whole form is there
        assert "Summary by priority" in text and "▶ Admin dashboard load (ms)" in text
        assert "Name" in text and "Comment" in text and "Sign (ctrl+s)" in text and "Back (esc)" in text
        body = signoff(app).query_one("#signoff")
        assert body.scroll_y == 0 and body.max_scroll_y > 0  # the summary is longer: it scrolls
        await pilot.press("pagedown")
        await pilot.pause()
        text = screen_text(app)
        assert body.scroll_y > 0 and "Summary by priority" not in text and "Sign (ctrl+s)" in text
        await pilot.press(*"95")  # typing still goes to the focused figure
        assert signoff(app).query_one("#metric-admin-dashboard-load", Input).value == "95"


SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.mark.parametrize("size", SIZES)
def test_signoff_comment_focused_no_color(snap_compare: Any, tmp_path: Path, size: tuple[int, int],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(tmp_path)

    async def to_comment(pilot: Pilot[Any]) -> None:
        await pilot.press("p", "S", "tab", "tab", "tab", "tab", *"checked by hand")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=to_comment)
