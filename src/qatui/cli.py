"""Command line: parse arguments, pick the subcommand, turn errors into words and exit codes.

Each subcommand lives in `qatui.commands.<name>` with `register(subparsers)` and
`run(args) -> int`, imported only when it is used so that `qatui --help` and start-up stay
fast. `qatui CHECKLIST` (no subcommand) opens the screen; that is the `open` command.

Options a CI job sets also come from `QATUI_*` environment variables (QATUI_ENV,
QATUI_TESTER, QATUI_RECORD, QATUI_FORMAT); command-line flags win.

Short flags mean one thing in every command (`SHORT_FLAGS`; a test holds every parser to it):
`-e` is `--env` wherever an environment is chosen and `-f` is `--follow` (as in `tail -f` and
`docker logs -f`); `--format` has no short form, so `-f` never means two things.

A first word that is neither a command nor a file but spells one nearly (`qatui reprot x.md`)
is a mistyped command, said as such with the command meant (exit 2), not handed to `open` as a
checklist path that then fails with "unrecognized arguments".
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from collections.abc import Mapping, Sequence
from enum import IntEnum
from typing import Any

from qatui import __version__

#: subcommand → one-line help. `open` is also what runs when no subcommand is given.
COMMANDS: dict[str, str] = {
    "open": "open a checklist or record on the screen (the default)",
    "demo": "start a built-in loopback target and open the demo checklist",
    "validate": "check a checklist file and report every problem",
    "import": "turn a plain Markdown checklist into a qatui YAML checklist",
    "probe": "run a checklist's probes headless (for CI)",
    "trust": "review the commands a checklist runs and trust it",
    "logs": "show the checklist's log sources in the terminal",
    "report": "summarise a record, compare it with an older one, gate a release",
    "merge": "merge the records of a team (or of two git branches) item by item",
    "git-setup": "let git merge qatui records item by item (the merge driver)",
    "completion": "print a shell completion script: bash, zsh or fish",
}

#: The one meaning of each short flag, in every command that has it.
SHORT_FLAGS: dict[str, str] = {
    "-h": "--help",
    "-V": "--version",
    "-e": "--env",
    "-f": "--follow",
    "-n": "--tail",
    "-j": "--jobs",
    "-o": "--output",
    "-y": "--yes",
}

#: Short flags that once meant something else in a command, and what to write now.
RETIRED_SHORT_FLAGS: dict[tuple[str, str], str] = {("probe", "-f"): "--format"}


class ExitStatus(IntEnum):
    OK = 0
    FAILED = 1
    USAGE = 2
    INTERNAL = 70
    INTERRUPTED = 130


def env_default(env: Mapping[str, str], name: str, fallback: str | None = None) -> str | None:
    """The value of QATUI_<NAME>, for options a CI job sets once."""
    value = env.get(f"QATUI_{name.upper()}")
    return value if value else fallback


class _Parser(argparse.ArgumentParser):
    """argparse, except that help text that cannot be written is an error, not silence
    (argparse drops an OSError of its own output, and `qatui --help > /dev/full` said 0)."""

    def _print_message(self, message: str, file: Any = None) -> None:
        if message:
            (file or sys.stderr).write(message)

    def error(self, message: str) -> Any:
        """argparse's usage error, with the long form to write for a retired short flag."""
        command = getattr(self, "command", None) or self.prog.split()[-1]
        for (where, flag), instead in RETIRED_SHORT_FLAGS.items():
            if where == command and flag in message.split():
                message += f" ({flag} is {SHORT_FLAGS[flag]} in qatui logs; write {instead} here)"
        super().error(message)


