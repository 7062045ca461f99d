"""Log tails for the screen: one thread worker per source, a bounded buffer, drained on a timer.

Sources are blocking iterators (`LogSource.follow(stop)`), so each runs in a Textual thread
worker. Workers never touch widgets: they append batches to a buffer, which `LogControl`
offers the main screen every 100 ms (one `LogLinesReady` at a time); the screen drains it into
`Log.write_lines`, one call per drain: time batching, as toolong does, so a flood is a few
calls a second, not a message per line.

Backpressure: when more lines wait than the screen takes in one drain, `put` blocks the
source's thread until the next drain. A flood then costs the reading thread no more CPU (and
GIL) than the screen can show, so the keys stay quick; the tail lags a flood instead of
starving the screen, and catches up when the flood ends. Docker sources go further: the
feed runs each in a child process (`core/logs/pump.py`: no reader thread, docker SDK or
per-line object in the screen's process) in its `skip_in_floods` mode, so in a flood the
child polls the newest lines a few times a second and says how many it skipped (see
`core/logs/docker_source.py`); the screen's side only unpickles a few bounded batches a
second.

Switching item bumps a generation number and sets the old stop event; lines from an old
generation still in flight are discarded.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qatui.core.logs.base import LogLine

Batch = Sequence["LogLine"]


class LogFeed:
    def __init__(self, max_pending_lines: int = 20_000) -> None:
        self.max_pending_lines = max_pending_lines
        self._lock = threading.Lock()
        self._drained = threading.Condition(self._lock)
        self._pending: deque[tuple[int, Batch]] = deque()
        self._pending_lines = 0
        self._generation = 0
        self._stop = threading.Event()
        self.names: list[str] = []
        self.closed = False
        #: Applied to every line's text on the reading thread, before the screen sees it (the
        #: app masks secrets and makes control characters visible here).
        self.clean: Callable[[str], str] | None = None

    @property
    def waiting(self) -> bool:
        """Lines wait to be drained (a glance without the lock: a batch just missed is seen
        at the next drain)."""
        return bool(self._pending)

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
            self._drained.notify_all()
        self._stop = threading.Event()
        if self.closed:  # a timer that fired on the way out: nothing may start any more
            self._stop.set()
        self.names = list(names)
        return self._generation, self._stop

    def stop(self) -> None:
        """Stop the tails for good: a later `restart` gives an already-set stop event. (A tail
        started after the app's last `stop` would keep its thread, and so the process, alive.)"""
        self.closed = True
        self._stop.set()
        with self._lock:
            self._drained.notify_all()

    def put(self, generation: int, batch: Batch, *, block: bool = True) -> None:
        """Called from a worker thread; blocks while the screen is behind (see above)."""
        if not batch:
            return
        if self.clean is not None:
            batch = clean_batch(batch, self.clean)
        with self._lock:
            while (
                block
                and self._pending_lines >= self.max_pending_lines
                and generation == self._generation
                and not self._stop.is_set()
            ):
                self._drained.wait(0.25)
            if generation != self._generation:
                return
            self._pending.append((generation, batch))
            self._pending_lines += len(batch)

    def drain(self) -> list[Batch]:
        with self._lock:
            if not self._pending:
                return []
            batches = [batch for gen, batch in self._pending if gen == self._generation]
            self._pending.clear()
            self._pending_lines = 0
            self._drained.notify_all()
        return batches


def clean_batch(batch: Batch, clean: Callable[[str], str]) -> Batch:
    """`batch` with `clean` applied to every text; the same object when nothing changed."""
    from dataclasses import replace

    texts = getattr(batch, "texts", None)
    if texts is not None:  # a LogBatch: one column to rewrite
        cleaned = [clean(text) for text in texts]
        return batch if cleaned == texts else replace(batch, texts=cleaned)  # type: ignore[type-var]
    lines = [line if (text := clean(line.text)) == line.text else replace(line, text=text) for line in batch]
    return lines


def follow_source(
    feed: LogFeed,
    generation: int,
    stop: threading.Event,
    build: Callable[[], Any],
    tail: int | None,
    mask: Callable[[str], str] | None = None,
) -> None:
    """Body of a log thread worker: build the source (`RunModel.log_source`: the run's scope,
    its trust check), then iterate it until `stop` is set, masking each line with the run's
    masker on the way to the pane, as `qatui logs` masks what it prints."""
    source: Any = build()
    for batch in source.follow(stop, tail=tail):
        if stop.is_set():
            break
        if mask is not None:
            texts = getattr(batch, "texts", None)
            if isinstance(texts, list):
                batch.texts = [mask(text) for text in texts]
        feed.put(generation, batch)
