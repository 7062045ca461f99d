"""One `DockerSource.follow()` call: the supervisor thread that finds the containers, one reader
thread per container, and the queue `follow()` takes batches from (the design: the docstring of
`docker_source.py`)."""

from __future__ import annotations

import contextlib
import difflib
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from qatui.core.logs._text import MAX_LINE, cap
from qatui.core.logs.base import LogBatch
from qatui.core.logs.docker_engine import (
    container_number,
    engine_errors,
    engine_reason,
    quoted_names,
)
from qatui.core.logs.docker_limits import (
    BACKLOG_SECONDS,
    BEHIND_PAUSE,
    FLOOD_POLL_SECONDS,
    FLOOD_TAIL,
    MAX_PENDING,
    MAX_QUEUED,
    ONEOFF_LABEL,
    PROJECT_LABEL,
    RESCAN_SECONDS,
    RETRY_SECONDS,
    SERVICE_LABEL,
    SKIP_NOTICE_SECONDS,
)
from qatui.core.logs.docker_stamps import now_ns, parse_stamp
from qatui.core.logs.docker_stream import LogStream, close_quietly
from qatui.core.logs.errors import ErrorDetector

if TYPE_CHECKING:
    from qatui.core.logs.docker_source import DockerSource


#: One line handed from a reader to `follow()`: (ns, at, text, container id or "" for the
#: source's own notices, origin, kind). A tuple: a flood makes one per line.
Entry = tuple[int, datetime, str, str, str, int]
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
class Track:
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




