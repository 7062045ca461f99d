"""Where records live and how a record file is told apart from a checklist.

One home for the path rules both faces use: `qatui RECORD.md` (the screen) and the commands
tell a record from a plain Markdown checklist by its hidden anchor, find the checklist a record
was made from, name a new record, and find the earlier record whose timings are the "before".

Some of these read the disk (the first 64 KiB of a file, a whole record, a folder listing): the
screen calls them before the app starts or from a thread worker, never on its own thread.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

from qatui.core.checklist import Checklist
from qatui.core.errors import QatuiError
from qatui.core.files import is_markdown

#: The hidden anchor every record qatui writes starts with (`record/render.py`).
RECORD_ANCHOR = "<!-- qatui:record"
#: How much of a `.md` file is read to find the anchor (it is near the top of a record).
SNIFF_BYTES = 65536
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
#: A tester's name in a file name keeps the letters of any script (`Zoë` → `zoë`).
_UNSAFE_NAME = re.compile(r"[^\w.-]+")


def is_record_file(path: str | Path) -> bool:
    """A `.md` file that qatui wrote (its hidden anchor), as opposed to a plain checklist."""
    if not is_markdown(path):
        return False
    try:
        with Path(path).open(encoding="utf-8", errors="replace") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError:
        return False
    return RECORD_ANCHOR in head


def resolve_record_checklist(record_path: str | Path) -> str:
    """The checklist a record was made from, found relative to the record when needed.

    The record names the checklist as it was given when the session started (often relative
    to the repository), so the record's folder and its parent are tried too."""
    from qatui.core.record.read import read

    text = Path(record_path).read_text(encoding="utf-8")
    session = read(text, str(record_path))
    recorded = Path(session.checklist_path)
    candidates = [recorded]
    if not recorded.is_absolute():
        base = Path(record_path).resolve().parent
        candidates += [base / recorded, base.parent / recorded]
        from qatui.core.record.context import git_root  # records keep repository-relative paths

        root = git_root(base)
        if root is not None:
            candidates.append(root / recorded)
    for candidate in candidates:
        if candidate.is_file():
            return str(candidate)
    raise QatuiError(
        f"{record_path} was made from {session.checklist_path}, which is not there any more. "
        "Run qatui from the repository the record belongs to.",
        title="Checklist of this record not found",
    )


def free_name(path: Path, tag: str) -> Path:
    """`name-tag.md` beside `path`, or `name-tag-2.md`, … : the first that does not exist (the
    tag is not added twice when `path` already ends with it, as after an earlier "Save as")."""
    stem = path.stem if path.stem.endswith(f"-{tag}") else f"{path.stem}-{tag}"
    candidate, number = path.with_name(f"{stem}{path.suffix}"), 2
    while candidate.exists():
        candidate, number = path.with_name(f"{stem}-{number}{path.suffix}"), number + 1
    return candidate


def repo_root(checklist_path: Path) -> Path:
    """The folder records go under: the repository holding the checklist, else its parent
    (a checklist in a `checklists/` folder), else the checklist's own folder."""
    start = checklist_path.resolve().parent
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start.parent if start.name == "checklists" else start


def default_record_path(
    checklist: Checklist, env: str, day: date | datetime | None = None, *, base: str | Path = ".",
    tester: str = "",
) -> Path:
    """`records/<checklist-stem>-<env>-<YYYY-MM-DD>.md` under `base`; with `tester` (a tester
    working a part of the checklist) `…-<YYYY-MM-DD>-<tester>.md`, so two testers splitting a
    checklist never write the same file."""
    if day is None:
        day = datetime.now().astimezone()
    if isinstance(day, datetime):
        day = day.date()
    stem = Path(checklist.path).stem or "checklist"
    name = f"{_UNSAFE.sub('-', stem)}-{_UNSAFE.sub('-', env) or 'env'}-{day.isoformat()}"
    who = _UNSAFE_NAME.sub("-", tester.strip()).strip("-.").lower()
    return Path(base) / "records" / (f"{name}-{who}.md" if who else f"{name}.md")


def record_path_for(checklist: Checklist, env: str, day: date | datetime, tester: str = "") -> Path:
    """Where the screen writes a new record: `default_record_path` under `repo_root` (a part
    record named after its tester)."""
    return default_record_path(checklist, env, day, base=repo_root(Path(checklist.path)), tester=tester)


def find_previous_record(current: Path, checklist_path: str | None) -> str | None:
    """The newest other record of the same checklist next to the current one (the "before")."""
    if checklist_path is None:
        return None
    folder = current.resolve().parent
    stem = Path(checklist_path).stem
    candidates = sorted(
        (p for p in folder.glob(f"{stem}-*.md") if p.resolve() != current.resolve()),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    return str(candidates[0]) if candidates else None
