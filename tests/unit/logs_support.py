"""Helpers for the log source tests: run a source in a thread and wait on conditions."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from qatui.core.logs import DockerSource
from qatui.core.logs.base import LogLine


class Follower:
    """Runs `source.follow(...)` in a thread and collects its lines."""

    def __init__(self, source: Any, **kwargs: Any) -> None:
        self.source = source
        self.stop = threading.Event()
        self.lines: list[LogLine] = []
        self.batches = 0
        self.error: BaseException | None = None
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, kwargs=kwargs, daemon=True)
        self._thread.start()

    def _run(self, **kwargs: Any) -> None:
        try:
            for batch in self.source.follow(self.stop, **kwargs):
                with self._lock:
                    self.lines.extend(batch)
                    self.batches += 1
        except BaseException as error:  # surfaced by the test
            self.error = error

    def snapshot(self) -> list[LogLine]:
        with self._lock:
            return list(self.lines)

    def texts(self, *, notices: bool = False) -> list[str]:
        return [line.text for line in self.snapshot() if notices or not line.notice]

    def notices(self) -> list[str]:
        return [line.text for line in self.snapshot() if line.notice]

    def wait_for(self, condition: Callable[[Follower], bool], timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.error is not None:
                raise self.error
            if condition(self):
                return
            time.sleep(0.02)
        raise AssertionError(f"condition not met in {timeout} s; lines so far: {self.texts(notices=True)}")

    def wait_text(self, text: str, timeout: float = 20.0) -> None:
        self.wait_for(lambda f: any(text in t for t in f.texts(notices=True)), timeout)

    def close(self, timeout: float = 3.0) -> float:
        """Set the stop event; return how long the source took to end."""
        started = time.monotonic()
        self.stop.set()
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the source did not notice the stop event"
        if self.error is not None:
            raise self.error
        return time.monotonic() - started


def read_all(source: Any, **kwargs: Any) -> list[LogLine]:
    """Everything a non-following read yields."""
    stop = threading.Event()
    lines: list[LogLine] = []
    for batch in source.follow(stop, follow=False, **kwargs):
        lines.extend(batch)
    return lines


class SocketProxy:
    """A Unix-socket proxy in front of the real Docker engine, to take the engine "away" and
    bring it back without touching the engine other tests use (a fault the engine itself
    cannot be asked to produce)."""

    def __init__(self, path: str, target: str = "/var/run/docker.sock") -> None:
        self.path = path
        self.target = target
        self._server: Any = None
        self._sockets: list[Any] = []
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"unix://{self.path}"

    def start(self) -> None:
        import os
        import socket

        if os.path.exists(self.path):
            os.unlink(self.path)
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(self.path)
        server.listen(32)
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def _accept(self, server: Any) -> None:
        import socket

        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                upstream.connect(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: Any, sink: Any) -> None:
        import socket

        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        import os
        import socket

        if self._server is not None:
            self._server.close()
            self._server = None
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        if os.path.exists(self.path):
            os.unlink(self.path)


APP_SCRIPT = r"""
echo 'starting worker'
echo 'task 1 done'
echo 'ERROR task 2 failed'
echo 'Traceback (most recent call last):'
echo '  File "tasks.py", line 3, in run'
echo '    raise ValueError("bad order")'
echo 'ValueError: bad order'
echo 'task 3 done'
echo 'level=error msg="db gone"'
echo '127.0.0.1 - - "GET /api/ HTTP/1.1" 502 12'
echo '127.0.0.1 - - "GET /ok/ HTTP/1.1" 200 12'
echo 'all done'
"""


FLOOD = ('i=0; while [ $i -lt {count} ]; do i=$((i+1)); echo "line $i"; '
         'if [ $((i % 500)) -eq 0 ]; then echo "ERROR task $i failed"; fi; done; echo "flood done"; sleep 600')


def slow_reader(source: DockerSource, until: str, *, pause: float, tail: int = 0,
                timeout: float = 60.0) -> list[LogLine]:
    """Follow `source`, taking a batch every `pause` seconds, until a line contains `until`."""
    stop = threading.Event()
    lines: list[LogLine] = []
    deadline = time.monotonic() + timeout
    for batch in source.follow(stop, tail=tail):  # (a flood yields a batch at least every 0.25 s)
        lines.extend(batch)
        if any(until in line.text for line in batch) or time.monotonic() > deadline:
            break
        time.sleep(pause)
    stop.set()
    return lines


def numbers(lines: list[LogLine]) -> list[int]:
    return [int(line.text.split()[1]) for line in lines if not line.notice and line.text.startswith("line ")]


def pump_children() -> list[int]:
    """Our child processes running the pump."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as status:
                ppid = next(int(line.split()[1]) for line in status if line.startswith("PPid:"))
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                command = cmdline.read()
        except (OSError, StopIteration):
            continue
        if ppid == os.getpid() and b"qatui.core.logs.pump" in command:
            found.append(int(entry))
    return found
