"""The other screens: start, chooser, sign-off, conflict, error; resuming a record by its path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qatui.core.errors import QatuiError
from qatui.core.record import render
from qatui.core.record.paths import is_record_file
from qatui.core.session import Status
from qatui.ui.screens.main import MainScreen
from qatui.ui.screens.modals import ConflictModal, ErrorModal
from qatui.ui.screens.signoff import SignOffScreen
from qatui.ui.screens.start import ChooserScreen, StartScreen
from tests.ui.helpers import (
    CHECKLIST,
    SIZE,
    FixedClock,
    edit_behind_qatuis_back,
    make_app,
    record_of,
    record_of_new,
    screen_text,
    status_of,
)


async def test_start_screen_asks_tester_and_environment_and_remembers_the_tester(tmp_path: Path) -> None:
    app = make_app(tmp_path, tester=None, env_key=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, StartScreen)
        text = screen_text(app)
        assert "production" in text and "PROTECTED" in text
        await pilot.press(*"Ana", "enter")  # to the environment list
        await pilot.press("down", "enter")  # production
        assert isinstance(app.screen, MainScreen)
        session = record_of(app)
        assert (session.tester, session.environment, session.protected) == ("Ana", "production", True)
    config = json.loads((tmp_path / "config" / "qatui" / "config.json").read_text())
    assert config["tester"] == "Ana"
    assert config["recent"] == [str((tmp_path / "record.md").resolve())]
    again = make_app(tmp_path, tester=None, env_key=None, record_path=tmp_path / "second.md")
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(again.screen, StartScreen)
        await pilot.press("enter", "enter")  # the remembered name, the default environment
        assert record_of(again).tester == "Ana"
        assert record_of(again).environment == "local"


async def test_with_the_environment_given_enter_on_the_name_starts(tmp_path: Path) -> None:
    app = make_app(tmp_path, tester=None, env_key="production")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, StartScreen)
        await pilot.press(*"Ana", "enter")
        assert isinstance(app.screen, MainScreen)
        assert (record_of(app).tester, record_of(app).environment) == ("Ana", "production")


async def test_start_screen_insists_on_a_name(tmp_path: Path) -> None:
    app = make_app(tmp_path, tester=None, env_key="local")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, StartScreen)
        assert "Type your name" in screen_text(app)
        await pilot.press("escape")
    assert not (tmp_path / "record.md").exists()


async def test_chooser_offers_checklists_and_recent_records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "checklists"
    folder.mkdir()
    (folder / "shop.yaml").write_text(CHECKLIST.read_text())
    monkeypatch.chdir(tmp_path)
    app = make_app(tmp_path, checklist=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ChooserScreen)
        assert "shop.yaml" in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        await pilot.press("p")
    assert status_of(app, "api-login") == "passed"


async def test_a_record_path_resumes_that_record_where_the_tester_stopped(tmp_path: Path) -> None:
    clock = FixedClock()
    app = make_app(tmp_path, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        clock.advance(60)
        await pilot.press("j", "j", "p", "k", "k", "q")  # the third item, ticked last
    record = tmp_path / "record.md"
    assert is_record_file(record) and not is_record_file(CHECKLIST)
    resumed = make_app(tmp_path, record, tester=None, env_key=None, record_path=None)
    async with resumed.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(resumed.screen, MainScreen)
        assert resumed.screen.current_item_id == "admin-login"  # type: ignore[attr-defined]
        await pilot.press("j", "s")
    session = record_of(record)
    assert [i.status.value for i in session.items()][:4] == ["passed", "untested", "passed", "skipped"]


async def test_signoff_shows_open_critical_items_and_signs_the_record(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 50)) as pilot:
        await pilot.press("p", "S")
        assert isinstance(app.screen, SignOffScreen)
        await pilot.pause()
        text = screen_text(app)
        assert "1 critical item is not passed" in text
        assert "Product list answers" in text
        assert "Login time" in text  # the performance table
        await pilot.press("ctrl+s")  # a critical item is open: signing asks first
        await pilot.pause()
        assert "Sign with open critical items?" in screen_text(app)
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        signoff = record_of(app).signoff
        assert signoff is not None
        assert (signoff.name, signoff.role, signoff.meaning) == ("Hannah", "QA", "Approved for production deploy")
        assert "SIGNED" in screen_text(app)
        await pilot.press("p")  # a signed record is not changed behind its signature
        await pilot.pause()
        assert isinstance(app.screen, ErrorModal)


async def test_signoff_back_does_not_sign(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("S", "escape")
        assert isinstance(app.screen, MainScreen)
    assert record_of(app).signoff is None




async def test_conflict_reload_takes_the_file_from_disk(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        edit_behind_qatuis_back(app.record_path)
        await pilot.press("j", "p")
        assert isinstance(app.screen, ConflictModal)
        assert "edited elsewhere" in (tmp_path / "record.md").read_text()  # not overwritten
        app.screen.query_one("#reload").press()
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        await pilot.press("p")
    session = record_of(tmp_path / "record.md")
    assert session.item("admin-orders").note == "edited elsewhere"
    assert session.item("api-login").status.value == "passed"
    assert session.item("api-products").status.value == "passed"


async def test_conflict_cannot_be_waved_away_and_quit_warns_first(tmp_path: Path) -> None:
    """The tick that met the conflict is not on disk: escape does not hide that, `q` does
    nothing while the question is open, the first ctrl+q says so instead of quitting, and
    after a reload the screen shows what the file holds."""
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        edit_behind_qatuis_back(app.record_path)
        await pilot.press("p")
        assert isinstance(app.screen, ConflictModal)
        await pilot.press("escape")
        assert isinstance(app.screen, ConflictModal)
        await pilot.press("q", "ctrl+q")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, ConflictModal)
        assert any("quit again to leave without it" in note.message for note in app._notifications)
        app.screen.query_one("#reload").press()
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert app.session.item("api-login").status is Status.UNTESTED  # the screen is the file
    assert record_of(tmp_path / "record.md").item("api-login").status.value == "untested"


async def test_conflict_save_as_writes_elsewhere(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()  # the new record is written right after the first paint
        edit_behind_qatuis_back(app.record_path)
        await pilot.press("p")
        assert isinstance(app.screen, ConflictModal)
        target = tmp_path / "mine.md"
        app.screen.query_one("#save-as").value = str(target)
        app.screen.query_one("#save_as").press()
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        await pilot.press("p")
    assert app.record_path == target
    assert record_of(target).item("api-login").status.value == "passed"
    assert record_of(tmp_path / "record.md").item("api-login").status.value == "untested"
    assert record_of(target).item("admin-orders").note == ""


async def test_errors_become_the_error_modal(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:

        def boom() -> None:
            raise QatuiError("the engine is down", title="Docker unavailable")

        app.run_worker(boom, thread=True, exit_on_error=False, description="log source web")
        for _ in range(100):
            await pilot.pause(0.02)
            if isinstance(app.screen, ErrorModal):
                break
        assert isinstance(app.screen, ErrorModal)
        await pilot.pause()
        text = screen_text(app)
        assert "Docker unavailable" in text and "the engine is down" in text
        assert "Traceback" not in text
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_signoff_performance_table_takes_before_from_the_baseline(tmp_path: Path) -> None:
    old = tmp_path / "old.md"
    session = record_of_new(tmp_path / "seed", old)
    session.metrics[0].after = 420.0
    old.write_text(render(session))
    app = make_app(tmp_path, baseline=old)
    async with app.run_test(size=(120, 50)) as pilot:
        await pilot.press("S")
        await pilot.pause()
        text = screen_text(app)
        assert "420 ms" in text  # before, from the baseline record
        assert "500 ms" in text  # the limit


