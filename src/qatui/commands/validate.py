"""`qatui validate FILE...` — check checklist files the way a compiler checks code.

Every problem is printed on its own line as `path:line:col: error: message` (stdout, so editors
and CI annotators can parse it), and the exit status says what happened: 0 every file is good
(one `path: ok: …` summary line each), 1 a file has problems, 2 a file does not exist.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from qatui.core.errors import ChecklistError


def register(parser: argparse.ArgumentParser, env: Mapping[str, str]) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="checklist files (.yaml, or plain Markdown .md)")
    from qatui.commands._common import env_help

    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = env_help(
        "no QATUI_* variable applies",
        "NAME             a ${NAME} in the checklist counts as defined when the process environment sets it",
        "exit status: 0 every file is good, 1 a file has problems, 2 a file does not exist",
    )


def run(args: argparse.Namespace) -> int:
    from qatui.core.checklist_cache import load_checklist
    from qatui.core.loader import ChecklistNotFound, summary

    env: Mapping[str, str] = getattr(args, "env_vars", None) or {}
    files: list[str] = args.files
    status = 0
    for path in files:
        try:
            checklist = load_checklist(path, env=env)
        except ChecklistNotFound:
            print(f"{path}: error: no such file")
            status = 2
            continue
        except ChecklistError as error:
            for problem in error.problems:
                print(problem)
            status = max(status, 1)
            continue
        print(f"{path}: {summary(checklist)}")  # named like an error line, one file or many
    return status
