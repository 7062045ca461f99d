"""The record file on disk: atomic saves that never overwrite someone else's change.

A tick must survive a crash, a `kill -9` or a full disk, and a record changed on disk by
someone else (a `git pull`, an editor) must never be silently overwritten. So:

- Saving writes the whole record to a temporary file in the same folder, fsyncs it, renames it
  over the record with `os.replace` (atomic on POSIX), then fsyncs the folder so the rename
  itself is durable. A reader sees the old record or the new one, never half of one; a failure
  removes the temporary file and leaves the old record untouched.
- `RecordFile` remembers what it last read or wrote (mtime, size and the bytes themselves; the
  sha256 is computed from them when asked). Before each save it looks at the file again: if its size differs, or its bytes
  differ from what we know, it raises `RecordConflict` instead of writing. Comparing the bytes
  (a memcmp, well under a millisecond for a large record) rather than trusting the mtime
  also catches a change made within the file system's timestamp granularity. A file that
  disappeared is simply written again: nothing of anyone's is lost by that.

The check and the rename are not one atomic step (POSIX has no compare-and-swap rename), so
every save holds an exclusive `fcntl.flock` on a lock file beside the record
(`.NAME.lock`) from the check to the rename. Two qatui instances on one record therefore take
turns: the second one's check sees the first one's save and raises `RecordConflict` instead of
replacing it, so no tick is lost (without the lock, 9 of 20 rounds of simultaneous ticks lost
one). After each save the saver writes who it is (tester, pid, host, time) into the lock
file, so the instance that meets a conflict, or waits too long for the lock, says who holds
the record.
The lock file is left in place (removing a flock'ed file races with the next locker); it holds
no record data. A folder where locking is impossible (no write access) saves without it.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path

from qatui.core.errors import RecordConflict, RecordError
from qatui.core.fsutil import TMP_SUFFIX as _TMP_SUFFIX
from qatui.core.fsutil import write_atomic as atomic_write
from qatui.core.record.read import read
from qatui.core.record.render import RenderCache, render_bytes
from qatui.core.session import Session

#: Far above any real record (a 5,000-item record is about 0.5 MB); stops `qatui report /dev/zero`
#: or a stray disk image from being read whole into memory.
MAX_RECORD_BYTES = 64 * 2**20
#: How long a save waits for another instance's save to finish (a save takes milliseconds).
LOCK_WAIT = 5.0


@dataclass(frozen=True)
class Stamp:
    """What a record file looked like when qatui last read or wrote it."""

    mtime_ns: int
    size: int
    data: bytes = field(repr=False)

    @cached_property
    def sha256(self) -> str:
        """Computed when asked: saving on every tick should not pay for it."""
        return hashlib.sha256(self.data).hexdigest()

    @property
    def when(self) -> str:
        """When the file was written, as qatui last saw it (local time, to the second)."""
        return _local_time(self.mtime_ns)


def _local_time(mtime_ns: int) -> str:
    return datetime.fromtimestamp(mtime_ns / 1e9).astimezone().isoformat(sep=" ", timespec="seconds")


def _why(error: OSError) -> str:
    if error.errno == errno.ENOSPC:
        return "the disk is full"
    if error.errno == errno.EDQUOT:
        return "the disk quota is exceeded"
    if error.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if error.errno == errno.EROFS:
        return "the file system is read-only"
    return error.strerror or str(error)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temp_files(path: Path) -> list[Path]:
    """Temporary files left by a save that was killed (`kill -9`) before its rename."""
    removed: list[Path] = []
    try:
        candidates = list(path.parent.glob(f".{path.name}.*{_TMP_SUFFIX}"))
    except OSError:
        return removed
    for candidate in candidates:
        parts = candidate.name[len(path.name) + 2 :].split(".")
        if parts and parts[0].isdigit() and not _pid_alive(int(parts[0])):
            with contextlib.suppress(OSError):
                candidate.unlink()
                removed.append(candidate)
    return removed


def lock_path(target: Path) -> Path:
    """The lock file beside a record: `records/.run.md.lock`."""
    return target.parent / f".{target.name}.lock"


def describe_holder(info: dict[str, object]) -> str:
    """`tester Ana (qatui pid 4242 on host ci-3, still running)` from a lock file's content."""
    if not info:
        return ""
    tester = str(info.get("tester") or "someone")
    pid, host = info.get("pid"), str(info.get("host") or "?")
    running = ""
    if isinstance(pid, int) and host == socket.gethostname():
        running = ", still running" if _pid_alive(pid) else ", no longer running"
    at = f" at {info['at']}" if info.get("at") else ""
    return f"tester {tester} (qatui pid {pid} on host {host}{running}){at}"


