"""The log pane fed by real log sources: a followed file and a command, through thread workers."""

from __future__ import annotations

from pathlib import Path

from qatui.core.trust import trust
from qatui.ui.screens.main import MainScreen
from tests.ui.helpers import log_text, make_app, record_of, screen_text, wait_for

CHECKLIST = """\
qatui: 1
title: Logs screen
environments:
  local: {{label: Local, default: true}}
logs:
  app: {{file: "{log}", tail: 10}}
  shell: {{command: "printf 'started\\\\nERROR exploded\\\\n'; sleep 30"}}
sections:
  - id: main
    title: Main
    priority: critical
    logs: [app]
    items:
      - {{id: one, title: First thing}}
      - {{id: two, title: Second thing, logs: [shell]}}
"""



def setup(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    log = tmp_path / "app.log"
    log.write_text("boot ok\nERROR database unreachable\n")
    checklist = tmp_path / "logs.yaml"
    checklist.write_text(CHECKLIST.format(log=log))
    env = {"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"}
    return log, checklist, env




async def test_file_source_is_tailed_followed_and_errors_marked(tmp_path: Path) -> None:
    log, checklist, env = setup(tmp_path)
    app = make_app(tmp_path, checklist, env_vars=env)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: "database unreachable" in log_text(app))
        assert "app  ! ERROR database unreachable" in log_text(app)
        assert "app  │ boot ok" in log_text(app)
        with log.open("a") as handle:
            handle.write("GET /health 200\n")
        await wait_for(pilot, lambda: "GET /health 200" in log_text(app))
        await pilot.press("space")  # pause: new lines are counted
        with log.open("a") as handle:
            handle.write("later line\n")
        screen = app.screen
        assert isinstance(screen, MainScreen)
        await wait_for(pilot, lambda: screen.log_pane.pending == 1)
        assert "PAUSED · 1 new line" in screen_text(app)
        screen.log_pane.log_widget.focus()
        await pilot.press("slash", *"health", "enter")  # `/` in the log pane filters the lines
        assert "GET /health 200" in log_text(app) and "boot ok" not in log_text(app)
        await pilot.press("slash", "escape")
        assert "boot ok" in log_text(app)
        await pilot.press("a")
        evidence = record_of(app).item("one").evidence
        assert evidence and "ERROR database unreachable" in evidence[0].text


async def test_no_log_source_opens_before_trust(tmp_path: Path) -> None:
    """An untrusted checklist opens no log source: not the command, and not the file either."""
    _, checklist, env = setup(tmp_path)
    app = make_app(tmp_path, checklist, env_vars=env, trusted=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: "not started: not trusted" in screen_text(app))
        assert "boot ok" not in log_text(app)
        await pilot.press("j")
        await wait_for(pilot, lambda: "not started: not trusted" in screen_text(app))
        assert "exploded" not in log_text(app)
        assert not [w for w in app.workers if w.group == "logs"]
    trusted_app = make_app(tmp_path, checklist, env_vars=env, trusted=False)
    assert trusted_app.checklist is not None
    trust(trusted_app.checklist, env)
    async with trusted_app.run_test(size=(100, 30)) as pilot:
        await pilot.press("j")
        await wait_for(pilot, lambda: "shell ! ERROR exploded" in log_text(trusted_app))
        await pilot.press("l")  # every source of the environment
        await wait_for(pilot, lambda: "boot ok" in log_text(trusted_app))
        await pilot.press("q")


async def test_no_log_tail_starts_once_the_workers_are_stopped(tmp_path: Path) -> None:
    # `j` then `q` inside the settle delay: the timer that switches the tail may fire after
    # `q` stopped every worker. A tail started then kept its thread, and so qatui, alive.
    _, checklist, env = setup(tmp_path)
    app = make_app(tmp_path, checklist, env_vars=env)
    assert app.checklist is not None
    trust(app.checklist, env)

    def tails() -> list[object]:
        return [w for w in app.workers if w.group == "logs" and not w.is_finished]

    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: "database unreachable" in log_text(app))
        app.shutdown_workers()  # what `q` does first
        await pilot.press("j")  # item two tails a command (deterministic: switches at once)
        await wait_for(pilot, lambda: not tails())
        assert "exploded" not in log_text(app)


SECRET_CHECKLIST = """\
qatui: 1
title: Secret log source
secrets:
  log_dir: {env: QATUI_TEST_LOG_DIR}
environments:
  local: {label: Local, default: true}
logs:
  app: {file: "${log_dir}/app.log", tail: 10}
sections:
  - id: main
    title: Main
    priority: critical
    logs: [app]
    items:
      - {id: one, title: First thing}
"""


async def test_a_log_source_uses_a_secret_and_the_pane_masks_it(tmp_path: Path) -> None:
    """The screen builds log sources with the run's scope (a secret variable works, as in
    `qatui logs`) and masks the secret's value in the pane (as `qatui logs` does)."""
    folder = tmp_path / "hidden-folder-7Hq2"
    folder.mkdir()
    (folder / "app.log").write_text(f"boot ok\nconfig read from {folder}/settings.py\n")
    checklist = tmp_path / "secret.yaml"
    checklist.write_text(SECRET_CHECKLIST)
    env = {"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"), "PATH": "/usr/bin:/bin",
           "QATUI_TEST_LOG_DIR": str(folder)}
    app = make_app(tmp_path, checklist, env_vars=env)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: "config read from" in log_text(app))
        assert "config read from ••••••/settings.py" in log_text(app)
        assert "hidden-folder-7Hq2" not in log_text(app) and "hidden-folder-7Hq2" not in screen_text(app)
