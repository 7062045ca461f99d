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

import calendar
import contextlib
import difflib
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from qatui.core.logs._text import MAX_LINE, cap
from qatui.core.logs.base import LogBatch
from qatui.core.logs.errors import ErrorDetector

PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"
ONEOFF_LABEL = "com.docker.compose.oneoff"
DEFAULT_HOST = "unix:///var/run/docker.sock"

BATCH_SECONDS = 0.1
#: Raw lines kept per container until `follow()` takes them; in a flood the oldest beyond this
#: are skipped (counted, and said in a notice) and never decoded: only what can be shown costs.
MAX_PENDING = 2000
#: When nothing may be skipped (`qatui logs`, the logs probe), a reader waits once this many
#: raw lines are queued: enough for one `BATCH_SECONDS` of the engine's top speed (~140 k
#: lines/s here), so the wait paces the engine without capping the rate below it; a few MB.
MAX_QUEUED = 25_000
#: While `follow()` is behind, a reader waits this long between reads, so that each read is a
#: large bulk walked in one go instead of many small ones competing with the screen.
BEHIND_PAUSE = 0.025
#: Skipped lines are said at most this often (with the count since the last notice).
SKIP_NOTICE_SECONDS = 1.0
#: In a flood (lines were skipped while streaming) a reader stops streaming and asks the engine
#: for the newest FLOOD_TAIL lines every FLOOD_POLL_SECONDS; it streams again once a poll
#: returns fewer than half of that.
FLOOD_POLL_SECONDS = 0.25
FLOOD_TAIL = 200
BACKLOG_SECONDS = 1.0
RESCAN_SECONDS = 1.0
RETRY_SECONDS = 1.0
API_TIMEOUT = 10

_STAMP = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$")


_SECONDS: dict[str, tuple[int, datetime]] = {}


