"""Named pipes, devices, sockets, link loops and folders one may not enter are said for what they
are, before anything opens them: a FIFO named as a checklist used to hang every command."""

from __future__ import annotations

import errno
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from qatui.core import files
from qatui.core.errors import ChecklistError
from qatui.core.loader import load_checklist
from qatui.core.record.store import RecordFile

COMMANDS = ("validate", "probe", "logs", "trust", "report", "import", "open")


def qatui(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "qatui", *args], cwd=cwd, capture_output=True, text=True, timeout=30,
        check=False, stdin=subprocess.DEVNULL,
        env={**os.environ, "XDG_STATE_HOME": str(cwd / "state"), "XDG_CACHE_HOME": str(cwd / "cache")},
    )


@pytest.mark.parametrize("name", ["list.yaml", "list.md", "record.md"])
def test_a_fifo_is_refused_by_every_command_without_waiting(tmp_path: Path, name: str) -> None:
    fifo = tmp_path / name
    os.mkfifo(fifo)
    for command in COMMANDS:
        args = [command, str(fifo)]
        done = qatui(*args, cwd=tmp_path)  # timeout=30: a hang fails here
        assert done.returncode in (1, 2), (args, done.stderr)
        assert "is a named pipe (FIFO), not a regular file" in done.stderr + done.stdout, (args, done.stderr)
        assert "Traceback" not in done.stderr
    assert not list((tmp_path / "state").rglob("crash-*.log"))  # no crash log


def test_devices_sockets_and_link_loops_are_named(tmp_path: Path) -> None:
    with pytest.raises(ChecklistError, match="is a character device, not a regular file"):
        load_checklist("/dev/null", env={})
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tmp_path / "s.yaml"))
    try:
        with pytest.raises(ChecklistError, match="is a socket, not a regular file"):
            load_checklist(tmp_path / "s.yaml", env={})
    finally:
        sock.close()
    (tmp_path / "a.yaml").symlink_to(tmp_path / "b.yaml")
    (tmp_path / "b.yaml").symlink_to(tmp_path / "a.yaml")
    with pytest.raises(ChecklistError, match="symbolic link loop") as loop:
        load_checklist(tmp_path / "a.yaml", env={})
    assert "no such file" not in str(loop.value)
    with pytest.raises(Exception, match="symbolic link loop"):
        RecordFile(tmp_path / "a.yaml").load()
    (tmp_path / "dangling.yaml").symlink_to(tmp_path / "gone.yaml")
    with pytest.raises(ChecklistError, match=r"is a symbolic link to .*gone\.yaml.*which does not exist"):
        load_checklist(tmp_path / "dangling.yaml", env={})


def test_a_folder_that_cannot_be_entered_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # tests run as root, where a chmod 000 folder is still entered: the OS answer is made here
    locked = tmp_path / "locked"
    monkeypatch.setattr(files, "_may_enter", lambda folder: folder != locked)
    refused = files.describe_error(str(locked / "list.yaml"), PermissionError(errno.EACCES, "Permission denied"))
    assert refused.reason == f"permission denied: the folder {locked} cannot be entered by this user"
    assert not refused.missing


def test_a_shell_pipe_is_still_read(tmp_path: Path) -> None:
    done = subprocess.run(
        ["bash", "-c", f"{sys.executable} -m qatui validate <(printf 'qatui: 1\\ntitle: T\\nsections: []\\n')"],
        capture_output=True, text=True, timeout=30, check=False, cwd=tmp_path,
    )
    assert "/dev/fd/" in done.stdout + done.stderr and "named pipe" not in done.stdout + done.stderr
