"""Dialogs at 80×24, driven by the keys a tester types: help scrolls to every key, the trust
dialog keeps its buttons on screen, never trusts on a bare enter and shows each command exactly
as `qatui trust` prints it, a modal's footer shows the modal's keys, and the start screen keeps
PROTECTED on the environment's row."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from qatui.ui.app import QatuiApp
from qatui.ui.keys import KEYS
from qatui.ui.screens.help import HelpScreen
from qatui.ui.screens.main import MainScreen
from qatui.ui.screens.modals import ConflictModal, NoteModal, ScrollBody, TrustModal
from qatui.ui.screens.start import StartScreen
from tests.ui.helpers import CHECKLIST, make_app, screen_text, wait_for

SMALL = (80, 24)



def rows(app: QatuiApp) -> list[str]:
    return screen_text(app).split("\n")


def footer_row(app: QatuiApp) -> str:
    return rows(app)[-1]


# ---------------------------------------------------------------- help


async def test_help_scrolls_to_every_key_and_keeps_esc_closes_on_screen(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        first = screen_text(app)
        assert "esc closes" in first
        assert "Quit; everything is already saved." not in first  # the list is taller than 24 rows
        assert "Pass" not in footer_row(app) and "Close" in footer_row(app)

        body = app.screen.query_one("#help-body", ScrollBody)
        await pilot.press("j")
        await pilot.pause()
        assert body.scroll_y == 1
        await pilot.press("k")

        seen = first
        for _ in range(20):  # PageDown until the end, keeping what each page showed
            await pilot.press("pagedown")
            await pilot.pause()
            seen += screen_text(app)
            assert "esc closes" in screen_text(app)
            if body.scroll_y >= body.max_scroll_y:
                break
        listed: set[tuple[str, str]] = set()
        for key in KEYS:  # every key (a second key for the same action in a group shares its row)
            if (key.group, key.action) not in listed:
                listed.add((key.group, key.action))
                assert key.help[:24] in seen, key.id
        assert "Reopen a signed record" in seen

        await pilot.press("g")
        await pilot.pause()
        assert "Mark the selected item passed." in screen_text(app)
        await pilot.press("G")
        await pilot.pause()
        last = screen_text(app)
        assert "Open the command palette" in last and "esc closes" in last
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


# ---------------------------------------------------------------- trust


def command_checklist(folder: Path, count: int) -> Path:
    """A checklist whose one item has `count` command probes (argv with spaces and `;`)."""
    probes = "".join(
        f"""
          - id: step-{i}
            kind: command
            argv: [sh, -c, "echo step {i}; true"]
            expect: {{stdout_contains: step {i}}}"""
        for i in range(count)
    )
    path = folder / "commands.yaml"
    path.write_text(
        f"""qatui: 1
title: Commands
settings:
  auto_run_probes: false
environments:
  local:
    label: Local
    default: true
sections:
  - id: shell
    title: Shell
    priority: critical
    items:
      - id: steps
        title: Every step runs
        probes:{probes}
