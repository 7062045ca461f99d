"""What the headless commands (`probe`, `logs`, `trust`) share, so they behave alike.

A CI user meets these commands one after another in the same job: a broken checklist must print
the same `path:line:col: error: …` lines and exit 2 in each, an unknown environment must get the
same did-you-mean sentence, and colour must follow the same rule (a terminal, no `NO_COLOR`, no
`TERM=dumb`). Keeping those decisions here means they cannot drift apart.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from qatui.core.checklist import Checklist, Environment
from qatui.core.errors import ChecklistError, QatuiError
from qatui.core.suggest import did_you_mean

EXIT_USAGE = 2


class UsageError(QatuiError):
    """The command line (or a QATUI_* variable standing in for a flag) asks for something wrong."""

    title = "Usage"


def use_colour(stream: TextIO, env: Mapping[str, str]) -> bool:
    """Colour only on a terminal, and never with NO_COLOR (any value) or TERM=dumb."""
    return stream.isatty() and not env.get("NO_COLOR") and env.get("TERM") != "dumb"


def load_or_report(path: str | Path, env: Mapping[str, str], err: TextIO | None = None) -> Checklist | None:
    """The checklist at `path`, or None after printing every problem (the caller exits 2)."""
    from qatui.core.checklist_cache import load_checklist  # the loader behind the cache

    try:
        return load_checklist(path, env=env)
    except ChecklistError as error:
        stream = err or sys.stderr
        for problem in error.problems:
            print(problem, file=stream)
        return None


def choose_environment(checklist: Checklist, name: str | None, env: Mapping[str, str]) -> Environment | None:
    """The environment called `name`, else the checklist's default (None when it has none).

    Raises UsageError naming the choices, and saying so when the name came from $QATUI_ENV
    rather than from the command line (a CI variable set long ago is easy to forget).
    """
    if not name:
        return checklist.default_environment()
    if name in checklist.environments:
        return checklist.environments[name]
    choices = list(checklist.environments)
    origin = " (set by $QATUI_ENV)" if env.get("QATUI_ENV") == name else ""
    raise UsageError(
        f"{checklist.path} has no environment {name!r}{origin}{did_you_mean(name, choices)}; "
        f"choose one of: {', '.join(choices) or '(none defined)'}"
    )


def add_part_options(parser: argparse.ArgumentParser, *, only: bool = True) -> None:
    """`--only`, `--section`, `--tag`, `--all`: the tester's part (`core/run/part.py`); the
    screen and `qatui probe` take the same options (probe has its own `--only`)."""
    if only:
        parser.add_argument("--only", default="", metavar="PRIORITY,…",
                            help="only the items of these priorities (critical, important, nice)")
    parser.add_argument("--section", dest="sections", action="append", default=[], metavar="ID,…",
                        help="only the items of these sections (ids, comma-separated)")
    parser.add_argument("--tag", dest="tags", action="append", default=[], metavar="TAG,…",
                        help="only the items with one of these tags")
    parser.add_argument("--all", dest="everything", action="store_true",
                        help="the whole checklist, even for a tester the checklist's assign: gives a part")


def env_help(*lines: str) -> str:
    """An epilog listing the environment variables a command honours (for `--help`)."""
    return "environment variables:\n" + "\n".join(f"  {line}" for line in lines)


def write_utf8(text: str, stream: TextIO | None = None) -> None:
    """Write data (YAML, JSON) as UTF-8 whatever the terminal's encoding, so a pipe into a file
    or a parser gets the exact text even under PYTHONIOENCODING=ascii or an old locale."""
    stream = stream or sys.stdout
    buffer = getattr(stream, "buffer", None)
    if buffer is None or (stream.encoding or "").lower().replace("-", "").replace("_", "") == "utf8":
        stream.write(text)
        return
    stream.flush()
    buffer.write(text.encode("utf-8", "backslashreplace"))
    buffer.flush()


def qatui_command(argv0: str | None = None) -> str:
    """How to type qatui again in this shell, for the commands qatui suggests (`… report R.md`):
    `qatui` when that finds this same program on PATH, else the path it was started by
    (`.venv/bin/qatui` straight after the README's set-up line, where `qatui` is not on PATH)."""
    import os
    import shlex
    import shutil

    started = argv0 if argv0 is not None else sys.argv[0]
    if not started or os.path.basename(started) != "qatui":
        return "qatui"  # `python -m qatui`, a test: the name is the best advice
    found = shutil.which("qatui")
    if found and os.path.realpath(found) == os.path.realpath(started):
        return "qatui"
    return shlex.quote(started)
