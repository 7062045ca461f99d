"""Evidence newer than the verdict: an item whose probe results were taken after it was ticked.

A re-run (the tester's, or a capture taken again for a later item) replaces an item's probe
results in place. If that happens after the tester ticked the item, the verdict stands on
evidence the tester has not seen: the record and the screen say so, with both times, instead
of showing "passed at 18:32:54" above probe results from 18:34:01 as if one came with the other.
"""

from __future__ import annotations

from datetime import datetime

from qatui.core.datatypes import datatype
from qatui.core.session import ItemResult, Status


@datatype(frozen=True)
class NewerEvidence:
    """An item whose probes ran after its verdict: when it was ticked and when the probes ran."""

    ticked: datetime
    probes: datetime

    def text(self) -> str:
        """`evidence newer than the verdict (ticked 18:32:54, probes 18:34:01)`."""
        ticked, probes = self.ticked, self.probes.astimezone(self.ticked.tzinfo) if self.ticked.tzinfo else self.probes
        same_day = ticked.date() == probes.date()
        pattern = "%H:%M:%S" if same_day else "%Y-%m-%d %H:%M:%S"
        shown = ticked.strftime(pattern), probes.strftime(pattern)
        if shown[0] == shown[1]:  # within one second: the milliseconds tell them apart
            shown = ticked.strftime(pattern + ".%f")[:-3], probes.strftime(pattern + ".%f")[:-3]
        return f"evidence newer than the verdict (ticked {shown[0]}, probes {shown[1]})"


def newer_evidence(item: ItemResult) -> NewerEvidence | None:
    """The tick and the newest probe result, when a ticked item's probes ran after its tick."""
    if item.status is Status.UNTESTED or item.updated_at is None or not item.probes:
        return None
    times = [p.at for p in item.probes if p.at is not None]
    if not times:
        return None
    ticked = item.updated_at
    try:
        newest = max(times)
        later = newest > ticked
    except TypeError:  # a time without a zone beside one with: not comparable, say nothing
        return None
    return NewerEvidence(ticked, newest) if later else None
