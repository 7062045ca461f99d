"""`qatui CHECKLIST` — open a checklist (or resume a record) on the screen.

`qatui CHECKLIST [--env NAME] [--tester NAME] [--record PATH] [--baseline OLD.md]
[--only PRIORITY,…] [--section ID,…] [--tag TAG,…] [--all]`; the options default to QATUI_ENV,
QATUI_TESTER and QATUI_RECORD. The part options open only a tester's part of the checklist
(`core/run/part.py`); a name the checklist lacks is a usage error said before the screen. `qatui RECORD.md` resumes a
record (told apart from a plain Markdown checklist by its hidden `<!-- qatui:record` anchor);
`qatui` alone offers the checklists in ./checklists/ and recent records.

The checklist is loaded before the screen starts, so a broken file prints the loader's
`path:line:col: error: …` lines on stderr and exits 2, with no screen and no traceback. An
environment the checklist does not have (`--env` or $QATUI_ENV) is a typo said the same way
before the screen starts, as `qatui probe` says it (one line with the known names, exit 2),
not a start screen that asks again without saying why. Without
a terminal (a pipe, /dev/null, a CI job) the screen does not start either: one sentence, exit 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qatui.ui.app import QatuiApp

EXIT_USAGE = 2


def no_terminal() -> str | None:
    """Why the screen cannot run here, or None: it reads keys from standard input and draws on
    standard error (Textual's choice, so that standard output can be redirected). Without a
    terminal there, Textual's input thread would spin on end-of-file at full CPU forever."""
    if sys.__stdin__ is not None and sys.__stdin__.isatty() and sys.__stderr__ is not None and sys.__stderr__.isatty():
        return None
    return "qatui: the screen needs a terminal, and standard input or standard error is not one here."


def register(parser: argparse.ArgumentParser, env: Mapping[str, str]) -> None:
    parser.add_argument(
        "checklist",
        nargs="?",
        metavar="CHECKLIST",
        help="a checklist (.yaml, or plain Markdown .md) or a qatui record (.md) to resume",
    )
    parser.add_argument("--env", "-e", default=env.get("QATUI_ENV") or None, metavar="NAME",
                        help="environment key from the checklist (QATUI_ENV)")
    parser.add_argument("--tester", default=env.get("QATUI_TESTER") or None, metavar="NAME",
                        help="who is testing (QATUI_TESTER); asked on the start screen if missing")
    parser.add_argument("--record", default=env.get("QATUI_RECORD") or None, metavar="PATH",
                        help="the record to write (QATUI_RECORD); default records/<checklist>-<env>-<date>.md")
    parser.add_argument("--build", default=env.get("QATUI_BUILD") or None, metavar="BUILD",
                        help="the build or commit under test, written in the record (QATUI_BUILD); "
                             "default: git describe where the checklist lives")
    parser.add_argument("--baseline", default=None, metavar="OLD.md",
                        help="an earlier record whose timings are the 'before' column")
    from qatui.commands._common import add_part_options

    add_part_options(parser)
    parser.add_argument("--auto-run", dest="auto_run", action="store_true", default=None,
                        help="run an item's probes when it is opened (overrides the checklist)")


def _part_problem(app: QatuiApp, args: argparse.Namespace) -> str | None:
    """Why the part options name nothing in the checklist, or None (said before the screen)."""
    from qatui.core.run.part import PartError, choose

    if app.checklist is None:
        return None
    try:
        choose(app.checklist, only=args.only, sections=args.sections, tags=args.tags, everything=args.everything)
    except PartError as error:
        return f"{error.title}: {error.message}"
    return None


def _unknown_environment(app: QatuiApp, env_key: str | None, env_vars: Mapping[str, str]) -> str | None:
    """Why `--env` (or $QATUI_ENV) names no environment of the checklist, or None.

    A resumed record keeps its own environment, and a checklist without environments takes any
    name as its one; otherwise a name the checklist lacks is a typo to report before the screen
    starts (the `qatui probe` sentence: did you mean, the known names, exit 2)."""
    checklist = app.checklist
    if (not env_key or checklist is None or app.options.resume or not checklist.environments
            or env_key in checklist.environments):
        return None
    from qatui.commands._common import UsageError, choose_environment

    try:
        choose_environment(checklist, env_key, env_vars)
    except UsageError as error:
        return error.message
    return None


def run(args: argparse.Namespace) -> int:
    # Start-up allocates a few hundred thousand long-lived objects (modules, the checklist,
    # the widgets) and no garbage worth collecting: the collector would rescan them ~140
    # times before the first frame. The app turns it back on (and freezes what exists) once
    # the first frame is on the terminal; whichever way `_run` leaves, the pause ends with it.
    from qatui.core.runtime import paused_gc

    with paused_gc():
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    from qatui.core.errors import ChecklistError, QatuiError

    env_vars: Mapping[str, str] = getattr(args, "env_vars", None) or {}
    if args.checklist:  # a FIFO, a device, a link loop: said before anything opens it
        from qatui.core.files import refusal

        refused = refusal(args.checklist)
        if refused is not None:
            print(f"{args.checklist}: error: {refused.reason}", file=sys.stderr)
            return EXIT_USAGE
    if args.checklist:  # a checklist not in the cache yet is parsed on the other core meanwhile
        from qatui.core.checklist_cache import prefetch

        prefetch(args.checklist, env_vars)
    if getattr(args, "build", None):  # the Recorder reads it from the environment it is given
        env_vars = {**env_vars, "QATUI_BUILD": args.build}
    try:
        from qatui.ui.app import create_app

        app = create_app(
            args.checklist,
            env_key=args.env,
            tester=args.tester,
            record_path=args.record,
            baseline=args.baseline,
            auto_run=args.auto_run,
            env_vars=env_vars,
            only=args.only,
            sections=",".join(args.sections),
            tags=",".join(args.tags),
            everything=args.everything,
        )
    except ChecklistError as error:
        for problem in error.problems:
            print(str(problem), file=sys.stderr)
        return EXIT_USAGE
    except QatuiError as error:
        print(f"qatui: {error.title}: {error.message}", file=sys.stderr)
        return EXIT_USAGE
    unknown = _unknown_environment(app, args.env, env_vars)
    if unknown is not None:  # said here, like `qatui probe` says it, not behind the start screen
        print(f"qatui: {unknown}", file=sys.stderr)
        return EXIT_USAGE
    problem = _part_problem(app, args)
    if problem is not None:
        print(f"qatui: {problem}", file=sys.stderr)
        return EXIT_USAGE
    reason = no_terminal()  # after the checks above: a typo is reported with or without one
    if reason is not None:
        print(f"{reason} Run it in a terminal; in CI, `qatui probe CHECKLIST` runs the probes "
              "without a screen.", file=sys.stderr)
        return EXIT_USAGE
    app.run()
    code = int(app.return_code or 0)
    if app.recorder is not None and Path(app.record_path).is_file():
        import shlex

        from qatui.core.run.tally import tally
        from qatui.output import OutputLost, report_lost

        counts = tally(app.session)  # the header's counts: failed and blocked are not done
        try:
            from qatui.commands._common import qatui_command

            print(f"qatui: {counts.words()} (of {counts.total} items); the record is {app.record_path}")
            print(f"  read it in any Markdown viewer, or: {qatui_command()} report {shlex.quote(str(app.record_path))}")
            sys.stdout.flush()
        except OutputLost as error:
            # The terminal was closed (EIO): the session ended as the app says, every tick is
            # saved, and a line nobody can read is no crash. Said on stderr where that works.
            report_lost(error)
    return code
