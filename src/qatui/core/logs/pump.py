"""A Docker log source read in a child process, for the screen: `pumped(source)`.

Why a process. During a log flood on a small machine (2 cores; a busybox flood alone takes
~1.7 of them between the shell, containerd and dockerd) every cycle the screen's process spends
on something other than the keys shows in their latency. Reading the engine's stream in a
thread of the screen's own process costs the screen three ways: the reader holds the GIL while
it cuts frames, decodes and parses timestamps (and a GIL holder that the kernel preempts under
that load keeps the UI thread waiting a whole scheduling round); the docker SDK and requests
add ~14 MiB and their import to the screen; and every line read becomes Python objects that
the screen's garbage collector then walks. So the screen runs each Docker source in a child,
`python -m qatui.core.logs.pump`: the same `DockerSource` (every feature of it: compose
services with several containers, restarts, tty and multiplexed frames, engine-down notices,
and `skip_in_floods`, which bounds what is read in a flood and counts what was skipped) runs
there with a lower CPU priority (`os.nice(PUMP_NICE)`, on the child only, never on the
screen), and the batches it yields — already bounded, a few per second in a flood — cross a
pipe as length-prefixed pickles of the batch's columns (its fault marks too: a source read
through the pump still says when it could not be read). The screen's side only unpickles
(C code) and hands on `LogBatch`es: `PumpedSource.follow()` keeps `LogSource`'s contract.

What it measured (`benchmarks/keys.py` part 3, 2 cores, under other load): with the pump the
screen's process costs the same per key during a container flood as the same screen showing
no logs at all (key p99 139/160 ms against 137/139 ms without logs, 163/190 ms with the reader
threads in-process) and its RSS is 9 MiB smaller; the child holds ~35 MiB, flat. What is left
above the 100 ms target is the screen's own per-key work (~18–20 ms of CPU: the list, the item
pane, layout) stretched by the flood's CPU load, not the logs.

Only the screen pumps. `qatui logs` and the logs probe read in-process and get every line; a
source built with a `client_factory` (tests that fake an engine fault) cannot cross a process
and is returned as it is. If the child cannot run at all (no interpreter to start, or one
that cannot import qatui), the source says so once and reads in the screen's process as before.

Life cycle: the child reads one JSON line (the source's settings and the follow arguments)
from its stdin and stops when stdin reaches EOF, so it ends with the screen even on `kill -9`;
it runs in its own process group, so the terminal's Ctrl-C is the screen's alone, but in the
screen's session, so that its niceness counts against the screen (see `_Child`). Stopping closes
stdin, then terminates the child if it has not gone within `STOP_GRACE`. A child that dies
while following (killed, out of memory) is a notice, and a new one resumes from the time of
the last line shown (a line written at that very instant may show twice; none is lost).
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import select
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from qatui.core.logs.base import LogBatch, LogSource
from qatui.core.logs.docker_source import DockerSource

#: Niceness added to the child: in a flood the screen's keys come before the tail's freshness.
PUMP_NICE = 10
#: How often the parent looks at its stop event while no batch arrives.
POLL_SECONDS = 0.1
STOP_GRACE = 0.3
RESTART_SECONDS = 1.0
_HEADER = 4  # bytes of big-endian length before each pickled batch
_MAX_FRAME = 256 << 20  # a corrupt length must not make the parent allocate without bound


def pumped(source: LogSource) -> LogSource:
    """The source the screen should follow: a Docker source in a child process, in its
    skip-in-floods mode; any other source (and a Docker source with a fake client) as it is."""
    if isinstance(source, DockerSource):
        source.skip_in_floods = True
        if source._client_factory is None:
            return PumpedSource(source)
    return source


def _settings(source: DockerSource) -> dict[str, Any]:
    return {
        "name": source.name,
        "service": source.service,
        "container": source.container,
        "project": source.project,
        "docker_host": source.docker_host,
        "tail": source.tail,
        "errors": source.error_patterns,
    }


class PumpedSource:
    """A `DockerSource` followed in a child process (see the module docstring)."""

    def __init__(self, source: DockerSource, *, python: str | None = None) -> None:
        self.source = source
        self.name = source.name
        #: The interpreter that runs the child (this one unless a test says otherwise).
        self.python = python or sys.executable
        #: The running child's pid, if any (tests kill it to check the restart).
        self.pid: int | None = None

    def follow(
        self,
        stop: threading.Event,
        *,
        tail: int | None = None,
        since: datetime | None = None,
        follow: bool = True,
    ) -> Iterator[LogBatch]:
        last: datetime | None = None  # time of the last line shown (not of a notice)
        said: set[str] = set()
        while not stop.is_set():
            try:
                child = _Child(self.source, self.python, tail=tail, since=since, follow=follow)
            except OSError as error:  # no interpreter to start: read here instead
                yield from self._in_process(stop, f"cannot start a process ({error})", tail, since, follow)
                return
            self.pid = child.pid
            delivered = False
            try:
                for batch in child.batches(stop):
                    delivered = True
                    last = _last_time(batch, last)
                    yield batch
            finally:
                code = child.end()
                self.pid = None
            if stop.is_set() or (code == 0 and not follow):
                return
            reason = child.reason()
            if not delivered and code > 0:
                # It never got as far as reading (an interpreter that cannot import qatui,
                # say): the screen still gets its lines, read in this process.
                yield from self._in_process(stop, reason, tail, since, follow)
                return
            if reason not in said:  # a child that keeps dying is said once per reason
                said.add(reason)
                yield LogBatch.notice(
                    self.name,
                    f"log reader for {self.source.what} stopped ({reason}); "
                    + ("starting it again" if follow else "its lines end here"),
                    datetime.now(UTC),
                )
            if not follow or stop.wait(RESTART_SECONDS):
                return
            if last is not None:
                tail, since = -1, last  # resume after the last line shown

    def _in_process(self, stop: threading.Event, reason: str, tail: int | None, since: datetime | None,
                    follow: bool) -> Iterator[LogBatch]:
        yield LogBatch.notice(self.name, f"log reader process unavailable ({reason}); reading in the screen's "
                              "process", datetime.now(UTC))
        yield from self.source.follow(stop, tail=tail, since=since, follow=follow)


def _last_time(batch: LogBatch, last: datetime | None) -> datetime | None:
    """The time of the batch's last line (not a notice: those carry the time they were said);
    batches come in time order, so this looks from the end."""
    times, notices = batch.times, batch.notices
    for index in range(len(batch) - 1, -1, -1):
        if index in notices:
            continue
        at = times[index] if times is not None else batch.at
        if at is not None and (last is None or at > last):
            return at
        break
    return last


class _Child:
    """One child process and the parent's end of its pipe."""

    def __init__(self, source: DockerSource, python: str, *, tail: int | None, since: datetime | None,
                 follow: bool) -> None:
        request = {
            "source": _settings(source),
            "tail": tail,
            "since": since.isoformat() if since is not None else None,
            "follow": follow,
        }
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[3])  # where `qatui` is importable from
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
        # The child's stderr (an import error, a crash) is read once it has ended; a file, not a
        # pipe, so that a chatty child can never block on it. Closed by `end()`.
        self._stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self._process = subprocess.Popen(
            [python, "-m", "qatui.core.logs.pump"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=env,
            close_fds=True,
            # Its own process group (signals for the screen's group, such as a Ctrl-C when the
            # terminal is not raw, are not its business) but the screen's session: Linux's
            # autogroup shares the CPU between sessions, and `nice` acts only inside one, so
            # a child in a session of its own would compete with the screen as an equal.
            process_group=0,
        )
        self.pid = self._process.pid
        assert self._process.stdin is not None and self._process.stdout is not None
        self._stdin = self._process.stdin
        self._stdout = self._process.stdout
        with contextlib.suppress(OSError):
            self._stdin.write(json.dumps(request).encode() + b"\n")
            self._stdin.flush()
        self._ended = False
        self._last_words = ""
        self._garbled = ""

    def batches(self, stop: threading.Event) -> Iterator[LogBatch]:
        """The child's batches until it ends or `stop` is set."""
        fd = self._stdout.fileno()
        reader = FrameReader()
        while not stop.is_set():
            ready, _, _ = select.select([fd], [], [], POLL_SECONDS)
            if not ready:
                continue
            data = os.read(fd, 1 << 20)
            if not data:
                return
            try:
                batches = [decode_batch(payload) for payload in reader.feed(data)]
            except (ValueError, pickle.UnpicklingError, EOFError, TypeError) as error:
                self._garbled = f"garbled output: {error}"
                return  # the caller ends this child and starts another
            yield from batches

    def end(self) -> int:
        """Stop the child (stdin EOF, then SIGTERM, then SIGKILL); its exit code."""
        process = self._process
        if not self._ended:
            self._ended = True
            with contextlib.suppress(OSError):
                self._stdin.close()
            try:
                process.wait(STOP_GRACE)
            except subprocess.TimeoutExpired:
                process.terminate()
                try:
                    process.wait(1.0)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            with contextlib.suppress(OSError):
                self._stdout.close()
            try:
                self._stderr.seek(0)
                self._last_words = self._stderr.read()[-4096:].decode("utf-8", "replace").strip()
            except OSError:
                pass
            finally:
                self._stderr.close()
        return process.returncode if process.returncode is not None else -1

    def reason(self) -> str:
        """Why the child ended, in a few words: its exit code or signal and last stderr line."""
        code = self._process.returncode
        said = "still running" if code is None else f"killed by signal {-code}" if code < 0 else f"exit code {code}"
        lines = [self._garbled] if self._garbled else self._last_words.splitlines()
        return f"{said}: {lines[-1][:200]}" if lines else said


class FrameReader:
    """Cuts the pipe's bytes into payloads: a 4-byte big-endian length, then that many bytes."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        buffer = self._buffer
        buffer += data
        out: list[bytes] = []
        pos = 0
        size = len(buffer)
        while size - pos >= _HEADER:
            length = int.from_bytes(buffer[pos:pos + _HEADER], "big")
            if length > _MAX_FRAME:
                raise ValueError(f"log reader sent a frame of {length} bytes")
            end = pos + _HEADER + length
            if end > size:
                break
            out.append(bytes(buffer[pos + _HEADER:end]))
            pos = end
        del buffer[:pos]
        return out


def encode_batch(batch: LogBatch) -> bytes:
    """A batch as one frame: its columns pickled (datetimes, sets and lists are all pickle
    handles in C), behind their length."""
    payload = pickle.dumps(
        (batch.source, batch.texts, batch.times, batch.at, sorted(batch.errors), sorted(batch.notices),
         batch.origins, batch.origin, sorted(batch.faults)),
        protocol=pickle.HIGHEST_PROTOCOL,
    )
    return len(payload).to_bytes(_HEADER, "big") + payload


def decode_batch(payload: bytes) -> LogBatch:
    source, texts, times, at, errors, notices, origins, origin, faults = pickle.loads(payload)  # our child's bytes
    return LogBatch(source, texts, times=times, at=at, errors=frozenset(errors), notices=frozenset(notices),
                    origins=origins, origin=origin, faults=frozenset(faults))


# --- the child ---


def _watch_stdin(stop: threading.Event) -> None:
    """Child thread: the parent closed our stdin (or died): stop."""
    with contextlib.suppress(OSError):
        while os.read(0, 4096):
            pass
    stop.set()


def main() -> int:
    """Child: follow the source described on stdin's first line; batches to stdout."""
    request = json.loads(sys.stdin.buffer.readline() or b"null")
    if not isinstance(request, dict):
        return 2  # the parent went away before saying what to follow
    out = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)  # a stray print must not corrupt the frames
    with contextlib.suppress(OSError):
        os.nice(PUMP_NICE)
    source = DockerSource(**request["source"])
    source.skip_in_floods = True
    since = datetime.fromisoformat(request["since"]) if request.get("since") else None
    stop = threading.Event()
    threading.Thread(target=_watch_stdin, args=(stop,), name="qatui-pump-stdin", daemon=True).start()
    try:
        for batch in source.follow(stop, tail=request.get("tail"), since=since, follow=bool(request.get("follow"))):
            out.write(encode_batch(batch))
    except BrokenPipeError:
        return 0  # the parent is gone
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
