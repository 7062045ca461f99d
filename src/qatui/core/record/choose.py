"""Which record file a new session writes to when the path it would use is taken.

A default record path is made from the checklist, the environment and the day, so a second
session the same day lands on the first one's file. Carrying on with it is right when it is the
same checklist and environment and still open. It is wrong when that file is signed (finished:
a second `qatui demo` the same day silently reopened a signed record, whose screen then refused
every tick), belongs to another environment (the demo's start screen offered `demo-protected`,
and choosing it ended the program with "choose another record path") or to another checklist.
Then the session goes to the next name beside it that is free or holds an open record of the
same checklist and environment (`…-2.md`, `…-3.md`), and `reason` says why, for the screen to
say it. A record named by the tester to resume (`qatui RECORD.md`) never comes through here.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import count
from pathlib import Path

from qatui.core.checklist import Checklist
from qatui.core.errors import QatuiError
from qatui.core.record.bring_in_line import same_checklist
from qatui.core.record.store import RecordFile
from qatui.core.session import Session

#: How far `…-N.md` goes before giving up and letting the recorder say what is wrong.
MAX_TRIES = 1000


@dataclass(frozen=True)
class RecordChoice:
    """The record a session writes to, why it is not the one asked for, and whether it carries one on."""

    path: Path
    #: Why the path asked for is not used ("" when it is): a sentence for the screen.
    reason: str = ""
    #: The chosen path holds a record this session carries on with (else it is a new file).
    resumes: bool = False
    #: That record, as read (so it is read once): the file that remembers it, and its session.
    record_file: RecordFile | None = None
    session: Session | None = None


@dataclass(frozen=True)
class _Look:
    """One path looked at: why it cannot take the session ("" when it can), and what it holds."""

    why: str = ""
    record_file: RecordFile | None = None
    session: Session | None = None


def _look(path: Path, checklist: Checklist, environment: str) -> _Look | None:
    """What the record at `path` is to this session; None when there is no file there."""
    if not path.exists():
        return None
    record_file = RecordFile(path)
    try:
        session = record_file.load()
    except (QatuiError, OSError):
        return _Look()  # not readable as a record: opening it says why, as before
    if not same_checklist(session, checklist):
        why = f"{path.name} is a record of another checklist ({session.title!r})"
    elif session.environment != environment:
        why = f"{path.name} is a record of environment {session.environment!r}"
    elif session.signoff is not None:
        signed = session.signoff
        why = f"{path.name} is signed (by {signed.name}, {signed.at:%Y-%m-%d %H:%M})"
    else:
        why = ""
    return _Look(why, record_file, session)


def choose_record(path: str | Path, checklist: Checklist, environment: str) -> RecordChoice:
    """The record file for a new session of `checklist` on `environment` asked to go to `path`."""
    asked = Path(path)
    look = _look(asked, checklist, environment)
    if look is None:
        return RecordChoice(asked)
    if not look.why:
        return RecordChoice(asked, resumes=True, record_file=look.record_file, session=look.session)
    for number in count(2):
        candidate = asked.with_name(f"{asked.stem}-{number}{asked.suffix}")
        other = _look(candidate, checklist, environment)
        if other is None:
            return RecordChoice(candidate, f"{look.why}: this session starts {candidate.name}")
        if not other.why:
            return RecordChoice(candidate, f"{look.why}: this session carries on with {candidate.name}",
                                resumes=True, record_file=other.record_file, session=other.session)
        if number >= MAX_TRIES:
            break
    return RecordChoice(asked, resumes=True, record_file=look.record_file, session=look.session)
