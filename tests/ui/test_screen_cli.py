"""`qatui CHECKLIST` from the command line, and the screen under hard conditions
(80×24 and resizing, NO_COLOR, 5,000 items)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from textual.widgets import OptionList

from qatui.cli import main
from qatui.ui.screens.main import MainScreen
from qatui.ui.widgets.checklist_view import ChecklistView
from tests.ui.helpers import make_app, record_of, screen_text

ROOT = Path(__file__).resolve().parents[2]


def test_bad_checklist_prints_positions_and_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("qatui: 1\ntitle: Broken\nsections:\n  - id: a\n    title: A\n    priority: urgent\n    items: []\n")
    code = main([str(bad), "--tester", "x"], env={"HOME": str(tmp_path)})
    err = capsys.readouterr().err
    assert code == 2
    assert f"{bad}:6:" in err
    assert "Traceback" not in err


def test_missing_checklist_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main([str(tmp_path / "nope.yaml")], env={"HOME": str(tmp_path)})
    assert code == 2
    assert "nope.yaml" in capsys.readouterr().err


@pytest.mark.parametrize("command", [["checklists/demo.yaml", "--env", "demo", "--tester", "x"], ["demo"]])
def test_without_a_terminal_the_screen_says_so_and_exits_2(tmp_path: Path, command: list[str]) -> None:
    # Textual's input thread spins at full CPU on a standard input at end-of-file (a CI job,
    # `< /dev/null`, a pipe): qatui must not start the screen there, and must say why.
    env = {**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-m", "qatui", *command], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60, env=env, cwd=ROOT, check=False)
    assert done.returncode == 2
    assert "the screen needs a terminal" in done.stderr and "Traceback" not in done.stderr
    assert not list(tmp_path.glob("data/**/*.md"))  # no record started


async def test_resizing_never_crashes(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        for size in [(40, 12), (200, 60), (80, 24), (20, 8), (120, 40)]:
            await pilot.resize_terminal(*size)
            await pilot.press("j")
        await pilot.press("p")
        assert isinstance(app.screen, MainScreen)
    assert record_of(app).item("label-print").status.value == "passed"


async def test_no_color_keeps_marks_and_words(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(tmp_path, env_key="production")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("p", "j", "f", "ctrl+s")
        await pilot.pause()
        text = screen_text(app)
        assert app.no_color
        assert "✓ Token login" in text and "✗ Product list" in text
        assert "PRODUCTION · PROTECTED" in text
        # Without colours the cursor row must still stand out: reverse video.
        view = app.screen.query_one(ChecklistView)
        assert view.get_component_rich_style("checklist--cursor").reverse


async def test_no_color_marks_the_highlighted_choice_of_the_start_screen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(tmp_path, env_key=None)  # the start screen asks for the environment
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        options = app.screen.query_one(OptionList)
        options.focus()
        await pilot.pause()
        # As drawn: the highlighted row is underlined, the others are not.
        rows = [[seg for seg in strip if seg.text.strip() and seg.style is not None]
                for strip in options.render_lines(options.size.region)]
        marked = [row for row in rows if any(seg.style.underline for seg in row)]
        assert len(marked) == 1 and "local" in "".join(seg.text for seg in marked[0])


async def test_five_thousand_items_open_and_move(tmp_path: Path) -> None:
    lines = ["qatui: 1", "title: Big", "environments:", "  local: {label: L, default: true}", "sections:"]
    for s in range(50):
        lines += [f"  - id: s{s}", f"    title: Section {s}", f"    priority: {('critical', 'important', 'nice')[s % 3]}", "    items:"]
        lines += [f"      - {{id: i{s}-{i}, title: Check {s}-{i}}}" for i in range(100)]
    big = tmp_path / "big.yaml"
    big.write_text("\n".join(lines) + "\n")
    app = make_app(tmp_path, big)
    async with app.run_test(size=(120, 40)) as pilot:
        view = app.screen.query_one(ChecklistView)
        assert len(view.visible_item_ids()) == 5000
        await pilot.press("end", "p", "pageup", "k")
        assert view.highlighted_item is not None
        assert record_of(app).item("i47-99").status.value == "passed"  # last nice section


def test_first_screen_does_not_import_network_or_docker_libraries() -> None:
    """httpx, websockets and the docker SDK load after the first paint (start-up budget)."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import qatui.cli, qatui.commands.open, qatui.ui.app, qatui.ui.screens.main\n"
        "import qatui.ui.screens.start, qatui.ui.screens.modals\n"
        "print(','.join(sorted(m for m in ('httpx', 'websockets', 'docker') if m in sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
