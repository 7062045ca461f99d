"""Standard output that cannot be written (`> /dev/full`, a closed terminal) ends every command
in one sentence and a non-zero exit: no traceback, no crash log, no "Exception ignored"."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import trust_file

ROOT = Path(__file__).resolve().parents[2]
SIGNED = ROOT / "tests" / "golden" / "record-signed.md"
MARKDOWN = ROOT / "tests" / "import_fixtures" / "django-upgrade-checklist.md"

CHECKLIST = """\
qatui: 1
title: Output test
logs:
  app: {file: app.log}
sections:
  - id: s
    title: S
    priority: critical
    items:
      - id: a
        title: A
        logs: [app]
        probes:
          - {id: closed, kind: tcp, host: 127.0.0.1, port: 1, timeout: 1}
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "list.yaml").write_text(CHECKLIST, encoding="utf-8")
    (tmp_path / "app.log").write_text("".join(f"line {n}\n" for n in range(2000)), encoding="utf-8")
    trust_file(tmp_path / "list.yaml", run_env(tmp_path))  # so probe and logs have output to lose
    return tmp_path


def commands(folder: Path) -> list[list[str]]:
    checklist = str(folder / "list.yaml")
    return [
        ["validate", checklist],
        ["report", str(SIGNED)],
        ["report", "--format", "json", str(SIGNED)],
        ["probe", checklist],
        ["probe", "--format", "json", checklist],
        ["probe", "--format", "junit", checklist],
        ["logs", checklist],
        ["trust", checklist],
        ["import", str(MARKDOWN)],
        ["--help"],
        ["report", "--help"],
        ["--version"],
    ]


def run_env(folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QATUI_", "XDG_"))}
    env.update(XDG_STATE_HOME=str(folder / "state"), XDG_CACHE_HOME=str(folder / "cache"),
               XDG_CONFIG_HOME=str(folder / "config"), XDG_DATA_HOME=str(folder / "data"))
    return env


def run(args: list[str], folder: Path, stdout: int) -> subprocess.CompletedProcess[str]:
    env = run_env(folder)
    return subprocess.run([sys.executable, "-m", "qatui", *args], cwd=folder, stdout=stdout,
                          stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, timeout=60,
                          env=env, check=False)


def test_a_full_disk_on_stdout_is_said_in_words(folder: Path) -> None:
    with open("/dev/full", "w") as full:
        for args in commands(folder):
            done = run(args, folder, full.fileno())
            assert done.returncode == 1, (args, done.returncode, done.stderr)
            assert done.stderr.endswith("qatui: could not write output: no space left on device\n"), (args, done.stderr)
            assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    assert not list((folder / "state").rglob("crash-*.log"))  # no crash log


def test_the_same_commands_work_when_stdout_can_be_written(folder: Path) -> None:
    for args in commands(folder):
        done = run(args, folder, subprocess.PIPE)
        assert done.returncode in (0, 1), (args, done.stderr)  # 1: the probe of a closed port fails
        assert done.stdout and "could not write output" not in done.stderr, args


def test_a_closed_terminal_ends_quietly(folder: Path) -> None:
    controller, terminal = os.openpty()
    os.close(controller)  # the window was closed: writes to the terminal now fail with EIO
    try:
        done = run(["report", str(SIGNED)], folder, terminal)
    finally:
        os.close(terminal)
    assert done.returncode == 1 and done.stderr == "", done.stderr
    assert not list((folder / "state").rglob("crash-*.log"))