def parse_stamp(stamp: str) -> tuple[int, datetime] | None:
    """`2026-03-01T12:00:00.123456789Z` → (nanoseconds since the epoch, aware datetime).

    The engine writes RFC 3339 in UTC; that form is parsed by slicing, with the whole seconds
    cached (a flood has thousands of lines per second), anything else by a regex.
    """
    if len(stamp) >= 20 and stamp[-1] == "Z" and stamp[10] == "T":
        fraction = stamp[20:-1] if stamp[19] == "." else ""
        if (fraction.isdigit() or (not fraction and len(stamp) == 20)) and len(fraction) <= 9:
            base = _second(stamp[:19])
            if base is not None:
                nanos = int(fraction.ljust(9, "0")) if fraction else 0
                return base[0] * 1_000_000_000 + nanos, base[1].replace(microsecond=nanos // 1000)
    match = _STAMP.match(stamp)
    if not match:
        return None
    whole, fraction, zone = match.groups()
    base = _second(whole)
    if base is None:
        return None
    seconds = base[0]
    if zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        seconds -= sign * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
    nanos = int((fraction or "0").ljust(9, "0")[:9])
    at = datetime.fromtimestamp(seconds, UTC).replace(microsecond=nanos // 1000)
    return seconds * 1_000_000_000 + nanos, at


def _second(whole: str) -> tuple[int, datetime] | None:
    """`2026-03-01T12:00:00` (UTC) → (epoch seconds, datetime), cached."""
    cached = _SECONDS.get(whole)
    if cached is None:
        try:
            stamp = datetime.fromisoformat(whole).replace(tzinfo=UTC)
        except ValueError:
            return None
        if len(_SECONDS) > 4096:
            _SECONDS.clear()
        cached = _SECONDS[whole] = (calendar.timegm(stamp.timetuple()), stamp)
    return cached


def _now_ns() -> tuple[int, datetime]:
    at = datetime.now(UTC)
    return int(at.timestamp() * 1_000_000_000), at


#: One line handed from a reader to `follow()`: (ns, at, text, container id or "" for the
#: source's own notices, origin, kind). A tuple: a flood makes one per line.
_Entry = tuple[int, datetime, str, str, str, int]
#: Field indexes; `Final` literals so a type checker knows each field's type.
_NS: Final = 0
_AT: Final = 1
_TEXT: Final = 2
_KEY: Final = 3
_ORIGIN: Final = 4
_KIND: Final = 5
#: An entry's kind: a container's line, one of the source's notices, or a notice that the
#: source could not be read (a fault). Only a line is falsy.
_LINE, _NOTICE, _FAULT = 0, 1, 2


@dataclass
class _Track:
    """What is known about one container across restarts."""

    id: str
    name: str
    detector: ErrorDetector
    last_ns: int = 0
    seen_at_last: set[str] = field(default_factory=set)
    started_at: str = ""
    partial: bytes = b""
    #: Frames read but not decoded yet (newest last, at most MAX_PENDING), and how many older
    #: ones were skipped to stay within that.
    raw: deque[bytes] = field(default_factory=lambda: deque(maxlen=MAX_PENDING))
    skipped: int = 0
    flooding: bool = False
    delivered: int = 0  # lines decoded and handed over, ever


def _engine_errors() -> tuple[type[BaseException], ...]:
    import docker.errors
    import requests

    return (docker.errors.DockerException, requests.exceptions.RequestException, OSError)


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
        run = _Run(self, tail=tail, since=since, follow=follow)
        run.start()
        try:
            while True:
                finished = run.finished.is_set()
                batch = run.take()
                if batch is not None:
                    yield batch
                elif finished:
                    return
                if stop.wait(BATCH_SECONDS):
                    return
        finally:
            run.halt()


class _Run:
    """One `follow()` call: the supervisor, the readers and what they have read."""

    def __init__(self, source: DockerSource, *, tail: int, since: datetime | None, follow: bool) -> None:
        self.source = source
        self.tail = tail
        self.since = since
        self.since_ns = int(since.timestamp() * 1_000_000_000) if since else 0
        self.follow = follow
        self.halted = threading.Event()
        self.finished = threading.Event()
        self._lock = threading.Lock()
        self._pending: list[_Entry] = []
        self._streams: set[Any] = set()
        self._tracks: dict[str, _Track] = {}
        self._readers: dict[str, threading.Thread] = {}
        self._said: set[str] = set()  # faults already reported (each is said once)
        self._client: Any = None
        self._decoding = threading.Lock()  # one decoder of a track's raw frames at a time
        self._skipped = 0  # skipped lines not said yet
        self._skip_said_at = 0.0

    # --- handing lines over ---

    def _put(self, entry: _Entry) -> None:
        with self._lock:
            self._pending.append(entry)

    def notice(self, text: str, *, once: str | None = None, origin: str = "", fault: bool = False) -> None:
        """Say `text` (once per `once` key); `fault`: it means the source could not be read."""
        if once is not None:
            if once in self._said:
                return
            self._said.add(once)
        ns, at = _now_ns()
        self._put((ns, at, text, "", origin, _FAULT if fault else _NOTICE))

    def resolved(self, prefix: str) -> bool:
        """Forget faults starting with `prefix` (they may be said again); True if there were any."""
        gone = {key for key in self._said if key.startswith(prefix)}
        self._said -= gone
        return bool(gone)

    def _add_frames(self, track: _Track, frames: list[bytes]) -> bool:
        """Reader thread: queue raw frames (no decoding here); True when `follow()` is behind.

        Skipping in floods, the deque keeps the newest MAX_PENDING and the rest are counted;
        otherwise this waits while MAX_PENDING are queued, so the engine waits on its socket."""
        raw = track.raw
        if raw.maxlen is None:
            while len(raw) >= MAX_QUEUED and not self.halted.wait(BEHIND_PAUSE):
                pass
            with self._lock:
                raw.extend(frames)
            return False
        with self._lock:
            overflow = len(raw) + len(frames) - raw.maxlen
            if overflow > 0:
                track.skipped += overflow
            raw.extend(frames)  # the deque's maxlen drops the oldest
            return len(raw) >= raw.maxlen

    def _decode(self, track: _Track, *, end: bool = False) -> None:
        """Turn a track's raw frames into entries (into `_pending`), oldest first; `end`: the
        stream ended, so a partial last line is complete."""
        with self._decoding:
            with self._lock:
                frames = list(track.raw)
                track.raw.clear()
                skipped, track.skipped = track.skipped, 0
                self._skipped += skipped
            if skipped:
                track.partial = b""  # what it continued was skipped
            out: list[_Entry] = []
            for frame in frames:
                self._frame(track, frame, out)
            if end and track.partial:
                self._frame(track, b"\n", out)
            if out:
                with self._lock:
                    self._pending.extend(out)

    def take(self) -> LogBatch | None:
        for track in list(self._tracks.values()):
            if track.raw:
                self._decode(track)
        with self._lock:
            entries, self._pending = self._pending, []
            skipped = self._skipped
            if skipped and time.monotonic() - self._skip_said_at >= SKIP_NOTICE_SECONDS:
                self._skipped = 0
            else:
                skipped = 0
        if skipped:
            self._skip_said_at = time.monotonic()
            first = min((entry[_NS] for entry in entries), default=_now_ns()[0])
            at = min((entry[_AT] for entry in entries), default=_now_ns()[1])
            entries.insert(0, (first - 1, at, f"{skipped:,} lines skipped in the flood (the newest are shown; "
                               "the engine keeps them all)", "", "", _NOTICE))
        if not entries:
            return None
        # Error detection per container, in the order each container wrote its lines.
        flagged: set[int] = set()
        by_key: dict[str, list[int]] = {}
        noticed: list[int] = []
        for index, entry in enumerate(entries):
            if entry[_KIND]:
                noticed.append(index)
            else:
                by_key.setdefault(entry[_KEY], []).append(index)
        for key, indexes in by_key.items():
            tracked = self._tracks.get(key)
            if tracked is None:
                continue
            found = tracked.detector.scan([entries[i][_TEXT] for i in indexes])
            flagged.update(indexes[i] for i in found)
        order = sorted(range(len(entries)), key=lambda i: entries[i][_NS])  # stable
        position = {old: new for new, old in enumerate(order)}
        return LogBatch(
            self.source.name,
            [entries[i][_TEXT] for i in order],
            times=[entries[i][_AT] for i in order],
            errors={position[i] for i in flagged},
            notices={position[i] for i in noticed},
            origins=[entries[i][_ORIGIN] for i in order],
            faults={position[i] for i in noticed if entries[i][_KIND] == _FAULT},
        )

    # --- threads ---

    def start(self) -> None:
        threading.Thread(target=self._supervise, name=f"qatui-docker-{self.source.name}", daemon=True).start()

    def halt(self) -> None:
        self.halted.set()
        with self._lock:
            streams = list(self._streams)
        for stream in streams:
            _close(stream)
        client = self._client
        if client is not None:
            with contextlib.suppress(Exception):
                client.close()

    def _supervise(self) -> None:
        errors = _engine_errors()
        first = True
        try:
            while not self.halted.is_set():
                if self._client is None:
                    try:
                        self._client = self.source.make_client()
                    except errors as error:
                        if not self._engine_down(error):
                            return
                        continue
                    if self.resolved("engine"):
                        self.notice(f"Docker engine at {self.source.host_display} answers again")
                try:
                    found = self._discover(self._client)
                except errors as error:
                    self._drop_client()
                    if not self._engine_down(error):
                        return
                    continue
                for container_id, container_name in found:
                    reader = self._readers.get(container_id)
                    if reader is None or (not reader.is_alive() and self.follow):
                        if reader is None and not first:
                            self.notice(f"following container {container_name}", origin=container_name)
                        self._start_reader(container_id, container_name, initial=first)
                first = False
                if not self.follow:
                    for reader in list(self._readers.values()):
                        while reader.is_alive() and not self.halted.is_set():
                            reader.join(0.2)
                    return
                self.halted.wait(RESCAN_SECONDS)
        finally:
            self.finished.set()

    def _engine_down(self, error: BaseException) -> bool:
        """Say (once) that the engine does not answer; wait before the next try. False when
        not following: there is nothing more to show."""
        self.notice(
            f"Docker engine unreachable at {self.source.host_display} ({engine_reason(error)}); "
            f"retrying every {RETRY_SECONDS:.0f} s",
            once="engine",
            fault=True,
        )
        if not self.follow:
            return False
        self.halted.wait(RETRY_SECONDS)
        return True

    def _drop_client(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):
                client.close()

    def _discover(self, client: Any) -> list[tuple[str, str]]:
        """The containers to follow, as (id, name); a fault becomes a notice and []."""
        import docker.errors

        source = self.source
        if source.container is not None:
            try:
                container = client.containers.get(source.container)
            except docker.errors.NotFound:
                names = sorted(c.name for c in client.containers.list(all=True))
                close = difflib.get_close_matches(source.container, names, n=3)
                hint = f"; did you mean {_quoted(close)}?" if close else ""
                text = f"no container named {source.container!r} on {source.host_display}{hint}"
                self.notice(text, once="missing:container", fault=True)
                return []
            self.resolved("missing")
            return [(container.id, container.name)]
        labels = [f"{PROJECT_LABEL}={source.project}", f"{SERVICE_LABEL}={source.service}"]
        containers = [
            c
            for c in client.containers.list(all=True, filters={"label": labels})
            if c.labels.get(ONEOFF_LABEL, "False") != "True"
        ]
        if containers:
            self.resolved("missing")
            containers.sort(key=lambda c: (_number(c.labels), c.name))
            return [(c.id, c.name) for c in containers]
        in_project = client.containers.list(all=True, filters={"label": f"{PROJECT_LABEL}={source.project}"})
        if in_project:
            services = sorted({c.labels.get(SERVICE_LABEL, "") for c in in_project} - {""})
            close = difflib.get_close_matches(source.service or "", services, n=3)
            hint = f"did you mean {_quoted(close)}? " if close else ""
            text = (f"compose project {source.project!r} has no service {source.service!r}; {hint}"
                    f"its services: {', '.join(services)}")
            self.notice(text, once=f"missing:service:{','.join(services)}", fault=True)
        else:
            everything = client.containers.list(all=True, filters={"label": PROJECT_LABEL})
            projects = sorted({c.labels.get(PROJECT_LABEL, "") for c in everything} - {""})
            close = difflib.get_close_matches(source.project or "", projects, n=3)
            hint = f"did you mean {_quoted(close)}? " if close else ""
            existing = f"projects on this engine: {', '.join(projects)}" if projects else "no compose projects run on this engine"
            text = (f"compose project {source.project!r} has no containers on {source.host_display}; "
                    f"{hint}{existing}; waiting for {source.service!r} to start")
            self.notice(text, once="missing:project", fault=True)
        return []

    def _start_reader(self, container_id: str, name: str, *, initial: bool) -> None:
        track = self._tracks.get(container_id)
        if track is None:
            track = _Track(container_id, name, ErrorDetector(self.source.error_patterns))
            if not self.source.skip_in_floods:
                track.raw = deque()  # every line; the reader waits instead (see `_add_frames`)
            self._tracks[container_id] = track
        thread = threading.Thread(
            target=self._read, args=(track, initial), name=f"qatui-docker-{name}", daemon=True
        )
        self._readers[container_id] = thread
        thread.start()

    def _read(self, track: _Track, initial: bool) -> None:
        """Thread: stream one container's logs, across its restarts, until halted or removed."""
        import docker.errors

        errors = _engine_errors()
        first = True
        while not self.halted.is_set():
            client = self._client
            if client is None:
                self.halted.wait(RETRY_SECONDS)
                continue
            try:
                info = client.api.inspect_container(track.id)
                state = info.get("State", {})
                if first:
                    track.started_at = state.get("StartedAt", "")
                tty = bool(info.get("Config", {}).get("Tty"))
                self._stream(client, track, initial=initial and first, tty=tty)
                first = False
                if not self.follow:
                    return
                if track.flooding:
                    self._poll_flood(client, track, tty)
                    continue
                if not self._wait_running(client, track):
                    return
            except docker.errors.NotFound:
                self.notice(f"container {track.name} was removed", origin=track.name)
                return
            except errors:
                # The engine went away; the supervisor says so and reconnects.
                if self.halted.wait(RETRY_SECONDS):
                    return

    def _poll_flood(self, client: Any, track: _Track, tty: bool) -> None:
        """A flood: the screen shows a fraction of it, and streaming every line costs the engine
        and this process CPU the screen needs (on a small machine the flood itself already
        takes most of it). So ask for the newest lines a few times a second instead; the
        engine reads them from the end of its log file."""
        self.notice(
            f"flood: more lines than the screen can show; the newest {FLOOD_TAIL} are shown every "
            f"{FLOOD_POLL_SECONDS:g} s, the rest skipped here (the engine keeps every line)",
            origin=track.name,
        )
        while not self.halted.wait(FLOOD_POLL_SECONDS):
            before = track.delivered
            self._stream(client, track, initial=False, tty=tty, poll=FLOOD_TAIL)
            if track.delivered - before < FLOOD_TAIL // 2:  # (a poll repeats the last instant)
                break
        track.flooding = False
        if not self.halted.is_set():
            self.notice("the flood is over: every line is shown again", origin=track.name)

    def _stream(self, client: Any, track: _Track, *, initial: bool, tty: bool = False, poll: int = 0) -> int:
        """Read the container's log stream until it ends (container stopped, engine gone), the
        run is halted (another thread closes the stream's socket) or a flood starts (lines
        were skipped: `track.flooding`). With `poll`, read just the newest `poll` lines since
        the last one, without following. Returns the number of frames read."""
        follow = self.follow and not poll
        params: dict[str, Any] = {"stdout": 1, "stderr": 1, "timestamps": 1, "follow": int(follow)}
        if track.last_ns:
            params["since"] = f"{max(track.last_ns / 1e9 - 0.001, 1e-6):.6f}"
            params["tail"] = poll or "all"
        else:
            params["tail"] = self.tail if (initial and self.tail >= 0) else "all"
            if self.since_ns:
                params["since"] = f"{max(self.since_ns / 1e9 - 0.001, 1e-6):.6f}"
        stream = _LogStream(client, track.id, params)
        with self._lock:
            self._streams.add(stream)
        count = 0
        # A large `tail` arrives at once: that is a backlog, not a flood.
        backlog_until = time.monotonic() + BACKLOG_SECONDS
        try:
            if self.halted.is_set():
                return 0
            for frames in stream.bulks(tty):
                count += len(frames)
                behind = self._add_frames(track, frames)
                if follow and track.skipped and not tty and time.monotonic() > backlog_until:
                    track.flooding = True
                    break
                if behind and self.halted.wait(BEHIND_PAUSE):
                    break
            self._decode(track, end=True)  # up to date for a resume (`since` the last line)
        finally:
            with self._lock:
                self._streams.discard(stream)
            stream.close()
        return count

    def _frame(self, track: _Track, frame: bytes, out: list[_Entry]) -> None:
        if track.partial:
            frame = track.partial + frame
            track.partial = b""
        if not frame.endswith(b"\n"):
            if len(frame) <= MAX_LINE + 64:
                track.partial = frame
                return
            frame += b"\n"
        for raw in frame[:-1].split(b"\n"):
            self._line(track, raw, out)

    def _line(self, track: _Track, raw: bytes, out: list[_Entry]) -> None:
        text = raw.decode("utf-8", "replace")
        stamp, _, rest = text.partition(" ")
        parsed = parse_stamp(stamp)
        if parsed is None:  # no timestamp: a continuation of an over-long line
            return
        ns, at = parsed
        if ns < track.last_ns or ns < self.since_ns:
            return
        rest = cap(rest.rstrip("\r"))
        if ns == track.last_ns:
            if rest in track.seen_at_last:
                return  # already delivered before a resume
            track.seen_at_last.add(rest)
        else:
            track.last_ns = ns
            track.seen_at_last = {rest}
        out.append((ns, at, rest, track.id, track.name, _LINE))
        track.delivered += 1

    def _wait_running(self, client: Any, track: _Track) -> bool:
        """After a stream ended: wait until the container runs again; False when it is gone."""
        said_stopped = False
        while not self.halted.is_set():
            state = client.api.inspect_container(track.id).get("State", {})
            started = state.get("StartedAt", "")
            # Started again since we looked — even if it has already stopped again (a short job,
            # a crash loop): its new lines are waiting.
            if state.get("Running") or (started and started != track.started_at):
                if started != track.started_at:
                    track.started_at = started
                    self.notice(f"container {track.name} restarted", origin=track.name)
                elif said_stopped:
                    self.notice(f"container {track.name} runs again", origin=track.name)
                return True
            if not said_stopped:
                code = state.get("ExitCode")
                status = state.get("Status", "stopped")
                self.notice(
                    f"container {track.name} {'stopped' if status == 'exited' else status}"
                    + (f" (exit code {code})" if code is not None else "")
                    + "; waiting for it to start again",
                    origin=track.name,
                )
                said_stopped = True
            self.halted.wait(0.5)
        return False


class _LogStream:
    """The engine's log stream of one container, read in bulk.

    The SDK's own stream reads each frame with two small reads (header, then payload), which
    in a flood costs more than everything else per line; this reads whatever has arrived
    (`read1`) and cuts the frames out of it. Uses the SDK's request helpers, so TLS, ssh and
    API version negotiation stay the SDK's business.
    """

    def __init__(self, client: Any, container_id: str, params: dict[str, Any]) -> None:
        api = client.api
        #: which reader `bulks` uses: "dechunked" (bulk reads of the socket) or "sdk" (the
        #: SDK's read1, when urllib3's internals are not as expected); a canary test checks it
        self.path = ""
        self._response = api._get(api._url("/containers/{0}/logs", container_id), params=params, stream=True)
        api._raise_for_status(self._response)

    def bulks(self, tty: bool) -> Iterator[list[bytes]]:
        """Per read, the payloads of the complete multiplexed frames in it (stdout and stderr
        alike), or for a TTY the raw data as one payload."""
        read = self._body_reader()
        buffer = b""
        while True:
            try:
                data = read()
            except Exception:  # the socket was closed under us, or the engine went away
                return
            if not data:
                return
            if tty:
                yield [data]
                continue
            buffer = buffer + data if buffer else data
            size = len(buffer)
            pos = 0
            frames = []
            while size - pos >= 8:
                end = pos + 8 + int.from_bytes(buffer[pos + 4:pos + 8], "big")
                if end > size:
                    break
                frames.append(buffer[pos + 8:end])
                pos = end
            buffer = buffer[pos:] if pos < size else b""
            if frames:
                yield frames

    def _body_reader(self) -> Callable[[], bytes]:
        """A function returning the next bytes of the body, b"" at its end.

        The engine sends one HTTP chunk per frame, and `http.client` hands out one chunk per
        `read1` through several Python layers: in a flood that is the reader's main cost, all
        of it holding the GIL. So when the body is chunked and nothing of it was read yet,
        this reads the socket's buffered file in large reads and removes the chunk framing
        in bulk; otherwise it falls back to the SDK's `read1`.
        """
        raw = self._response.raw
        inner = getattr(raw, "_fp", None)
        fp = getattr(inner, "fp", None)
        if (
            not getattr(inner, "chunked", False)
            or getattr(inner, "chunk_left", 0) is not None
            or not hasattr(fp, "read1")
            or getattr(raw, "_has_decoded_content", False)
        ):
            self.path = "sdk"
            return lambda: raw.read1(1 << 16)
        self.path = "dechunked"
        return _Dechunker(fp).read

    def close(self) -> None:
        """Shut the socket down, which also wakes a reader blocked on it (from another thread)."""
        from docker.types.daemon import CancellableStream

        with contextlib.suppress(Exception):
            CancellableStream(iter(()), self._response).close()
        with contextlib.suppress(Exception):
            self._response.close()


class _Dechunker:
    """HTTP/1.1 chunked transfer coding removed in bulk: `hex size CRLF data CRLF`, ending
    with a zero-size chunk (trailers, if any, are not read)."""

    def __init__(self, fp: Any) -> None:
        self._fp = fp
        self._buffer = b""
        self._left = 0  # payload bytes of the current chunk still to come
        self._skip = 0  # bytes of the CRLF after a payload still to drop
        self._done = False

    def read(self) -> bytes:
        while not self._done:
            data = self._fp.read1(1 << 20)
            if not data:
                self._done = True
                break
            buffer = self._buffer + data if self._buffer else data
            out: list[bytes] = []
            pos, size = 0, len(buffer)
            while pos < size:
                if self._skip:
                    step = min(self._skip, size - pos)
                    pos += step
                    self._skip -= step
                    continue
                if self._left:
                    step = min(self._left, size - pos)
                    out.append(buffer[pos:pos + step])
                    pos += step
                    self._left -= step
                    if not self._left:
                        self._skip = 2
                    continue
                eol = buffer.find(b"\r\n", pos)
                if eol < 0:
                    break
                length = int(buffer[pos:eol].split(b";", 1)[0], 16)
                pos = eol + 2
                if length == 0:
                    self._done = True
                    break
                self._left = length
            self._buffer = buffer[pos:] if pos < size and not self._done else b""
            if out:
                return b"".join(out)
        return b""


def _close(stream: Any) -> None:
    with contextlib.suppress(Exception):
        stream.close()


def _number(labels: dict[str, str]) -> int:
    try:
        return int(labels.get("com.docker.compose.container-number", "0"))
    except ValueError:
        return 0


def _quoted(names: list[str]) -> str:
    return " or ".join(repr(n) for n in names)


def engine_reason(error: BaseException) -> str:
    """A short reason in plain words (`no such socket`, `connection refused`) from the SDK's
    nested connection errors, for every "Docker engine unreachable" a tester reads."""
    text = str(error)
    for marker in ("FileNotFoundError", "ConnectionRefusedError", "PermissionError", "timed out",
                   "Name or service not known", "Connection refused", "No such file or directory"):
        if marker in text:
            return {
                "FileNotFoundError": "no such socket",
                "No such file or directory": "no such socket",
                "ConnectionRefusedError": "connection refused",
                "Connection refused": "connection refused",
                "PermissionError": "permission denied",
                "timed out": "timed out",
                "Name or service not known": "unknown host",
            }[marker]
    return text.splitlines()[0][:200] if text else error.__class__.__name__
