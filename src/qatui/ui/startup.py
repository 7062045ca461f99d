"""Start-up: what is read from disk before a session shows, and never on the screen's thread.

The screen's thread reads no file: a record is told apart from a checklist (64 KiB read), the
checklist a record was made from is found (the whole record read), the record of the session
is opened and the baseline record is globbed for and read, either before the app starts
(`create_app`, for `qatui CHECKLIST` with nothing to ask) or in a thread worker whose answer is
posted back. The functions here are those reads; they return values, never touch a widget.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from qatui.core.errors import QatuiError
from qatui.core.record.paths import (
    find_previous_record,
    is_record_file,
    record_path_for,
    resolve_record_checklist,
)

if TYPE_CHECKING:
    from qatui.core.checklist import Checklist
    from qatui.core.record.store import RecordFile
    from qatui.core.session import Session


def load_checklist(path: str, env_vars: Mapping[str, str]) -> Checklist:
    """The loader's result; a YAML checklist already in the cache is taken from it directly.

    On a cache hit the loader module (PyYAML, the position-keeping parser, the validator's
    regexes) is never imported: about a tenth of the start-up of a bare Textual app. The
    cache checks the file's bytes itself, so this is the same checklist the loader would give.
    """
    from qatui.core import checklist_cache

    if checklist_cache.prefetching(path):
        # The main screen's modules are imported while the child still parses, not after.
        import qatui.ui.screens.main  # noqa: F401
    return checklist_cache.load_checklist(path, env=env_vars, defer=True)  # written after the first paint


@dataclass(slots=True)
class Chosen:
    """A path the tester gave (command line or chooser), read: the checklist, and the record
    to resume when the path was a record."""

    checklist_path: str
    checklist: Checklist
    resume: str | None = None


def read_choice(path: str, env_vars: Mapping[str, str]) -> Chosen:
    """Tell a record from a checklist, find a record's checklist, load the checklist.
    Raises `QatuiError` (a `ChecklistError` for a bad checklist)."""
    resume = None
    if is_record_file(path):
        resume, path = path, resolve_record_checklist(path)
    return Chosen(path, load_checklist(path, env_vars), resume)


@dataclass(slots=True)
class OpenedRecord:
    """The record a session is written to, as read before the session starts: `session` is
    what the file holds (`record_file` remembers it, for the conflict check), or None when
    there is no file there yet."""

    path: str
    record_file: RecordFile | None = None
    session: Session | None = None


def read_session_record(
    checklist: Checklist, env_key: str, *, resume: str | None, record_path: str | None, today: datetime,
    tester: str = "",
) -> OpenedRecord:
    """Open the record of a session: the one to resume, the one `--record` names, or the
    default path under the checklist's repository (named after `tester` for a part record).
    Raises `QatuiError` for a record that cannot be read."""
    path = resume or record_path or str(record_path_for(checklist, env_key, today, tester))
    if not resume and not Path(path).exists():
        return OpenedRecord(path)
    from qatui.core.record.store import RecordFile

    record_file = RecordFile(path)
    return OpenedRecord(path, record_file, record_file.load())


def read_record(path: str | Path) -> tuple[RecordFile, Session] | QatuiError:
    """A record read again (the conflict dialog's "Reload"): the file object that remembers
    what it read, and the session."""
    from qatui.core.record.store import RecordFile

    record_file = RecordFile(path)
    try:
        return record_file, record_file.load()
    except QatuiError as error:
        return error


@dataclass(slots=True)
class Baseline:
    """The earlier record whose timings are the sign-off's "before", or why it was not read."""

    session: Session | None = None
    warning: str = ""


def read_baseline(given: str | None, current: Path, checklist_path: str | None) -> Baseline:
    """`--baseline OLD.md`, else the newest other record of the same checklist beside the
    current one; none is no error, one that cannot be read is a warning."""
    path = given if given is not None else find_previous_record(current, checklist_path)
    if path is None:
        return Baseline()
    try:
        from qatui.core.record.read import read

        return Baseline(read(Path(path).read_text(encoding="utf-8"), str(path)))
    except (OSError, QatuiError) as error:
        message = error.message if isinstance(error, QatuiError) else str(error)
        return Baseline(warning=f"baseline {path} not read: {message}")

