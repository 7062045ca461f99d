"""The tester's keymap (`keymap.toml` in qatui's config folder): a remapped key works, the
default it replaces does not, the help screen and the footer show the new key, and bad entries
are said with file:line and the nearest real id, while the good ones still apply."""

from __future__ import annotations

from pathlib import Path

from qatui.ui.keymap import key_problem, parse
from qatui.ui.screens.help import HelpScreen
from tests.ui.helpers import make_app, screen_text, status_of

SIZE = (100, 30)


def write_keymap(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "config" / "qatui"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "keymap.toml").write_text(text, encoding="utf-8")
    return folder / "keymap.toml"


async def test_a_remapped_key_works_and_shows_in_help_and_footer(tmp_path: Path) -> None:
    write_keymap(tmp_path, '# mine\npass = "y"\nfail = "x,ctrl+f"\n')
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        footer = screen_text(app).split("\n")[-1]
        assert "y Pass" in footer and "p Pass" not in footer
        await pilot.press("p")  # the default no longer passes
        await pilot.pause()
        assert status_of(app, "api-login") == "untested"
        await pilot.press("y")
        await pilot.pause()
        assert status_of(app, "api-login") == "passed"
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        lines = screen_text(app).split("\n")
        passed = next(line for line in lines if "Mark the selected item passed" in line)
        failed = next(line for line in lines if "Mark the selected item failed" in line)
        assert "█ y  " in passed and "█ p  " not in passed, passed
        assert "x / ctrl+f" in failed, failed
    assert not app._notifications  # a keymap without problems says nothing


async def test_bad_entries_are_said_with_their_line_and_the_good_ones_apply(tmp_path: Path) -> None:
    path = write_keymap(tmp_path, 'pas = "y"\nfail = 3\nnote = "ctrl+nope"\nskip = "w"\n')
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        [notice] = [str(n.message) for n in app._notifications]
        assert f"{path}:1: unknown binding 'pas' (did you mean 'pass'?)" in notice
        assert f'{path}:2: fail must be keys in quotes, such as "x" or "x,ctrl+x"' in notice
        assert f"{path}:3: note = 'ctrl+nope': 'nope' is not a key name" in notice
        await pilot.press("w")  # the good entry applies
        await pilot.pause()
        assert status_of(app, "api-login") == "skipped"
        await pilot.press("p")  # the entry for `pass` was left out: p still passes
        await pilot.pause()
        assert status_of(app, "api-login") == "passed"


def test_a_toml_syntax_error_has_line_and_column(tmp_path: Path) -> None:
    keymap = parse('pass = "y"\nfail "x"\n', tmp_path / "keymap.toml")
    assert keymap.keys == {}
    [problem] = keymap.problems
    assert problem.startswith(f"{tmp_path / 'keymap.toml'}:2:6: not TOML: "), problem


def test_key_names_are_checked() -> None:
    assert key_problem("f5") is None and key_problem("ctrl+shift+x") is None and key_problem("?") is None
    assert key_problem("question_mark,enter,pagedown") is None
    assert key_problem("pgdown") == "'pgdown' is not a key name (did you mean 'pagedown'?)"
    assert key_problem("cmd+x") == "'cmd' is not a modifier (ctrl, shift, alt, meta, super)"
    assert key_problem(" ") == "no key given"
