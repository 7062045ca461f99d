"""Shared helpers of the screen tests: the fixture checklist, a fixed clock, reading the record."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from qatui.core.record import render
from qatui.core.record.read import read
from qatui.core.session import Session, Status
from qatui.ui.app import QatuiApp, create_app
from qatui.ui.screens.main import MainScreen

FIXTURES = Path(__file__).parent / "fixtures"
CHECKLIST = FIXTURES / "session.yaml"
T0 = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
SIZE = (100, 30)


class FixedClock:
    """A clock that stands still unless a test moves it."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def make_app(tmp_path: Path, checklist: Path | str | None = CHECKLIST, *, trusted: bool = True,
             advance: bool | None = False, **options: Any) -> QatuiApp:
    """The app exactly as the CLI builds it, with a tmp record, XDG dirs in tmp and a fixed clock.

    `trusted`: the checklist is trusted first, as `qatui trust --yes` does (in the test's own
    trust store under `env_vars`' HOME): an untrusted checklist runs no probe and opens no log
    source, so only the tests of that rule pass `trusted=False`.

    `advance`: tick and advance (the config's `advance`, on by default for a tester). The tests
    written before it move the cursor with `j`/`k` themselves and pin those moves, so they run
    with it off; the tests of ticking (`test_ticking.py`) and the snapshots of a tester's
    screens turn it on; None leaves it as the config file says."""
    options.setdefault("env_key", "local")
    options.setdefault("tester", "Hannah")
    options.setdefault("record_path", tmp_path / "record.md")
    options.setdefault("clock", FixedClock())
    options.setdefault("config_dir", tmp_path / "config" / "qatui")
    options.setdefault("deterministic", True)
    options.setdefault("env_vars", {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config")})
    app = create_app(checklist, **options)
    if advance is not None:
        app.config.advance = advance
    if trusted and app.checklist is not None:
        from qatui.core.trust import trust

        trust(app.checklist, options["env_vars"])
    return app


def record_of(app_or_path: QatuiApp | Path) -> Session:
    path = app_or_path.record_path if isinstance(app_or_path, QatuiApp) else app_or_path
    return read(Path(path).read_text(encoding="utf-8"), str(path))


def status_of(app: QatuiApp, item_id: str) -> str:
    return record_of(app).item(item_id).status.value


def screen_text(app: QatuiApp) -> str:
    """What the terminal shows, as plain text (for asserting on words, not pixels)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


async def wait_for(pilot: Pilot[Any], condition: Callable[[], bool], timeout: float = 15) -> None:
    """Let frames pass until `condition` holds (probes and log tails run on their own threads)."""
    for _ in range(int(timeout / 0.05)):
        if condition():
            await pilot.pause()
            return
        await pilot.pause(0.05)
    raise AssertionError("condition not met in time")


def log_text(app: QatuiApp) -> str:
    screen = app.screen
    assert isinstance(screen, MainScreen)
    return "\n".join(screen.log_pane.log_widget.lines)


def edit_behind_qatuis_back(path: Path) -> None:
    """A teammate's qatui (or a git pull) marks `admin-orders` blocked in the same file."""
    session = record_of(path)
    session.item("admin-orders").status = Status.BLOCKED
    session.item("admin-orders").note = "edited elsewhere"
    path.write_text(render(session))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))


def record_of_new(folder: Path, path: Path) -> Session:
    """A fresh record of the fixture checklist, as an earlier session would have left it."""
    from qatui.core.loader import load_checklist
    from qatui.core.recorder import Recorder

    checklist = load_checklist(CHECKLIST)
    recorder = Recorder.open_or_start(checklist, path, tester="Old", environment="local", clock=lambda: T0)
    return recorder.session
