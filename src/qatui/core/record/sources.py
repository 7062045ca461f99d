"""Whether the records a merged record was made from are still what was merged.

A merged record names its sources with the sha256 of their bytes when they were merged
(`Session.sources`), and the lead's sign-off covers the merged record and therefore those
hashes: the lead vouched for that work. If one of the sources changes afterwards (a tester
ticked one more item in their own record and pushed it), the sign-off no longer covers the
team's work, and `qatui report` says so, and its gate fails, until the records are merged
again and the result signed.

Only a source found beside the merged record can be checked (its name is relative to the
merged record's folder); one that is not there is reported as not found, which is no failure:
records are often merged from a folder that is not committed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from qatui.core.session import Session, SourceRef

#: Files larger than this are not hashed (a record is well under 1 MB per 5,000 items).
MAX_SOURCE_BYTES = 64 * 2**20


@dataclass(frozen=True)
class SourceState:
    """A source of a merged record as found on disk now."""

    ref: SourceRef
    path: Path
    #: The sha256 of the file now; None when it is not found (or cannot be read).
    sha256: str | None

    @property
    def found(self) -> bool:
        return self.sha256 is not None

    @property
    def changed(self) -> bool:
        return self.sha256 is not None and self.sha256 != self.ref.sha256


def check_sources(session: Session, record_path: str | Path) -> list[SourceState]:
    """Each source of `session` (a merged record at `record_path`), hashed where it is found."""
    folder = Path(record_path).parent
    states: list[SourceState] = []
    for ref in session.sources:
        path = folder / ref.name
        # A name is relative to the merged record (qatui writes no other); an absolute one in a
        # record from elsewhere is not looked for: a report never hashes a file the record picks.
        found = None if Path(ref.name).is_absolute() else _sha256(path)
        states.append(SourceState(ref, path, found))
    return states


def _sha256(path: Path) -> str | None:
    try:
        if not path.is_file() or path.stat().st_size > MAX_SOURCE_BYTES:
            return None
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def source_reasons(states: list[SourceState], signed: bool) -> list[str]:
    """Why the gate fails because of the sources: one reason per source changed since."""
    when = "after the sign-off" if signed else "since the merge"
    return [
        f"source record {state.ref.name} changed {when} (it was merged as sha256 "
        f"{state.ref.sha256[:12]}…): merge the records again" + (" and sign the result" if signed else "")
        for state in states
        if state.changed
    ]
