"""How far a session is, counted once for every place that says it.

The screen's header, the checklist's section and priority lines, the quit line and the
sign-off all count items, and they used to count "done" as "not untested": a blocked or failed
item counted as done, so `CRITICAL 7/7` could stand beside a blocked critical item. Here
**done** means *settled*: passed or skipped. Failed and blocked are named apart, never folded
into done, and **open** means not looked at yet (untested). Every face asks `tally()` (or
`tally_of()` for statuses it already holds) and says the result with `words()` or `marks()`.
"""

from __future__ import annotations

from collections.abc import Iterable

from qatui.core.checklist import Priority
from qatui.core.datatypes import datatype
from qatui.core.session import Session, Status


@datatype(frozen=True)
class Tally:
    """Items by status. `done` is passed + skipped; `open` is untested."""

    passed: int = 0
    failed: int = 0
    blocked: int = 0
    skipped: int = 0
    open: int = 0

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.blocked + self.skipped + self.open

    @property
    def done(self) -> int:
        """Settled items: passed or skipped (a failed or blocked item still needs someone)."""
        return self.passed + self.skipped

    def count(self, status: Status) -> int:
        return {
            Status.PASSED: self.passed,
            Status.FAILED: self.failed,
            Status.BLOCKED: self.blocked,
            Status.SKIPPED: self.skipped,
            Status.UNTESTED: self.open,
        }[status]

    def words(self, *, zeros: bool = False) -> str:
        """`14 passed · 2 failed · 1 blocked · 3 skipped · 7 open` (counts of 0 left out
        unless `zeros`; an empty tally says `0 items`)."""
        parts = [f"{n} {word}" for n, word in self._named() if n or zeros]
        return " · ".join(parts) if parts else "0 items"

    def marks(self, statuses: Iterable[Status] = (Status.FAILED, Status.BLOCKED)) -> str:
        """The status marks with their counts, e.g. `✗2 ⊘1`, for the statuses given (0s left out)."""
        return " ".join(f"{s.mark}{self.count(s)}" for s in statuses if self.count(s))

    def _named(self) -> list[tuple[int, str]]:
        return [(self.passed, "passed"), (self.failed, "failed"), (self.blocked, "blocked"),
                (self.skipped, "skipped"), (self.open, "open")]


def tally_of(statuses: Iterable[Status]) -> Tally:
    """The tally of these statuses (one per item)."""
    counts = dict.fromkeys(Status, 0)
    for status in statuses:
        counts[status] += 1
    return Tally(counts[Status.PASSED], counts[Status.FAILED], counts[Status.BLOCKED],
                 counts[Status.SKIPPED], counts[Status.UNTESTED])


def tally(session: Session, priority: Priority | None = None) -> Tally:
    """The session's items (or those of one priority) by status."""
    return tally_of(
        item.status
        for section in session.sections
        if priority is None or section.priority is priority
        for item in section.items
    )
