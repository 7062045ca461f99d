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


def register(parser: argparse.ArgumentParser, env: Mapping[str, str]) -> None:
    fmt = env.get("QATUI_FORMAT") or "text"
    parser.add_argument("record", metavar="RECORD", help="the Markdown record to report on")
    parser.add_argument(
        "--format",
        dest="format",
        default=fmt if fmt in FORMATS else "text",
        choices=FORMATS,
        help="text for people, json for CI scripts (env QATUI_FORMAT; default: %(default)s)",
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
    parser.epilog = (
        "Exit status: 0 ok (or gate passed), 1 gate failed, 2 the record could not be read. "
        "Environment: QATUI_FORMAT=text|json."
    )


def run(args: argparse.Namespace) -> int:
    from qatui.core.record.report import compare, format_text, summary
    from qatui.core.record.store import RecordFile

    try:
        session = RecordFile(args.record).load()
        comparison = None
        if args.against:
            comparison = compare(session, RecordFile(args.against).load())
    except QatuiError as error:
        print(f"qatui report: {error.message}", file=sys.stderr)
        return 2
    data = summary(session, args.record)
    if args.format == "json":
        if comparison is not None:
            data["changes"] = comparison.as_json()
            data["against"] = args.against
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(format_text(data, comparison, args.against or ""))
    if args.gate and not data["gate"]["passed"]:
        if args.format == "json":
            for reason in data["gate"]["reasons"]:
                print(f"qatui report: gate failed: {reason}", file=sys.stderr)
        return 1
    return 0