""",
        encoding="utf-8",
    )
    return path


def env_of(tmp_path: Path) -> dict[str, str]:
    return {
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "PATH": "/usr/bin:/bin",
    }


def trusted(tmp_path: Path) -> bool:
    store = tmp_path / "data" / "qatui" / "trusted.json"
    return store.exists() and bool(json.loads(store.read_text())["trusted"])


async def test_trust_dialog_keeps_its_buttons_on_screen_and_never_trusts_blindly(tmp_path: Path) -> None:
    app = make_app(tmp_path, command_checklist(tmp_path, 15), env_vars=env_of(tmp_path), trusted=False)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, TrustModal)
        text = screen_text(app)
        assert "Trust and run (y)" in text and "Don't run (n)" in text  # on screen at 80×24
        assert "y trusts and runs" in text
        assert "step 14" not in text  # the list is longer than the dialog: it scrolls
        assert "Trust and run" in footer_row(app) and "Pass" not in footer_row(app)

        await pilot.press("enter")  # a bare enter does not trust
        await pilot.pause()
        assert isinstance(app.screen, TrustModal) and not trusted(tmp_path)
        assert "enter is no answer here" in screen_text(app)
        await pilot.press("y")  # nor does y before the last command has been on screen
        await pilot.pause()
        assert isinstance(app.screen, TrustModal) and not trusted(tmp_path)
        assert "Read every command first" in screen_text(app)

        await pilot.press("G")  # to the end of the list
        await wait_for(pilot, lambda: "step 14" in screen_text(app), timeout=5)
        assert "Trust and run (y)" in screen_text(app)
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen) and trusted(tmp_path)
        await wait_for(pilot, lambda: len(app.view.probe_results("steps")) == 15 and not app.view.running_probes)


async def test_trust_dialog_n_and_escape_do_not_trust(tmp_path: Path) -> None:
    app = make_app(tmp_path, command_checklist(tmp_path, 2), env_vars=env_of(tmp_path), trusted=False)
    async with app.run_test(size=SMALL) as pilot:
        for key in ("n", "escape"):
            await pilot.press("r")
            await pilot.pause()
            assert isinstance(app.screen, TrustModal)
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, MainScreen)
        assert not trusted(tmp_path) and not app.view.running_probes


async def test_trust_dialog_shows_each_command_as_qatui_trust_prints_it(tmp_path: Path) -> None:
    checklist = command_checklist(tmp_path, 2)
    marker = tmp_path / "PWNED"
    text = checklist.read_text().replace('"echo step 1; true"', f'"touch {marker}; echo done"')
    checklist.write_text(text.replace("stdout_contains: step 1", "stdout_contains: done"))
    env = env_of(tmp_path)
    cli = subprocess.run(
        [sys.executable, "-m", "qatui", "trust", str(checklist)],
        env={**env, "PYTHONPATH": os.pathsep.join(sys.path)}, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=60, check=False,
    )
    printed = cli.stdout.split("\n\n")[1].splitlines()  # the review, between the heading and the question
    assert any(f"$ sh -c 'touch {marker}; echo done'" in line for line in printed), cli.stdout
    app = make_app(tmp_path, checklist, env_vars=env, trusted=False)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, TrustModal)
        shown = str(app.screen.query_one("#trust-commands Static").render())
        assert shown.splitlines() == printed  # line for line what the CLI printed
        await pilot.press("n")
    assert not marker.exists()


# ---------------------------------------------------------------- footers and the start screen


async def test_a_modal_footer_shows_the_modal_keys_not_the_main_screen_keys(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        assert "p Pass" in footer_row(app)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, NoteModal)
        assert "Cancel" in footer_row(app) and "Pass" not in footer_row(app)
        await pilot.press("escape")
        await pilot.press("question_mark")
        await pilot.pause()
        assert "Close" in footer_row(app) and "Pass" not in footer_row(app)


async def test_start_screen_keeps_protected_on_the_environment_row(tmp_path: Path) -> None:
    checklist = tmp_path / "session.yaml"
    checklist.write_text(
        CHECKLIST.read_text().replace(
            "label: Production\n", "label: Production shop, guarded like the real thing for customers\n"
        )
    )
    app = make_app(tmp_path, checklist, tester=None, env_key=None)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, StartScreen)
        lines = rows(app)
        row = next(line for line in lines if "production" in line)
        assert "⚠ PROTECTED" in row and "Production shop" in row and "…" in row  # the label gives way
        assert sum("PROTECTED" in line for line in lines) == 1
        await pilot.press(*"Ana", "enter", "down", "enter")
        assert isinstance(app.screen, MainScreen)


async def test_every_part_of_the_conflict_and_confirm_dialogs_is_on_screen(tmp_path: Path) -> None:
    from tests.ui.helpers import edit_behind_qatuis_back

    app = make_app(tmp_path)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("p")
        edit_behind_qatuis_back(app.record_path)
        await pilot.press("j", "p")
        await pilot.pause()
        assert isinstance(app.screen, ConflictModal)
        text = screen_text(app)
        for part in ("Record changed on disk", "save this session as", "Reload from disk", "Save as"):
            assert part in text, part
        assert "Choose" in footer_row(app) and "Pass" not in footer_row(app)
