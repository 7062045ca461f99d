"""Logs probes: "no ERROR line in huey lately", "a line matching `Task .* succeeded` appears
within 10 s".

They read the checklist's log sources through the log layer (`qatui.core.logs.make_source`), the
same sources the screen tails, so a probe sees exactly what the tester sees. Sources are
blocking iterators, so the probe runs in a worker thread with a stop event set at its deadline
or when the run is cancelled. A source that cannot be read (engine down, file missing) is an
error, not a pass: "no error lines" must never mean "no lines at all because nothing was read".

No vacuous verdicts. `absent` is a claim about the lines read, so it needs lines to be read:
a check that read fewer than `min_lines` (default 1) in its window, or whose `session` window
is younger than `SESSION_MIN_SPAN`, is `inconclusive` — not enough evidence, which counts as
not passed everywhere — with an explanation that says how many lines were read over which span
and what to do. (It used to pass: "no ERROR in huey" passed over the 0–2 lines a just-started
session had seen, while huey logged an ERROR every 5 s.) A line that matches is evidence on
its own, so a failure is never downgraded.

Windows (`window:`): `recent` (the default for `absent`: since the session started or over the
last `RECENT_MINUTES` minutes, whichever is longer — what a tester running `grep` over the logs
means, and the same on the screen and in `qatui probe`, whose "session" is just this run),
`session` (strictly since the session started; the default for `present`, so that a line from
before the session never counts as appearing), `{minutes: M}` and `{lines: N}`.

A failed check shows each matching line with the block it opens — a traceback up to and
including its exception line, or indented continuation lines — bounded to `BLOCK_LINES`.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from qatui.core.checklist import ProbeSpec
from qatui.core.logs._text import Continuation
from qatui.core.probes.base import Outcome, ProbeContext, fail_summary, with_where
from qatui.core.probes.schema import KindSchema
from qatui.core.session import ProbeStatus
from qatui.core.yamlpos import YMap, YNode, YScalar, describe

if TYPE_CHECKING:
    from qatui.core.load.probe_checker import ProbeChecker

#: Matching lines (with their blocks) shown in a result's detail.
SHOWN = 10
#: Most lines of one error block shown (the matching line, its traceback, the exception line).
BLOCK_LINES = 40
#: The default window reaches back at least this far.
RECENT_MINUTES = 10
#: A `session` window younger than this is not evidence of absence.
SESSION_MIN_SPAN = timedelta(seconds=60)
#: `min_lines` when the checklist does not say.
DEFAULT_MIN_LINES = 1


@dataclass(frozen=True)
class Window:
    """Which lines a check reads: the last `tail` lines, or those since `since`."""

    tail: int | None
    since: datetime | None
    text: str  # "since 18:29:40", "in the last 100 lines"
    kind: str  # recent | session | minutes | lines


def window_of(cfg: Mapping[str, Any], session_started: datetime, at: datetime | None = None) -> Window:
    """The window a check reads (see the module docstring), as of `at` (default now)."""
    at = at or datetime.now(UTC)
    window = cfg.get("window", "session" if "present" in cfg else "recent")
    if isinstance(window, Mapping) and "lines" in window:
        lines = int(window["lines"])
        return Window(lines, None, f"in the last {lines} lines", "lines")
    if isinstance(window, Mapping) and "minutes" in window:
        minutes = float(window["minutes"])
        since = at - timedelta(minutes=minutes)
        return Window(None, since, f"in the last {minutes:g} min (since {_clock(since)})", "minutes")
    if window == "session":
        return Window(None, session_started, f"since the session started ({_clock(session_started)})", "session")
    since = min(session_started, at - timedelta(minutes=RECENT_MINUTES))
    return Window(None, since, f"since {_clock(since)}", "recent")


def _clock(at: datetime) -> str:
    return at.astimezone().strftime("%H:%M:%S")


def _span(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


@dataclass
class _Reading:
    """What a scan saw: lines read, matches and their blocks, notices, the span of times."""

    pattern: re.Pattern[str]
    read: int = 0
    matches: int = 0
    blocks: list[list[str]] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)
    first_at: datetime | None = None
    last_at: datetime | None = None
    _open: list[str] | None = None
    _cut: int = 0
    _continuation: Continuation = field(default_factory=Continuation)

    def line(self, text: str, at: datetime | None) -> None:
        self.read += 1
        if at is not None:
            if self.first_at is None or at < self.first_at:
                self.first_at = at
            if self.last_at is None or at > self.last_at:
                self.last_at = at
        hit = self.pattern.search(text) is not None
        if hit:
            self.matches += 1
        if self._open is not None and self._continuation.feed(text):
            if len(self._open) < BLOCK_LINES:
                self._open.append(text)
            else:
                self._cut += 1
            return
        self._close()
        if hit:
            self._continuation = Continuation()
            self._open = [text]
            self._continuation.feed(text)  # a matching `Traceback …` line opens a traceback

    def _close(self) -> None:
        if self._open is not None:
            if self._cut:
                self._open.append(f"… {self._cut} more line(s) of this block")
            self.blocks.append(self._open)
        self._open = None
        self._cut = 0

    def finish(self) -> None:
        self._close()

    def shown(self) -> str:
        blocks = self.blocks[:SHOWN]
        text = "\n".join("\n".join(block) for block in blocks)
        if len(self.blocks) > SHOWN:
            text += f"\n… {len(self.blocks) - SHOWN} more matching block(s)"
        return text

    def span_text(self) -> str:
        """Over which span the lines read were written: `lines from 18:29:40 to 18:29:44, 4 s`."""
        if not self.read:
            return "nothing read"
        if self.first_at is None or self.last_at is None:
            return "no line read says when it was written"
        seconds = (self.last_at - self.first_at).total_seconds()
        return f"lines from {_clock(self.first_at)} to {_clock(self.last_at)}, {_span(seconds)}"


def _scan(spec: ProbeSpec, cfg: Mapping[str, Any], ctx: ProbeContext, stop: threading.Event) -> Outcome:
    from qatui.core.logs import make_source

    name = str(cfg.get("source", ""))
    source_spec = ctx.checklist.logs.get(name)
    if source_spec is None:
        known = ", ".join(ctx.checklist.logs) or "none"
        return Outcome(ProbeStatus.ERROR, with_where(spec, "source", f"no log source {name!r}"), f"the checklist defines these log sources: {known}")
    present = "present" in cfg
    pattern_text = str(cfg.get("present") if present else cfg.get("absent", ""))
    key = "present" if present else "absent"
    try:
        pattern = re.compile(pattern_text)
    except re.error as error:
        return Outcome(ProbeStatus.ERROR, with_where(spec, key, "invalid regex"), f"/{pattern_text}/ is not a valid regex: {error}")
    try:
        source = make_source(source_spec, ctx.environment, checklist_dir=ctx.checklist_dir, lookup=ctx.lookup)
    except Exception as error:  # LogSourceError and variable errors: the source cannot be built
        return Outcome(ProbeStatus.ERROR, with_where(spec, "source", f"log source {name} unusable"), str(error))
    window = window_of(cfg, ctx.session_started)
    within = float(cfg.get("within") or spec.timeout) if present else spec.timeout
    started = time.monotonic()
    timer = threading.Timer(within, stop.set)
    timer.daemon = True
    timer.start()
    seen = _Reading(pattern)
    try:
        for batch in source.follow(stop, tail=window.tail, since=window.since, follow=present):
            notices = batch.notices
            for index, text in enumerate(batch.texts):
                if index in notices:
                    seen.notices.append(text)
                    if index in batch.faults:
                        seen.faults.append(text)
                    continue
                seen.line(text, batch.time_of(index))
            if present and seen.matches:
                break
            if present and seen.read == 0 and seen.faults:
                break  # waiting `within` seconds on a source that cannot be read helps nobody
            if stop.is_set():
                break
    finally:
        timer.cancel()
        stop.set()
    seen.finish()
    ended = datetime.now(UTC)
    elapsed = time.monotonic() - started
    elapsed_ms = elapsed * 1000
    detail_notes = ("\n--- notices\n" + "\n".join(seen.notices[-5:])) if seen.notices else ""
    read = seen.read
    if read == 0 and seen.faults and not seen.matches:
        return Outcome(
            ProbeStatus.ERROR,
            with_where(spec, "source", f"cannot read log source {name}"),
            f"qatui could not read {name}: {seen.faults[-1]}",
            ctx.cap_detail(detail_notes.strip()),
            duration_ms=elapsed_ms,
        )
    if present:
        if seen.matches:
            return Outcome(ProbeStatus.PASSED, f"a line matching /{pattern_text}/ appeared in {name} ({elapsed:.1f} s)", "", ctx.cap_detail(seen.shown() + detail_notes), duration_ms=elapsed_ms)
        return Outcome(
            ProbeStatus.FAILED,
            fail_summary(spec, key, f"no line matching /{pattern_text}/ in {name} within {within:g} s", "one"),
            f"{read} line(s) of {name} were read {window.text} and after, none matched — did the task run, and is this the right service?",
            ctx.cap_detail(f"{read} lines read{detail_notes}"),
            duration_ms=elapsed_ms,
        )
    if seen.matches:
        first = seen.blocks[0] if seen.blocks else []
        last = first[-1] if len(first) > 1 else ""
        ending = f"; it ends: {ctx.excerpt(last, 300)}" if last else ""
        return Outcome(
            ProbeStatus.FAILED,
            fail_summary(spec, key, f"{seen.matches} line(s) match /{pattern_text}/ in {name} {window.text}", "none"),
            f"{name} logged what the checklist says must not appear; first: {ctx.excerpt(first[0], 300) if first else ''}{ending}",
            ctx.cap_detail(seen.shown() + detail_notes),
            duration_ms=elapsed_ms,
        )
    short = _too_little(cfg, window, seen, ended, name)
    if short is not None:
        summary, explanation = short
        return Outcome(
            ProbeStatus.INCONCLUSIVE,
            with_where(spec, key, summary),
            explanation,
            ctx.cap_detail(f"{read} lines read {window.text}; {seen.span_text()}{detail_notes}"),
            duration_ms=elapsed_ms,
        )
    return Outcome(
        ProbeStatus.PASSED,
        f"no line matching /{pattern_text}/ in {name} {window.text} ({read} lines read)",
        "",
        ctx.cap_detail(f"{read} lines read; {seen.span_text()}{detail_notes}"),
        duration_ms=elapsed_ms,
    )


def _too_little(
    cfg: Mapping[str, Any], window: Window, seen: _Reading, ended: datetime, name: str
) -> tuple[str, str] | None:
    """Why an `absent` check with no match is not evidence (summary, explanation), or None."""
    min_lines = int(cfg.get("min_lines") or DEFAULT_MIN_LINES)
    read = seen.read
    if window.kind == "session" and window.since is not None and ended - window.since < SESSION_MIN_SPAN:
        age = (ended - window.since).total_seconds()
        return (
            f"the session window is {_span(age)} old ({read} line(s) of {name} read)",
            f"a `window: session` check needs a session at least {SESSION_MIN_SPAN.seconds} s old to say "
            f"something is absent; this one started {_span(age)} ago ({_clock(window.since)}) and "
            f"{read} line(s) were read{f' ({seen.span_text()})' if read else ''}. Run it again after the steps it checks, "
            "or use `window: {minutes: 10}` (qatui probe: pass --record with the session's record, "
            "else its session is the run itself)",
        )
    if read < min_lines:
        what = "no line" if read == 0 else f"only {read} line(s)"
        extra = "".join(f"; {notice}" for notice in seen.notices[-2:])
        return (
            f"{what} of {name} read {window.text}, at least {min_lines} needed",
            f"{read} line(s) of {name} were read {window.text} ({seen.span_text()}), fewer than "
            f"min_lines ({min_lines}): too little to say the pattern is absent{extra}. Is the service "
            "running and logging, and is this the right source? Widen the window "
            "(`window: {minutes: 60}` or `{lines: N}`), or run the check after the work it watches",
        )
    return None


async def run(spec: ProbeSpec, cfg: Mapping[str, Any], ctx: ProbeContext) -> Outcome:
    stop = threading.Event()
    try:
        return await asyncio.to_thread(_scan, spec, cfg, ctx, stop)
    finally:
        stop.set()  # a cancelled probe's source notices within half a second


# ----- schema -----------------------------------------------------------------------------


def check(c: ProbeChecker) -> None:
    """`source`, one of `absent`/`present`, `within` (with present), `window`, `min_lines` (with absent)."""
    from qatui.core.load.keys import MAX_UNTIL

    source = c.node.get("source")
    if source is None:
        c.v.add(c.node.pos, f"{c.what}: missing required key 'source' (a log source name)")
    else:
        name = c.v.string(source, "source")
        if isinstance(source, YScalar) and name:
            c.v.log_refs.append((name, source))
        c.config["source"] = name
    which = c.one_of(("absent", "present"), required=True)
    if which:
        c.config[which] = c.v.regex(c.node.get(which), which)
    within = c.node.get("within")
    if within is not None:
        if which == "absent":
            c.v.add(c.node.key_pos("within"), "'within' goes with 'present' (how long to wait for the line)")
        c.config["within"] = c.v.number(within, "within", None, positive=True, maximum=MAX_UNTIL)
    window = c.node.get("window")
    if window is not None:
        c.config["window"] = _check_window(c, window)
    min_lines = c.node.get("min_lines")
    if min_lines is not None:
        if which == "present":
            c.v.add(c.node.key_pos("min_lines"), "'min_lines' goes with 'absent' (a matching line is evidence on its own)")
        c.config["min_lines"] = c.v.integer(min_lines, "min_lines", 1, minimum=1)
        lines = c.config.get("window", {}).get("lines") if isinstance(c.config.get("window"), dict) else None
        if lines is not None and c.config["min_lines"] > lines:
            c.v.add(min_lines.pos, f"'min_lines': {c.config['min_lines']} can never be read from a window of "
                                   f"the last {lines} lines (the check would always be inconclusive)")


def _check_window(c: ProbeChecker, node: YNode) -> Any:
    """`recent`, `session`, `{lines: N}` or `{minutes: M}`."""
    expected = "'recent', 'session', {lines: N} or {minutes: M}"
    if isinstance(node, YScalar) and node.value in ("session", "recent"):
        return node.value
    if isinstance(node, YMap):
        spec = c.v.mapping(node, "window", ("lines", "minutes"))
        assert spec is not None
        lines, minutes = spec.get("lines"), spec.get("minutes")
        if (lines is None) == (minutes is None):
            c.v.add(spec.pos, f"window: give one of 'lines' or 'minutes' ({expected})")
            return "recent"
        if lines is not None:
            return {"lines": c.v.integer(lines, "lines", 100, minimum=1)}
        return {"minutes": c.v.number(minutes, "minutes", 10, positive=True)}
    c.v.add(node.pos, f"'window': expected {expected}, got {describe(node)}")
    return "recent"


SCHEMA = KindSchema(
    name="logs",
    keys=("source", "absent", "present", "within", "window", "min_lines"),
    required=("source",),
    defaults={"min_lines": DEFAULT_MIN_LINES},
    inline=("window",),
    check=check,
)
