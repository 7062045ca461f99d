"""Full garbage collections wait for a pause in the typing.

Textual's rendered lines and their caches make reference cycles, so CPython's collector runs a
full collection every few seconds on a busy screen. Each one walks every tracked object and
costs 10–30 ms of CPU; on a machine that a container's log flood keeps busy that stretches to
100–200 ms of wall time, and whichever key the tester pressed then waits for it. Young
collections are cheap and stay automatic. The full (oldest-generation) collection is taken
out of the automatic schedule and run instead when no key came for `idle` seconds, or at the
latest every `longest` seconds, so memory stays bounded during minutes of non-stop typing.
Long-lived objects from start-up are frozen (`runtime.freeze_long_lived`) by the app before
this starts. The threshold change itself is `runtime.manual_full_collections`, entered by
`start` and left by `stop` (or never left twice, whichever way the app ends).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from contextlib import ExitStack

from qatui.core.runtime import NEVER, manual_full_collections

__all__ = ["NEVER", "IdleCollector"]


class IdleCollector:
    def __init__(self, *, idle: float = 1.0, longest: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.idle = idle
        self.longest = longest
        self.clock = clock
        self._last_key = clock()
        self._last_full = clock()
        self._saved: tuple[int, int, int] | None = None
        self._manual = ExitStack()

    def start(self) -> None:
        """Take full collections out of the automatic schedule (young ones stay)."""
        if self._saved is None:
            self._saved = self._manual.enter_context(manual_full_collections())

    def stop(self) -> None:
        """Give the collector its own schedule back."""
        self._manual.close()
        self._saved = None

    def key_pressed(self) -> None:
        self._last_key = self.clock()

    @property
    def last_key(self) -> float:
        """When the last key came (the clock's seconds)."""
        return self._last_key

    def due(self) -> bool:
        """As often as the automatic schedule would: after `threshold2` middle collections."""
        threshold = (self._saved or gc.get_threshold())[2]
        return gc.get_count()[2] >= threshold

    def tick(self) -> bool:
        """Called on a timer: run a full collection if one is due and the keys are quiet
        (or it has been put off for `longest` seconds)."""
        now = self.clock()
        if not self.due():
            return False
        if now - self._last_key < self.idle and now - self._last_full < self.longest:
            return False
        gc.collect()
        self._last_full = self.clock()
        return True
