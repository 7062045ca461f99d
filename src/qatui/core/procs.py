"""Everything a command started, and ending all of it (command probes, command log sources).

A command runs as the leader of its own session and process group, so `killpg` reaches a shell
line's children. That is not enough: `setsid daemon &` leaves both, and a double fork leaves
the parent tree. Without cgroups (which need privileges or systemd), qatui marks the command
instead: its environment carries `QATUI_RUN_MARK=<random>`, which every descendant inherits
unless it clears its environment on purpose. On Linux a stop finds, in `/proc`, every process
that is in the command's session or process group, descends from it, or carries the mark, and
ends them: SIGTERM, then SIGKILL after a grace period to those still there. Elsewhere (no
`/proc`) only the process group is reached, and `Ended.tracked` says so, so the explanation can
be honest about what was stopped.

`LIVE` holds the marks of commands still running, so `end_all()` can end them when qatui itself
is told to stop (SIGTERM/SIGINT of `qatui probe`), and at interpreter exit.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import secrets
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

MARK_VAR = "QATUI_RUN_MARK"
_PROC = Path("/proc")


@dataclass(frozen=True)
class Ended:
    """What a stop did: how many processes it signalled, how many were still there after
    SIGKILL (normally 0), and whether processes outside the group could be tracked at all."""

    signalled: int
    remaining: int
    tracked: bool

    def words(self) -> str:
        """`stopped it and 3 processes it started` — for explanations."""
        if not self.tracked:
            return "stopped its process group (processes that left it cannot be tracked on this system)"
        if self.remaining:
            return f"signalled {self.signalled} process(es), but {self.remaining} could not be ended"
        if self.signalled <= 1:
            return "stopped it"
        return f"stopped it and the {self.signalled - 1} process(es) it started"


class ProcessTree:
    """One command's processes: mark its environment with `env()`, start it with
    `start_new_session=True`, give its pid to `started()`, and `end()` it."""

    def __init__(self) -> None:
        self.mark = secrets.token_hex(12)
        self.leader = 0
        self.since = 0

    def env(self, base: Mapping[str, str] | None) -> dict[str, str]:
        merged = dict(os.environ if base is None else base)
        merged[MARK_VAR] = self.mark
        return merged

    def started(self, pid: int) -> None:
        self.leader = pid
        stat = _stat(pid)
        self.since = stat[4] if stat is not None else 0
        with _lock:
            LIVE[self.mark] = self

    def forget(self) -> None:
        with _lock:
            LIVE.pop(self.mark, None)

    def members(self) -> set[int]:
        """Live (non-zombie) processes of this command, the leader included."""
        if not self.leader:
            return set()
        return _members(self.leader, self.mark.encode(), self.since)

    def members_by_mark(self) -> set[int]:
        """Live processes of this machine carrying the mark alone (for an exec probe, whose
        processes belong to an engine that may or may not be on this machine)."""
        return _members(0, self.mark.encode())

    def end(self, grace: float = 1.0) -> Ended:
        """SIGTERM to every member, SIGKILL after `grace` s to those left; forget the tree."""
        try:
            if not _PROC.is_dir():
                for sig in (signal.SIGTERM, signal.SIGKILL):
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.killpg(self.leader, sig)
                    if sig == signal.SIGTERM:
                        time.sleep(min(grace, 0.2))
                return Ended(1, 0, tracked=False)
            return _end(self.members, grace, group=self.leader)
        finally:
            self.forget()

    def end_members(self, found: set[int], grace: float = 1.0) -> Ended:
        """End `found` (from `members_by_mark`) and whatever carries the mark meanwhile."""
        return _end(lambda: self.members_by_mark() | {p for p in found if _alive(p)}, grace)


def _alive(pid: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[0] not in ("Z", "X")


def _end(members: Callable[[], set[int]], grace: float, group: int = 0) -> Ended:
    seen: set[int] = set()
    found = members()
    _signal(found, signal.SIGTERM)
    if group:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGTERM)  # a group member that just forked
    seen |= found
    deadline = time.monotonic() + grace
    while found and time.monotonic() < deadline:
        time.sleep(0.05)  # waiting for processes to handle SIGTERM: nothing to block on
        found = members()
        seen |= found
    for _ in range(5):  # new children may appear while their parents die
        if not found:
            break
        _signal(found, signal.SIGKILL)
        time.sleep(0.05)
        found = members()
        seen |= found
    return Ended(len(seen), len(found), tracked=True)


def _signal(pids: set[int], sig: int) -> None:
    for pid in pids:
        if pid != os.getpid():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sig)


def _read(path: str) -> bytes:
    """A /proc file's bytes, read with plain `os` calls: a scan reads one per process, and
    `pathlib` made each read several times dearer (the scan after every command probe took
    most of a 50-command fan-out)."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        chunks = []
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _stat(pid: int | str) -> tuple[str, int, int, int, int] | None:
    """(state, ppid, pgrp, session, start time in clock ticks since boot) from /proc/PID/stat."""
    try:
        text = _read(f"{_PROC}/{pid}/stat")
    except OSError:
        return None
    fields = text[text.rfind(b")") + 2 :].split()
    try:
        return fields[0].decode(), int(fields[1]), int(fields[2]), int(fields[3]), int(fields[19])
    except (IndexError, ValueError):
        return None


