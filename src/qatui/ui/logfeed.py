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

Each tail has its own token (a generation number) and stop event. Switching item stops the
tails and starts new ones; lines of a stopped tail still in flight are discarded. Switching the
log scope (`l`) keeps the tails of the sources shown before and after (`restart(names, keep=…)`):
they are not read again from their tail, so the lines the tester was reading stay, once.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Collection, Sequence
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
        #: The running tails: source name → (token, stop event).
        self._tails: dict[str, tuple[int, threading.Event]] = {}
        #: Tokens whose lines are taken: the running tails' and `generation` (injected lines).
        self._live: set[int] = {0}
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
        """The token of the newest `restart`, for lines put in by hand (`LogControl.inject`)."""
        return self._generation

    def restart(self, names: list[str], keep: Collection[str] = ()) -> dict[str, tuple[int, threading.Event]]:
        """Stop the running tails except those of `keep` that `names` still holds; return a
        token and a stop event for each source of `names` the caller starts now."""
        with self._lock:
            kept = {name: tail for name, tail in self._tails.items() if name in keep and name in names}
            for name, (_token, stop) in self._tails.items():
                if name not in kept:
                    stop.set()
            self._generation += 1
            started: dict[str, tuple[int, threading.Event]] = {}
            for name in names:
                if name in kept:
                    continue
                self._generation += 1
                stop = threading.Event()
                if self.closed:  # a timer that fired on the way out: nothing may start any more
                    stop.set()
                started[name] = (self._generation, stop)
            self._generation += 1
            self._tails = {**kept, **started}
            self._live = {self._generation, *(token for token, _ in self._tails.values())}
            self._pending = deque(item for item in self._pending if item[0] in self._live)
            self._pending_lines = sum(len(batch) for _, batch in self._pending)
            self._drained.notify_all()
        self.names = list(names)
        return started

    def stop(self) -> None:
        """Stop the tails for good: a later `restart` gives already-set stop events. (A tail
        started after the app's last `stop` would keep its thread, and so the process, alive.)"""
        self.closed = True
        with self._lock:
            for _token, stop in self._tails.values():
                stop.set()
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
                and generation in self._live
                and not self.closed
            ):
                self._drained.wait(0.25)
            if generation not in self._live:
                return
            self._pending.append((generation, batch))
            self._pending_lines += len(batch)

    def drain(self) -> list[Batch]:
        with self._lock:
            if not self._pending:
                return []
            batches = [batch for gen, batch in self._pending if gen in self._live]
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
