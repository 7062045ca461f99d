"""`qatui probe CHECKLIST` — run a checklist's probes without the screen (CI smoke test).

Output goes to stdout in one of three shapes: a table (colour on a terminal, plain text when
piped or NO_COLOR is set), JSON (a contract for CI scripts, see `docs/probe-output.md`) or JUnit
XML (what CI systems show as test results). Progress lines go to stderr while probes run, only
on a terminal, so a piped stdout stays machine-readable.

Exit status: 0 every probe that ran passed, 1 a probe failed / errored / timed out / was
inconclusive (a logs check that read too little to be evidence: not a pass, --strict or not), 2 the
checklist or the command line is wrong (problems printed as `path:line:col: error: …`).
Probes that were not run (an untrusted checklist runs nothing; a destructive probe on a
protected environment, or one marked `destructive: always`, without `--allow-destructive`) do not
fail the run, but are listed with the reason and counted in the totals; with `--strict` they do
(exit 1), for a CI gate that must not go green having run nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TextIO

from qatui.core.checklist import Checklist, ProbeSpec
from qatui.core.session import ProbeResult, ProbeStatus
from qatui.core.text import inert

FORMATS = ("table", "json", "junit")
MARKS = {
    ProbeStatus.PASSED: "✓",
    ProbeStatus.FAILED: "✗",
    ProbeStatus.ERROR: "!",
    ProbeStatus.TIMEOUT: "⧗",
    ProbeStatus.NOT_RUN: "–",
    ProbeStatus.INCONCLUSIVE: "?",
}
STYLES = {
    ProbeStatus.PASSED: "green",
    ProbeStatus.FAILED: "bold red",
    ProbeStatus.ERROR: "bold magenta",
    ProbeStatus.TIMEOUT: "bold yellow",
    ProbeStatus.NOT_RUN: "dim",
    ProbeStatus.INCONCLUSIVE: "bold yellow",
}
FAILING = (ProbeStatus.FAILED, ProbeStatus.ERROR, ProbeStatus.TIMEOUT, ProbeStatus.INCONCLUSIVE)


ENV_HELP = (
    "QATUI_ENV        environment, like --env",
    "QATUI_FORMAT     output format, like --format (table, json or junit)",
    "QATUI_RECORD     record to write evidence into, like --record",
    "QATUI_TESTER     tester of a new record, like --tester (else USER)",
    "QATUI_BUILD      build under test written in the record, like --build",
    "NO_COLOR         plain table even on a terminal (so does TERM=dumb)",
    "XDG_DATA_HOME    where trusted checklists are remembered (qatui/trusted.json)",
    "DOCKER_HOST      Docker engine for exec probes, unless the environment sets docker_host",
    "flags win over variables; exit status: 0 passed, 1 failed, 2 usage or checklist, 130 Ctrl-C",
)


def register(parser: argparse.ArgumentParser, env: Mapping[str, str]) -> None:
    from qatui.cli import env_default
    from qatui.commands._common import env_help

    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = env_help(*ENV_HELP)
    parser.add_argument("checklist", metavar="CHECKLIST", help="checklist file (.yaml or Markdown)")
    parser.add_argument("--env", "-e", dest="environment", default=env_default(env, "ENV"), metavar="NAME",
                        help="environment key (default: $QATUI_ENV, else the checklist's default)")
    parser.add_argument("--only", metavar="ID,ID", default="",
                        help="only these items, sections or probes (comma-separated ids), or priorities "
                             "(critical, important, nice) as on the screen; probes they need captures from run too")
    from qatui.commands._common import add_part_options

    add_part_options(parser, only=False)
    parser.add_argument("--jobs", "-j", type=int, default=None, metavar="N",
                        help="probes run at once (default: the checklist's settings.jobs, 8)")
    parser.add_argument("--format", choices=FORMATS, default=env_default(env, "FORMAT", "table").strip().lower(),
                        help="output: table (default, $QATUI_FORMAT), json or junit")
    parser.add_argument("--record", metavar="PATH", default=env_default(env, "RECORD"),
                        help="also write the results as evidence into this Markdown record ($QATUI_RECORD)")
    parser.add_argument("--build", metavar="BUILD", default=env_default(env, "BUILD"),
                        help="the build or commit under test, for a new --record ($QATUI_BUILD; "
                             "default: git describe where the checklist lives)")
    parser.add_argument("--tester", default=env_default(env, "TESTER", env.get("USER", "")),
                        help="tester name for a new --record ($QATUI_TESTER, else $USER)")
    parser.add_argument("--allow-destructive", metavar="ENVNAME", default=None,
                        help="run destructive probes on this environment (type its name): those of a protected "
                             "environment, and those marked `destructive: always` on any")
    parser.add_argument("--timeout", type=float, default=None, metavar="S",
                        help="limit for the whole run in seconds; probes still running are reported as timed out")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 when a probe was not run (untrusted, destructive on a protected "
                             "environment, a missing capture): for a CI gate that must not pass on nothing")


def _usage(message: str) -> int:
    print(f"qatui probe: {message}", file=sys.stderr)
    return 2


def select(checklist: Checklist, only: str) -> tuple[list[ProbeSpec], list[str]]:
    """Probes picked by `--only` (item, section or probe ids) and the unknown ids."""
    probes = checklist.probes()
    if not only.strip():
        return probes, []
    wanted = [part.strip() for part in only.split(",") if part.strip()]
    sections = {s.id: {i.id for i in s.items} for s in checklist.sections}
    chosen: list[ProbeSpec] = []
    unknown: list[str] = []
    for name in wanted:
        hits = [p for p in probes if p.id == name or p.item_id == name or p.item_id in sections.get(name, set())]
        if not hits and name not in sections and name not in {i.id for i in checklist.items()}:
            unknown.append(name)
        chosen.extend(p for p in hits if p not in chosen)
    return chosen, unknown


def run(args: argparse.Namespace) -> int:
    from qatui.commands._common import (
        UsageError,
        choose_environment,
        did_you_mean,
        load_or_report,
        use_colour,
    )
    from qatui.core.errors import QatuiError
    from qatui.core.run.model import RunModel

    env: Mapping[str, str] = getattr(args, "env_vars", None) or os.environ
    if args.format not in FORMATS:  # only $QATUI_FORMAT can get here: argparse checks the flag
        return _usage(f"$QATUI_FORMAT is {args.format!r}; choose one of: {', '.join(FORMATS)}")
    if args.jobs is not None and args.jobs < 1:
        return _usage("--jobs must be at least 1")
    if args.timeout is not None and args.timeout <= 0:
        return _usage("--timeout must be more than 0 seconds")
    checklist = load_or_report(args.checklist, env)
    if checklist is None:
        return 2
    try:
        environment = choose_environment(checklist, args.environment, env)
    except UsageError as error:
        return _usage(error.message)
    env_key = environment.key if environment else None
    if args.allow_destructive and args.allow_destructive != (env_key or "default"):
        return _usage(
            f"--allow-destructive names {args.allow_destructive!r}, but the run is against {env_key!r}; "
            "type the name of the environment the probes run against"
        )

    existing = None  # the session of an existing --record, read once
    if args.record:
        try:
            existing = _existing_record(args.record)
        except QatuiError as error:
            return _usage(f"--record {args.record}: {error.message}")
    try:
        opened, id_words = _part(args, checklist, existing)
    except QatuiError as error:
        return _usage(f"{error.title}: {error.message}")
    probes, unknown = select(checklist, id_words)
    if opened.part:
        held = {item.id for item in opened.checklist.items()}
        probes = [probe for probe in probes if probe.item_id in held]
    if unknown:
        ids = [p.id for p in checklist.probes()] + [i.id for i in checklist.items()] + [s.id for s in checklist.sections]
        ids += ["critical", "important", "nice"]
        return _usage("; ".join(f"--only: no item, section, probe or priority {u!r}{did_you_mean(u, ids)}"
                                for u in unknown))

    # a logs probe's "since the session started" window is the existing record's session's
    session_started = existing.started_at if existing is not None else None
    model = RunModel(checklist, env_key, env, session_started=session_started, jobs=args.jobs)
    probes = model.plan(probes)
    progress = _Progress(sys.stderr, len(probes), checklist) if sys.stderr.isatty() else None
    started = time.monotonic()
    from qatui.core.procs import sigterm_interrupts

    with sigterm_interrupts():  # SIGTERM stops like Ctrl-C: commands and their children end
        results = model.run_to_end(
            probes,
            allow_destructive=bool(args.allow_destructive),
            on_result=progress.update if progress else None,
            timeout=args.timeout,
        )
    elapsed = time.monotonic() - started
    if progress:
        progress.finish()
    pairs = list(zip(probes, results, strict=True))

    if args.format == "json":
        sys.stdout.write(to_json(checklist, env_key, pairs, elapsed, strict=args.strict) + "\n")
    elif args.format == "junit":
        sys.stdout.write(to_junit(checklist, env_key, pairs, elapsed) + "\n")
    else:
        print_table(pairs, elapsed, sys.stdout, color=use_colour(sys.stdout, env))

    if not model.trusted:
        why = "it changed since it was trusted" if model.trust.changed() else "this checklist is not trusted"
        print(
            f"qatui probe: {len(results)} probe(s) not run: {why}, and qatui runs nothing from a checklist "
            f"before you trust it; review and trust it with `qatui trust {args.checklist}`",
            file=sys.stderr,
        )
    if args.record:
        _record(args, opened, env_key, pairs, model)
    not_run = [r for r in results if r.status is ProbeStatus.NOT_RUN]
    if args.strict and not_run:
        print(f"qatui probe: --strict: {len(not_run)} probe(s) not run; the reason is beside each one",
              file=sys.stderr)
    return 0 if passed(results, strict=args.strict) else 1


def passed(results: Sequence[ProbeResult], *, strict: bool = False) -> bool:
    """The run's verdict (exit 0, JSON `ok`): nothing failed and, with `--strict`, nothing was left out."""
    if any(r.status in FAILING for r in results):
        return False
    return not (strict and any(r.status is ProbeStatus.NOT_RUN for r in results))


