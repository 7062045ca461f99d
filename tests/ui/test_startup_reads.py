"""Start-up keeps the record modules (the heaviest imports of start-up) out of a new session's
way to the first screen; only a Markdown path is sniffed for a record."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.ui.helpers import CHECKLIST

PROBE = """
import sys
from qatui.ui.app import create_app
app = create_app(sys.argv[1], tester="Hannah", env_key="local", record_path=sys.argv[2],
                 env_vars={"HOME": sys.argv[3]}, config_dir=sys.argv[3], deterministic=True)
screen = app.get_default_screen()
print(type(screen).__name__, sorted(m for m in sys.modules if m.startswith("qatui.core.record")))
"""


def test_a_new_session_shows_before_any_record_module_is_imported(tmp_path: Path) -> None:
    # A fresh interpreter: this test process has imported the record modules long ago.
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(CHECKLIST), str(tmp_path / "record.md"), str(tmp_path)],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout.split(None, 1)
    assert out == ["MainScreen", "[]\n"]


def test_a_markdown_record_given_is_still_told_from_a_checklist(tmp_path: Path) -> None:
    # The suffix gate in front of the 64 KiB sniff lets a record through (it is Markdown).
    from tests.ui.helpers import make_app

    first = make_app(tmp_path)
    assert first.startup.default_screen() is not None
    assert first.sessions.ensure_recorder()
    record = tmp_path / "record.md"
    resumed = make_app(tmp_path, record, tester=None, env_key=None, record_path=None)
    assert resumed.options.resume == str(record)
    assert Path(resumed.options.checklist_path or "").resolve() == CHECKLIST.resolve()


COMPOSED = """
import asyncio, sys
from qatui.ui.app import create_app
from qatui.ui.screens.main import MainScreen

seen = []
mounted = MainScreen.on_mount
def on_mount(self):  # the panes are composed and mounted; the first frame is not painted yet
    seen.extend(sorted(m for m in sys.modules if m in LATER))
    mounted(self)
MainScreen.on_mount = on_mount
LATER = {"qatui.ui.widgets.log_tail", "qatui.ui.widgets.log_selection", "textual.widgets._log"}

async def main():
    app = create_app(sys.argv[1], tester="Hannah", env_key="local", record_path=sys.argv[2],
                     env_vars={"HOME": sys.argv[3]}, config_dir=sys.argv[3], deterministic=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        print(seen, sorted(m for m in sys.modules if m in LATER), type(app.main_screen.log_pane.log_widget).__name__)

asyncio.run(main())
"""


def test_the_log_tail_comes_after_the_first_frame(tmp_path: Path) -> None:
    # The log pane is empty until a source speaks: its tail (and `Log`, and the line selection)
    # is imported and mounted a frame after the panes are first shown, and then it is there.
    out = subprocess.run(
        [sys.executable, "-c", COMPOSED, str(CHECKLIST), str(tmp_path / "record.md"), str(tmp_path)],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout
    assert out.strip() == "[] ['qatui.ui.widgets.log_selection', 'qatui.ui.widgets.log_tail', 'textual.widgets._log'] TailLog"
