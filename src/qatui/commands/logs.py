"""`qatui logs CHECKLIST [--env NAME] [SOURCE ...]` — the checklist's log sources in a terminal.

What a tester used to do with `docker compose logs -f huey | grep -i error` in a third window,
for every source the checklist names (compose services, containers, files, commands), all
interleaved in time order. Each line is `time source text`; on a terminal each source has its
colour and errors stand out, piped or with NO_COLOR it is plain text in which error lines start
with `!` and qatui's own notices (engine down, file missing, command exited) with `*`, so that
`grep '^!'` finds the errors. Ctrl-C ends it cleanly.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from qatui.commands._common import UsageError, did_you_mean, env_help, load_or_report, use_colour
from qatui.commands._common import choose_environment as _choose_environment
from qatui.core.checklist import Checklist, Environment
from qatui.core.logs.base import LogLine

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

#: Colours given to sources in turn on a terminal (errors are red, so red is not among them).
PALETTE = ("cyan", "magenta", "green", "yellow", "blue", "bright_cyan", "bright_magenta", "bright_green")

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d)?\s*$", re.IGNORECASE)


class _IntermixedParser(argparse.ArgumentParser):
    """Lets source names follow options (`qatui logs FILE --tail 5 huey web`), which plain
    `parse_args` refuses once the positionals were matched (argparse's intermixed mode)."""

    _mixing = False

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:  # type: ignore[override]
        if self._mixing:
            return super().parse_known_args(args, namespace)
        self._mixing = True
        try:
            return super().parse_known_intermixed_args(args, namespace)
        finally:
            self._mixing = False


ENV_HELP = (
    "QATUI_ENV             environment, like --env",
    "NO_COLOR              plain lines even on a terminal (so does TERM=dumb)",
    "DOCKER_HOST           Docker engine for service and container sources, unless the",
    "                      environment sets docker_host",
    "COMPOSE_PROJECT_NAME  compose project, unless the environment sets compose.project",
    "COMPOSE_FILE          compose files whose name: names the project",
    "plain output marks error lines with '!' and qatui's notices with '*'; Ctrl-C exits 130",
)


def register(parser: argparse.ArgumentParser, env: Mapping[str, str]) -> None:
    parser.__class__ = _IntermixedParser
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = env_help(*ENV_HELP)
    parser.add_argument("checklist", metavar="CHECKLIST", help="checklist file (YAML or Markdown)")
    parser.add_argument("sources", metavar="SOURCE", nargs="*",
                        help="log sources to show, by their name in the checklist (default: all)")
    parser.add_argument("--env", "-e", default=env.get("QATUI_ENV") or None,
                        help="environment of the checklist (default: its default one; QATUI_ENV)")
    parser.add_argument("--tail", "-n", type=int, default=None, metavar="N",
                        help="last N lines of each source (default: each source's `tail`)")
    parser.add_argument("--follow", "-f", action="store_true", help="keep following new lines until Ctrl-C")
    parser.add_argument("--errors", action="store_true",
                        help="only error lines (with their tracebacks) and qatui's notices")
    parser.add_argument("--grep", metavar="REGEX", help="only lines matching REGEX (Python syntax)")
    parser.add_argument("--since", metavar="WHEN",
                        help="only lines since WHEN: a duration ago (30s, 10m, 2h, 1d) or an ISO time")


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """`10m` → ten minutes ago; `2026-03-01T12:00` (local unless it says its zone) → that time."""
    now = now or datetime.now().astimezone()
    match = _DURATION.match(text)
    if match:
        amount = float(match.group(1))
        unit = (match.group(2) or "s").lower()
        seconds = amount * {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}[unit]
        return now - timedelta(seconds=seconds)
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(
            f"--since {text!r} is neither a duration (30s, 10m, 2h, 1d) nor an ISO time (2026-03-01T12:00)"
        ) from None
    return when.astimezone() if when.tzinfo is None else when


def choose_environment(checklist: Checklist, name: str | None, env: Mapping[str, str] | None = None) -> Environment | None:
    return _choose_environment(checklist, name, env or {})


def choose_sources(checklist: Checklist, names: Sequence[str]) -> list[str]:
    if not checklist.logs:
        raise UsageError(f"{checklist.path} defines no log sources (a `logs:` map)")
    if not names:
        return list(checklist.logs)
    unknown = [n for n in names if n not in checklist.logs]
    if unknown:
        name = unknown[0]
        raise UsageError(f"no log source {name!r} in {checklist.path}{did_you_mean(name, checklist.logs)}; "
                         f"log sources: {', '.join(checklist.logs)}")
    return list(dict.fromkeys(names))


def make_lookup(checklist: Checklist, environment: Environment | None, env: Mapping[str, str]
                ) -> tuple[Callable[[str], str | None], Any]:
    from qatui.core.secrets import read_secrets
    from qatui.core.variables import layered_lookup

    secrets, masker = read_secrets(checklist.secrets, env)
    written = [environment.vars if environment is not None else {}, checklist.vars]
    return layered_lookup(written=written, after=[secrets, env]), masker


class Printer:
    """Writes lines as `time source text`, coloured on a terminal, plain otherwise."""

    def __init__(self, names: Sequence[str], out: TextIO, *, colour: bool, mask: Callable[[str], str]) -> None:
        self.width = max((len(n) for n in names), default=0)
        self.out = out
        self.mask = mask
        self.colours = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}
        self.console: Any = None
        if colour:
            from rich.console import Console

            self.console = Console(file=out, highlight=False, markup=False, emoji=False, soft_wrap=True)

    @staticmethod
    def stamp(line: LogLine) -> str:
        if line.at is None:
            return " " * 12
        return line.at.astimezone().strftime("%H:%M:%S.%f")[:12]

    def write(self, lines: Sequence[LogLine]) -> None:
        if self.console is None:
            self.out.write("".join(self._plain(line) for line in lines))
            self.out.flush()
            return
        from rich.text import Text

        for line in lines:
            text = Text()
            text.append("! " if line.is_error else "* " if line.notice else "  ",
                        style="bold red" if line.is_error else "yellow")
            text.append(self.stamp(line) + " ", style="dim")
            text.append(line.source.ljust(self.width) + " ", style=f"bold {self.colours.get(line.source, 'white')}")
            body = self.mask(line.text)
            style = "red" if line.is_error else "italic yellow" if line.notice else ""
            text.append(body, style=style)
            self.console.print(text)

    def _plain(self, line: LogLine) -> str:
        mark = "! " if line.is_error else "* " if line.notice else "  "
        return f"{mark}{self.stamp(line)} {line.source.ljust(self.width)} {self.mask(line.text)}\n"


