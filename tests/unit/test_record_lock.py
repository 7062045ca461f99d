"""The record lock (core/record/store.py): check-then-replace is one step between processes,
and whoever meets a conflict is told who saved the record.

Real processes and real files: a child process holds the flock, or saves in a loop against
this one. The two-terminal version (two qatui screens) is tests/e2e/test_tmux_two_instances.py.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from qatui.core.errors import RecordConflict
from qatui.core.record import store
from qatui.core.record.store import RecordFile, lock_path
from qatui.core.recorder import Recorder
from qatui.core.session import Status
from tests.unit.record_samples import sample_checklist


def test_a_held_lock_makes_the_save_wait_then_name_the_last_saver(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    record = RecordFile(tmp_path / "run.md")
    record.write_text("first\n")
    assert json.loads(lock_path(record.path).read_text())["pid"] == os.getpid()
    # another qatui (a separate open file description) holds the lock and does not let go
    other = os.open(lock_path(record.path), os.O_RDWR)
    try:
        fcntl.flock(other, fcntl.LOCK_EX)
        os.ftruncate(other, 0)
        os.pwrite(other, json.dumps({"tester": "Ana", "pid": 1, "host": "far-away", "at": "09:00"}).encode(), 0)
        monkeypatch.setattr(store, "LOCK_WAIT", 0.2)
        with pytest.raises(RecordConflict) as raised:
            record.write_text("second\n")
        assert "tester Ana (qatui pid 1 on host far-away) at 09:00" in raised.value.reason
        assert record.path.read_text() == "first\n"  # nothing written while it was held
    finally:
        os.close(other)
    record.write_text("second\n")  # released: the save goes through
    assert record.path.read_text() == "second\n"


def test_a_conflict_says_which_qatui_saved_the_record(tmp_path: Path) -> None:
    path = tmp_path / "run.md"
    checklist = sample_checklist()
    first = Recorder.open_or_start(checklist, path, tester="Ana", environment="local")
    first.save()
    second = Recorder.open_or_start(checklist, path, tester="Ana", environment="local")
    mine = RecordFile(path)
    mine.load()
    first.set_status("ws-connect", Status.PASSED)  # saved by "another" qatui: same pid here
    info = json.loads(lock_path(path).read_text())
    info["pid"] = 999_999_999  # as another process would have written it
    lock_path(path).write_text(json.dumps(info))
    with pytest.raises(RecordConflict) as raised:
        second.set_status("ws-connect", Status.FAILED)
    reason = raised.value.reason
    assert f"last saved by tester Ana (qatui pid 999999999 on host {socket.gethostname()}, no longer running)" in reason


SAVER = textwrap.dedent("""
    import sys
    from qatui.core.errors import RecordConflict
    from qatui.core.record.store import RecordFile
    path, me, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    record = RecordFile(path)
    saved = conflicts = 0
    for n in range(count):
        text = record.path.read_text()
        record._remember(text.encode())  # what this writer last saw
        try:
            record.write_text(text + f"{me}-{n}\\n")
            saved += 1
        except RecordConflict:
            conflicts += 1
    print(saved, conflicts)
""")


def test_two_processes_saving_at_once_lose_no_save(tmp_path: Path) -> None:
    """Each process reads the file, appends a line and saves, 300 times, at the same time as
    the other: every save that returned is in the file; the others raised RecordConflict."""
    path = tmp_path / "run.md"
    RecordFile(path).write_text("")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    procs = [subprocess.Popen([sys.executable, "-c", SAVER, str(path), name, "300"], stdout=subprocess.PIPE,
                              text=True, env=env) for name in ("a", "b")]
    results = [proc.communicate(timeout=120)[0].split() for proc in procs]
    saved = sum(int(r[0]) for r in results)
    lines = path.read_text().splitlines()
    assert len(lines) == saved, f"{saved} saves returned, the file holds {len(lines)} lines"
    assert len(set(lines)) == len(lines)
