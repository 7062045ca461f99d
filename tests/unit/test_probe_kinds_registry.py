"""The probe kinds' one schema: the registry, each kind's `SCHEMA`, and the docs' key table."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from qatui.core.probes import engine, kinds
from qatui.core.probes.schema import COMMON_KEYS

DOC = Path(__file__).parents[2] / "docs" / "checklist-format.md"
#: Words the table writes in backticks that are values or nested keys, not a kind's keys.
VALUES = {"false", "recent", "session", "bearer", "token", "lines", "minutes"}


def doc_rows() -> dict[str, str]:
    """The rows of the probe-keys table (`| kind | keys |`), by kind."""
    text = DOC.read_text(encoding="utf-8")
    table = text.split("| kind | keys |\n|---|---|\n", 1)[1].split("\n\n", 1)[0]
    rows = {}
    for line in table.splitlines():
        match = re.match(r"\| `([a-z]+)` \| (.*) \|$", line)
        assert match, f"not a row of the probe table: {line[:60]}"
        rows[match.group(1)] = match.group(2)
    return rows


def test_the_docs_table_has_one_row_per_registered_kind() -> None:
    assert sorted(doc_rows()) == sorted(kinds.NAMES)


@pytest.mark.parametrize("kind", kinds.NAMES)
def test_the_docs_row_names_every_key_of_the_kind_and_no_other(kind: str) -> None:
    schema = kinds.schema(kind)
    rows = doc_rows()
    row = own = rows[kind]
    for other in re.findall(r"as for `([a-z]+)`", row):  # `exec`: "expect and capture as for command"
        row += " " + rows[other]
    declared = {*schema.keys, *schema.expect, *schema.capture, *schema.capture_options}
    missing = [key for key in sorted(declared) if not re.search(rf"[`{{ ]{re.escape(key)}[`:]", row)]
    assert missing == [], f"{kind}: keys the loader accepts but the docs do not name"
    written = set(re.findall(r"`\{?([a-z_]+)[`:]", own))
    extra = written - declared - set(COMMON_KEYS) - set(kinds.NAMES) - VALUES
    assert extra == set(), f"{kind}: keys the docs name but the loader rejects"
    for key in schema.required:
        assert re.search(rf"`{re.escape(key)}` \([^)]*required", own), f"{kind}: {key!r} not documented as required"


@pytest.mark.parametrize("kind", kinds.NAMES)
def test_each_kind_module_declares_its_schema_and_runner(kind: str) -> None:
    module = kinds.module(kind)
    assert module.SCHEMA.name == kind
    assert callable(module.run) and callable(module.SCHEMA.check)
    assert not set(module.SCHEMA.keys) & set(COMMON_KEYS)
    assert set(module.SCHEMA.required) <= set(module.SCHEMA.keys)
    assert set(module.SCHEMA.expect_parsers) <= set(module.SCHEMA.expect)


def test_the_engine_runs_exactly_the_registered_kinds() -> None:
    assert engine.KINDS == kinds.NAMES


def test_loading_the_loader_imports_no_probe_kind() -> None:
    # kinds are imported when a checklist uses them, so start-up pays for none
    code = ("import sys, qatui.core.loader; "
            "print(sorted(m for m in sys.modules if m.startswith('qatui.core.probes.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert eval(out) == ["qatui.core.probes.kinds", "qatui.core.probes.schema"]