# --- progress ---------------------------------------------------------------------------------


class _Progress:
    """One line per finished probe on stderr (a terminal), written from the engine's thread."""

    def __init__(self, stream: TextIO, total: int, checklist: Checklist) -> None:
        self.stream = stream
        self.total = total
        self.done = 0
        self.lock = threading.Lock()
        self.stream.write(f"running {total} probe(s) of {checklist.title}…\n")
        self.stream.flush()

    def update(self, result: ProbeResult, item_id: str) -> None:
        with self.lock:
            self.done += 1
            self.stream.write(f"  [{self.done}/{self.total}] {MARKS[result.status]} {item_id}/{result.probe_id}: {result.summary}\n")
            self.stream.flush()

    def finish(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


# --- output formats ---------------------------------------------------------------------------


def totals(results: Sequence[ProbeResult]) -> dict[str, int]:
    counts = {status.value: 0 for status in ProbeStatus}
    for result in results:
        counts[result.status.value] += 1
    return counts


def totals_line(results: Sequence[ProbeResult], elapsed: float) -> str:
    counts = totals(results)
    parts = [f"{n} {status.replace('_', ' ')}" for status, n in counts.items() if n]
    return f"{len(results)} probe(s): {', '.join(parts) or 'none'} in {elapsed:.1f} s"


def _ms(result: ProbeResult) -> str:
    return "" if result.duration_ms is None else f"{result.duration_ms:.0f} ms"


def print_table(pairs: Sequence[tuple[ProbeSpec, ProbeResult]], elapsed: float, stream: TextIO, *, color: bool) -> None:
    results = [r for _, r in pairs]
    if color:
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        table = Table(show_edge=False, pad_edge=False, expand=False)
        for name in ("", "item", "probe", "kind", "time", "summary"):
            table.add_column(name, overflow="fold", no_wrap=name in ("", "time"))
        for spec, result in pairs:
            style = STYLES[result.status]
            summary = Text(result.summary)
            if result.explanation and result.status is not ProbeStatus.PASSED:
                summary.append("\n" + result.explanation, style="dim")
            table.add_row(Text(MARKS[result.status] + " " + result.status.value, style=style), spec.item_id, result.probe_id, result.kind, _ms(result), summary)
        console = Console(file=stream, highlight=False)
        console.print(table)
        console.print(totals_line(results, elapsed), style="bold red" if any(r.status in FAILING for r in results) else "bold green")
        return
    rows = [(f"{MARKS[r.status]} {r.status.value}", s.item_id, r.probe_id, r.kind, _ms(r)) for s, r in pairs]
    header = ("status", "item", "probe", "kind", "time")
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(header)]
    indent = " " * (sum(widths) + 2 * len(widths))

    def line(cells: Sequence[str], summary: str) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + "  " + summary

    stream.write(line(header, "summary").rstrip() + "\n")
    for (row, (_, result)) in zip(rows, pairs, strict=True):
        stream.write(line(row, result.summary) + "\n")
        if result.explanation and result.status is not ProbeStatus.PASSED:
            for text in result.explanation.splitlines():
                stream.write(f"{indent}  {text}\n")
    stream.write(totals_line(results, elapsed) + "\n")