def _members(leader: int, mark: bytes, since: int = 0) -> set[int]:
    """Processes in `leader`'s session or group, carrying `mark`, or descending from those.
    `since` (the leader's start time): older processes cannot be the command's, so their
    environment is not read — a scan reads a few files, not one per process of the machine."""
    return _scan([(leader, mark, since)])[0]


def members_of(trees: list[ProcessTree]) -> list[set[int]]:
    """`tree.members()` of each tree, from one pass over /proc: commands that exit together
    (a fan-out of fifty) share a scan instead of making fifty."""
    return _scan([(tree.leader, tree.mark.encode(), tree.since) for tree in trees])


def _scan(wanted: list[tuple[int, bytes, int]]) -> list[set[int]]:
    """For each (leader, mark, since): see `_members`."""
    me = os.getpid()
    needles = [MARK_VAR.encode() + b"=" + mark for _, mark, _ in wanted]
    parents: dict[int, int] = {}
    found: list[set[int]] = [set() for _ in wanted]
    try:
        entries = [e for e in os.listdir(_PROC) if e.isdigit()]
    except OSError:
        return found
    for entry in entries:
        pid = int(entry)
        if pid == me:
            continue
        stat = _stat(entry)
        if stat is None or stat[0] in ("Z", "X"):
            continue
        _, ppid, pgrp, session, started = stat
        parents[pid] = ppid
        unplaced = []
        for index, (leader, _, since) in enumerate(wanted):
            if leader and (pid == leader or pgrp == leader or session == leader):
                found[index].add(pid)
            elif started >= since:
                unplaced.append(index)
        if not unplaced:
            continue
        try:
            environ = _read(f"{_PROC}/{entry}/environ").split(b"\0")
        except OSError:
            continue
        for index in unplaced:
            if needles[index] in environ:
                found[index].add(pid)
    # descendants of anything found (a child that cleared its environment and left the session)
    for members in found:
        changed = bool(members)
        while changed:
            changed = False
            for pid, ppid in parents.items():
                if pid not in members and ppid in members:
                    members.add(pid)
                    changed = True
    return found


@contextlib.contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """While a CLI command runs commands (`qatui probe`, `qatui logs`), SIGTERM raises
    KeyboardInterrupt in the main thread, so the command stops the way Ctrl-C stops it and every
    command's processes are ended before qatui exits; Python's default would exit at once and
    leave them running. Elsewhere than the main thread it does nothing (signals go there)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


_lock = threading.Lock()
#: mark → tree of every command still running in this process.
LIVE: dict[str, ProcessTree] = {}


def end_all(grace: float = 0.5) -> int:
    """End every command still running (qatui is stopping); the number of processes signalled."""
    with _lock:
        trees = list(LIVE.values())
    return sum(tree.end(grace).signalled for tree in trees)


atexit.register(end_all)