class FollowRun:
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
        self._pending: list[Entry] = []
        self._streams: set[Any] = set()
        self._tracks: dict[str, Track] = {}
        self._readers: dict[str, threading.Thread] = {}
        self._said: set[str] = set()  # faults already reported (each is said once)
        self._client: Any = None
        self._decoding = threading.Lock()  # one decoder of a track's raw frames at a time
        self._skipped = 0  # skipped lines not said yet
        self._skip_said_at = 0.0

    # --- handing lines over ---

    def _put(self, entry: Entry) -> None:
        with self._lock:
            self._pending.append(entry)

    def notice(self, text: str, *, once: str | None = None, origin: str = "", fault: bool = False) -> None:
        """Say `text` (once per `once` key); `fault`: it means the source could not be read."""
        if once is not None:
            if once in self._said:
                return
            self._said.add(once)
        ns, at = now_ns()
        self._put((ns, at, text, "", origin, _FAULT if fault else _NOTICE))

    def resolved(self, prefix: str) -> bool:
        """Forget faults starting with `prefix` (they may be said again); True if there were any."""
        gone = {key for key in self._said if key.startswith(prefix)}
        self._said -= gone
        return bool(gone)

    def _add_frames(self, track: Track, frames: list[bytes]) -> bool:
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

    def _decode(self, track: Track, *, end: bool = False) -> None:
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
            out: list[Entry] = []
            self._frames(track, frames, out)
            if end and track.partial:
                self._frames(track, [b"\n"], out)
            if out:
                with self._lock:
                    self._pending.extend(out)

    def behind(self) -> bool:
        """Whether a reader that keeps every line (`qatui logs`) has a full batch queued
        already: `follow()` then takes it at once instead of after its pause. Readers that skip
        in floods (the screen's) keep their pause: they are meant to poll, not to keep up."""
        with self._lock:
            return any(track.raw.maxlen is None and len(track.raw) >= MAX_PENDING for track in self._tracks.values())

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
            first = min((entry[_NS] for entry in entries), default=now_ns()[0])
            at = min((entry[_AT] for entry in entries), default=now_ns()[1])
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
            close_quietly(stream)
        client = self._client
        if client is not None:
            with contextlib.suppress(Exception):
                client.close()

    def _supervise(self) -> None:
        errors = engine_errors()
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
                hint = f"; did you mean {quoted_names(close)}?" if close else ""
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
            containers.sort(key=lambda c: (container_number(c.labels), c.name))
            return [(c.id, c.name) for c in containers]
        in_project = client.containers.list(all=True, filters={"label": f"{PROJECT_LABEL}={source.project}"})
        if in_project:
            services = sorted({c.labels.get(SERVICE_LABEL, "") for c in in_project} - {""})
            close = difflib.get_close_matches(source.service or "", services, n=3)
            hint = f"did you mean {quoted_names(close)}? " if close else ""
            text = (f"compose project {source.project!r} has no service {source.service!r}; {hint}"
                    f"its services: {', '.join(services)}")
            self.notice(text, once=f"missing:service:{','.join(services)}", fault=True)
        else:
            everything = client.containers.list(all=True, filters={"label": PROJECT_LABEL})
            projects = sorted({c.labels.get(PROJECT_LABEL, "") for c in everything} - {""})
            close = difflib.get_close_matches(source.project or "", projects, n=3)
            hint = f"did you mean {quoted_names(close)}? " if close else ""
            existing = f"projects on this engine: {', '.join(projects)}" if projects else "no compose projects run on this engine"
            text = (f"compose project {source.project!r} has no containers on {source.host_display}; "
                    f"{hint}{existing}; waiting for {source.service!r} to start")
            self.notice(text, once="missing:project", fault=True)
        return []

    def _start_reader(self, container_id: str, name: str, *, initial: bool) -> None:
        track = self._tracks.get(container_id)
        if track is None:
            track = Track(container_id, name, ErrorDetector(self.source.error_patterns))
            if not self.source.skip_in_floods:
                track.raw = deque()  # every line; the reader waits instead (see `_add_frames`)
            self._tracks[container_id] = track
        thread = threading.Thread(
            target=self._read, args=(track, initial), name=f"qatui-docker-{name}", daemon=True
        )
        self._readers[container_id] = thread
        thread.start()

    def _read(self, track: Track, initial: bool) -> None:
        """Thread: stream one container's logs, across its restarts, until halted or removed."""
        import docker.errors

        errors = engine_errors()
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

    def _poll_flood(self, client: Any, track: Track, tty: bool) -> None:
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

    def _stream(self, client: Any, track: Track, *, initial: bool, tty: bool = False, poll: int = 0) -> int:
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
        stream = LogStream(client, track.id, params)
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

    def _frames(self, track: Track, frames: list[bytes], out: list[Entry]) -> None:
        """Decode raw frames into entries: each line's engine timestamp, then its text. A line
        at or before the last one delivered (a resume's overlap) is dropped; so is one at the
        very instant of the last that was delivered already. One loop with its names bound
        locally, each frame decoded at once (a line feed is never inside a UTF-8 sequence):
        a flood decodes hundreds of thousands of lines a second here, and the call per line
        and a set per line (`seen_at_last`, now made only for a second line at one instant)
        were a fifth of the docker flood's time."""
        since_ns = self.since_ns
        last_ns = track.last_ns
        seen: set[str] | None = track.seen_at_last
        first = ""  # the one text at `last_ns` while `seen` is None (a set only for a second)
        key, name = track.id, track.name
        append = out.append
        parse = parse_stamp
        delivered = 0
        for frame in frames:
            if track.partial:
                frame = track.partial + frame
                track.partial = b""
            if not frame.endswith(b"\n"):
                if len(frame) <= MAX_LINE + 64:
                    track.partial = frame
                    continue
                frame += b"\n"
            for text in frame[:-1].decode("utf-8", "replace").split("\n"):
                stamp, _, rest = text.partition(" ")
                parsed = parse(stamp)
                if parsed is None:  # no timestamp: a continuation of an over-long line
                    continue
                ns, at = parsed
                if ns < last_ns or ns < since_ns:
                    continue
                if rest.endswith("\r"):
                    rest = rest.rstrip("\r")
                if len(rest) > MAX_LINE:
                    rest = cap(rest)
                if ns == last_ns:
                    if seen is None:
                        seen = {first}
                    if rest in seen:
                        continue  # already delivered before a resume
                    seen.add(rest)
                else:
                    last_ns = ns
                    seen, first = None, rest
                append((ns, at, rest, key, name, _LINE))
                delivered += 1
        track.last_ns = last_ns
        track.seen_at_last = seen if seen is not None else {first}
        track.delivered += delivered

    def _wait_running(self, client: Any, track: Track) -> bool:
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

