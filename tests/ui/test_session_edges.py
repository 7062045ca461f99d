"""Edges of a session: what the screen shows is what the record holds (from the third QA walkthrough).

- a change whose save met a changed record is neither in the header nor the list (and "Save
  as" still saves it);
- any existing record opens on the item changed last, not only `qatui RECORD.md`;
- an unknown `--env` (or $QATUI_ENV) is said on the command line before the screen starts;
- a second tester's name on someone else's record is said on the screen;
- a record that cannot be read leaves its reason on stderr after the screen closes;
- the conflict dialog explains each choice once.
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest
from textual.widgets import Static

from qatui.core.session import Status
from qatui.ui.screens.main import MainScreen
from qatui.ui.screens.modals import ConflictModal, ErrorModal
from qatui.ui.screens.start import StartScreen
from qatui.ui.widgets.session_header import SessionHeader
from tests.ui.helpers import (
    CHECKLIST,
    SIZE,
    FixedClock,
    edit_behind_qatuis_back,
    make_app,
    record_of,
    screen_text,
    wait_for,
)

ROOT = Path(__file__).resolve().parents[2]


def header_of(app: object) -> str:
    screen = app.main_screen  # type: ignore[attr-defined]
    assert screen is not None
    return screen.query_one(SessionHeader).header_text(200).plain  # type: ignore[no-any-return]


async def test_a_tick_that_met_a_changed_record_is_not_counted_and_save_as_keeps_it(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        assert "✓1" in header_of(app)
        edit_behind_qatuis_back(app.record_path)
        await pilot.press("j", "p")  # api-products, against a file changed on disk
        await pilot.pause()
        assert isinstance(app.screen, ConflictModal)
        # Neither the session the screen draws from nor its header counts the unsaved tick.
        assert app.session.item("api-products").status is Status.UNTESTED
        assert "✓1" in header_of(app) and "✓2" not in header_of(app)
        assert record_of(app).item("api-products").status is Status.UNTESTED
        target = tmp_path / "mine.md"
        app.screen.query_one("#save-as").value = str(target)
        app.screen.query_one("#save_as").press()
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        # "Save as" saved the pending tick (no second `p`), and now the screen shows it.
        saved = record_of(target)
        assert saved.item("api-products").status is Status.PASSED
        assert saved.item("api-login").status is Status.PASSED
        assert app.session.item("api-products").status is Status.PASSED
        assert "✓2" in header_of(app)
    assert record_of(tmp_path / "record.md").item("api-products").status is Status.UNTESTED


async def test_a_note_that_met_a_changed_record_is_not_shown_after_reload_or_before(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        edit_behind_qatuis_back(app.record_path)
        await pilot.press("n", *"seen it", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConflictModal)
        assert app.session.item("api-login").note == ""
        app.screen.query_one("#reload").press()
        await pilot.pause()
        assert app.session.item("api-login").note == ""
        assert app.session.item("admin-orders").note == "edited elsewhere"


async def test_the_checklist_with_an_existing_record_opens_on_the_item_changed_last(tmp_path: Path) -> None:
    clock = FixedClock()
    app = make_app(tmp_path, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "j", "j", "p")  # admin-orders
        clock.advance(60)
        await pilot.press("k", "k", "s", "g", "q")  # api-products, the last change; cursor back on top
    again = make_app(tmp_path, clock=FixedClock(clock.now))  # `qatui CHECKLIST --env local --tester Hannah`
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(again.screen, MainScreen)
        assert again.screen.current_item_id == "api-products"
        await pilot.press("p")
    assert record_of(tmp_path / "record.md").item("api-products").status is Status.PASSED


async def test_a_new_record_still_opens_on_the_first_item(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.screen.current_item_id == "api-login"  # type: ignore[attr-defined]


def run_in_a_terminal(args: list[str], env: dict[str, str], *, answer: tuple[bytes, bytes] | None = None) -> tuple[int, str]:
    """`qatui ARGS` as a tester runs it: a real process on a pseudo-terminal (stdin and
    stderr are one, so the screen can start); (exit code, everything it wrote).

    Without `answer` the screen must not start (it is killed if it does); with
    `answer = (seen, keys)` the keys are typed once `seen` is on the screen."""
    main_fd, child_fd = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "qatui", *args], stdin=child_fd, stdout=child_fd,
                               stderr=child_fd, env=env, cwd=ROOT, close_fds=True)
    os.close(child_fd)
    output = b""
    try:
        while select.select([main_fd], [], [], 30)[0]:  # 30 s of silence: stuck, stop it
            try:
                chunk = os.read(main_fd, 65536)
            except OSError:  # EIO: the process is gone and its side of the terminal closed
                break
            if not chunk:
                break
            output += chunk
            if answer is None and b"\x1b[?1049h" in output:
                process.kill()  # the screen started: the test fails on the exit code
                break
            if answer is not None and answer[0] in output:
                os.write(main_fd, answer[1])
                answer = (b"\x00never", b"")
    finally:
        os.close(main_fd)  # a process still drawing gets a hang-up
    try:
        code = process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        code = process.wait()
    return code, output.decode("utf-8", "replace").replace("\r\n", "\n")


def terminal_env(tmp_path: Path) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
            "HOME": str(tmp_path), "TERM": "xterm", "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "XDG_CACHE_HOME": str(tmp_path / "cache"), "XDG_DATA_HOME": str(tmp_path / "data")}


@pytest.mark.parametrize("origin", ["flag", "QATUI_ENV"])
def test_an_unknown_environment_is_said_before_the_screen_starts(tmp_path: Path, origin: str) -> None:
    env = terminal_env(tmp_path)
    argv = [str(CHECKLIST), "--tester", "H", "--record", str(tmp_path / "r.md")]
    if origin == "flag":
        argv += ["--env", "locl"]
    else:
        env["QATUI_ENV"] = "locl"
    code, out = run_in_a_terminal(argv, env)
    assert code == 2, out
    lines = out.strip().splitlines()
    assert len(lines) == 1, out
    assert "no environment 'locl'" in lines[0] and "did you mean 'local'?" in lines[0]
    assert "choose one of: local, production" in lines[0]
    assert ("$QATUI_ENV" in lines[0]) == (origin == "QATUI_ENV")
    assert "Traceback" not in out
    assert not (tmp_path / "r.md").exists()


async def test_an_unknown_environment_after_the_chooser_is_said_on_the_start_screen(tmp_path: Path) -> None:
    app = make_app(tmp_path, env_key="locl")  # what is left for the chooser's path
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, StartScreen)
        assert "Unknown environment 'locl'" in screen_text(app)
        await pilot.press("enter", "enter")
        assert isinstance(app.screen, MainScreen)
    assert record_of(app).environment == "local"


async def test_a_second_tester_is_told_whose_record_this_is(tmp_path: Path) -> None:
    first = make_app(tmp_path)
    async with first.run_test(size=SIZE) as pilot:
        await pilot.press("p", "q")
    for path in (CHECKLIST, tmp_path / "record.md"):  # the checklist, or the record itself
        bob = make_app(tmp_path, path, tester="Bob")
        async with bob.run_test(size=(120, 30), notifications=True) as pilot:
            await pilot.pause()
            notes = [n for n in bob._notifications if "started by Hannah" in n.message]
            assert len(notes) == 1, [n.message for n in bob._notifications]
            assert "--record PATH" in notes[0].message and notes[0].timeout >= 10
            await wait_for(pilot, lambda b=bob: "started by Hannah" in screen_text(b))  # a toast
    same = make_app(tmp_path)
    async with same.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert not [n for n in same._notifications if "started by" in n.message]
    assert record_of(tmp_path / "record.md").tester == "Hannah"


async def break_a_record(tmp_path: Path) -> Path:
    """A record of the fixture checklist whose hidden data of one item is not JSON."""
    seed = make_app(tmp_path)
    async with seed.run_test(size=SIZE) as pilot:
        await pilot.press("p", "q")
    record = tmp_path / "record.md"
    text = record.read_text()
    anchor = text.index("<!-- qatui:item ")
    record.write_text(text[:anchor] + "<!-- qatui:item {broken -->" + text[text.index("-->", anchor) + 3:])
    return record


async def test_a_broken_record_shows_its_error_and_keeps_it_for_the_way_out(tmp_path: Path) -> None:
    await break_a_record(tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ErrorModal)
        shown = (app.screen.title_text, app.screen.message)
        await pilot.press("escape")
        await pilot.pause()
    assert app.return_code == 1
    assert app.start_error is not None
    assert (app.start_error.title, app.start_error.message) == shown
    assert "broken data" in shown[1]


async def test_a_broken_record_leaves_its_reason_on_stderr_after_the_screen(tmp_path: Path) -> None:
    record = await break_a_record(tmp_path)
    code, out = run_in_a_terminal(
        [str(CHECKLIST), "--env", "local", "--tester", "Hannah", "--record", str(record)],
        terminal_env(tmp_path), answer=(b"enter or esc closes", b"\r"),
    )
    assert code == 1, out
    after = out[out.rindex("\x1b[?1049l"):]  # what stays in the terminal once the screen is gone
    assert f"qatui: Record cannot be read: {record}:" in after and "broken data" in after, after
    assert "Traceback" not in out


async def test_the_conflict_dialog_explains_each_choice_once(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:  # wide: no sentence is wrapped
        await pilot.pause()
        edit_behind_qatuis_back(app.record_path)
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, ConflictModal)
        text = " ".join(str(static.render()) for static in app.screen.query(Static))
        assert "Reload it" not in text
        assert text.count("your last change is dropped") == 1
        assert text.count("Reload from disk") == 1 and text.count("Save as:") == 1  # beside the buttons
        assert "content differs" in text or "bytes" in text  # why, from the store


async def test_the_demo_reusing_another_testers_record_says_so(tmp_path: Path) -> None:
    """`qatui demo` reuses today's record in its data folder: the same notice."""
    from qatui.commands.demo import demo_checklist_path

    record = tmp_path / "demo-record.md"
    for tester, told in (("Hannah", False), ("Bob", True)):
        app = make_app(tmp_path, demo_checklist_path(), env_key="demo", tester=tester, record_path=record,
                       auto_run=False)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            said = [n.message for n in app._notifications if "started by Hannah" in n.message]
            assert bool(said) == told
    assert record_of(record).tester == "Hannah"


