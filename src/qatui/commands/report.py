"""`qatui report RECORD [--format text|json] [--against OLD] [--gate]`.

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
        nargs="?" if record else None,
        default=record,
        help="the Markdown record to report on (env QATUI_RECORD)",
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


def run(args: argparse.Namespace) -> int:
    from qatui.commands._common import write_utf8
    from qatui.core.record.report import compare, format_text, summary
    from qatui.core.record.store import RecordFile

    fmt, warning = output_format(args.format, getattr(args, "env_vars", None) or {})
    if warning:
        print(f"qatui report: {warning}", file=sys.stderr)
    try:
        session = RecordFile(args.record).load()
        comparison = None
        if args.against:
            comparison = compare(session, RecordFile(args.against).load())
    except QatuiError as error:
        print(f"qatui report: {error.message}", file=sys.stderr)
        return 2
    from qatui.core.record.sources import check_sources

    data = summary(session, args.record, check_sources(session, args.record) if session.sources else None)
    if fmt == "json":
        if comparison is not None:
            data["changes"] = comparison.as_json()
            data["against"] = args.against
        write_utf8(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        print(format_text(data, comparison, args.against or ""))
    if args.gate and not data["gate"]["passed"]:
        if fmt == "json":
            for reason in data["gate"]["reasons"]:
                print(f"qatui report: gate failed: {reason}", file=sys.stderr)
        return 1
    return 0
