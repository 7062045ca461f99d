"""Where a record was made and what it tested: host, build and commit, and paths a reviewer
can follow.

A record is reviewed in a pull request, on another machine: the tester's absolute paths mean
nothing there, and "which build did this pass on?" is the first question. The `Recorder`
fills these in when it takes a session, leaving what a record already says alone (a resumed
record keeps the build it was started on, unless one is given again).

- The checklist path becomes relative to the repository holding both the checklist and the
  record (`git`'s top folder, found by looking for `.git`), or else to the record's folder when
  the checklist is near it (`../checklists/x.yaml`); otherwise it is kept as it was (a record
  outside the checklist's repository must still find it when resumed).
- The build is what the tester gives (`--build`, `QATUI_BUILD`), else `git describe --always
  --dirty --tags` where the checklist lives; the commit is `git rev-parse HEAD` there. A folder
  without git, or git missing or slow (2 s), leaves them empty.
- The host is this machine's name.
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Mapping
from pathlib import Path

from qatui.core.session import Session

#: How long one git call may take before the record goes without its build.
GIT_TIMEOUT_S = 2.0


def git_root(path: Path) -> Path | None:
    """The top folder of the git work tree holding `path` (a `.git` folder or file), or None."""
    start = path if path.is_dir() else path.parent
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def _git(folder: Path, *args: str) -> str:
    """One line of git's output, or "" when git is missing, fails or takes too long."""
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), *args],
            capture_output=True, text=True, timeout=GIT_TIMEOUT_S, check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip().split("\n", 1)[0] if done.returncode == 0 else ""


def git_build(folder: Path) -> tuple[str, str]:
    """(`git describe --always --dirty --tags`, `git rev-parse HEAD`) in `folder`, "" for none."""
    if git_root(folder) is None:
        return "", ""
    return _git(folder, "describe", "--always", "--dirty", "--tags"), _git(folder, "rev-parse", "HEAD")


def relative_checklist_path(checklist_path: str, absolute: Path, record_path: str | Path) -> str:
    """The path a reviewer can follow for the checklist at `absolute` (resolved), written
    `checklist_path` so far (see the module docstring)."""
    root = git_root(absolute)
    if root is not None and git_root(Path(record_path).resolve().parent) == root:
        return absolute.relative_to(root).as_posix()
    if not Path(checklist_path).is_absolute():
        return checklist_path
    try:
        relative = Path(os.path.relpath(absolute, Path(record_path).resolve().parent))
    except (OSError, RuntimeError, ValueError):
        return checklist_path
    # Near the record (a sibling folder at most): `../checklists/x.yaml`; else as it was.
    return relative.as_posix() if relative.parts[:2].count("..") < 2 else checklist_path


def fill_context(session: Session, record_path: str | Path, *, build: str | None = None,
                 env: Mapping[str, str] | None = None) -> bool:
    """Give `session` its host, build, commit and a relative checklist path where it has none;
    `build` (else `QATUI_BUILD` in `env`) replaces the build. True when anything changed."""
    before = (session.checklist_path, session.host, session.build, session.commit)
    source = os.environ if env is None else env
    given = build if build else source.get("QATUI_BUILD", "")
    checklist_path = session.checklist_path
    folder: Path | None = None
    if checklist_path:
        located = Path(checklist_path)
        if not located.is_absolute():
            # A path from a resumed record is relative to its repository or folder.
            record_root = git_root(Path(record_path).resolve())
            candidates = [located, Path(record_path).resolve().parent / located]
            if record_root is not None:
                candidates.insert(0, record_root / located)
            located = next((c for c in candidates if c.is_file()), located)
        if located.is_file():
            try:
                absolute = located.resolve()
            except (OSError, RuntimeError):
                absolute = None
            if absolute is not None:
                folder = absolute.parent
                session.checklist_path = relative_checklist_path(checklist_path, absolute, record_path)
    if not session.host:
        session.host = socket.gethostname()
    if given:
        session.build = given
    if folder is not None and not session.commit:
        described, commit = git_build(folder)
        if not session.build:
            session.build = described
        session.commit = commit
    return before != (session.checklist_path, session.host, session.build, session.commit)
