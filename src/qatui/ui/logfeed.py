"""Log tails for the screen: one thread worker per source, a bounded buffer, drained on a timer.

Sources are blocking iterators (`LogSource.follow(stop)`), so each runs in a Textual thread
worker. Workers never touch widgets: they append batches to a buffer, and the app drains it on
the UI thread every 100 ms into `Log.write_lines`, one call per drain. That is time batching
with backpressure for free: if the screen falls behind, the oldest pending lines are dropped
(the pane's buffer is bounded anyway), never the keys.

Switching item bumps a generation number and sets the old stop event; lines from an old
generation still in flight are discarded.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qatui.core.checklist import Environment, LogSourceSpec

if TYPE_CHECKING:
    from qatui.core.logs.base import LogLine

Batch = Sequence["LogLine"]


class LogFeed:
    def __init__(self, max_pending_lines: int = 20_000) -> None:
        self.max_pending_lines = max_pending_lines
        self._lock = threading.Lock()
        self._pending: deque[tuple[int, Batch]] = deque()
        self._pending_lines = 0
        self._generation = 0
        self._stop = threading.Event()
        self.names: list[str] = []
        self.dropped = 0

    @property
    def generation(self) -> int:
        return self._generation

    def restart(self, names: list[str]) -> tuple[int, threading.Event]:
        """Stop the running tails; the caller starts new workers with the returned token."""
        self._stop.set()
        with self._lock:
            self._generation += 1
            self._pending.clear()
            self._pending_lines = 0
        self._stop = threading.Event()
        self.names = list(names)
        return self._generation, self._stop

    def stop(self) -> None:
        self._stop.set()

    def put(self, generation: int, batch: Batch) -> None:
        """Called from a worker thread."""
        if not batch:
            return
        with self._lock:
            if generation != self._generation:
                return
            self._pending.append((generation, batch))
            self._pending_lines += len(batch)
            while self._pending_lines > self.max_pending_lines and len(self._pending) > 1:
                _, old = self._pending.popleft()
                self._pending_lines -= len(old)
                self.dropped += len(old)

    def drain(self) -> list[Batch]:
        with self._lock:
            if not self._pending:
                return []
            batches = [batch for gen, batch in self._pending if gen == self._generation]
            self._pending.clear()
            self._pending_lines = 0
        return batches


def follow_source(
    feed: LogFeed,
    generation: int,
    stop: threading.Event,
    spec: LogSourceSpec,
    environment: Environment | None,
    checklist_dir: Path,
    lookup: Callable[[str], str | None],
) -> None:
    """Body of a log thread worker: iterate the source until `stop` is set."""
    from qatui.core.logs import make_source  # imports the docker SDK: only when logs are shown

    source: Any = make_source(spec, environment, checklist_dir=checklist_dir, lookup=lookup)
    for batch in source.follow(stop, tail=spec.tail):
        if stop.is_set():
            break
        feed.put(generation, batch)
