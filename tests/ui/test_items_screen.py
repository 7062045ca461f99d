"""The item list, the item pane and the probe pane as a tester works through them: counters
that tell the statuses apart, multi-line notes with their mark and history, the keys that move
between panes, probe results with their age and a summary, and the checklist's own notes."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from qatui.core.session import Status
from qatui.ui.app import QatuiApp
from qatui.ui.config import UiConfig
from qatui.ui.screens.main import MainScreen
from qatui.ui.screens.modals import NoteModal
from qatui.ui.screens.notes import ChecklistNotesScreen
from qatui.ui.widgets.checklist_view import NOTE_MARK
from qatui.ui.widgets.session_header import SessionHeader
from tests.servers import HttpApp
from tests.ui.helpers import (
    FIXTURES,
    SIZE,
    T0,
    FixedClock,
    make_app,
    record_of,
    screen_text,
    wait_for,
)

PROBES = FIXTURES / "probes.yaml"


def main(app: QatuiApp) -> MainScreen:
    assert isinstance(app.screen, MainScreen)
    return app.screen


def list_lines(app: QatuiApp) -> list[str]:
    """The checklist pane's rows as text (the left column of the screen)."""
    width = main(app).checklist_view.region.right
    return [line[:width] for line in screen_text(app).splitlines()[1:]]


def probe_app(tmp_path: Path, http_app: HttpApp, **options: Any) -> QatuiApp:
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "XDG_DATA_HOME": str(tmp_path / "data"), "TEST_BASE_URL": http_app.url, "PATH": "/usr/bin:/bin"}
    return make_app(tmp_path, PROBES, env_vars=env, **options)


# --- counters ---


