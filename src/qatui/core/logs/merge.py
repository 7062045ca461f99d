"""Several sources as one stream, in time order; and which sources could not be read.

Each source runs in its own thread (its `follow()` blocks) and puts its batches on one bounded
queue; the consumer's side keeps batches for a short reorder window (0.25 s) so that lines
arriving from different sources a moment apart still come out in the order of their times.
The queue is bounded, so a source that floods waits for the consumer instead of growing memory.
At the start, output waits (up to a second) until every source has delivered its first batch,
so that the tails of several services interleave instead of coming one after another.

Ordering: across sources, lines come out in the order of their times (a line without a time
takes the moment its batch was received), ties in the order they arrived; each source's own
lines keep their order. Lines still inside the reorder window wait for the next hand-out.

Batch-wise, never line by line: a flood is hundreds of thousands of lines a second, and one
object per line (what this module used to build, and sort) capped two merged sources at a
fraction of what one source reaches. So the merger never looks at a line it does not have to:
it keeps whole `LogBatch`es per source (in arrival order) and interleaves them as a k-way merge
of *runs*: it takes, from the source whose next line is oldest, every line up to the next line
of any other source. A batch with one time for all its lines (commands, files without
timestamps) is one comparison, whatever its size; a batch with a time per line (the engine's
timestamps) is one comparison per line and no allocation; only two sources alternating line by
line (rare in a flood, which comes in blocks) cost a slice per line, still about half of what
building and sorting line objects cost. What comes out is a `MergedBatch`: a
sequence of `LogLine`s (built only when someone iterates it) over slices of the sources'
batches, so the CLI writes the columns in bulk.

Which sources failed: sources report faults as notice lines, never as exceptions (so a follow
keeps going and resumes by itself). `SourceHealth` watches the merged stream and tells a source
that could not be read at all (it said a fault and delivered no line: engine unreachable,
container or service not found, file missing or unreadable, command that could not run or
failed without output) from one that worked, so that `qatui logs` can say which failed and exit
non-zero. A fault is a notice the source itself marked as one (`LogBatch.faults`), where it
said it; a source that raises is marked here (`_failure`). Nothing here reads a notice's
wording: this module used to recognise faults by a regex over it, and then a reworded notice
silently stopped failing its source (and a notice that merely contained "cannot read " would
have failed one). The wording is for people; the mark is what counts.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import overload

from qatui.core.logs.base import LogBatch, LogLine, LogSource

WINDOW_SECONDS = 0.25
START_SECONDS = 1.0
_DONE = object()

class MergedBatch(Sequence[LogLine]):
    """Lines from one or more sources, in order: slices (`chunks`) of the sources' batches.

    Iterate or index it for `LogLine`s; writers that must keep up with a flood read the
    chunks' columns instead (`batch.texts[lo:hi]`, `batch.time_of(i)`, `batch.errors`)."""

    __slots__ = ("_length", "chunks")

    def __init__(self, chunks: list[tuple[LogBatch, int, int]]) -> None:
        self.chunks = chunks
        self._length = sum(hi - lo for _batch, lo, hi in chunks)

    @classmethod
    def whole(cls, batch: LogBatch) -> MergedBatch:
        return cls([(batch, 0, len(batch))])

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[LogLine]:
        for batch, lo, hi in self.chunks:
            for i in range(lo, hi):
                yield batch._line(i)

    @overload
    def __getitem__(self, index: int) -> LogLine: ...

    @overload
    def __getitem__(self, index: slice) -> list[LogLine]: ...

    def __getitem__(self, index: int | slice) -> LogLine | list[LogLine]:
        if isinstance(index, slice):
            return list(self)[index]
        if index < 0:
            index += self._length
        if not 0 <= index < self._length:
            raise IndexError(index)
        for batch, lo, hi in self.chunks:
            if index < hi - lo:
                return batch._line(lo + index)
            index -= hi - lo
        raise IndexError(index)  # pragma: no cover - the length says otherwise


@dataclass(slots=True)
class _Run:
    """A batch waiting in the reorder window, and how far it has been handed out."""

    arrived: float  # monotonic
    received: datetime  # the time of its lines that have none
    order: int  # arrival order, for ties
    batch: LogBatch
    start: int = 0


def merge(
    sources: Sequence[LogSource],
    stop: threading.Event,
    *,
    tail: int | None = None,
    since: datetime | None = None,
    follow: bool = True,
    window: float = WINDOW_SECONDS,
) -> Iterator[MergedBatch]:
    """Yield batches of lines from all `sources`, ordered by time, until `stop` is set (or,
    without `follow`, until every source has ended)."""
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
    held: list[deque[_Run]] = [deque() for _ in sources]  # per source, in arrival order
    order = 0
    running = set(range(len(sources)))
    started: set[int] = set()
    begin = time.monotonic()
    try:
        while running or any(held):
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
                assert isinstance(item, LogBatch)
                held[number].append(_Run(time.monotonic(), datetime.now(UTC), order, item))
                order += 1
            warming = running - started and time.monotonic() - begin < START_SECONDS
            if warming and follow:
                continue
            if not any(held):
                continue
            if running and not follow:
                continue  # without follow: everything at the end, fully ordered
            if running:
                cutoff = time.monotonic() - window
                ready = [_take_ready(runs, cutoff) for runs in held]
            else:
                ready = [list(runs) for runs in held]
                for runs in held:
                    runs.clear()
            chunks = _interleave(ready)
            if chunks:
                yield MergedBatch(chunks)
    finally:
        inner.set()
        for thread in threads:
            thread.join(timeout=1.0)


