"""Issue 11.1 as a tester meets it, in a real terminal: after `qatui trust --yes`, open an
HTTP-only item and run its probes, then an item with a command probe: the command probe runs.

The screen used to make its one probe runner on the first run with "not trusted" (its own
trust flag was still unset when that first run had no command probe) and never update it, so
the command probe said "not run: the checklist is not trusted" although it was. The runner now
shares the run's live trust state (`core/run/trust_state.py`).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.helpers import Tmux, isolated_env, qatui_binary, require_tmux, served_demo, wait_for

DEMO = Path(__file__).resolve().parents[2] / "checklists" / "demo.yaml"


def probe_statuses(record: Path, item_id: str) -> dict[str, str]:
    from qatui.core.record import read

    if not record.exists():
        return {}
    try:
        session = read(record.read_text(encoding="utf-8"), str(record))
    except Exception:  # a reader racing the writer: try again
        return {}
    return {p.probe_id: p.status.value for p in session.item(item_id).probes}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[dict[str, str]]:
    base = isolated_env(tmp_path)
    with served_demo(base) as demo:
        yield {**base, **demo.variables}


def test_after_trust_a_command_probe_runs_after_an_http_only_item(served: dict[str, str], tmp_path: Path) -> None:
    tmux = require_tmux()
    trusted = subprocess.run([qatui_binary(), "trust", str(DEMO), "--yes"], env=served, capture_output=True,
                             text=True, timeout=60)
    assert trusted.returncode == 0, trusted.stderr
    record = tmp_path / "record.md"
    term = Tmux(tmux, served, width=120, height=36)
    try:
        term.start([qatui_binary(), str(DEMO), "--env", "demo", "--tester", "Tia", "--record", str(record)],
                   cwd=tmp_path)
        term.wait_screen("Tia", timeout=30, what="the main screen")
        term.wait_screen(lambda s: "The application answers" in s, what="the first item (HTTP only)")
        term.keys("r")
        wait_for(lambda: probe_statuses(record, "health").get("health") == "passed", timeout=30,
                 what="the HTTP probe's result in the record")
        for _ in range(8):  # down the list to the item with the command probe
            term.keys("j")
        term.wait_screen("UNTESTED  python-version", what="the item with the command probe in the item pane")
        term.keys("r")
        wait_for(lambda: probe_statuses(record, "python-version").get("python-version") not in (None,),
                 timeout=30, what="the command probe's result in the record")
        status = probe_statuses(record, "python-version")["python-version"]
        assert status == "passed", f"the command probe was {status}:\n{term.screen()}"
        assert "not trusted" not in term.screen()
        term.keys("q")
        term.wait_exit()
    finally:
        term.kill()
