"""What a probe run says when it ends, and how old a result is.

Fast probes finish before the eye finds the probe pane, so `r` and `R` end with one line in a
notification: `R: 12 passed, 2 failed, 1 inconclusive in 3.2 s` (the key, the probe statuses
in a fixed order, the wall time of the batch). A result carries its time on the probe pane
(`3 min ago`); one read from the record that is older than this screen's start says `from the
last session`, so after a resume an old result never looks like the current one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from qatui.core.session import ProbeResult, ProbeStatus

#: The order statuses are named in the summary.
ORDER = (ProbeStatus.PASSED, ProbeStatus.FAILED, ProbeStatus.ERROR, ProbeStatus.TIMEOUT,
         ProbeStatus.INCONCLUSIVE, ProbeStatus.NOT_RUN)
WORDS = {ProbeStatus.NOT_RUN: "not run", ProbeStatus.TIMEOUT: "timed out"}


def run_summary(label: str, results: Iterable[ProbeResult], seconds: float, *, cancelled: bool = False) -> str:
    """`R: 12 passed, 2 failed, 1 inconclusive in 3.2 s` (`cancelled`: said after the counts)."""
    counts = dict.fromkeys(ORDER, 0)
    for result in results:
        counts[result.status] += 1
    said = ", ".join(f"{n} {WORDS.get(status, status.value)}" for status, n in counts.items() if n)
    head = f"{label}: " if label else ""
    tail = " (cancelled)" if cancelled else ""
    return f"{head}{said or 'nothing ran'} in {seconds:.1f} s{tail}"


#: A result older than this screen, on its (narrow) probe line; the pane says it in full below.
LAST_SESSION = "last session"


def from_last_session(at: datetime | None, opened_at: datetime | None) -> bool:
    """Whether a result was taken before this screen opened (read from a resumed record)."""
    return at is not None and opened_at is not None and at < opened_at


def age(at: datetime | None, now: datetime, opened_at: datetime | None) -> str:
    """How old a result is, in words: `just now`, `3 min ago`, `2 h ago`, `last session`
    (older than `opened_at`, this screen's start); empty without a time."""
    if at is None:
        return ""
    if from_last_session(at, opened_at):
        return LAST_SESSION
    seconds = (now - at).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    return f"{int(seconds // 86400)} d ago"


def skipped_destructive(label: str, probe_ids: list[str]) -> str:
    """What `R` says about the probes that may change data, which it leaves out."""
    names = ", ".join(probe_ids[:5]) + (f" and {len(probe_ids) - 5} more" if len(probe_ids) > 5 else "")
    head = f"{label}: " if label else ""
    return (f"{head}not run: {names} (destructive: may change data). Run it on purpose with r on its item.")
