"""The screen's log feed with a real container: its lines come through a child process (the
pump), land in the feed for the pane, and the child ends when the feed moves on."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from qatui.core.checklist import LogSourceSpec
from qatui.core.logs import make_source
from qatui.core.logs.pump import pumped
from qatui.ui.logfeed import LogFeed, follow_source
from tests.unit.logs_support import pump_children

pytestmark = pytest.mark.docker


def test_a_container_on_the_screen_is_read_by_a_child_and_stopped_with_the_feed(
    run_container: Any, tmp_path: Path
) -> None:
    container = run_container("echo ready; echo 'ERROR on the screen'; sleep 600")
    feed = LogFeed()
    generation, stop = feed.restart(["web"])["web"]
    spec = LogSourceSpec(name="web", kind="container", target=container.name, tail=10)
    def build() -> Any:
        return pumped(make_source(spec, None, checklist_dir=tmp_path, lookup=os.environ.get))

    worker = threading.Thread(target=follow_source, args=(feed, generation, stop, build, spec.tail), daemon=True)
    worker.start()
    texts: list[str] = []
    errors: list[str] = []
    deadline = time.monotonic() + 20
    while "ERROR on the screen" not in texts and time.monotonic() < deadline:
        for batch in feed.drain():
            texts += [line.text for line in batch]
            errors += [line.text for line in batch if line.is_error]
        time.sleep(0.05)  # the screen drains on a 100 ms timer
    assert texts[:2] == ["ready", "ERROR on the screen"] and errors == ["ERROR on the screen"]
    assert pump_children()  # read by a child process, not in this one
    feed.restart([])  # the tester moved to an item without logs
    worker.join(timeout=3)
    assert not worker.is_alive() and not pump_children()
