"""`qatui logs CHECKLIST [--env NAME] [SOURCE ...]` — the checklist's log sources in a terminal.

What a tester used to do with `docker compose logs -f huey | grep -i error` in a third window,
for every source the checklist names (compose services, containers, files, commands), all
interleaved in time order. Each line is `time source text`; on a terminal each source has its
colour and errors stand out, piped or with NO_COLOR it is plain text in which error lines start
with `!` and qatui's own notices (engine down, file missing, command exited) with `*`, so that
`grep '^!'` finds the errors. Ctrl-C ends it cleanly.

Exit status: 0 when every source was read; 1 when a source could not be read (engine
unreachable, container or service not found, file missing, command not runnable or failing
without output). What could be read is still printed, since a tester looking at four services
wants the three that answer; the failure is said in the stream (a `*` notice, where it
happened) and again on stderr at the end, naming each failed source, so that a script or a
tester who piped the output away learns it too. With `--follow` the sources keep retrying
(an engine may come back, a file may appear): the run ends on Ctrl-C (130), or when every
source has ended (commands), then as without it; a source that cannot be read is said on
stderr at once when stdout is not a terminal. Usage errors (unknown source, bad regex) exit 2.
A checklist that is not trusted opens no source at all and exits 1, saying so (trust it with
`qatui trust CHECKLIST` after reading what it runs and reads).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

from qatui.commands._common import UsageError, did_you_mean, env_help, load_or_report, use_colour
from qatui.commands._common import choose_environment as _choose_environment
from qatui.core.checklist import Checklist, Environment
from qatui.core.run.logs import LogBatch, LogLine, MergedBatch, SourceState
from qatui.core.text import inert, inert_all

EXIT_OK = 0
#: Some log source (or every one) could not be read: engine unreachable, container or service
#: not found, file missing, command not runnable or failing without output. What could be read
#: is still shown; stderr says which source failed and why.
EXIT_SOURCES_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

#: Colours given to sources in turn on a terminal (errors are red, so red is not among them).
PALETTE = ("cyan", "magenta", "green", "yellow", "blue", "bright_cyan", "bright_magenta", "bright_green")

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: Lines made into output at a time. A merged batch in a flood holds some 300,000 lines; built
#: in one piece its strings (tens of MB) are fresh memory each time, and writing ran at a third
#: of the speed it reaches in slices whose strings stay in the processor's cache
#: (`benchmarks/logs_follow.py`).
SLICE_LINES = 4096
#: Output gathered before one `write`: a whole merged batch of a flood (~9 MB of 5-byte lines).
#: Each `write` lets the GIL go and must win it back from the sources' reader threads (up to a
#: switch interval each time): written every 256 KB, two merged sources fell to half the rate.
#: The bound keeps a whole log at once (without --follow) from being one string.
WRITE_CHARS = 1 << 24
#: A fault notice as the end-of-run summary says it: nothing retries or waits any more then.
_SUMMARY_WORDING = (
    (re.compile(r"; retrying every .*$"), ""),
    (re.compile(r"^waiting for (.*) \(it does not exist yet\)$"), r"\1 does not exist"),
)

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
    "plain output marks error lines with '!' and qatui's notices with '*'; Ctrl-C exits 130;",
    "exit status 1 when a source cannot be read (said on stderr) or the checklist is not trusted",
    "(nothing is opened before `qatui trust CHECKLIST`), 2 on a usage error",
)


def register(parser: argparse.ArgumentParser, env: Mapping[str, str]) -> None:
    parser.__class__ = _IntermixedParser
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = env_help(*ENV_HELP)
    parser.add_argument("checklist", metavar="CHECKLIST", help="checklist file (YAML or Markdown)")
    parser.add_argument("sources", metavar="SOURCE", nargs="*",
                        help="log sources to show, by their name in the checklist (default: all)")
    parser.add_argument("--env", "-e", default=env.get("QATUI_ENV") or None, metavar="NAME",
                        help="environment of the checklist (default: its default one; QATUI_ENV)")
    parser.add_argument("--tail", "-n", type=int, default=None, metavar="N",
                        help="last N lines of each source (default: each source's `tail`)")
    parser.add_argument("--follow", "-f", action="store_true", help="keep following new lines until Ctrl-C")
    parser.add_argument("--errors", action="store_true",
                        help="only error lines (with their tracebacks) and qatui's notices")
    parser.add_argument("--grep", metavar="REGEX", help="only lines matching REGEX (Python syntax; smart case: "
                        "any case unless REGEX has a capital letter, as in ripgrep and less)")
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
    """The lookup and masker of a trusted run (the run model's scope; see `core/run/scope.py`)."""
    from qatui.core.run.model import RunModel

    model = RunModel(checklist, environment.key if environment is not None else None, env, trusted=True)
    return model.scope.engine_lookup, model.masker


def _sgr(style: str) -> tuple[str, str]:
    """The escape sequences that open and close `style` on a terminal (rich's rendering of it,
    computed once: rendering each line through rich costs a syscall or three per line)."""
    from rich.color import ColorSystem
    from rich.style import Style

    rendered = Style.parse(style).render("\0", color_system=ColorSystem.STANDARD)
    start, _, end = rendered.partition("\0")
    return start, end


class Printer:
    """Writes lines as `time source text`, coloured on a terminal, plain otherwise.

    Output is built as one string per merged batch from the batches' columns and written with
    one `write`: in a flood this is most of what `qatui logs` does, and every system call costs
    the main thread a turn at the GIL against the source threads (a few ms each under load; one
    write per line printed ~170 lines/s on a terminal). A batch whose lines share one time and
    hold no error or notice (a command's or a file's flood) is a single join. Colour is escape
    sequences computed once per style."""

    def __init__(self, names: Sequence[str], out: TextIO, *, colour: bool, mask: Callable[[str], str],
                 masking: bool = True) -> None:
        self.width = max((len(n) for n in names), default=0)
        self.out = out
        self.mask = mask
        self.masking = masking
        self.colour = colour
        self.colours = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}
        self._prefixes: dict[int, str] = {}  # second since the epoch → "HH:MM:SS." (local)
        self._names: dict[str, str] = {}  # source → its padded (and coloured) name cell
        plain = ("", "")
        self._dim = _sgr("dim") if colour else plain
        # (mark, body style) for ordinary, error and notice lines.
        self._kinds = {
            "line": ("  ", plain),
            "error": (self._wrap("! ", "bold red"), _sgr("red") if colour else plain),
            "notice": (self._wrap("* ", "yellow"), _sgr("italic yellow") if colour else plain),
        }

    def _wrap(self, text: str, style: str) -> str:
        if not self.colour:
            return text
        start, end = _sgr(style)
        return f"{start}{text}{end}"

    def _name(self, source: str) -> str:
        cell = self._names.get(source)
        if cell is None:
            padded = source.ljust(self.width)
            cell = self._names[source] = self._wrap(padded, f"bold {self.colours.get(source, 'white')}") + " "
        return cell

    def stamp(self, at: datetime | None) -> str:
        """`HH:MM:SS.mmm` in local time (12 blanks when the time is unknown)."""
        if at is None:
            return " " * 12
        since = at - _EPOCH
        second = since.days * 86400 + since.seconds
        prefix = self._prefixes.get(second)
        if prefix is None:
            if len(self._prefixes) > 4096:
                self._prefixes.clear()
            prefix = self._prefixes[second] = (_EPOCH + timedelta(seconds=second)).astimezone().strftime("%H:%M:%S.")
        return f"{prefix}{at.microsecond // 1000:03d}"

    def _line(self, kind: str, at: datetime | None, source: str, text: str) -> str:
        mark, (start, end) = self._kinds[kind]
        dim, undim = self._dim
        body = f"{start}{text}{end}" if start and text else text
        return f"{mark}{dim}{self.stamp(at)} {undim}{self._name(source)}{body}\n"

    def write_merged(self, merged: MergedBatch) -> None:
        """Every line of `merged` (no filter), masked and made inert, in slices of
        `SLICE_LINES` lines written about `WRITE_CHARS` at a time."""
        out, masking, mask = self.out, self.masking, self.mask
        parts: list[str] = []
        size = 0
        for batch, lo, hi in merged.chunks:
            every = batch.texts
            uniform = batch.times is None and not batch.errors and not batch.notices
            if uniform:  # one time for every line (a command's or a file's flood): one join a slice
                dim, undim = self._dim
                head = f"  {dim}{self.stamp(batch.at)} {undim}{self._name(batch.source)}"
                between = "\n" + head
            for start in range(lo, hi, SLICE_LINES):
                end = min(hi, start + SLICE_LINES)
                texts = every[start:end]
                texts = inert_all([mask(text) for text in texts] if masking else texts, one_line=True)
                if uniform:
                    piece = between.join(texts)
                    parts += (head, piece, "\n")
                else:
                    piece = "".join(self._lines(batch, start, texts))
                    parts.append(piece)
                size += len(piece)
                if size >= WRITE_CHARS:
                    out.write("".join(parts))
                    parts.clear()
                    size = 0
        if parts:
            out.write("".join(parts))
        out.flush()

    def _lines(self, batch: LogBatch, first: int, texts: list[str]) -> Iterator[str]:
        """`texts` (lines `first`… of `batch`, made inert) as output lines, each with its kind
        (error, notice, line) and its own time."""
        errors, notices, times, at, source, line = batch.errors, batch.notices, batch.times, batch.at, batch.source, self._line
        for i, text in enumerate(texts, first):
            kind = "error" if i in errors else "notice" if i in notices else "line"
            yield line(kind, times[i] if times is not None else at, source, text)

    def write(self, lines: Sequence[LogLine]) -> None:
        """Some lines (after a filter)."""
        self.out.write("".join(
            self._line("error" if line.is_error else "notice" if line.notice else "line", line.at, line.source,
                       inert(self.mask(line.text), one_line=True))
            for line in lines
        ))
        self.out.flush()


