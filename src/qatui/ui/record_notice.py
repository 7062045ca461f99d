"""Where the session's record goes, said when the session starts rather than only at quit.

A Markdown checklist's records go to `records/` beside it (or under its repository) and the
demo's to qatui's data folder; a tester used to find out at quit. The start screen now shows the
record for the highlighted environment, and a session that starts without it says in a
notification where its record is, and why it is not the usual file when that one was taken
(signed, another environment, another checklist: `core/record/choose.py`). A path the tester
gave with `--record` is not repeated back unless it could not be used.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


def shown_path(path: Path, env: Mapping[str, str] | None = None) -> str:
    """A path as short as it can be said: relative to the current folder when under it, else
    with the home folder as `~`."""
    env = os.environ if env is None else env
    absolute = Path(os.path.abspath(path))
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        pass
    home = env.get("HOME")
    if home:
        try:
            return "~/" + str(absolute.relative_to(Path(home)))
        except ValueError:
            pass
    return str(absolute)


def record_line(path: Path, reason: str, resumes: bool, env: Mapping[str, str] | None = None) -> str:
    """One line for the start screen: the record this environment's session will write
    (`reason`: why it is not the usual file; `resumes`: it holds a record carried on with)."""
    where = shown_path(path, env)
    if reason:
        why = reason.split(": ")[0]
        return f"Record: {where} ({why}; {'carrying on with this one' if resumes else 'a new one'})"
    return f"Record: {where} ({'carries on with it' if resumes else 'new'})"


def start_notice(path: Path, reason: str, resumes: bool, *, given: bool,
                 env: Mapping[str, str] | None = None) -> tuple[str, bool] | None:
    """(message, is_warning) to show once the session is on the screen, or None: the reason
    when the usual file was taken; else where a record the tester did not name goes."""
    if reason:
        return f"{reason} ({shown_path(path.parent, env)}).", True
    if given:
        return None
    where = shown_path(path, env)
    if resumes:
        return f"Carrying on with today's record: {where}", False
    return f"Your record is saved as you go to {where}", False
