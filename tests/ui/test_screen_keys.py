"""Every key of the main screen, driven with Pilot, checked in the record file on disk."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from rich.console import Console
from textual import events
from textual.command import CommandPalette
from textual.widgets import Input

from qatui.core.logs.base import LogLine
from qatui.core.runtime import KEYS_SWITCH_INTERVAL
from qatui.ui.keys import KEYS
from qatui.ui.screens.help import HelpScreen, keys_table
from qatui.ui.screens.main import MainScreen
from qatui.ui.screens.modals import NoteModal
from qatui.ui.widgets.checklist_view import ChecklistView
from tests.ui.helpers import SIZE, make_app, record_of, screen_text, status_of


async def test_opens_on_the_first_critical_item_and_creates_the_record(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert app.screen.current_item_id == "api-login"
        assert isinstance(app.focused, ChecklistView)
        session = record_of(app)
        assert session.tester == "Hannah"
        assert session.environment == "local"
        assert {item.status.value for item in session.items()} == {"untested"}


async def test_p_passes_and_saves_at_once(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        assert status_of(app, "api-login") == "passed"
        await pilot.pause()
        assert "✓ Token login returns a token" in screen_text(app)


async def test_s_skips_and_u_goes_back_to_untested(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        assert status_of(app, "api-login") == "skipped"
        await pilot.press("u")
        assert status_of(app, "api-login") == "untested"


async def test_f_asks_for_a_note_and_fails_with_it(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f")
        assert isinstance(app.screen, NoteModal)
        await pilot.press(*"500 on login", "ctrl+s")
        session = record_of(app)
        assert session.item("api-login").status.value == "failed"
        assert session.item("api-login").note == "500 on login"
        await pilot.pause()
        text = screen_text(app)
        assert "IF IT FAILS" in text  # the hint moves up, framed, once the item failed
        assert "DRF 3.14 changed token auth" in text


async def test_escape_in_the_note_cancels_the_fail(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "x", "escape")
        assert isinstance(app.screen, MainScreen)
        assert status_of(app, "api-login") == "untested"


async def test_b_blocks_with_a_note(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "b", *"no VPN", "ctrl+s")
        item = record_of(app).item("api-products")
        assert (item.status.value, item.note) == ("blocked", "no VPN")


async def test_n_writes_a_note_without_changing_the_status(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", *"looks fine", "ctrl+s")
        item = record_of(app).item("api-login")
        assert (item.status.value, item.note) == ("untested", "looks fine")
        await pilot.pause()
        assert "looks fine" in screen_text(app)


async def test_moving_with_j_k_and_arrows_skips_headings(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, MainScreen)
        await pilot.press("j")
        assert screen.current_item_id == "api-products"
        await pilot.press("down")  # over the "Important" and "Admin pages" headings
        assert screen.current_item_id == "admin-login"
        await pilot.press("k", "up")
        assert screen.current_item_id == "api-login"
        await pilot.press("end")
        assert screen.current_item_id == "label-print"
        await pilot.press("home")
        assert screen.current_item_id == "api-login"


async def test_a_burst_of_keys_is_applied_in_order(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        # no pauses between keys: the note modal must catch what is typed right after `f`
        await pilot.press("p", "j", "f", *"bad", "ctrl+s", "j", "s", "j", "b", *"vpn", "ctrl+s", "j", "p")
        session = record_of(app)
        got = {item.id: (item.status.value, item.note) for item in session.items()}
        assert got == {
            "api-login": ("passed", ""),
            "api-products": ("failed", "bad"),
            "admin-login": ("skipped", ""),
            "admin-orders": ("blocked", "vpn"),
            "label-print": ("passed", ""),
        }


async def test_filter_by_status_priority_and_words(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p", "j", "f", "ctrl+s")
        view = app.screen.query_one(ChecklistView)
        await pilot.press("slash", *"status:failed", "enter")
        assert view.visible_item_ids() == ["api-products"]
        assert isinstance(app.focused, ChecklistView)
        await pilot.press("slash")
        field = app.screen.query_one("#filter", Input)
        field.value = "priority:important"
        await pilot.press("enter")
        assert view.visible_item_ids() == ["admin-login", "admin-orders"]
        await pilot.press("slash")
        field.value = "label"
        await pilot.press("enter")
        assert view.visible_item_ids() == ["label-print"]
        await pilot.press("slash", "escape")
        assert len(view.visible_item_ids()) == 5
        assert not field.display
        await pilot.press("slash", *"status:bogus", "enter")
        assert len(view.visible_item_ids()) == 5  # said, not searched for as a word
        assert any("status:bogus: no such status" in note.message for note in app._notifications)


async def test_typing_a_filter_keeps_the_chosen_item_when_it_matches(tmp_path: Path) -> None:
    # Typed letter by letter, `is:open` filters by the word "is" first, which hides the item;
    # the cursor must come back to it once the whole filter matches it again.
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("end")  # label-print
        view = app.screen.query_one(ChecklistView)
        assert view.highlighted_item is not None and view.highlighted_item.id == "label-print"
        await pilot.press("slash", *"is:open")
        assert "label-print" in view.visible_item_ids()
        assert view.highlighted_item is not None and view.highlighted_item.id == "label-print"
        await pilot.press("enter", "escape")


async def test_tab_moves_between_panes(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        first = app.focused
        await pilot.press("tab")
        assert app.focused is not first
        seen = {type(app.focused).__name__}
        for _ in range(4):
            await pilot.press("tab")
            seen.add(type(app.focused).__name__)
        assert {"ChecklistView", "ItemPane", "ProbePane", "TailLog"} <= seen


async def test_help_lists_every_key_from_the_one_table(tmp_path: Path) -> None:
    app = make_app(tmp_path, )
    async with app.run_test(size=(120, 60)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        console = Console(record=True, width=200, file=io.StringIO())
        console.print(keys_table())
        text = console.export_text()
        for key in KEYS:
            if key.scope not in ("probes",):
                assert key.help in text, key.id
                assert key.display in text, key.id
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_footer_shows_keys_from_the_table(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        for key in KEYS:
            if key.show and key.scope in ("screen", "app", "list"):
                assert key.label in footer, key.id


async def test_ctrl_p_palette_offers_every_action(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        main = app.screen
        titles = [command.title for command in app.get_system_commands(main)]
        for key in KEYS:
            if key.palette:
                assert any(title.startswith(key.label) for title in titles), key.id
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"Pass", )
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert status_of(app, "api-login") == "passed"


async def test_space_pauses_and_follows_the_log(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, MainScreen)
        pane = screen.log_pane
        assert pane.following
        await pilot.press("space")
        assert not pane.following
        app.logs.inject([LogLine("web", f"line {i}") for i in range(3)])
        await pilot.pause(0.25)
        assert pane.pending == 3
        await pilot.pause()
        assert "PAUSED · 3 new lines" in screen_text(app)
        await pilot.press("space")
        assert pane.following and pane.pending == 0


async def test_a_attaches_log_lines_as_evidence(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, MainScreen)
        screen.log_pane.set_sources(["web"], "item")
        app.logs.inject([
            LogLine("web", "GET / 200"),
            LogLine("web", "ERROR boom", is_error=True),
        ])
        await pilot.pause(0.25)
        await pilot.press("a")
        evidence = record_of(app).item("api-login").evidence
        assert len(evidence) == 1
        assert evidence[0].kind == "log"
        assert "ERROR boom" in evidence[0].text and "GET / 200" in evidence[0].text


async def test_l_toggles_item_and_environment_logs(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        await pilot.pause(0.2)
        assert "this checklist has no log sources" in screen_text(app)
        await pilot.press("l")
        await pilot.pause(0.2)
        assert "no log sources for this item" in screen_text(app)


async def test_t_toggles_auto_run(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        assert app.view.auto_run is False  # the checklist's setting
        await pilot.press("t")
        assert app.view.auto_run is True


async def test_r_on_an_item_without_probes_says_so(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r", "R", "x")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert app.view.running_probes == set()


async def test_q_quits_and_everything_is_saved(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p", "q")
        await pilot.pause()
    assert app.return_code == 0
    assert status_of(app, "api-login") == "passed"


async def test_reopening_resumes_the_session(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p", "j", "s", "q")
    again = make_app(tmp_path)
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(again)
        assert "✓ Token login returns a token" in text
        assert "↷ Product list answers" in text
        await pilot.press("end", "p")
    session = record_of(again)
    assert [i.status.value for i in session.items()] == ["passed", "skipped", "untested", "untested", "passed"]


async def test_keys_arriving_together_are_applied_in_order_across_the_note_prompt(tmp_path: Path) -> None:
    """As a terminal delivers a fast typist's keys: all queued before the prompt has mounted."""
    app = make_app(tmp_path, deterministic=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        keys = ["f", *"door was locked", "ctrl+s", "j", "p", "j", "b", *"no vpnx", "backspace", "ctrl+s", "k", "n", *"ok", "ctrl+s"]
        for key in keys:
            name = {" ": "space"}.get(key, key)
            character = {"ctrl+s": "\x13", "backspace": "\x7f"}.get(key, key)
            app.post_message(events.Key(name, character))
        for _ in range(100):
            await pilot.pause(0.02)
            if isinstance(app.screen, MainScreen) and record_of(app).item("api-products").note == "ok":
                break
        got = {item.id: (item.status.value, item.note) for item in record_of(app).items()}
        assert got["api-login"] == ("failed", "door was locked")
        assert got["api-products"] == ("passed", "ok")
        assert got["admin-login"] == ("blocked", "no vpn")


async def test_the_screen_takes_the_gil_back_sooner_while_it_runs(tmp_path: Path) -> None:
    # Log readers and the probe engine are threads: with the interpreter's default 5 ms
    # switch interval a key could wait that long (or a whole preempted time slice) for them.
    before = sys.getswitchinterval()
    app = make_app(tmp_path, deterministic=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert sys.getswitchinterval() == pytest.approx(KEYS_SWITCH_INTERVAL)
        await pilot.press("q")
    assert sys.getswitchinterval() == pytest.approx(before)


async def test_every_pane_footer_fits_80_columns_and_ticking_still_works_in_the_log_pane(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, MainScreen)
        for pane in (screen.checklist_view, screen.item_pane, screen.probe_pane, screen.log_pane.log_widget):
            pane.focus()
            await pilot.pause()
            footer = screen_text(app).splitlines()[-1].rstrip()
            assert footer.endswith("? Help q Quit"), footer
        # The log pane's footer leaves the ticking keys out to fit; they still work there.
        assert "p Pass" not in footer and "a Attach" in footer
        await pilot.press("p")
        assert status_of(app, "api-login") == "passed"
