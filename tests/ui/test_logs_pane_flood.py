"""The log pane under a flood, and log sources whose variables nest (`${log_file}` →
`${QATUI_TEST_LOG_DIR}/app.log`), resolved on the screen as the probes resolve them."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult

from qatui.core.logs.base import LogBatch
from qatui.ui.screens.main import MainScreen
from qatui.ui.widgets.log_pane import LogPane
from tests.ui.helpers import log_text, make_app, wait_for


class PaneApp(App[None]):
    def compose(self) -> ComposeResult:
        yield LogPane(max_lines=50)


def flood_batch(first: int, count: int) -> LogBatch:
    return LogBatch("web", [f"line {n}" for n in range(first, first + count)],
                    errors={10, count - 10}, notices={count - 5})


async def test_a_batch_larger_than_the_buffer_keeps_its_newest_lines() -> None:
    app = PaneApp()
    async with app.run_test(size=(80, 20)) as pilot:
        pane = app.query_one(LogPane)
        pane.set_sources(["web"], "item")
        assert pane.add_lines(flood_batch(0, 120)) == 50
        lines = list(pane.log_widget.lines)
        assert len(lines) == 50
        assert lines[0] == "web  │ line 70" and lines[-1] == "web  │ line 119"
        assert "web  ! line 110" in lines and "web  ~ line 115" in lines
        assert not any("line 10" in line and "!" in line for line in lines)
        pane.toggle_follow()  # paused: every line that arrived is counted, shown or not
        pane.add_lines(flood_batch(120, 120))
        await pilot.pause()
        assert pane.pending == 120


async def test_log_source_variables_nest_on_the_screen(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "app.log").write_text("nested path ok\n")
    checklist = tmp_path / "nested.yaml"
    checklist.write_text(
        "qatui: 1\ntitle: Nested\nfrom_env: [QATUI_TEST_LOG_DIR]\nvars:\n  log_dir: ${QATUI_TEST_LOG_DIR}\n"
        "environments:\n  local: {label: Local, default: true, vars: {log_file: '${log_dir}/app.log'}}\n"
        "logs:\n  app: {file: '${log_file}'}\n"
        "sections:\n  - id: s\n    title: S\n    priority: critical\n    logs: [app]\n"
        "    items:\n      - {id: one, title: One}\n"
    )
    env = {"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"), "QATUI_TEST_LOG_DIR": str(logs)}
    app = make_app(tmp_path, checklist, env_vars=env)
    async with app.run_test(size=(100, 30)) as pilot:
        assert isinstance(app.screen, MainScreen)
        await wait_for(pilot, lambda: "nested path ok" in log_text(app))