def result_dict(spec: ProbeSpec, result: ProbeResult) -> dict[str, Any]:
    return {
        "item": spec.item_id,
        "probe": result.probe_id,
        "kind": result.kind,
        "status": result.status.value,
        "duration_ms": result.duration_ms,
        "summary": result.summary,
        "explanation": result.explanation,
        "where": result.where,
        "captures": result.captures,
        "detail": result.detail,
        "at": result.at.isoformat() if result.at else None,
    }


def to_json(checklist: Checklist, env_key: str | None, pairs: Sequence[tuple[ProbeSpec, ProbeResult]], elapsed: float,
            *, strict: bool = False) -> str:
    results = [r for _, r in pairs]
    document = {
        "format": 1,
        "checklist": checklist.path,
        "title": checklist.title,
        "environment": env_key,
        "duration_ms": round(elapsed * 1000, 1),
        "ok": passed(results, strict=strict),
        "results": [result_dict(s, r) for s, r in pairs],
        "totals": totals(results),
    }
    return json.dumps(document, ensure_ascii=False, indent=2)


def to_junit(checklist: Checklist, env_key: str | None, pairs: Sequence[tuple[ProbeSpec, ProbeResult]], elapsed: float) -> str:
    results = [r for _, r in pairs]
    counts = totals(results)
    attrs = {
        "tests": str(len(results)),
        "failures": str(counts["failed"] + counts["inconclusive"]),
        "errors": str(counts["error"] + counts["timeout"]),
        "skipped": str(counts["not_run"]),
        "time": f"{elapsed:.3f}",
    }
    suites = ET.Element("testsuites", {"name": "qatui probe", **attrs})
    suite = ET.SubElement(
        suites,
        "testsuite",
        {"name": inert(f"{checklist.title} [{env_key or 'no environment'}]", one_line=True), **attrs,
         "timestamp": datetime.now(UTC).replace(microsecond=0).isoformat()},
    )
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", {"name": "checklist", "value": checklist.path})
    ET.SubElement(props, "property", {"name": "environment", "value": env_key or ""})
    for spec, result in pairs:
        case = ET.SubElement(
            suite,
            "testcase",
            {"classname": spec.item_id, "name": result.probe_id, "time": f"{(result.duration_ms or 0) / 1000:.3f}"},
        )
        body = "\n\n".join(part for part in (result.summary, result.explanation, result.detail) if part)
        if result.status in (ProbeStatus.FAILED, ProbeStatus.INCONCLUSIVE):
            ET.SubElement(case, "failure", {"message": result.summary, "type": result.status.value}).text = body
        elif result.status in (ProbeStatus.ERROR, ProbeStatus.TIMEOUT):
            ET.SubElement(case, "error", {"message": result.summary, "type": result.status.value}).text = body
        elif result.status is ProbeStatus.NOT_RUN:
            ET.SubElement(case, "skipped", {"message": f"{result.summary}: {result.explanation}"})
        elif result.detail:
            ET.SubElement(case, "system-out").text = result.detail
    for element in suites.iter():  # only XML 1.0 characters, control characters shown (core/text.py)
        element.text = inert(element.text) if element.text else element.text
        for key, value in element.attrib.items():
            element.attrib[key] = inert(value, one_line=True)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode")


