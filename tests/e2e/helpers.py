"""Helpers for the end-to-end tests: waiting with deadlines, the real `qatui` binary, tmux.

Waiting is always polling with a deadline, never a fixed sleep: a fast machine finishes at
once and a slow one gets the whole deadline.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest

T = TypeVar("T")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
EXPORT = re.compile(r"^export (\w+)=(.*)$")


def wait_for(probe: Callable[[], T | None], *, timeout: float = 10.0, what: str = "condition",
             interval: float = 0.02) -> T:
    """Call `probe` until it returns something truthy; fail with `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def qatui_binary() -> str:
    """The installed `qatui` console script of the Python running the tests (a venv's, in CI)."""
    beside = Path(sys.executable).parent / "qatui"
    if beside.exists():
        return str(beside)
    found = shutil.which("qatui")
    if not found:
        pytest.fail("the qatui console script is not installed (pip install -e .)")
    return found


def isolated_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A process environment with fresh XDG folders, no colour surprises, and `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QATUI_", "XDG_"))}
    env.update(
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_STATE_HOME=str(tmp_path / "state"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        TERM="xterm-256color",
        COLORTERM="truecolor",
        LANG="C.UTF-8",
        LC_ALL="C.UTF-8",
    )
    env.update(extra)
    return env


def advance_off(tmp_path: Path) -> None:
    """`advance: false` in the config `isolated_env` points at: a verdict leaves the cursor on
    its item. For the tests written before tick and advance, which move with `j`/`k` themselves
    (`test_tmux_items.py` drives the default, advancing)."""
    folder = tmp_path / "config" / "qatui"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text('{"advance": false}\n', encoding="utf-8")


@dataclass
class ServedDemo:
    """`qatui demo --serve` running as a real process; `variables` are its export lines."""

    process: subprocess.Popen[str]
    variables: dict[str, str]

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
        return self.process.wait(timeout=10)


@contextmanager
def served_demo(env: Mapping[str, str]) -> Iterator[ServedDemo]:
    process = subprocess.Popen(
        [qatui_binary(), "demo", "--serve"], env=dict(env), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )
    variables: dict[str, str] = {}
    assert process.stdout is not None
    try:
        for line in process.stdout:  # blocks until the target prints; it ends with "# serving"
            match = EXPORT.match(line.strip())
            if match:
                import shlex

                variables[match.group(1)] = shlex.split(match.group(2))[0]
            if line.startswith("# serving"):
                break
        else:
            raise AssertionError(f"qatui demo --serve exited early: {process.stderr.read() if process.stderr else ''}")
        demo = ServedDemo(process, variables)
        yield demo
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def require_tmux() -> str:
    """tmux's path; skip without it, but under CI=true a missing tmux is a failure."""
    path = shutil.which("tmux")
    if path:
        return path
    if IN_CI:
        pytest.fail("tmux is not installed, and under CI=true the tmux tests must run")
    pytest.skip("tmux is not installed (apt-get install tmux)")


class Tmux:
    """One detached tmux session on its own server socket, running one command.

    Its own socket (`-L`) keeps the tests away from any tmux the developer has open and lets
    `kill()` end exactly the server this test started.
    """

    def __init__(self, tmux: str, env: Mapping[str, str], *, width: int = 100, height: int = 30) -> None:
        self.tmux = tmux
        self.env = dict(env)
        self.socket = f"qatui-e2e-{uuid.uuid4().hex[:10]}"
        self.session = "qatui"
        self.width = width
        self.height = height

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run([self.tmux, "-L", self.socket, *args], env=self.env,
                              capture_output=True, text=True, check=check, timeout=20)

    def start(self, argv: list[str], cwd: Path) -> None:
        import shlex

        # remain-on-exit keeps the pane (and its last screen) after qatui exits, so a test can
        # tell "exited" from "crashed" and read what it printed.
        command = f"cd {shlex.quote(str(cwd))} && exec {shlex.join(argv)}"
        self._run("-f", "/dev/null", "new-session", "-d", "-s", self.session, "-x", str(self.width),
                  "-y", str(self.height), "sh", "-c", command)
        self._run("set-option", "-t", self.session, "remain-on-exit", "on")

    def keys(self, *keys: str, literal: bool = False) -> None:
        args = ["send-keys", "-t", self.session]
        if literal:
            args.append("-l")
        self._run(*args, *keys)

    def screen(self) -> str:
        result = self._run("capture-pane", "-p", "-t", self.session, check=False)
        return result.stdout

    def wait_screen(self, predicate: Callable[[str], bool] | str, *, timeout: float = 15.0,
                    what: str = "") -> str:
        test = (lambda s: predicate in s) if isinstance(predicate, str) else predicate
        last = [""]

        def probe() -> str | None:
            last[0] = self.screen()
            return last[0] if test(last[0]) else None

        try:
            return wait_for(probe, timeout=timeout, what=what or repr(predicate))
        except AssertionError as error:
            raise AssertionError(f"{error}\n--- screen ---\n{last[0]}") from None

    def pane_pid(self) -> int:
        return int(self._run("display-message", "-p", "-t", self.session, "#{pane_pid}").stdout.strip())

    def pane_dead(self) -> bool:
        result = self._run("display-message", "-p", "-t", self.session, "#{pane_dead}", check=False)
        return result.stdout.strip() == "1"

    def wait_exit(self, timeout: float = 15.0) -> None:
        wait_for(self.pane_dead, timeout=timeout, what="qatui to exit")

    def respawn(self, argv: list[str], cwd: Path) -> None:
        import shlex

        command = f"cd {shlex.quote(str(cwd))} && exec {shlex.join(argv)}"
        self._run("respawn-pane", "-k", "-t", self.session, "sh", "-c", command)

    def kill(self) -> None:
        self._run("kill-server", check=False)
