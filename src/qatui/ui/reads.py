"""What the screen reads from disk, and never on its own thread.

A record is told apart from a checklist (64 KiB read), the checklist a record was made from is
found (the whole record read), the record of the session is opened (or the next free name
chosen beside one that cannot take the session), the start screen's record lines are worked
out, the baseline record is globbed for and read, and a record is read again after a conflict:
each before the app starts (`create_app`, for `qatui CHECKLIST` with nothing to ask) or in a
thread worker whose answer is posted back (`QatuiApp.read_then`). These functions return
values and never touch a widget; `ui/startup.py` and `ui/session_control.py` call them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from qatui.core.datatypes import datatype
from qatui.core.errors import QatuiError
from qatui.core.files import is_markdown

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


@datatype
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
    if is_markdown(path):  # (the record modules are imported only for a Markdown file)
        from qatui.core.record.paths import is_record_file, resolve_record_checklist

        if is_record_file(path):
            resume, path = path, resolve_record_checklist(path)
    return Chosen(path, load_checklist(path, env_vars), resume)


@datatype
class OpenedRecord:
    """The record a session is written to, as read before the session starts: `session` is
    what the file holds (`record_file` remembers it, for the conflict check), or None when
    there is no file there yet."""

    path: str
    record_file: RecordFile | None = None
    session: Session | None = None
    #: Why the record asked for is not this one (signed, another environment or checklist:
    #: `core/record/choose.py`), "" when it is; the screen says it as the session starts.
    reason: str = ""


def new_record_path(checklist: Checklist, env_key: str, *, record_path: str | None, today: datetime,
                    tester: str = "", record_folder: str | None = None) -> str:
    """Where a new session's record is asked to go: `--record`, else the default name under
    `record_folder` (the demo's data folder) or the checklist's repository."""
    if record_path:
        return record_path
    from qatui.core.record.paths import record_path_for

    default = record_path_for(checklist, env_key, today, tester)
    return str(Path(record_folder) / default.name) if record_folder else str(default)


def read_session_record(
    checklist: Checklist, env_key: str, *, resume: str | None, record_path: str | None, today: datetime,
    tester: str = "", record_folder: str | None = None,
) -> OpenedRecord:
    """Open the record of a session: the one to resume, the one `--record` names, or the
    default path under the checklist's repository (named after `tester` for a part record).
    A record there that cannot take this session (signed, another environment or checklist)
    is left alone and the next free or open `…-N.md` beside it is used, with the reason.
    Raises `QatuiError` for a record that cannot be read."""
    path = resume or new_record_path(checklist, env_key, record_path=record_path, today=today, tester=tester,
                                     record_folder=record_folder)
    if not resume and not Path(path).exists():
        return OpenedRecord(path)
    from qatui.core.record.store import RecordFile

    if not resume:
        from qatui.core.record.choose import choose_record

        choice = choose_record(path, checklist, env_key)
        if choice.session is not None:
            return OpenedRecord(str(choice.path), choice.record_file, choice.session, choice.reason)
        if choice.path != Path(path):
            return OpenedRecord(str(choice.path), reason=choice.reason)
    record_file = RecordFile(path)
    return OpenedRecord(path, record_file, record_file.load())


def record_lines(checklist: Checklist, *, record_path: str | None, today: datetime,
                 record_folder: str | None, env: Mapping[str, str]) -> dict[str, str]:
    """The start screen's "Record: …" line of every environment (read before the app starts,
    or in a thread worker)."""
    from qatui.core.record.choose import choose_record
    from qatui.ui.record_notice import record_line

    lines = {}
    for key in list(checklist.environments) or ["default"]:
        path = new_record_path(checklist, key, record_path=record_path, today=today, record_folder=record_folder)
        choice = choose_record(path, checklist, key)
        lines[key] = record_line(choice.path, choice.reason, choice.session is not None, env)
    return lines


def read_record(path: str | Path) -> tuple[RecordFile, Session] | QatuiError:
    """A record read again (the conflict dialog's "Reload"): the file object that remembers
    what it read, and the session."""
    from qatui.core.record.store import RecordFile

    record_file = RecordFile(path)
    try:
        return record_file, record_file.load()
    except QatuiError as error:
        return error


@datatype
class Baseline:
    """The earlier record whose timings are the sign-off's "before", or why it was not read."""

    session: Session | None = None
    warning: str = ""


def read_baseline(given: str | None, current: Path, checklist_path: str | None) -> Baseline:
    """`--baseline OLD.md`, else the newest other record of the same checklist beside the
    current one; none is no error, one that cannot be read is a warning."""
    from qatui.core.record.paths import find_previous_record

    path = given if given is not None else find_previous_record(current, checklist_path)
    if path is None:
        return Baseline()
    try:
        from qatui.core.record.read import read

        return Baseline(read(Path(path).read_text(encoding="utf-8"), str(path)))
    except (OSError, QatuiError) as error:
        message = error.message if isinstance(error, QatuiError) else str(error)
        return Baseline(warning=f"baseline {path} not read: {message}")