def run(args: argparse.Namespace) -> int:
    env: Mapping[str, str] = getattr(args, "env_vars", None) or os.environ
    from qatui.core.errors import QatuiError
    from qatui.core.logs import make_source, merge

    try:
        since = parse_since(args.since) if args.since else None
        grep = re.compile(args.grep) if args.grep else None
    except re.error as error:
        print(f"qatui logs: --grep {args.grep!r} is not a valid regex: {error}", file=sys.stderr)
        return EXIT_USAGE
    except UsageError as error:
        print(f"qatui logs: {error.message}", file=sys.stderr)
        return EXIT_USAGE
    if args.tail is not None and args.tail < 0:
        print("qatui logs: --tail must be 0 or more", file=sys.stderr)
        return EXIT_USAGE

    checklist = load_or_report(args.checklist, env)
    if checklist is None:
        return EXIT_USAGE
    try:
        environment = choose_environment(checklist, args.env, env)
        names = choose_sources(checklist, args.sources)
    except UsageError as error:
        print(f"qatui logs: {error.message}", file=sys.stderr)
        return EXIT_USAGE
    lookup, masker = make_lookup(checklist, environment, env)
    checklist_dir = Path(checklist.path).resolve().parent
    try:
        sources = [make_source(checklist.logs[n], environment, checklist_dir=checklist_dir, lookup=lookup) for n in names]
    except QatuiError as error:  # a source that cannot be built (undefined variable, unknown kind)
        print(f"qatui logs: {masker.mask(error.message)}", file=sys.stderr)
        return EXIT_USAGE

    printer = Printer(names, sys.stdout, colour=use_colour(sys.stdout, env), mask=masker.mask)
    stop = threading.Event()
    stream = merge(sources, stop, tail=args.tail, since=since, follow=args.follow)
    try:
        for lines in stream:
            shown = [
                line for line in lines
                if line.notice or ((not args.errors or line.is_error) and (grep is None or grep.search(line.text)))
            ]
            if shown:
                printer.write(shown)
    except KeyboardInterrupt:
        stop.set()
        stream.close()
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        stop.set()
        stream.close()
        # Nothing more can be written; keep the interpreter's final flush from failing too.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    finally:
        stop.set()
        stream.close()
    return EXIT_OK
