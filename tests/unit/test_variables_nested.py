"""`${A:-${B:-x}}` expands as a shell would; variable cycles and a probe that needs its own
capture are validation errors at file:line:col, never a literal `${…}` sent to a server."""

from __future__ import annotations

from pathlib import Path

import pytest

from qatui.core.errors import ChecklistError
from qatui.core.loader import load_checklist
from qatui.core.variables import (
    UndefinedVariable,
    chain,
    cycles,
    expand,
    layered_lookup,
    malformed,
    references,
)


def test_nested_defaults_expand_like_a_shell() -> None:
    lookup = chain({"B": "from-b", "EMPTY": ""})
    assert expand("${A:-${B:-x}}", lookup) == "from-b"
    assert expand("${A:-${C:-x}}", lookup) == "x"
    assert expand("${A:-${C:-${B}}}/tail", lookup) == "from-b/tail"
    assert expand("${EMPTY-${B}}|${EMPTY:-${B}}", lookup) == "|from-b"
    assert expand("${A:-a$$b} $HOME $$", lookup) == "a$b $HOME $"
    # a default is expanded only when it is used: an undefined name inside it is no error then
    assert expand("${B:-${UNDEFINED}}", lookup) == "from-b"
    with pytest.raises(UndefinedVariable, match="UNDEFINED"):
        expand("${A:-${UNDEFINED}}", lookup)


def test_references_and_malformed_look_inside_defaults() -> None:
    text = "http://${A:-${B:-x}}/${C}"
    assert [(r.name, r.has_default, text[r.offset:r.offset + 4]) for r in references(text)] == [
        ("A", True, "${A:"), ("B", True, "${B:"), ("C", False, "${C}")]
    assert malformed("${A:-${1x}} ${ok} ${unclosed") == [5, 18]
    assert malformed("${A:-${B:-x}") == [0]  # the outer one is never closed


def test_cycles_are_found_once_each() -> None:
    assert cycles([{"a": "${b}", "b": "x${a}", "c": "${c}", "d": "${a}", "e": "plain"}]) == [
        ["a", "b", "a"], ["c", "c"]]
    # the environment's value wins over the checklist's, as at run time
    assert cycles([{"a": "fixed"}, {"a": "${b}", "b": "${a}"}]) == []
    lookup = layered_lookup(written=[{"a": "${b:-${c}}", "c": "see"}])
    assert lookup("a") == "see"


CYCLES = """\
qatui: 1
title: Vars
from_env: [A, B, PORT]
vars:
  host: "${port_host}"
  port_host: "x${host}"
  base: "http://${A:-${B:-127.0.0.1}}:${PORT:-80}"
environments:
  local: {label: Local, default: true, vars: {c: "${d}", d: "${c}"}}
sections:
  - id: s
    title: S
    priority: critical
    items:
      - id: i
        title: I
        probes:
          - id: pself
            kind: http
            url: "${base}/x?t=${token}"
            capture: {token: {json: token}}
          - id: later
            kind: http
            url: "${base}/y?t=${token}"
"""


def test_cycles_and_self_captures_are_validation_errors(tmp_path: Path) -> None:
    path = tmp_path / "v.yaml"
    path.write_text(CYCLES, encoding="utf-8")
    with pytest.raises(ChecklistError) as caught:
        load_checklist(path, env={})
    assert [str(p).removeprefix(f"{path}:") for p in caught.value.problems] == [
        "5:10: error: variable cycle: ${host} → ${port_host} → ${host}; a var cannot use itself, "
        "directly or through other vars (it would be sent as the literal text)",
        "9:51: error: variable cycle: ${c} → ${d} → ${c}; a var cannot use itself, directly or "
        "through other vars (it would be sent as the literal text)",
        "20:13: error: probe 'pself' uses ${token}, which only it captures itself: a probe's captures "
        "exist once it has run; capture it in an earlier probe, or give a default (${token:-value})",
    ]


def test_nested_defaults_validate_and_a_capture_of_an_earlier_probe_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    text = CYCLES.replace('  host: "${port_host}"\n  port_host: "x${host}"\n', "")
    text = text.replace('{c: "${d}", d: "${c}"}', "{}").replace("/x?t=${token}", "/login")
    path.write_text(text, encoding="utf-8")
    checklist = load_checklist(path, env={})
    later = checklist.probes()[1]
    lookup = layered_lookup(before=[{"token": "t0k"}], written=[checklist.vars])
    assert expand(later.config["url"], lookup) == "http://127.0.0.1:80/y?t=t0k"