def fault_summary(failed: Sequence[SourceState], total: int, mask: Callable[[str], str]) -> str:
    """What stderr says at the end when sources could not be read (one line per source)."""
    if len(failed) == total:
        head = "no log source could be read" if total > 1 else f"log source {failed[0].name!r} could not be read"
    else:
        head = f"{len(failed)} of {total} log sources could not be read (the others are shown above)"
    lines = [f"qatui logs: {head}:"]
    for state in failed:
        reason = state.faults[0]
        for pattern, wording in _SUMMARY_WORDING:
            reason = pattern.sub(wording, reason)
        lines.append(f"  {state.name}: {mask(reason)}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    env: Mapping[str, str] = getattr(args, "env_vars", None) or os.environ
    from qatui.core.errors import QatuiError
    from qatui.core.run.logs import SourceHealth
    from qatui.core.smartcase import compile_filter

    try:
        since = parse_since(args.since) if args.since else None
        grep = compile_filter(args.grep, regex=True) if args.grep else None
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
    from qatui.core.run.model import RunModel

    model = RunModel(checklist, environment.key if environment is not None else None, env)
    if not model.trusted:
        # A log source is a command, a file or a container the checklist chose: nothing is
        # opened (and no secret read) before the tester has reviewed and trusted it.
        print(f"qatui logs: {model.trust.why_not()}", file=sys.stderr)
        return EXIT_SOURCES_FAILED
    masker = model.masker
    stop = threading.Event()
    try:
        stream = model.follow_logs(names, stop, tail=args.tail, since=since, follow=args.follow)
    except QatuiError as error:  # a source that cannot be built (undefined variable, unknown kind)
        print(f"qatui logs: {masker.mask(error.message)}", file=sys.stderr)
        return EXIT_USAGE

    printer = Printer(names, sys.stdout, colour=use_colour(sys.stdout, env), mask=masker.mask,
                      masking=bool(masker))
    health = SourceHealth(names)
    # While following, a source that cannot be read is said on stderr too when the stream
    # goes elsewhere (a file, a pipe): its notice line alone would go unseen there.
    warn_now = args.follow and not sys.stdout.isatty()
    filtered = args.errors or grep is not None
    from qatui.core.procs import sigterm_interrupts

    with sigterm_interrupts():  # SIGTERM stops like Ctrl-C: a command source's processes end
        try:
            for merged in stream:
                for state in health.see(merged):
                    if warn_now:
                        reason = masker.mask(state.faults[0])
                        print(f"qatui logs: {state.name}: {reason}", file=sys.stderr, flush=True)
                if not filtered:
                    printer.write_merged(merged)
                    continue
                shown = [
                    line for line in merged
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
    failed = health.failed()
    if failed:
        print(fault_summary(failed, len(names), masker.mask), file=sys.stderr)
        return EXIT_SOURCES_FAILED
    return EXIT_OK
