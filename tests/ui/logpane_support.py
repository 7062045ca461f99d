"""Shared test helpers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from qatui.ui.app import QatuiApp
from qatui.ui.screens.main import MainScreen
from qatui.ui.widgets.log_pane import LogPane
from qatui.ui.widgets.log_tail import TailLog
from tests.ui.helpers import make_app, screen_text, wait_for

CHECKLIST = """\
qatui: 1
title: Log pane
settings: {{auto_run_probes: false}}
secrets:
  api_token: {{env: QA_TOKEN}}
environments:
  local: {{label: Local, default: true}}
logs:
  app: {{file: "{log}", tail: 100}}
  web: {{file: "{log}.web"}}
  worker: {{file: "{log}.worker"}}
sections:
  - id: main
    title: Main
    priority: critical
    logs: [app]
    items:
      - id: health
        title: Health answers
        probes:
          - {{id: ping, kind: http, url: "http://127.0.0.1:9/health"}}
      - {{id: other, title: Another thing}}
"""


TOKEN = "tok-9f8e7d6c5b4a"


class LogFile:
    """The log the source tails; `write` appends numbered lines."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        path.write_text("")

    def write(self, n: int, text: str = "line") -> str:
        with self.path.open("a") as handle:
            for _ in range(n):
                handle.write(f"{text} {self.count:03d}\n")
                self.count += 1
        return f"{text} {self.count - 1:03d}"


def setup(tmp_path: Path, **options: Any) -> tuple[QatuiApp, LogFile]:
    log = LogFile(tmp_path / "app.log")
    for suffix in (".web", ".worker"):
        (tmp_path / f"app.log{suffix}").write_text("")
    checklist = tmp_path / "logs.yaml"
    checklist.write_text(CHECKLIST.format(log=log.path))
    env = {"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"), "PATH": "/usr/bin:/bin", "QA_TOKEN": TOKEN}
    from qatui.core.loader import load_checklist
    from qatui.core.trust import trust

    trust(load_checklist(checklist, env=env), env)  # an untrusted checklist opens no log source
    return make_app(tmp_path, checklist, env_vars=env, **options), log


def parts(app: QatuiApp) -> tuple[LogPane, TailLog]:
    screen = app.screen
    assert isinstance(screen, MainScreen)
    return screen.log_pane, screen.log_pane.log_widget


def log_rows(app: QatuiApp) -> list[str]:
    """The log lines the terminal shows inside the log pane."""
    _pane, log = parts(app)
    region = log.region
    width = log.scrollable_content_region.width  # not the scrollbar
    rows = screen_text(app).splitlines()[region.y : region.y + region.height]
    return [row[region.x : region.x + width].rstrip() for row in rows]


def status_row(app: QatuiApp) -> str:
    pane, _ = parts(app)
    region = pane.status_line.region
    return screen_text(app).splitlines()[region.y][region.x : region.x + region.width].rstrip()


async def newest_shown(pilot: Pilot[Any], app: QatuiApp, line: str) -> None:
    """Wait until `line` arrived, then check it is the last row on screen."""
    _, log = parts(app)
    await wait_for(pilot, lambda: any(line in text for text in log.lines))
    await pilot.pause()
    assert any(line in row for row in log_rows(app)), (line, log_rows(app))
