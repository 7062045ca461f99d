"""Tick and advance: a verdict moves the cursor to the next open item; a finding asks before it
changes. The fixture checklist's list order is api-login, api-products (critical),
admin-login, admin-orders (important), label-print (nice)."""

from __future__ import annotations

from pathlib import Path

from qatui.ui.config import UiConfig
from qatui.ui.screens.main import MainScreen
from qatui.ui.screens.modals import ConfirmModal, NoteModal
from tests.ui.helpers import SIZE, make_app, record_of, screen_text


def current(app: object) -> str | None:
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, MainScreen)
    return screen.current_item_id


async def test_advance_is_on_for_a_new_tester(tmp_path: Path) -> None:
    assert UiConfig.load(tmp_path / "nothing-here").advance is True


async def test_p_f_b_s_move_to_the_next_open_item_without_j(tmp_path: Path) -> None:
    app = make_app(tmp_path, advance=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        assert current(app) == "api-products"
        await pilot.press("f", *"500 on the list", "ctrl+s")
        assert current(app) == "admin-login"
        await pilot.press("b", *"no VPN", "ctrl+s", "s")
        assert current(app) == "label-print"
        await pilot.press("p")  # the last open item: nothing is open any more, the cursor stays
        assert current(app) == "label-print"
        got = {item.id: (item.status.value, item.note) for item in record_of(app).items()}
        assert got == {"api-login": ("passed", ""), "api-products": ("failed", "500 on the list"),
                       "admin-login": ("blocked", "no VPN"), "admin-orders": ("skipped", ""),
                       "label-print": ("passed", "")}


async def test_advance_skips_ticked_items_and_wraps_to_earlier_open_ones(tmp_path: Path) -> None:
    app = make_app(tmp_path, advance=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "j", "j", "p")  # admin-orders; next open below is label-print
        assert current(app) == "label-print"
        await pilot.press("s")  # nothing open below: back to the first open item
        assert current(app) == "api-login"
        await pilot.press("end", "u")  # u never moves
        assert current(app) == "label-print"


async def test_advance_follows_the_filtered_list(tmp_path: Path) -> None:
    app = make_app(tmp_path, advance=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"priority:important", "enter")
        assert current(app) == "admin-login"
        await pilot.press("p")
        assert current(app) == "admin-orders"  # not label-print, which the filter hides


async def test_advance_off_in_the_config_keeps_the_cursor(tmp_path: Path) -> None:
    config_dir = tmp_path / "config" / "qatui"
    for setting, expected in (("false", "api-login"), ("true", "api-products")):
        config_dir.mkdir(parents=True, exist_ok=True)
        (config_dir / "config.json").write_text(f'{{"advance": {setting}}}', encoding="utf-8")
        app = make_app(tmp_path / setting, config_dir=config_dir, advance=None)  # as the file says
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("p")
            assert current(app) == expected


async def test_changing_a_failed_verdict_asks_and_quotes_the_note(tmp_path: Path) -> None:
    app = make_app(tmp_path, advance=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", *"token missing", "enter", *"second line", "ctrl+s")
        await pilot.press("k", "p")  # back on the failed item, pass it
        assert isinstance(app.screen, ConfirmModal)
        text = screen_text(app)
        assert "Change ✗ failed to ✓ passed?" in text
        assert "token missing" in text and "second line" in text
        await pilot.press("n")  # keep it
        assert record_of(app).item("api-login").status.value == "failed"
        assert current(app) == "api-login"
        await pilot.press("p", "y")
        assert record_of(app).item("api-login").status.value == "passed"
        assert record_of(app).item("api-login").note == "token missing\nsecond line"  # kept, said so
        assert current(app) == "api-products"  # and it advanced


async def test_a_blocked_item_asks_before_it_becomes_failed_and_the_same_verdict_does_not(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b", *"no VPN", "ctrl+s")
        await pilot.press("b")  # the same verdict again: straight to the note
        assert isinstance(app.screen, NoteModal)
        await pilot.press("escape", "f")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        assert isinstance(app.screen, NoteModal)
        await pilot.press(*" and the DNS", "ctrl+s")
        item = record_of(app).item("api-login")
        assert (item.status.value, item.note) == ("failed", "no VPN and the DNS")


async def test_the_config_file_keeps_other_fields_when_saved(tmp_path: Path) -> None:
    config = UiConfig.load(tmp_path)
    config.advance = False
    config.auto_run = True
    config.remember(tester="Ana")
    again = UiConfig.load(tmp_path)
    assert (again.tester, again.advance, again.auto_run) == ("Ana", False, True)


async def test_a_resumed_session_opens_on_the_next_open_item(tmp_path: Path) -> None:
    app = make_app(tmp_path, advance=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p", "p", "q")  # api-login, api-products; the cursor is on admin-login
    again = make_app(tmp_path, advance=True)
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert current(again) == "admin-login"  # not api-products, the item changed last
    kept = make_app(tmp_path, advance=False)
    async with kept.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert current(kept) == "api-products"  # without advance: where the tester stopped


def test_the_change_question_quotes_record_text_inert() -> None:
    """The note, the tester and the title come from a record and a checklist: shown, not obeyed."""
    from datetime import UTC, datetime

    from qatui.core.session import HistoryEntry, ItemResult, Status
    from qatui.ui.ticking import change_question

    at = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)
    result = ItemResult("api-login", "Login", status=Status.FAILED, note="500\x1b[2J again",
                        history=[HistoryEntry(Status.FAILED, "Eve\x1b]0;x\x07", at, "500")])
    _, body = change_question(result, "Login \x1b[31mred", Status.PASSED)
    assert "\x1b" not in body.plain and "\x07" not in body.plain
    assert "Login \\e[31mred" in body.plain and "by Eve\\e]0;x\\a" in body.plain and "500\\e[2J again" in body.plain
