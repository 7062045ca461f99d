"""An inconclusive logs check on the screen: its own mark and word (readable with NO_COLOR), a
suggestion that does not read as a pass, and the status kept in the record."""

from __future__ import annotations

from pathlib import Path

from qatui.core.session import ProbeResult, ProbeStatus
from qatui.core.trust import trust
from qatui.ui.widgets.probe_pane import suggestion
from tests.servers import probe
from tests.ui.helpers import SIZE, make_app, record_of, screen_text, wait_for

CHECKLIST = """\
qatui: 1
title: Quiet
environments:
  local: {{label: Local, default: true}}
logs:
  huey: {{file: {log}}}
sections:
  - id: s
    title: Workers
    priority: critical
    items:
      - id: huey-clean
        title: Huey logs no ERROR
        probes:
          - {{id: huey-no-errors, kind: logs, source: huey, absent: 'ERROR', min_lines: 5}}
"""


async def test_inconclusive_is_shown_as_not_passed(tmp_path: Path) -> None:
    log = tmp_path / "huey.log"
    log.write_text("")
    path = tmp_path / "quiet.yaml"
    path.write_text(CHECKLIST.format(log=log))
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "XDG_DATA_HOME": str(tmp_path / "data"), "NO_COLOR": "1"}
    app = make_app(tmp_path, path, env_vars=env)
    assert app.checklist is not None
    trust(app.checklist, env)  # as `qatui trust --yes` would: an untrusted checklist runs nothing
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await wait_for(pilot, lambda: bool(app.view.probe_results("huey-clean")) and not app.view.running_probes)
        text = screen_text(app)
        assert "? logs      huey-no-errors" in text and "inconclusive:" in text
        assert "ms  inconclusive: no l" in text  # the word, not only the colour (NO_COLOR)
        assert "1 of 1 probes inconclusive (not enough evidence, not a" in text
        assert "press p to confirm" not in text
        assert record_of(app).item("huey-clean").probes[0].status is ProbeStatus.INCONCLUSIVE


def test_suggestion_counts_inconclusive_as_not_passed() -> None:
    probes = [probe(id="a", kind="logs", source="x", absent="E"), probe(id="b", kind="tcp", host="h", port=1)]
    mixed = {"a": ProbeResult("a", "logs", ProbeStatus.INCONCLUSIVE, "s"), "b": ProbeResult("b", "tcp", ProbeStatus.FAILED, "s")}
    assert "2 of 2 probes did not pass" in suggestion(probes, mixed, set()).plain
    only = {"a": ProbeResult("a", "logs", ProbeStatus.INCONCLUSIVE, "s"), "b": ProbeResult("b", "tcp", ProbeStatus.PASSED, "s")}
    assert suggestion(probes, only, set()).plain.startswith("1 of 2 probes inconclusive")