def read_holder(target: Path) -> dict[str, object]:
    """Who last locked the record to save it (empty when unknown)."""
    try:
        with open(lock_path(target), "rb") as handle:
            data = json.loads(handle.read(4096) or b"{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


class _Held:
    """The held lock: `saved_by(tester)` writes who saved into the lock file."""

    def __init__(self, fd: int | None) -> None:
        self.fd = fd

    def saved_by(self, tester: str) -> None:
        if self.fd is None:
            return
        info = {"tester": tester, "pid": os.getpid(), "host": socket.gethostname(),
                "at": local_now().isoformat(sep=" ")}
        with contextlib.suppress(OSError):
            os.ftruncate(self.fd, 0)
            os.pwrite(self.fd, json.dumps(info).encode(), 0)


@contextlib.contextmanager
def record_lock(target: Path, *, wait: float | None = None) -> Iterator[_Held]:
    """Hold the record's lock (see the module docstring); `RecordConflict` naming the last
    saver when another instance keeps it longer than `wait` seconds."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path(target), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    except OSError:
        yield _Held(None)  # a folder we cannot lock in (read-only, no permission): the save says so
        return
    try:
        wait = LOCK_WAIT if wait is None else wait
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = describe_holder(read_holder(target))
                    raise RecordConflict(
                        path=str(target),
                        reason=f"another qatui is saving it and kept it locked for {wait:g} s"
                        + (f"; last saved by {holder}" if holder else ""),
                        advice="Reload it, or save this session under another name.",
                    ) from None
                time.sleep(0.005)
            except OSError:
                break  # the file system has no flock (some network mounts): save without it
        yield _Held(fd)
    finally:
        os.close(fd)  # closing releases the flock


class RecordFile:
    """One record on disk. `load()` and `save()` remember what the file held."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        #: Who saves through this object (the session's tester): written into the lock file.
        self.holder = ""
        self.stamp: Stamp | None = None
        self._known: bytes | None = None
        self.cache = RenderCache()

    def __repr__(self) -> str:
        return f"RecordFile({str(self.path)!r})"

    def exists(self) -> bool:
        return self.path.exists()

    # ------------------------------------------------------------ reading

    def read_bytes(self) -> bytes:
        """The file's bytes; refuses a file over `MAX_RECORD_BYTES` (or endless, like /dev/zero)."""
        from qatui.core.files import NotReadable, read_regular

        try:  # a named pipe, a device or a socket is refused before it is opened
            data = read_regular(self.path, MAX_RECORD_BYTES)
        except NotReadable as error:
            if error.missing and error.reason == "no such file":
                raise RecordError(f"{self.path}: no such record", title="Record not found") from None
            if error.reason.startswith("is a folder"):
                raise RecordError(f"{self.path} is a folder, not a record", title="Record not found") from None
            reason = error.reason.removesuffix(": cannot read the file").removeprefix("cannot read the file: ")
            raise RecordError(f"{self.path} {reason}" if reason.startswith("is ")
                              else f"cannot read {self.path}: {reason}",
                              title="Record not found" if error.missing else "Record problem") from None
        if len(data) > MAX_RECORD_BYTES:
            raise RecordError(
                f"{self.path} is not a qatui record (larger than {MAX_RECORD_BYTES // 2**20} MB)",
                title="Not a qatui record",
            )
        return data

    def load(self) -> Session:
        """Read the record; later saves refuse to overwrite it if it changes on disk."""
        data = self.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise RecordError(
                f"{self.path} is not a qatui record (not UTF-8 text: byte {error.start})",
                title="Not a qatui record",
            ) from None
        session = read(text, str(self.path))
        self._remember(data)
        remove_stale_temp_files(self._target())
        return session

    # ------------------------------------------------------------ writing

    def changed_on_disk(self) -> str | None:
        """Why the file on disk is not what we last read or wrote, or None if it is."""
        target = self._target()
        try:
            st = os.stat(target)
        except FileNotFoundError:
            return None  # gone: writing it again loses nobody's work
        except OSError as error:
            raise RecordError(f"cannot check {self.path}: {_why(error)}") from None
        if self.stamp is None or self._known is None:
            return "qatui has not read this file, so saving would overwrite it"
        if st.st_size != self.stamp.size:
            return (f"it is now {st.st_size} bytes, written {_local_time(st.st_mtime_ns)}; "
                    f"qatui last saw {self.stamp.size} bytes, written {self.stamp.when}{self._by(target)}")
        try:
            with open(target, "rb") as handle:
                current = handle.read()
        except OSError as error:
            raise RecordError(f"cannot check {self.path}: {_why(error)}") from None
        if current != self._known:
            return (f"its content, written {_local_time(st.st_mtime_ns)}, differs from what qatui last saw "
                    f"(written {self.stamp.when}){self._by(target)}")
        return None

    def _by(self, target: Path) -> str:
        """`; last saved by tester Ana (qatui pid 4242 on host ci-3, still running)` when
        another qatui saved it (the lock file says who); '' for an editor or a git pull."""
        info = read_holder(target)
        if not info or (info.get("pid") == os.getpid() and info.get("host") == socket.gethostname()):
            return ""
        return f"; last saved by {describe_holder(info)}"

    def check(self) -> None:
        """Raise `RecordConflict` if the file changed on disk since it was last read or written."""
        reason = self.changed_on_disk()
        if reason is not None:
            raise RecordConflict(
                path=str(self.path), reason=reason, advice="Reload it, or save this session under another name."
            )

    def save(self, session: Session, *, force: bool = False) -> None:
        """Render and write atomically; `force` overwrites a file changed on disk."""
        self.write_bytes(render_bytes(session, self.cache), force=force)

    def write_text(self, text: str, *, force: bool = False) -> None:
        self.write_bytes(text.encode("utf-8"), force=force)

    def write_bytes(self, data: bytes, *, force: bool = False) -> None:
        target = self._target()
        with record_lock(target) as lock:  # the check and the rename, as one step
            if not force:
                self.check()
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                try:
                    mode: int | None = os.stat(target).st_mode
                except FileNotFoundError:
                    mode = None
                atomic_write(target, data, mode=mode)
            except OSError as error:
                raise RecordError(
                    f"cannot save {self.path}: {_why(error)}; the previous version is unchanged",
                    title="Record not saved",
                ) from None
            self._remember(data)
            lock.saved_by(self.holder)

    def save_as(self, path: str | Path, session: Session, *, force: bool = False) -> None:
        """Write to another path (refusing to overwrite an existing file unless `force`), and
        from then on save there."""
        other = RecordFile(path)
        if not force and other.path.exists():
            raise RecordConflict(path=str(other.path), reason="the file already exists", advice="Choose another name.")
        other.cache = self.cache
        other.holder = self.holder
        other.save(session, force=True)
        self.path, self.stamp, self._known = other.path, other.stamp, other._known

    # ------------------------------------------------------------ internals

    def _target(self) -> Path:
        """The file actually written: a symlinked record stays a symlink."""
        path = self.path
        if path.is_symlink():
            return path.resolve()
        return path

    def _remember(self, data: bytes) -> None:
        try:
            st = os.stat(self._target())
            mtime = st.st_mtime_ns
        except OSError:
            mtime = 0
        self._known = data
        self.stamp = Stamp(mtime_ns=mtime, size=len(data), data=data)


def local_now() -> datetime:
    """Now, in the local time zone, to the second."""
    return datetime.now().astimezone().replace(microsecond=0)
