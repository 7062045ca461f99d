"""Atomic saves, conflict detection, and no half-written record even under `kill -9`."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qatui.core.errors import RecordConflict, RecordError
from qatui.core.record import RecordFile, read, render
from qatui.core.record.store import atomic_write, remove_stale_temp_files
from qatui.core.session import Status

from .record_samples import basic_session, signed_session


def leftovers(folder: Path) -> list[str]:
    """Hidden files left beside records, but the lock file (kept on purpose: see store.py)."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") and not p.name.endswith(".lock"))


def test_save_then_load_is_exact_and_leaves_no_temp_files(tmp_path: Path) -> None:
    record = RecordFile(tmp_path / "records" / "run.md")
    session = basic_session()
    record.save(session)
    assert (tmp_path / "records" / "run.md").read_text(encoding="utf-8") == render(session)
    assert RecordFile(record.path).load() == session
    for _ in range(5):
        session.item("ws-connect").note += "x"
        record.save(session)
    assert leftovers(tmp_path / "records") == []
    assert record.stamp is not None and record.stamp.size == record.path.stat().st_size


def test_save_keeps_the_file_mode(tmp_path: Path) -> None:
    path = tmp_path / "run.md"
    record = RecordFile(path)
    record.save(basic_session())
    os.chmod(path, 0o640)
    record.save(signed_session())
    assert path.stat().st_mode & 0o777 == 0o640


def test_changed_on_disk_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "run.md"
    mine = RecordFile(path)
    session = basic_session()
    mine.save(session)
    # a `git pull` brings someone else's version
    theirs = signed_session()
    path.write_text(render(theirs), encoding="utf-8")
    session.item("ws-connect").status = Status.FAILED
    with pytest.raises(RecordConflict) as caught:
        mine.save(session)
    assert str(path) in caught.value.message and "changed on disk" in caught.value.message
    # The reason dates both versions: when the file on disk was written, and the one qatui saw.
    assert caught.value.reason.startswith("it is now ") and caught.value.reason.count(", written 20") == 2
    assert read(path.read_text(encoding="utf-8")) == theirs  # untouched
    mine.save(session, force=True)
    assert read(path.read_text(encoding="utf-8")) == session


def test_same_size_change_within_the_same_instant_is_caught(tmp_path: Path) -> None:
    path = tmp_path / "run.md"
    record = RecordFile(path)
    session = basic_session()
    record.save(session)
    stat = path.stat()
    data = bytearray(path.read_bytes())
    index = data.index(b"Hannah")
    data[index : index + 6] = b"Hanna5"  # same size
    path.write_bytes(bytes(data))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # and the same mtime
    with pytest.raises(RecordConflict) as caught:
        record.save(session)
    assert caught.value.reason.startswith("its content, written 20") and "(written 20" in caught.value.reason


def test_file_never_read_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "run.md"
    path.write_text("my own notes\n", encoding="utf-8")
    with pytest.raises(RecordConflict, match="not read this file"):
        RecordFile(path).save(basic_session())
    assert path.read_text(encoding="utf-8") == "my own notes\n"


def test_deleted_file_is_written_again(tmp_path: Path) -> None:
    path = tmp_path / "run.md"
    record = RecordFile(path)
    record.save(basic_session())
    path.unlink()
    record.save(basic_session())
    assert RecordFile(path).load() == basic_session()


def test_touch_without_change_is_not_a_conflict(tmp_path: Path) -> None:
    path = tmp_path / "run.md"
    record = RecordFile(path)
    record.save(basic_session())
    os.utime(path, (time.time() + 10, time.time() + 10))
    record.save(signed_session())  # the same bytes on disk under a new mtime: the save lands
    assert RecordFile(path).load() == signed_session()


def test_save_as_moves_on_and_refuses_to_clobber(tmp_path: Path) -> None:
    record = RecordFile(tmp_path / "a.md")
    record.save(basic_session())
    (tmp_path / "taken.md").write_text("x", encoding="utf-8")
    with pytest.raises(RecordConflict, match="already exists"):
        record.save_as(tmp_path / "taken.md", basic_session())
    record.save_as(tmp_path / "b.md", signed_session())
    assert record.path == tmp_path / "b.md"
    record.save(signed_session())  # saves go to the new path without a conflict
    assert RecordFile(tmp_path / "b.md").load() == signed_session()
    assert RecordFile(tmp_path / "a.md").load() == basic_session()


def test_symlinked_record_stays_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.md"
    link = tmp_path / "link.md"
    RecordFile(real).save(basic_session())
    link.symlink_to(real)
    record = RecordFile(link)
    record.load()
    record.save(signed_session())
    assert link.is_symlink() and RecordFile(real).load() == signed_session()


def test_failed_write_leaves_old_record_and_no_temp_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A full disk cannot be produced on demand here; the fault is injected into os.write.
    path = tmp_path / "run.md"
    record = RecordFile(path)
    record.save(basic_session())
    before = path.read_bytes()

    def full_disk(fd: int, data: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", full_disk)
    with pytest.raises(RecordError, match="disk is full") as caught:
        record.save(signed_session())
    assert "previous version is unchanged" in caught.value.message
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert leftovers(tmp_path) == []


def test_load_errors_are_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(RecordError, match="no such record"):
        RecordFile(tmp_path / "missing.md").load()
    (tmp_path / "bin.md").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(RecordError, match="not a qatui record"):
        RecordFile(tmp_path / "bin.md").load()
    with pytest.raises(RecordError, match="is a folder"):
        RecordFile(tmp_path).load()


def test_stale_temp_files_of_dead_processes_are_removed(tmp_path: Path) -> None:
    path = tmp_path / "run.md"
    RecordFile(path).save(basic_session())
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    stale = tmp_path / f".run.md.{dead.stdout.strip()}.abcd1234.qatui-tmp"
    stale.write_text("half", encoding="utf-8")
    mine = tmp_path / f".run.md.{os.getpid()}.abcd1234.qatui-tmp"
    mine.write_text("in progress", encoding="utf-8")
    assert remove_stale_temp_files(path) == [stale]
    assert mine.exists()
    mine.unlink()


SAVER = r"""
import sys
from qatui.core.record import RecordFile
sys.path.insert(0, sys.argv[2])
from tests.unit.record_samples import basic_session
record = RecordFile(sys.argv[1])
record.load()
session = basic_session()
item = session.item("ws-404")
n = 0
print("ready", flush=True)
while True:
    n += 1
    item.note = f"save {n} " + "y" * (n % 5000)
    record.save(session)
"""


def test_killed_mid_save_never_leaves_a_half_file(tmp_path: Path) -> None:
    path = tmp_path / "run.md"
    atomic_write(path, render(basic_session()).encode())
    root = str(Path(__file__).resolve().parents[2])
    for round_ in range(3):
        proc = subprocess.Popen([sys.executable, "-c", SAVER, str(path), root],
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        seen: set[str] = set()
        deadline = time.monotonic() + 10
        while len(seen) < 20 and time.monotonic() < deadline:
            # every read of the file, at any moment, is a complete record
            session = read(path.read_text(encoding="utf-8"), str(path))
            seen.add(session.item("ws-404").note[:12])
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        assert len(seen) >= 2, f"round {round_}: the saver did not make progress"
        final = read(path.read_text(encoding="utf-8"), str(path))
        assert final.item("ws-404").note.startswith("save ")
    # a temporary file may be left by the kill; the next load removes it
    RecordFile(path).load()
    assert leftovers(tmp_path) == []
