"""`docs/record-format.md` is a contract: its example record and JSON must be what qatui does.

The example record in the document is the unsigned golden file byte for byte (which
`test_record_render.py` proves is what `render` writes), so it always reads; the JSON examples
name exactly the keys `qatui report --format json` writes, and the Python API it shows exists.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

from qatui.core.record import read
from qatui.core.record.report import compare, summary

from .record_samples import basic_session, signed_session

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "record-format.md").read_text(encoding="utf-8")
GOLDEN = ROOT / "tests" / "golden" / "record-unsigned.md"


def blocks(info: str) -> list[str]:
    """The bodies of the document's fenced blocks with this info string, as GitHub would see
    them (a CommonMark parse, so an inner fence that closed the outer one early would show)."""
    return [t.content for t in MarkdownIt("commonmark").parse(DOC) if t.type == "fence" and t.info == info]


def keys(value: Any, prefix: str = "") -> set[str]:
    """Dotted key paths of nested objects (lists are not entered)."""
    if not isinstance(value, dict):
        return set()
    found: set[str] = set()
    for key, inner in value.items():
        found.add(prefix + key)
        found |= keys(inner, f"{prefix}{key}.")
    return found


def test_the_example_record_is_the_golden_file_and_reads() -> None:
    (example,) = blocks("markdown")
    assert example == GOLDEN.read_text(encoding="utf-8")
    assert read(example, "doc") == basic_session()


def test_the_json_example_names_every_key_report_writes() -> None:
    report, with_changes, team = (json.loads(block.replace("…", "")) for block in blocks("json"))
    actual = summary(basic_session(), "records/x.md")
    assert keys(report) == keys(actual)
    assert set(report["metrics"][0]) == set(actual["metrics"][0])
    assert set(report["open_items"][0]) == set(actual["open_items"][0])
    changes = compare(basic_session(), signed_session()).as_json()  # a sign-off that went away
    assert set(with_changes) == {"against", "changes"}
    assert keys(with_changes["changes"]) == keys(changes)
    assert set(with_changes["changes"]["status_changed"][0]) == set(changes["status_changed"][0])
    assert set(with_changes["changes"]["metrics"][0]) == set(changes["metrics"][0])
    # the team's keys: what every report adds to `summary` (core/record/team.py)
    from qatui.core.record.team import team_summary

    teamed = team_summary([("records/x.md", basic_session())])
    assert set(team) == set(teamed) - set(actual)
    assert set(team["coverage"][0]) == set(teamed["coverage"][0])


def test_the_python_api_shown_exists() -> None:
    (python,) = blocks("python")
    imports = "\n".join(line for line in python.splitlines() if line.startswith("from "))
    exec(compile(imports, "record-format.md", "exec"), {})  # our own document


@pytest.mark.parametrize("anchor", ["record", "section", "item", "metric", "signoff", "end"])
def test_every_anchor_kind_is_documented(anchor: str) -> None:
    assert f"| `{anchor}` |" in DOC