def _take_ready(runs: deque[_Run], cutoff: float) -> list[_Run]:
    """The runs that arrived before `cutoff` (a prefix: runs are in arrival order)."""
    ready = []
    while runs and runs[0].arrived <= cutoff:
        ready.append(runs.popleft())
    return ready


def _interleave(sources: list[list[_Run]]) -> list[tuple[LogBatch, int, int]]:
    """A k-way merge of each source's runs by (time, arrival): chunks of batches, in order."""
    chunks: list[tuple[LogBatch, int, int]] = []
    append = chunks.append
    pending = [runs for runs in sources if runs]
    position = [0] * len(pending)  # index of each source's current run
    heads = [_head(runs[0]) for runs in pending]  # each source's next line: (time, arrival)
    while len(pending) > 1:
        # The source whose next line is oldest, and the oldest next line of all the others.
        if len(pending) == 2:
            first = 0 if heads[0] <= heads[1] else 1
            bound = heads[1 - first]
        else:
            first = min(range(len(pending)), key=heads.__getitem__)
            bound = min(heads[:first] + heads[first + 1:])
        runs = pending[first]
        run = runs[position[first]]
        end = _end_before(run, bound)
        append((run.batch, run.start, end))
        if end < len(run.batch):
            run.start = end
        else:
            position[first] += 1
            if position[first] == len(runs):
                del pending[first], position[first], heads[first]
                continue
            run = runs[position[first]]
        heads[first] = _head(run)
    if pending:
        chunks.extend((run.batch, run.start, len(run.batch)) for run in pending[0][position[0]:])
    return chunks


def _head(run: _Run) -> tuple[datetime, int]:
    at = run.batch.time_of(run.start)
    return (at if at is not None else run.received, run.order)


def _end_before(run: _Run, bound: tuple[datetime, int]) -> int:
    """How far `run` goes (from its start) while its lines come no later than `bound`. The run's
    head is not later than `bound` (it was chosen as the oldest), so at least one line goes."""
    batch = run.batch
    size = len(batch)
    bound_at, bound_order = bound
    times = batch.times
    if times is None:  # one time for every line: all or (were it not the oldest) nothing
        return size
    # Lines at the bound's very time go first only when this run arrived first.
    received, earlier = run.received, run.order < bound_order
    i = run.start + 1
    while i < size:
        at = times[i]
        if at is None:
            at = received
        if at > bound_at or (at == bound_at and not earlier):
            break
        i += 1
    return i


def _alone(
    source: LogSource, stop: threading.Event, tail: int | None, since: datetime | None, follow: bool
) -> Iterator[MergedBatch]:
    try:
        for batch in source.follow(stop, tail=tail, since=since, follow=follow):
            if stop.is_set():
                return
            if not isinstance(batch, LogBatch):
                batch = LogBatch.of(source.name, list(batch))
            if batch:
                yield MergedBatch.whole(batch)
    except Exception as error:  # as in `_pump`: a notice in the stream, not a traceback
        yield MergedBatch.whole(_failure(source, error))


def _failure(source: LogSource, error: Exception) -> LogBatch:
    return LogBatch.notice(source.name, f"log source {source.name!r} failed: {error!r}", datetime.now(UTC),
                           fault=True)


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
        put(_failure(source, error))
    finally:
        with contextlib.suppress(Exception):
            put(_DONE)


@dataclass(slots=True)
class SourceState:
    """What one source has delivered so far: lines (not counting notices) and its faults."""

    name: str
    lines: int = 0
    faults: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """Said a fault and delivered nothing: the source could not be read."""
        return self.lines == 0 and bool(self.faults)


class SourceHealth:
    """Watches a merged stream (`see` every batch) and tells which sources could not be read."""

    def __init__(self, names: Sequence[str]) -> None:
        self.states = {name: SourceState(name) for name in names}

    def see(self, merged: MergedBatch) -> list[SourceState]:
        """Count `merged`; return the sources that just said their first fault before any line."""
        fresh: list[SourceState] = []
        for batch, lo, hi in merged.chunks:
            state = self.states.get(batch.source)
            if state is None:
                state = self.states[batch.source] = SourceState(batch.source)
            notices = [i for i in batch.notices if lo <= i < hi] if batch.notices else []
            state.lines += hi - lo - len(notices)
            faults = sorted(i for i in batch.faults if lo <= i < hi) if batch.faults else []
            for i in faults:
                if not state.faults and not state.lines:
                    fresh.append(state)
                state.faults.append(batch.texts[i])
        return fresh

    def failed(self) -> list[SourceState]:
        return [state for state in self.states.values() if state.failed]