def build_parser(env: Mapping[str, str], only: str | None = None) -> argparse.ArgumentParser:
    """The parser; with `only`, just that subcommand's module is imported (start-up stays fast:
    `qatui CHECKLIST` never loads the probe or log machinery before the first paint)."""
    parser = _Parser(
        prog="qatui",
        description="Work through a release checklist by hand: probes, live logs, a Markdown record.",
        epilog=(
            "Environment variables: QATUI_ENV, QATUI_TESTER, QATUI_RECORD, QATUI_FORMAT set the "
            "options of the same name; flags win. NO_COLOR turns colour off."
        ),
    )
    parser.command = only  # type: ignore[attr-defined]  # for `error`: unknown arguments are said by the top parser
    parser.add_argument("-V", "--version", action="version", version=f"qatui {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, help_text in COMMANDS.items():
        if only is not None and name != only:
            continue  # each sub-parser is a whole ArgumentParser: build only the one that runs
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        module = importlib.import_module(f"qatui.commands.{name.replace('import', 'import_').replace('-', '_')}")
        module.register(sub, env)
        sub.set_defaults(_module=module)
    return parser


def _tolerate_any_encoding() -> None:
    """A terminal or pipe that cannot show a character (PYTHONIOENCODING=ascii, an old locale)
    gets an escape such as \\u2192 in its place instead of a traceback."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):  # closed or detached: nothing to protect
                reconfigure(errors="backslashreplace")


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    """Entry point; `argv` and `env` are injectable so tests can run the CLI in-process."""
    argv = list(sys.argv[1:] if argv is None else argv)
    env = os.environ if env is None else env
    _tolerate_any_encoding()
    if argv and argv[0] not in COMMANDS and argv[0] not in ("-h", "--help", "-V", "--version"):
        mistyped = _mistyped_command(argv)
        if mistyped is not None:
            print(f"qatui: {mistyped}", file=sys.stderr)
            return ExitStatus.USAGE
        argv.insert(0, "open")
    elif not argv:
        argv = ["open"]
    from qatui.output import OutputLost, guard_stdout, report_lost, silence

    try:
        with guard_stdout():
            return _run(argv, env)
    except OutputLost as error:  # `> /dev/full`, a closed terminal: said in words, no crash log
        report_lost(error)
        return ExitStatus.FAILED
    except BrokenPipeError:  # `qatui report … | head`: the reader had enough
        silence(sys.stdout)
        return ExitStatus.OK


def _mistyped_command(argv: Sequence[str]) -> str | None:
    """Why the first word is a command spelt wrong, or None when it may be a checklist.

    A word that names a file, or looks like a path (a `/` or a `.` in it), is a checklist for
    `open`. Otherwise it is a mistyped command when it is close to one (`reprot`), or when more
    words follow that are not options (`qatui chek x.yaml`: `open` takes one path)."""
    from qatui.core.suggest import closest

    word = argv[0]
    if word.startswith("-") or "/" in word or "." in word or os.path.lexists(word):
        return None
    meant = closest(word, COMMANDS)
    if meant is not None:
        return f"unknown command {word!r}. Did you mean {meant!r}?"
    if any(not arg.startswith("-") for arg in argv[1:2]):
        return f"unknown command {word!r}; the commands are: {', '.join(COMMANDS)}"
    return None


def _run(argv: list[str], env: Mapping[str, str]) -> int:
    chosen = argv[0] if argv and argv[0] in COMMANDS else None
    parser = build_parser(env, only=chosen)
    try:
        args = parser.parse_args(argv)
    except SystemExit:  # help, version, a usage error: their text must reach stdout whole
        sys.stdout.flush()
        raise
    if not hasattr(args, "_module"):  # `qatui --help` / `--version` exit inside parse_args
        parser.print_help()
        sys.stdout.flush()
        return ExitStatus.USAGE
    args.env_vars = env
    from qatui.core.errors import QatuiError
    from qatui.output import OutputLost

    try:
        code = int(args._module.run(args))
        sys.stdout.flush()  # a full disk shows here, while it can still be said, not at exit
        return code
    except OutputLost:
        raise
    except QatuiError as error:
        print(f"qatui: {error.title}: {error.message}", file=sys.stderr)
        return ExitStatus.FAILED
    except KeyboardInterrupt:
        print("qatui: interrupted", file=sys.stderr)
        return ExitStatus.INTERRUPTED
    except BrokenPipeError:
        raise
    except Exception:
        import traceback

        from qatui.crash import write_crash_report

        report = write_crash_report(traceback.format_exc(), env)
        print("qatui: internal error; this is a bug in qatui, not in your checklist.", file=sys.stderr)
        if report:
            print(f"qatui: details for a bug report are in {report}", file=sys.stderr)
        return ExitStatus.INTERNAL


if __name__ == "__main__":
    raise SystemExit(main())
