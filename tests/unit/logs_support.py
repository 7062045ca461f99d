"""Helpers for the log source tests: run a source in a thread and wait on conditions."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from typing import Any

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
