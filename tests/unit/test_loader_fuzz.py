"""Whatever the bytes, the loader either returns a checklist or raises ChecklistError — nothing else."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qatui.core import yamlpos
from qatui.core.checklist import Checklist
from qatui.core.errors import ChecklistError
from qatui.core.loader import load_checklist
from tests.unit.loader_support import FULL

FRAGMENTS = [
    "qatui: 1\n", "title: T\n", "sections:\n", "  - id: s\n", "    title: S\n", "    priority: nice\n",
    "    items:\n", "      - id: i\n", "        title: I\n", "        probes:\n", "          - id: p\n",
    "            kind: http\n", "            url: ${base_url}/\n", "            expect: {status: 2xx}\n",
    "logs: {web: {service: web}}\n", "environments: {local: {default: true}}\n", "&a [1, *a]\n",
    "*x\n", "<<: *a\n", "- \n", "? \n", ": \n", "\t", "---\n", "...\n", "!!binary aGk=\n", "{", "}", "[",
    "]", ",", "'", '"', "|\n", ">-\n", "#", "${", "$$", "\x00", "\ufeff", "é", "\r\n", "  ", "%YAML 1.1\n",
    "!foo ", "&anchor ", "- - - x\n", "key: value\n", "1: 2\n", "null: ~\n", "2026-13-45\n", ".inf\n",
]


def check(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.yaml"
        path.write_bytes(data)
        try:
            result = load_checklist(path, env={})
        except ChecklistError as error:
            assert error.problems
            for problem in error.problems:
                assert isinstance(problem.message, str) and problem.message
                assert problem.position.path == str(path)
        else:
            assert isinstance(result, Checklist)


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes(data: bytes) -> None:
    check(data)


@FUZZ
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=40))
def test_yaml_ish_text(parts: list[str]) -> None:
    check("".join(parts).encode("utf-8"))


@FUZZ
@given(st.text(max_size=300))
def test_random_text(text: str) -> None:
    check(text.encode("utf-8", errors="surrogatepass"))


@FUZZ
@given(st.data())
def test_edits_of_a_valid_checklist(data: st.DataObject) -> None:
    """Delete, duplicate or replace a slice of a checklist that uses every key."""
    text = FULL
    for _ in range(data.draw(st.integers(1, 4))):
        start = data.draw(st.integers(0, len(text)))
        end = data.draw(st.integers(start, min(len(text), start + 40)))
        replacement = data.draw(st.sampled_from(["", text[start:end] * 2, *FRAGMENTS]))
        text = text[:start] + replacement + text[end:]
    check(text.encode("utf-8", errors="surrogatepass"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(parts=st.lists(st.sampled_from(FRAGMENTS), max_size=40))
def test_yaml_ish_text_with_the_pure_python_parser(parts: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine without libyaml uses PyYAML's own parser, which raises other errors in other places."""
    monkeypatch.setattr(yamlpos, "_Loader", yaml.SafeLoader)
    check("".join(parts).encode("utf-8"))
