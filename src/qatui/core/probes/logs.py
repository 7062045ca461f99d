"""Logs probes: "no ERROR line in huey since the session started", "a line matching
`Task .* succeeded` appears within 10 s".

They read the checklist's log sources through the log layer (`qatui.core.logs.make_source`), the
same sources the screen tails, so a probe sees exactly what the tester sees. Sources are
blocking iterators, so the probe runs in a worker thread with a stop event set at its deadline
or when the run is cancelled. A source that cannot be read (engine down, file missing) is an
error, not a pass: "no error lines" must never mean "no lines at all because nothing was read".
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Mapping
from typing import Any

from qatui.core.checklist import ProbeSpec
from qatui.core.probes.base import Outcome, ProbeContext, cap_detail, fail_summary, with_where
from qatui.core.session import ProbeStatus

#: Matching lines shown in a result's detail.
SHOWN = 10
#: Words of a notice that says the source cannot be read now (as opposed to "following …").
TROUBLE = re.compile(
    r"no container|cannot|can't|waiting for|unreachable|not answer|does not|has no|not running|exited|removed|down|refused|error",
    re.IGNORECASE,
)


def _window(cfg: Mapping[str, Any], ctx: ProbeContext) -> tuple[int | None, Any, str]:
    window = cfg.get("window", "session")
    if isinstance(window, Mapping) and "lines" in window:
        lines = int(window["lines"])
        return lines, None, f"in the last {lines} lines"
    started = ctx.session_started
    return None, started, f"since {started.astimezone().strftime('%H:%M:%S')}"


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
    tail, since, window_text = _window(cfg, ctx)
    within = float(cfg.get("within") or spec.timeout) if present else spec.timeout
    started = time.monotonic()
    timer = threading.Timer(within, stop.set)
    timer.daemon = True
    timer.start()
    matches: list[str] = []
    notices: list[str] = []
    read = 0
    try:
        for batch in source.follow(stop, tail=tail, since=since, follow=present):
            for index, text in enumerate(batch.texts):
                if index in batch.notices:
                    notices.append(text)
                    continue
                read += 1
                if pattern.search(text):
                    matches.append(text)
            if present and matches:
                break
            if present and read == 0 and any(TROUBLE.search(n) for n in notices):
                break  # waiting `within` seconds on a source that cannot be read helps nobody
            if stop.is_set():
                break
    finally:
        timer.cancel()
        stop.set()
    elapsed = time.monotonic() - started
    elapsed_ms = elapsed * 1000
    shown = "\n".join(matches[:SHOWN]) + (f"\n… {len(matches) - SHOWN} more" if len(matches) > SHOWN else "")
    detail_notes = ("\n--- notices\n" + "\n".join(notices[-5:])) if notices else ""
    if read == 0 and notices and not matches:
        return Outcome(
            ProbeStatus.ERROR,
            with_where(spec, "source", f"cannot read log source {name}"),
            f"qatui could not read {name}: {notices[-1]}",
            cap_detail(detail_notes.strip()),
            duration_ms=elapsed_ms,
        )
    if present:
        if matches:
            return Outcome(ProbeStatus.PASSED, f"a line matching /{pattern_text}/ appeared in {name} ({elapsed:.1f} s)", "", cap_detail(shown + detail_notes), duration_ms=elapsed_ms)
        return Outcome(
            ProbeStatus.FAILED,
            fail_summary(spec, key, f"no line matching /{pattern_text}/ in {name} within {within:g} s", "one"),
            f"{read} line(s) of {name} were read {window_text} and after, none matched — did the task run, and is this the right service?",
            cap_detail(f"{read} lines read{detail_notes}"),
            duration_ms=elapsed_ms,
        )
    if matches:
        return Outcome(
            ProbeStatus.FAILED,
            fail_summary(spec, key, f"{len(matches)} line(s) match /{pattern_text}/ in {name} {window_text}", "none"),
            f"{name} logged what the checklist says must not appear; first: {matches[0][:300]}",
            cap_detail(shown + detail_notes),
            duration_ms=elapsed_ms,
        )
    return Outcome(ProbeStatus.PASSED, f"no line matching /{pattern_text}/ in {name} {window_text} ({read} lines read)", "", cap_detail(f"{read} lines read{detail_notes}"), duration_ms=elapsed_ms)


async def run(spec: ProbeSpec, cfg: Mapping[str, Any], ctx: ProbeContext) -> Outcome:
    stop = threading.Event()
    try:
        return await asyncio.to_thread(_scan, spec, cfg, ctx, stop)
    finally:
        stop.set()  # a cancelled probe's source notices within half a second
