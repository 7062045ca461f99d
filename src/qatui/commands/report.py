"""`qatui report RECORD… [--format text|json] [--against OLD] [--gate]`.

Several records, or a folder of them (`qatui report records/`), are a team's work: they are
joined item by item by the team merge and reported as one (`core/record/team.py`): per-tester
counts, the items nobody has worked yet, the conflicts, and the gate over the union.

Summarises a record for a person (text) or a CI script (JSON, the contract documented in
`docs/record-format.md`), compares it with an older record of the same checklist, and with
`--gate` exits 1 unless every critical item passed and the record is signed, saying why.
Exit status 2 means the report could not be made at all (missing file, not a qatui record),
always with one line on stderr and never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from typing import Any

from qatui.core.errors import QatuiError

FORMATS = ("text", "json")
#: What `qatui probe` takes besides json; a shared QATUI_FORMAT of these means text here.
PROBE_FORMATS = ("table", "junit")


def register(parser: argparse.ArgumentParser, env: Mapping[str, str]) -> None:
    from qatui.cli import env_default

    record = env_default(env, "RECORD")
    parser.add_argument(
        "record",
        metavar="RECORD",
        nargs="*" if record else "+",
        default=[record] if record else None,
        help="the Markdown record(s) to report on, or a folder of them (env QATUI_RECORD); several "
             "are a team's work, reported as one",
    )
    parser.add_argument(
        "--format",
        dest="format",
        default=None,
        choices=FORMATS,
        help="text for people, json for CI scripts (env QATUI_FORMAT; default: text)",
    )
    parser.add_argument(
        "--against",
        metavar="OLD",
        help="an older record of the same checklist: show what changed since",
    )
    parser.add_argument(
        "--gate",
        action="store_true",
        help="exit 1 unless every critical item passed and the record is signed",
    )
    from qatui.commands._common import env_help

    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = env_help(
        "QATUI_RECORD     the record to report on when RECORD is not given (as for qatui probe --record)",
        "QATUI_FORMAT     output format, like --format: text or json (table and junit, for qatui probe, mean text)",
        "flags win over variables; exit status: 0 ok (or gate passed), 1 gate failed, 2 the record could not be read",
    )


def output_format(flag: str | None, env: Mapping[str, str]) -> tuple[str, str | None]:
    """The format to write and, for a QATUI_FORMAT value no command knows, a warning.

    One QATUI_FORMAT is often set for a whole CI job, so the values `qatui probe` takes
    (table, junit) quietly mean text here; anything else is named on stderr, never fatal.
    """
    if flag:
        return flag, None
    value = (env.get("QATUI_FORMAT") or "").strip()
    if value.lower() in FORMATS:
        return value.lower(), None
    if not value or value.lower() in PROBE_FORMATS:
        return "text", None
    return "text", f"ignoring QATUI_FORMAT={value!r} (report writes text or json); writing text"


def record_paths(given: list[str]) -> list[str]:
    """The records named, a folder standing for the qatui records in it (sorted by name; other
    Markdown in the folder is left out). Raises `QatuiError` for a folder without records."""
    from pathlib import Path

    paths: list[str] = []
    for name in given:
        folder = Path(name)
        if folder.is_dir():
            found = sorted(str(path) for path in folder.glob("*.md") if _is_record(path))
            if not found:
                raise QatuiError(f"{name} holds no qatui record (*.md with the hidden qatui:record anchor)")
            paths.extend(found)
        else:
            paths.append(name)
    return list(dict.fromkeys(paths))


def run(args: argparse.Namespace) -> int:
    from qatui.commands._common import write_utf8
    from qatui.core.record.report import compare, format_text
    from qatui.core.record.store import RecordFile
    from qatui.core.record.team import team_lines, team_summary

    fmt, warning = output_format(args.format, getattr(args, "env_vars", None) or {})
    if warning:
        print(f"qatui report: {warning}", file=sys.stderr)
    try:
        paths = record_paths(list(args.record))
        if args.against and len(paths) > 1:
            print("qatui report: --against compares one record with an older one; name one record",
                  file=sys.stderr)
            return 2
        named = [(path, RecordFile(path).load()) for path in paths]
        comparison = None
        if args.against:
            comparison = compare(named[0][1], RecordFile(args.against).load())
        sources = None
        if len(named) == 1 and named[0][1].sources:  # a merged record: are its sources unchanged?
            from qatui.core.record.sources import check_sources

            sources = check_sources(named[0][1], named[0][0])
        data = team_summary(named, _checklist_of(named), sources)
    except QatuiError as error:
        print(f"qatui report: {error.message}", file=sys.stderr)
        return 2
    if fmt == "json":
        if comparison is not None:
            data["changes"] = comparison.as_json()
            data["against"] = args.against
        write_utf8(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        text = format_text(data, comparison, args.against or "")
        from qatui.core.text import inert

        # testers' names and titles come from records (a pull request): inert, as format_text's lines
        extra = [inert(line, one_line=True) for line in team_lines(data)]
        if extra:  # before the gate line, which stays last
            head, _, gate = text.rpartition("\n")
            text = "\n".join([head, *extra, "", gate]) if head else text
        print(text)
    if args.gate and not data["gate"]["passed"]:
        if fmt == "json":
            for reason in data["gate"]["reasons"]:
                print(f"qatui report: gate failed: {reason}", file=sys.stderr)
        return 1
    return 0


def _is_record(path: Any) -> bool:
    """A file qatui wrote: its first anchor (a folder may also hold a README or notes)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return "<!-- qatui:record" in handle.read(65536)
    except OSError:
        return False


def _checklist_of(named: list[tuple[str, Any]]) -> Any:
    """The checklist the records were made from, when it is at hand unchanged (the same content
    hash): it says which items are in no record. Only asked for part records and teams; a
    checklist that cannot be read is simply not used."""
    from pathlib import Path

    sessions = [session for _, session in named]
    head = sessions[0]
    if not head.checklist_path or not head.checklist_hash:
        return None
    if len(sessions) == 1 and not head.part:
        return None
    candidates = [Path(head.checklist_path)]
    for name, _ in named:
        folder = Path(name).resolve().parent
        candidates.extend(parent / head.checklist_path for parent in (folder, *folder.parents))
    from qatui.core.checklist_cache import load_checklist

    for candidate in dict.fromkeys(candidates):
        if not candidate.is_file():
            continue
        try:
            checklist = load_checklist(candidate)
        except (QatuiError, OSError):
            continue
        if checklist.content_hash == head.checklist_hash:
            return checklist
    return None
