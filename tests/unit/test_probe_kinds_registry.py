"""The probe kinds' one schema: the registry, each kind's `SCHEMA`, and the docs' key table."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from qatui.core.probes import engine, kinds
from qatui.core.probes.schema import COMMON_KEYS, KindSchema

DOC = Path(__file__).parents[2] / "docs" / "checklist-format.md"
#: Words the table writes in backticks that are values or nested keys, not a kind's keys.
VALUES = {"false", "true", "recent", "session", "bearer", "token", "lines", "minutes"}


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


def _spelled(value: object) -> str:
    """A default as the docs write it: `false`, `GET`, 443, the host."""
    return str(value).lower() if isinstance(value, bool) else str(value)


@pytest.mark.parametrize("kind", kinds.NAMES)
def test_the_docs_row_gives_every_default_the_schema_declares(kind: str) -> None:
    # A default lives in the kind's SCHEMA (the runner reads it there, the importer leaves it
    # out); the docs must say it where they name the key: "`key` (…, default VALUE…)".
    rows = doc_rows()
    row = rows[kind]
    for other in re.findall(r"as for `([a-z]+)`", row):
        row += " " + rows[other]
    for dotted, value in kinds.schema(kind).defaults.items():
        key = dotted.rpartition(".")[2]
        said = re.search(rf"`{re.escape(key)}`(?::[^(]*?)? \(([^)]*)\)", row)
        assert said, f"{kind}: {dotted!r} has a default but the docs give it no '(…)'"
        assert re.search(rf"default `?{re.escape(_spelled(value))}`?\b", said.group(1)), (
            f"{kind}: the docs do not say {dotted!r} defaults to {_spelled(value)!r}: ({said.group(1)})")


def test_the_defaults_test_can_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    # A default the docs do not state is caught (here a made-up one on tcp's `host`).
    from dataclasses import replace

    real = kinds.schema

    def with_default(kind: str) -> KindSchema:
        found = real(kind)
        return replace(found, defaults={"host": "localhost"}) if kind == "tcp" else found

    monkeypatch.setattr(kinds, "schema", with_default)
    with pytest.raises(AssertionError, match="tcp"):
        test_the_docs_row_gives_every_default_the_schema_declares("tcp")


@pytest.mark.parametrize("kind", kinds.NAMES)
def test_an_importer_config_keeps_known_keys_in_order_and_drops_defaults(kind: str) -> None:
    schema = kinds.schema(kind)
    values = {key: f"v-{key}" for key in reversed(schema.keys)} | dict(schema.defaults)
    values = {k: v for k, v in values.items() if "." not in k}
    made = schema.config(values)
    assert list(made) == [key for key in schema.keys if key in made]
    assert not set(made) & set(schema.defaults)
    with pytest.raises(KeyError, match="takes no nonsense"):
        schema.config({"nonsense": 1})
    if schema.expect:
        with pytest.raises(KeyError, match=r"expect\.nonsense"):
            schema.config({"expect": {"nonsense": 1}})


def test_the_default_exit_code_is_left_out_of_an_imported_expect() -> None:
    command = kinds.schema("command")
    assert command.config({"run": "true", "expect": {"exit_code": 0}}) == {"run": "true"}
    assert command.config({"run": "true", "expect": {"exit_code": 3}}) == {"run": "true", "expect": {"exit_code": 3}}
    # a value of another type is not the default (`verify: 1` would not be `true`)
    assert kinds.schema("http").config({"url": "u", "verify": 1}) == {"url": "u", "verify": 1}


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
