"""Logs of a compose service or a container, read through the Docker Engine API.

No `docker compose` CLI: a service's containers are the ones carrying Compose's labels
`com.docker.compose.project` and `com.docker.compose.service` (Compose v1 and v2 both set them),
so this works against any engine the SDK can reach, including a remote `DOCKER_HOST` over tcp
or ssh.

Shape: a supervisor thread connects, finds the containers (again every second, so that a
recreated container — same service, new id — is picked up) and starts one reader thread per
container; readers stream the engine's logs with timestamps and queue the raw frames per
container (the HTTP chunking and the frame headers are cut in bulk, nothing is decoded there);
`follow()` every ~0.1 s decodes what is queued, orders it by the engine's timestamps and
yields one batch.

Floods (measured on 2 cores: a busybox flood of ~20,000 lines/s already takes ~1.7 cores
between the shell, containerd and dockerd, so every cycle this process spends is taken from
the screen). `qatui logs` gets every line: a reader waits while MAX_PENDING frames are
queued, so the engine waits on its socket. The screen sets `skip_in_floods`: the queue keeps
the newest MAX_PENDING frames and counts the rest (a notice: "12,345 lines skipped in the
flood"), and once lines were skipped the reader stops streaming and asks the engine for the
newest FLOOD_TAIL lines every FLOOD_POLL_SECONDS (the engine reads them from the end of its
file, streaming nothing) until a poll brings fewer than half of that; then it streams again
from the last line. Errors are detected on the lines kept. While polling, the lines between
two polls are never read, so their number is unknown and the notice says "the rest skipped"
without one (estimating it from the rate of the polled lines was tried: the engine stamps a
pipe read's lines at once, so 200 lines give no usable rate; it said 600,000 for a flood of
150,000). The screen runs this class in a child process (`pump.py`): none of this shares its GIL.

Resuming without repeating or losing lines: every reader remembers the timestamp of the last
line it delivered (nanoseconds, as the engine wrote it) and the texts seen at that instant.
When a stream ends (container stopped or restarted, engine gone) it asks again with
`since=` that instant (minus a millisecond, since the API takes a float) and drops what it
already has. A recreated container is a new container: all of its lines are new.

Faults are notice lines, said once per fault: engine unreachable (naming the socket or host),
no containers in the project (naming the projects that exist), unknown service (with a
did-you-mean from the project's services), no such container, container stopped (with its exit
code). The first four mean the source could not be read and are marked so (`LogBatch.faults`);
a stopped container was read, and is an ordinary notice.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from qatui.core.logs.base import LogBatch
from qatui.core.logs.docker_engine import engine_reason
from qatui.core.logs.docker_limits import (
    API_TIMEOUT,
    BATCH_SECONDS,
    DEFAULT_HOST,
)
from qatui.core.logs.docker_run import FollowRun
from qatui.core.logs.docker_stamps import parse_stamp
from qatui.core.logs.errors import ErrorDetector

#: `engine_reason` and `parse_stamp` live in their modules; named here for existing callers.
__all__ = ["DockerSource", "engine_reason", "parse_stamp"]


class DockerSource:
    """A compose service (`service=`, in `project`) or a single container (`container=`)."""

    def __init__(
        self,
        name: str,
        *,
        service: str | None = None,
        container: str | None = None,
        project: str | None = None,
        docker_host: str | None = None,
        tail: int = 100,
        errors: list[str] | None = None,
        client_factory: Callable[[], Any] | None = None,
    ) -> None:
        if (service is None) == (container is None):
            raise ValueError("give exactly one of service= and container=")
        if service is not None and not project:
            raise ValueError("a service needs its compose project")
        self.name = name
        self.service = service
        self.container = container
        self.project = project
        self.docker_host = docker_host or None
        self.tail = tail
        self.error_patterns = errors
        self._client_factory = client_factory
        #: For a screen that shows the tail: in a flood, skip (and count) what cannot be shown
        #: rather than make the engine and this process read every line. Off for `qatui logs`,
        #: whose reader gets every line (the engine waits while it is behind).
        self.skip_in_floods = False
        ErrorDetector(errors)

    @property
    def host_display(self) -> str:
        return self.docker_host or DEFAULT_HOST

    @property
    def what(self) -> str:
        if self.service is not None:
            return f"service {self.service!r} of compose project {self.project!r}"
        return f"container {self.container!r}"

    def make_client(self) -> Any:
        """A client for the engine; raises the SDK's error when it does not answer."""
        if self._client_factory is not None:
            return self._client_factory()
        import docker

        if self.docker_host is None:
            client = docker.from_env(timeout=API_TIMEOUT)
        else:
            client = docker.DockerClient(
                base_url=self.docker_host,
                timeout=API_TIMEOUT,
                use_ssh_client=self.docker_host.startswith("ssh://"),
            )
        try:
            client.ping()
        except BaseException:
            client.close()
            raise
        return client

    def follow(
        self,
        stop: threading.Event,
        *,
        tail: int | None = None,
        since: datetime | None = None,
        follow: bool = True,
    ) -> Iterator[LogBatch]:
        if tail is None:
            tail = -1 if since is not None else self.tail  # -1: all (since filters)
        run = FollowRun(self, tail=tail, since=since, follow=follow)
        run.start()
        try:
            while True:
                finished = run.finished.is_set()
                batch = run.take()
                if batch is not None:
                    yield batch
                elif finished:
                    return
                if stop.is_set() or (not run.behind() and stop.wait(BATCH_SECONDS)):
                    return
        finally:
            run.halt()

