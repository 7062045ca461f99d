"""`qatui logs` when sources cannot be read: exit 1, and stderr says which one and why.

A real subprocess each time, against real things: a DOCKER_HOST socket path where no engine
listens, a file that is not there, a command that fails, a real container.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import trust_file


def write_checklist(tmp_path: Path, logs: str) -> Path:
    path = tmp_path / "checklist.yaml"
    path.write_text(
        "qatui: 1\ntitle: Faults\nenvironments:\n  local: {label: Local, default: true}\n"
        f"logs:\n{logs}"
        "sections:\n  - {id: s, title: S, priority: critical, items: [{id: a, title: A}]}\n"
    )
    (tmp_path / "app.log").write_text("app one\napp two\n")
    trust_file(path)
    return path


def qatui(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, **env}
    environ.pop("QATUI_ENV", None)
    return subprocess.run([sys.executable, "-m", "qatui", "logs", *args], capture_output=True, text=True,
                          timeout=60, env=environ)


def test_an_unreachable_engine_exits_1_and_says_why(tmp_path: Path) -> None:
    path = write_checklist(tmp_path, "  web: {container: web}\n")
    nowhere = f"unix://{tmp_path}/docker.sock"
    result = qatui(str(path), DOCKER_HOST=nowhere)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "qatui logs: log source 'web' could not be read:",
        f"  web: Docker engine unreachable at {nowhere} (no such socket)",
    ]
    assert result.stdout.startswith("* ") and "Docker engine unreachable" in result.stdout


def test_every_source_failing_names_each_of_them(tmp_path: Path) -> None:
    path = write_checklist(tmp_path, "  web: {container: web}\n  gone: {file: gone.log}\n  bad: {command: 'exit 7'}\n")
    result = qatui(str(path), DOCKER_HOST=f"unix://{tmp_path}/docker.sock")
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0] == "qatui logs: no log source could be read:"
    assert lines[1].startswith("  web: Docker engine unreachable")
    assert lines[2] == f"  gone: {tmp_path / 'gone.log'} does not exist"
    assert lines[3] == "  bad: command exited with code 7"
    assert "Traceback" not in result.stderr


def test_some_sources_working_shows_them_then_exits_1(tmp_path: Path) -> None:
    path = write_checklist(tmp_path, "  app: {file: app.log}\n  gone: {file: gone.log}\n")
    result = qatui(str(path))
    assert result.returncode == 1
    assert "app one" in result.stdout and "app two" in result.stdout
    assert result.stderr.splitlines() == [
        "qatui logs: 1 of 2 log sources could not be read (the others are shown above):",
        f"  gone: {tmp_path / 'gone.log'} does not exist",
    ]


@pytest.mark.docker
def test_a_real_container_works_and_a_missing_one_is_named(tmp_path: Path, run_container: Any) -> None:
    container = run_container("echo 'hello from busybox'")
    container.wait(timeout=30)
    path = write_checklist(tmp_path, f"  real: {{container: {container.name}}}\n  gone: {{container: {container.name}-gone}}\n")
    both = qatui(str(path))
    assert both.returncode == 1
    assert "hello from busybox" in both.stdout
    assert both.stderr.splitlines()[1].startswith(f"  gone: no container named '{container.name}-gone'")
    alone = qatui(str(path), "real")
    assert (alone.returncode, alone.stderr) == (0, "")
    assert "hello from busybox" in alone.stdout


def test_following_warns_on_stderr_and_keeps_going(tmp_path: Path) -> None:
    path = write_checklist(
        tmp_path, "  gone: {file: gone.log}\n  live: {command: 'i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.05; done'}\n"
    )
    environ = {**os.environ}
    environ.pop("QATUI_ENV", None)
    process = subprocess.Popen([sys.executable, "-m", "qatui", "logs", "--follow", str(path)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environ)
    assert process.stdout is not None and process.stderr is not None
    safety = threading.Timer(30, process.kill)  # a safety net only: the reads below must not hang
    safety.start()
    try:
        warning = process.stderr.readline()  # said while following, before any Ctrl-C
        assert warning == f"qatui logs: gone: waiting for {tmp_path / 'gone.log'} (it does not exist yet)\n"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and "tick 3" not in process.stdout.readline():
            pass
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=10)
    finally:
        safety.cancel()
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130
    assert "Traceback" not in err