async def test_section_and_priority_lines_and_the_header_keep_blocked_and_failed_apart(tmp_path: Path) -> None:
    app = make_app(tmp_path, advance=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("p", "b", *"no VPN", "ctrl+s")  # critical: one passed, one blocked
        lines = "\n".join(list_lines(app))
        assert "CRITICAL 1/2 ⊘1" in lines  # not 2/2: a blocked item is not done
        assert "REST API 1/2 ⊘1" in lines
        await pilot.press("f", "ctrl+s")  # admin-login failed
        lines = "\n".join(list_lines(app))
        assert "IMPORTANT 0/2 ✗1" in lines and "Admin pages 0/2 ✗1" in lines
        header = main(app).query_one(SessionHeader).header_text(200).plain
        assert header.rstrip().endswith("1/5 ✓1 ✗1 ⊘1")


# --- notes ---


async def test_a_note_of_several_lines_is_saved_whole_and_marked_in_the_list(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "n")
        assert isinstance(app.screen, NoteModal)
        assert "ctrl+s saves" in screen_text(app)  # in the hint and the footer
        assert "^s Save" in screen_text(app).splitlines()[-1] or "ctrl+s" in screen_text(app).splitlines()[-1]
        await pilot.press(*"First paragraph.", "enter", "enter", *"Second one.")
        assert isinstance(app.screen, NoteModal)  # enter wrote a new line, it did not save
        await pilot.press("ctrl+s")
        assert record_of(app).item("api-products").note == "First paragraph.\n\nSecond one."
        rows = list_lines(app)
        marked = [row for row in rows if NOTE_MARK in row]
        assert len(marked) == 1 and "Product list answers" in marked[0]
        text = screen_text(app)
        assert "First paragraph." in text and "Second one." in text  # the item pane shows it whole


async def test_the_item_pane_shows_the_verdict_history(tmp_path: Path) -> None:
    clock = FixedClock()
    app = make_app(tmp_path, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f", *"token missing", "ctrl+s")
        clock.advance(42 * 60)
        await pilot.press("p", "y")  # the finding changes (asked first)
        await pilot.pause()
        history = record_of(app).item("api-login").history  # the record keeps it
        assert [(entry.status, entry.tester) for entry in history] == [(Status.FAILED, "Hannah"), (Status.PASSED, "Hannah")]
        text = screen_text(app)
        assert "History" in text
        assert "✗ failed · Hannah · 2026-11-23 09:30" in text
        assert "✓ passed · Hannah · 2026-11-23 10:12" in text
        assert T0 + timedelta(minutes=42) == history[-1].at


# --- keys ---


async def test_enter_moves_to_the_probes_and_enter_there_shows_the_detail(tmp_path: Path, http_app: HttpApp) -> None:
    app = probe_app(tmp_path, http_app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "⏎ Probes" in screen_text(app).splitlines()[-1]  # the way there, in the footer
        await pilot.press("enter")
        assert app.focused is main(app).probe_pane
        assert "⏎ Detail" in screen_text(app).splitlines()[-1]
        await pilot.press("escape")
        assert app.focused is main(app).checklist_view


async def test_esc_on_the_list_clears_the_filter(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"label", "enter")
        view = main(app).checklist_view
        assert view.visible_item_ids() == ["label-print"]
        assert app.focused is view
        await pilot.press("escape")
        assert len(view.visible_item_ids()) == 5
        assert view.highlighted_item is not None and view.highlighted_item.id == "label-print"


async def test_the_filter_placeholder_is_whole_at_80x24(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("slash")
        assert MainScreen.ITEM_FILTER_HINT in screen_text(app)


async def test_ctrl_c_quits_as_q_does(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p", "ctrl+c")
        await pilot.pause()
    assert app.return_code == 0
    assert not any("to quit the app" in n.message for n in app._notifications)
    assert record_of(app).item("api-login").status.value == "passed"


async def test_t_is_shown_in_the_header_and_remembered(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        assert "auto-run" not in screen_text(app).splitlines()[0]
        await pilot.press("t")
        await pilot.pause()
        assert "auto-run on" in screen_text(app).splitlines()[0]
    again = make_app(tmp_path, record_path=tmp_path / "other.md")
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert again.view.auto_run is True
        assert "auto-run on" in screen_text(again).splitlines()[0]
        await pilot.press("t")  # off again: remembered too
        await pilot.pause()
        assert "auto-run" not in screen_text(again).splitlines()[0]
    assert UiConfig.load(tmp_path / "config" / "qatui").auto_run is False


# --- probes: age, summary, destructive ---


async def test_r_ends_with_a_summary_and_results_carry_their_age(tmp_path: Path, http_app: HttpApp) -> None:
    clock = FixedClock()
    app = probe_app(tmp_path, http_app, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await wait_for(pilot, lambda: bool(app.view.probe_results("version")) and not app.view.running_probes)
        await wait_for(pilot, lambda: any(n.message.startswith("r: ") for n in app._notifications))
        summary = next(n.message for n in app._notifications if n.message.startswith("r: "))
        assert summary.startswith("r: 1 passed in ") and summary.endswith(" s")
        result = app.view.probe_results("version")["version-json"]
        clock.now = result.at + timedelta(minutes=3, seconds=5)  # type: ignore[operator]
        main(app).probe_pane.refresh_ages()
        await pilot.pause()
        assert "3 min ago" in screen_text(app)
    # Reopened: the result read from the record is older than this screen.
    again = probe_app(tmp_path, http_app, clock=FixedClock(clock.now + timedelta(hours=1)))
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "from the last session" in screen_text(again)


async def test_R_leaves_a_destructive_probe_out_and_says_so(tmp_path: Path, http_app: HttpApp) -> None:
    app = probe_app(tmp_path, http_app)  # local: not protected, so nothing would have asked
    async with app.run_test(size=SIZE) as pilot:
        main(app).checklist_view.select_item("greet")
        await pilot.press("R")
        await wait_for(pilot, lambda: "say-hello" in app.view.probe_results("greet") and not app.view.running_probes)
        await wait_for(pilot, lambda: any(n.message.startswith("R: 1 passed") for n in app._notifications))
        said = [n.message for n in app._notifications]
        assert any("wipe-cache (destructive" in message for message in said), said
        assert "wipe-cache" not in app.view.probe_results("wipe")
        main(app).checklist_view.select_item("wipe")
        await pilot.press("r")  # on purpose, on its own item: it runs
        await wait_for(pilot, lambda: "wipe-cache" in app.view.probe_results("wipe") and not app.view.running_probes)


# --- the checklist's notes ---


async def test_i_opens_the_description_and_notes_and_the_item_pane_marks_a_named_item(tmp_path: Path) -> None:
    checklist = tmp_path / "noted.yaml"
    text = (FIXTURES / "session.yaml").read_text(encoding="utf-8").replace(
        "description: A small checklist for the screen's tests.\n",
        "description: A small checklist for the screen's tests.\n"
        "notes:\n"
        "  - title: Token auth changed\n"
        "    kind: known-issues\n"
        "    text: |\n"
        "      DRF 3.14 moved token auth; api-login fails until settings are updated.\n"
        "        python manage.py drf_create_token qa\n"
        "  - title: Rolling back\n"
        "    kind: rollback\n"
        "    text: Deploy the previous tag.\n",
    )
    checklist.write_text(text, encoding="utf-8")
    app = make_app(tmp_path, checklist)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = screen_text(app)
        assert "Checklist note: ⚠ Known issue · Token auth changed" in screen and "(i shows it)" in screen
        await pilot.press("j")
        await pilot.pause()
        assert "Checklist note" not in screen_text(app)  # api-products is named by no note
        await pilot.press("i")
        await pilot.pause()
        assert isinstance(app.screen, ChecklistNotesScreen)
        shown = screen_text(app)
        for words in ("A small checklist for the screen's tests.", "⚠ Known issue · Token auth changed",
                      "python manage.py drf_create_token qa", "↶ Rollback · Rolling back", "Concerns: api-login"):
            assert words in shown, words
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_the_notes_view_shows_a_title_with_brackets_and_escapes_as_text(tmp_path: Path) -> None:
    """A checklist's title is data: `[` is not Textual markup and an escape is written visibly."""
    checklist = tmp_path / "bracketed.yaml"
    text = (FIXTURES / "session.yaml").read_text(encoding="utf-8")
    title = next(line for line in text.splitlines() if line.startswith("title:"))
    text = text.replace(title, 'title: "Release [v2 [bold]loud[/] \\e[2J"', 1)
    checklist.write_text(text, encoding="utf-8")
    app = make_app(tmp_path, checklist)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("i")
        await pilot.pause()
        assert isinstance(app.screen, ChecklistNotesScreen)
        assert "About this checklist: Release [v2 [bold]loud[/] \\e[2J" in screen_text(app)


async def test_a_notification_with_brackets_is_text_not_markup(tmp_path: Path) -> None:
    """Notifications carry paths, ids and names from records and checklists: a `[/]` in one is
    shown as written, from the app and from a screen (which passes markup=True to Textual)."""
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.notify("saved as records/[/]odd [b]name.md")
        app.screen.notify("filter [/] kept")
        await wait_for(pilot, lambda: len({n.message for n in app._notifications} & {
            "saved as records/[/]odd [b]name.md", "filter [/] kept"}) == 2)
        said = {n.message: n.markup for n in app._notifications}
        # plain text: a toast renders it as written (with markup, "[/]" raises MarkupError)
        assert said["saved as records/[/]odd [b]name.md"] is False and said["filter [/] kept"] is False
