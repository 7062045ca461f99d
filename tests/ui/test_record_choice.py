"""Where the record goes, said at the start; a taken record file is never resumed silently
(issue 14): the start screen names the record of the highlighted environment, a signed record
of today is not carried on with (a new `…-2.md` starts, and the screen says so), a record of
another environment at the path asked for gets a new file instead of ending the program."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from qatui.core.loader import load_checklist
from qatui.core.record.choose import choose_record
from qatui.ui.screens.main import MainScreen
from qatui.ui.screens.start import StartScreen
from tests.ui.helpers import CHECKLIST, T0, make_app, record_of, screen_text

SIZE = (100, 30)
TODAY = T0.date().isoformat()


def notices(app: object) -> list[str]:
    return [str(n.message) for n in app._notifications]  # type: ignore[attr-defined]


async def test_the_start_screen_says_where_the_record_goes(tmp_path: Path) -> None:
    folder = tmp_path / "recs"
    app = make_app(tmp_path, tester=None, env_key=None, record_path=None, record_folder=folder)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, StartScreen)
        line = str(app.screen.query_one("#start-record", Static).render())
        assert line.startswith("Record: ") and f"session-local-{TODAY}.md (new)" in line
        await pilot.press(*"Ana", "enter", "down")  # highlight production
        await pilot.pause()
        line = str(app.screen.query_one("#start-record", Static).render())
        assert f"session-production-{TODAY}.md (new)" in line
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert app.record_path == folder / f"session-production-{TODAY}.md"
        assert any(f"session-production-{TODAY}.md" in n for n in notices(app))


async def test_a_signed_record_of_today_is_not_carried_on_silently(tmp_path: Path) -> None:
    folder = tmp_path / "recs"
    first = make_app(tmp_path, record_path=None, record_folder=folder)
    async with first.run_test(size=SIZE) as pilot:
        await pilot.press("p", "j", "p", "S", "ctrl+s")
        await pilot.pause()
    signed = folder / f"session-local-{TODAY}.md"
    assert record_of(signed).signoff is not None
    second = make_app(tmp_path, record_path=None, record_folder=folder)
    async with second.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert second.record_path == folder / f"session-local-{TODAY}-2.md"
        [notice] = notices(second)
        assert f"session-local-{TODAY}.md is signed (by Hannah" in notice
        assert f"this session starts session-local-{TODAY}-2.md" in notice
        await pilot.press("p")
    assert record_of(signed).signoff is not None  # untouched
    assert record_of(folder / f"session-local-{TODAY}-2.md").item("api-login").status.value == "passed"
    third = make_app(tmp_path, record_path=None, record_folder=folder)
    async with third.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert third.record_path == folder / f"session-local-{TODAY}-2.md"  # the open one, carried on
        assert "carries on with" in notices(third)[0]


async def test_a_record_of_another_environment_gets_a_new_file_not_an_exit(tmp_path: Path) -> None:
    record = tmp_path / "mine.md"
    first = make_app(tmp_path, record_path=record)
    async with first.run_test(size=SIZE) as pilot:
        await pilot.press("p")
    app = make_app(tmp_path, tester=None, env_key=None, record_path=record)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press(*"Ana", "enter", "down")
        await pilot.pause()
        assert "mine.md is a record of environment 'local'" in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen) and app.return_code is None
        assert app.record_path == tmp_path / "mine-2.md"
        assert record_of(app).environment == "production"
    assert record_of(record).environment == "local"


def test_choose_record_walks_past_taken_files(tmp_path: Path) -> None:
    checklist = load_checklist(str(CHECKLIST))
    assert choose_record(tmp_path / "r.md", checklist, "local").path == tmp_path / "r.md"
    (tmp_path / "r.md").write_text("not a record\n")
    unreadable = choose_record(tmp_path / "r.md", checklist, "local")
    assert unreadable.path == tmp_path / "r.md" and unreadable.reason == ""  # the recorder says why
