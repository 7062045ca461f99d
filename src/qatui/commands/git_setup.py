"""`qatui git-setup [--global] [--pattern GLOB]`: let `git merge` and `git pull` merge records item by item.

Two things make git use qatui for records, and this command writes both (running it again
changes nothing):

* a line in the repository's `.gitattributes`, `records/*.md merge=qatui` (the folder qatui
  writes records to by default; `--pattern` for another). It is committed, so the whole team
  shares it;
* the driver in git's configuration: `merge.qatui.name` and `merge.qatui.driver`, the absolute
  path of this qatui followed by `merge --git %O %A %B` (so it works from a virtualenv that is
  not on git's PATH). Git never runs a command named only by a repository's files, so every
  tester runs `qatui git-setup` once in their clone (or once with `--global` for all of them).

Without the driver configured, git merges a record line by line as before.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

#: The records qatui writes by default (`records/<checklist>-<env>-<date>.md`).
DEFAULT_PATTERN = "records/*.md"
DRIVER_NAME = "qatui record merge (item by item)"


def register(parser: argparse.ArgumentParser, env: Mapping[str, str]) -> None:
    parser.add_argument("--pattern", default=DEFAULT_PATTERN, metavar="GLOB",
                        help=f"which files are qatui records, as a .gitattributes pattern (default: {DEFAULT_PATTERN})")
    parser.add_argument("--global", dest="global_", action="store_true",
                        help="configure the driver in your global git config (every repository of yours)")


def qatui_command() -> str:
    """This qatui as a shell command git can run from anywhere: the console script's absolute
    path, or this Python with `-m qatui` when qatui was started that way."""
    script = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if script is not None and script.name == "qatui" and script.exists():
        return shlex.quote(str(script.resolve()))
    beside = Path(sys.executable).parent / "qatui"
    if beside.exists():
        return shlex.quote(str(beside))
    return f"{shlex.quote(sys.executable)} -m qatui"


def driver_command() -> str:
    return f"{qatui_command()} merge --git %O %A %B"


def _git(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)


def add_attribute(attributes: Path, pattern: str) -> bool:
    """Add `PATTERN merge=qatui` to `.gitattributes` unless it is there; True when added."""
    line = f"{pattern} merge=qatui"
    try:
        text = attributes.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    if any(existing.strip() == line for existing in text.splitlines()):
        return False
    from qatui.core.fsutil import write_atomic

    if text and not text.endswith("\n"):
        text += "\n"
    write_atomic(attributes, (text + line + "\n").encode("utf-8"))
    return True


def run(args: argparse.Namespace) -> int:
    try:
        top = _git("rev-parse", "--show-toplevel")
    except FileNotFoundError:
        print("qatui git-setup: git is not installed (or not on PATH)", file=sys.stderr)
        return 2
    if top.returncode != 0:
        print("qatui git-setup: not inside a git repository; run it in the repository that holds the records",
              file=sys.stderr)
        return 2
    root = Path(top.stdout.strip())
    scope = ["--global"] if args.global_ else []
    command = driver_command()
    for key, value in (("merge.qatui.name", DRIVER_NAME), ("merge.qatui.driver", command)):
        done = _git("config", *scope, key, value, cwd=root)
        if done.returncode != 0:
            print(f"qatui git-setup: git config {key} failed: {done.stderr.strip()}", file=sys.stderr)
            return 2
    attributes = root / ".gitattributes"
    added = add_attribute(attributes, args.pattern)
    where = "your global git config" if args.global_ else f"{root}/.git/config"
    print(f"merge driver in {where}: merge.qatui.driver = {command}")
    print(f"{attributes}: {args.pattern} merge=qatui" + ("" if added else " (already there)"))
    if added:
        print("commit .gitattributes so the team shares it; each tester runs `qatui git-setup` once in their clone")
    return 0