async def test_save_as_onto_an_existing_file_asks_again_and_says_why(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    taken = tmp_path / "taken.md"
    taken.write_text("someone's notes\n")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        edit_behind_qatuis_back(app.record_path)
        await pilot.press("j", "p")
        await pilot.pause()
        app.screen.query_one("#save-as").value = str(taken)
        app.screen.query_one("#save_as").press()
        await pilot.pause()
        assert isinstance(app.screen, ConflictModal)
        text = screen_text(app)
        assert app.screen.taken == str(taken)
        assert "already exists: choose another name" in " ".join(text.split())
        assert "Why: it is now" in text  # still the record's own reason, not the new file's
        assert taken.read_text() == "someone's notes\n"


async def test_enter_in_the_conflict_dialog_keeps_the_change_under_a_name_that_does_not_grow(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        edit_behind_qatuis_back(app.record_path)
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, ConflictModal)
        await pilot.press("enter")  # the quick answer saves as the suggested name
        await pilot.pause()
        first = app.record_path
        assert first.name == "record-Hannah.md"
        assert record_of(first).item("api-login").status is Status.PASSED
        edit_behind_qatuis_back(first)
        await pilot.press("j", "p")
        await pilot.pause()
        assert isinstance(app.screen, ConflictModal)
        assert app.screen.query_one("#save-as").value.endswith("record-Hannah-2.md")  # not -Hannah-Hannah
