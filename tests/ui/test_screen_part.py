"""A tester's part on the screen: `qatui CHECKLIST --section api,websockets` shows and records
only those items, says so in the header, writes a record named after the tester, and chooses
exactly the items `qatui probe` chooses with the same options (one rule, two faces)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from qatui.core.loader import load_checklist
from qatui.core.session import PartSpec
from qatui.ui.app import QatuiApp
from qatui.ui.screens.main import MainScreen
from tests.ui.helpers import make_app, record_of, screen_text, wait_for

ROOT = Path(__file__).resolve().parents[2]
DJANGO = ROOT / "checklists" / "django-upgrade.yaml"


def shipped_copy(tmp_path: Path) -> Path:
    """The shipped Django checklist in a folder of its own (records go to tmp_path/records)."""
    folder = tmp_path / "checklists"
    folder.mkdir()
    return Path(shutil.copy(DJANGO, folder / DJANGO.name))


def shown_ids(app: QatuiApp) -> list[str]:
    screen = app.screen
    assert isinstance(screen, MainScreen)
    return screen.checklist_view.visible_item_ids()


async def test_the_screen_opens_only_the_part_and_the_record_says_which(tmp_path: Path) -> None:
    checklist = shipped_copy(tmp_path)
    full = load_checklist(checklist)
    part_ids = [i.id for s in full.sections if s.id in ("api", "websockets") for i in s.items]
    app = make_app(tmp_path, checklist, sections="api,websockets", record_path=None, trusted=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen) and app.recorder is not None)
        assert sorted(shown_ids(app)) == sorted(part_ids)
        assert "part: sections api, websockets" in screen_text(app)
        await pilot.press("p")
        await pilot.pause()
    record = tmp_path / "records" / "django-upgrade-local-2026-11-23-hannah.md"
    assert app.record_path.resolve() == record.resolve()
    session = record_of(record)
    assert session.part == [PartSpec(sections=("api", "websockets"))]
    assert sorted(item.id for item in session.items()) == sorted(part_ids)
    assert sum(item.status.value == "passed" for item in session.items()) == 1

    # `qatui probe` with the same options chooses the same items (untrusted: it runs nothing)
    probe_record = tmp_path / "probe-record.md"
    done = subprocess.run(
        [sys.executable, "-m", "qatui", "probe", str(checklist), "--section", "api", "--section", "websockets",
         "--record", str(probe_record), "--format", "json"],
        capture_output=True, text=True, timeout=120, env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin",
                                                           "XDG_DATA_HOME": str(tmp_path / "data")},
    )
    assert done.returncode == 0, done.stderr
    probed = record_of(probe_record)
    assert probed.part == session.part
    assert [item.id for item in probed.items()] == [item.id for item in session.items()]


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (["--section", "websocket"], "did you mean 'websockets'?"),
        (["--only", "critcal"], "did you mean 'critical'?"),
        (["--tag", "chanels"], "did you mean 'channels'?"),
        (["--only", "nice", "--section", "api"], "no item is nice · section api"),
    ],
)
def test_a_part_the_checklist_lacks_is_said_before_the_screen(
    tmp_path: Path, options: list[str], said: str
) -> None:
    done = subprocess.run([sys.executable, "-m", "qatui", str(DJANGO), "--tester", "Ana", *options],
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
                          env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 2 and said in done.stderr and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1
