"""The interpreter settings qatui changes for speed, in one place, each undone by a `finally`.

qatui bends three of CPython's defaults, and each bend must end where it began, whatever way
the code in between leaves (a return, an error, a test that stops the app early):

- `paused_gc()`: no cyclic collection while a large acyclic structure is built. Start-up
  allocates a few hundred thousand long-lived objects (modules, the checklist, the widgets)
  and no garbage worth collecting; the collector would rescan them ~140 times before the first
  frame. The loader pauses it the same way while it builds the model (about 4× faster on a
  1 MB file). Nested pauses are fine: only the outermost one turns the collector back on.
- `freeze_long_lived()`: once start-up is over, what exists lives as long as the app; it is
  moved out of the collector's view (`gc.freeze`) so that a full collection no longer walks
  it (a 100+ ms hitch on a key press with a 5,000-item checklist). Garbage is collected first:
  whatever is frozen is never freed, so a freeze without a collect would keep start-up's
  garbage for the whole session. It also ends a `paused_gc()` early (the collector runs again
  from here; the pause's own `finally` then has nothing left to do).
- `manual_full_collections()`: the oldest generation leaves the automatic schedule, so the
  screen can run full collections when the keys are quiet (`ui/gc_pacing.py`).
- `switch_interval(seconds)`: how often the interpreter offers the GIL to another thread; the
  screen lowers it from 5 ms to 1 ms while it runs, because its key handling, Textual's writer
  thread, the log readers and the probe engine are threads of one process.

Each is a context manager; the screen, whose start and end are two callbacks rather than one
block, enters them on an `ExitStack` it closes when it unmounts. This module imports neither
textual nor rich, so the CLI and the core use it as well.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager

#: The screen's switch interval. 1 ms: key p99 during a container's log flood went from
#: 61–128 (median 80) to 63–97 (median 71) ms over 7 runs, and the first frame reached the
#: terminal 7–10 ms sooner (README, "Benchmarks").
KEYS_SWITCH_INTERVAL = 0.001
#: A threshold the oldest generation never reaches: no automatic full collection.
NEVER = 1 << 30


@contextmanager
def paused_gc() -> Iterator[None]:
    """No automatic cyclic collection inside the block; the collector's state is restored after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def freeze_long_lived() -> None:
    """Collect start-up's garbage, then move every surviving object out of the collector's view
    and let it run again. Called when start-up is over (after the first frame, after the
    session is shown); a second call freezes only what was made since the first."""
    gc.collect()
    gc.freeze()
    gc.enable()


@contextmanager
def manual_full_collections() -> Iterator[tuple[int, int, int]]:
    """Take full collections out of the automatic schedule (young ones stay); yields the
    thresholds as they were, whose third says how often a full collection is due."""
    saved = gc.get_threshold()
    young, middle, _ = saved
    gc.set_threshold(young, middle, NEVER)
    try:
        yield saved
    finally:
        gc.set_threshold(*saved)


@contextmanager
def switch_interval(seconds: float) -> Iterator[None]:
    """Offer the GIL to other threads every `seconds` inside the block."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(seconds)
    try:
        yield
    finally:
        sys.setswitchinterval(before)