# --- record -----------------------------------------------------------------------------------


def _existing_record(path: str) -> Any:
    """The session of an existing `--record` (None: a new record starts there)."""
    from qatui.core.record.store import RecordFile

    record_file = RecordFile(path)
    return record_file.load() if record_file.exists() else None


def _part(args: argparse.Namespace, checklist: Checklist, record: Any) -> tuple[Any, str]:
    """The part the options choose (`core/run/part.py`, as on the screen) and the `--only`
    words left for `select`: a priority word is a priority unless the checklist has an item,
    section or probe of that id (as before priorities were known here)."""
    from qatui.core.run import part
    from qatui.core.run.part import priority_word, words

    ids = {p.id for p in checklist.probes()} | {i.id for i in checklist.items()} | {s.id for s in checklist.sections}
    only = words(args.only)
    priorities = [word for word in only if priority_word(word) is not None and word not in ids]
    rest = ",".join(word for word in only if word not in priorities)
    choice = part.choose(checklist, only=priorities, sections=args.sections, tags=args.tags,
                         tester=args.tester or "", everything=args.everything)
    if choice.by_assignment:
        print(f"qatui probe: the part assigned to {choice.specs[0].assigned} in the checklist (assign:); "
              "--all runs every probe", file=sys.stderr)
    return part.opening(checklist, choice, record), rest


def _record(
    args: argparse.Namespace,
    opened: Any,
    env_key: str | None,
    pairs: Sequence[tuple[ProbeSpec, ProbeResult]],
    model: Any,
) -> None:
    """Write the results into a Markdown record through the Recorder: probe evidence per item,
    facts from captures (sign-off `facts`) and the "after" figures of probe-timed metrics."""
    from qatui.core.recorder import Recorder
    from qatui.core.run.part import cover

    masker = model.masker
    recorder = Recorder.open_or_start(
        opened.checklist, args.record, tester=args.tester or "qatui probe", environment=env_key or "", masker=masker,
        build=args.build, env=getattr(args, "env_vars", None),
    )
    if cover(recorder.session, opened):
        recorder.save()
    by_item: dict[str, list[ProbeResult]] = {}
    for spec, result in pairs:
        by_item.setdefault(spec.item_id, []).append(result)
    for item_id, results in by_item.items():
        recorder.add_probe_results(item_id, results)
    facts, metrics = model.figures([r for _, r in pairs])
    for label, value in facts.items():
        recorder.set_fact(label, value)
    for metric_id, value in metrics.items():
        recorder.set_metric_after(metric_id, value)
    print(f"qatui probe: evidence written to {args.record}", file=sys.stderr)
