"""Several sources as one stream, in time order.

Each source runs in its own thread (its `follow()` blocks) and puts its batches on one bounded
queue; the consumer's side keeps lines for a short reorder window (0.25 s) so that lines
arriving from different sources a moment apart still come out in the order of their times.
The queue is bounded, so a source that floods waits for the consumer instead of growing memory.
At the start, output waits (up to a second) until every source has delivered its first batch,
so that the tails of several services interleave instead of coming one after another.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

from qatui.core.logs.base import LogBatch, LogLine, LogSource

WINDOW_SECONDS = 0.25
START_SECONDS = 1.0
_DONE = object()


def merge(
    sources: Sequence[LogSource],
    stop: threading.Event,
    *,
    tail: int | None = None,
    since: datetime | None = None,
    follow: bool = True,
    window: float = WINDOW_SECONDS,
) -> Iterator[list[LogLine]]:
    """Yield lists of lines from all `sources`, ordered by time, until `stop` is set (or, without
    `follow`, until every source has ended)."""
    if len(sources) == 1:
        # Nothing to interleave: hand each batch on as it comes, with no reorder window, so a
        # single flooding source streams at the source's pace instead of the merger's.
        yield from _alone(sources[0], stop, tail, since, follow)
        return
    inner = threading.Event()
    batches: queue.Queue[tuple[int, object]] = queue.Queue(maxsize=256)
    threads = []
    for number, source in enumerate(sources):
        thread = threading.Thread(
            target=_pump,
            args=(number, source, inner, batches, tail, since, follow),
            name=f"qatui-merge-{source.name}",
            daemon=True,
        )
        thread.start()
        threads.append(thread)
    held: list[tuple[datetime, int, float, LogLine]] = []  # (time, arrival order, monotonic, line)
    sequence = 0
    running = set(range(len(sources)))
    started: set[int] = set()
    begin = time.monotonic()
    try:
        while running or held:
            if stop.is_set():
                return
            deadline = time.monotonic() + 0.1
            while running:
                # The deadline holds even while batches keep coming: a source that floods
                # (never leaving the queue empty) must not keep lines from being handed out.
                timeout = deadline - time.monotonic()
                if timeout <= 0:
                    break
                try:
                    number, item = batches.get(timeout=timeout)
                except queue.Empty:
                    break
                started.add(number)
                if item is _DONE:
                    running.discard(number)
                    continue
                arrived = time.monotonic()
                received = datetime.now(UTC)
                assert isinstance(item, LogBatch)
                for line in item:
                    held.append((line.at or received, sequence, arrived, line))
                    sequence += 1
            warming = running - started and time.monotonic() - begin < START_SECONDS
            if warming and follow:
                continue
            if not held:
                continue
            cutoff = time.monotonic() - window
            if running and follow:
                ready = [h for h in held if h[2] <= cutoff]
                if not ready:
                    continue
                held = [h for h in held if h[2] > cutoff]
            elif running:
                continue  # without follow: everything at the end, fully ordered
            else:
                ready, held = held, []
            ready.sort(key=lambda h: (h[0], h[1]))
            yield [h[3] for h in ready]
    finally:
        inner.set()
        for thread in threads:
            thread.join(timeout=1.0)


def _alone(
    source: LogSource, stop: threading.Event, tail: int | None, since: datetime | None, follow: bool
) -> Iterator[list[LogLine]]:
    try:
        for batch in source.follow(stop, tail=tail, since=since, follow=follow):
            if stop.is_set():
                return
            lines = list(batch)
            if lines:
                yield lines
    except Exception as error:  # as in `_pump`: a notice in the stream, not a traceback
        yield list(LogBatch.notice(source.name, f"log source {source.name!r} failed: {error!r}", datetime.now(UTC)))


def _pump(
    number: int,
    source: LogSource,
    stop: threading.Event,
    batches: queue.Queue[tuple[int, object]],
    tail: int | None,
    since: datetime | None,
    follow: bool,
) -> None:
    """Thread: one source's batches onto the shared queue (waiting while the queue is full)."""

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                batches.put((number, item), timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    try:
        for batch in source.follow(stop, tail=tail, since=since, follow=follow):
            if not isinstance(batch, LogBatch):
                batch = LogBatch.of(source.name, list(batch))
            if batch and not put(batch):
                return
    except Exception as error:  # a bug in a source must not end the others
        put(LogBatch.notice(source.name, f"log source {source.name!r} failed: {error!r}", datetime.now(UTC)))
    finally:
        with contextlib.suppress(Exception):
            put(_DONE)
