"""The positioned YAML reader: positions, scalars as written, alias limits, encodings."""

from __future__ import annotations

import pytest

from qatui.core import yamlpos
from qatui.core.errors import ChecklistError
from qatui.core.yamlpos import YMap, YScalar, YSeq, parse_bytes, parse_text, to_python


def problem(text: str | bytes) -> str:
    with pytest.raises(ChecklistError) as caught:
        if isinstance(text, bytes):
            parse_bytes(text, "t.yaml")
        else:
            parse_text(text, "t.yaml")
    (only,) = caught.value.problems
    return str(only)


def test_positions_of_keys_and_values() -> None:
    doc = parse_text("a: 1\nb:\n  - x\n  - {c: 'q'}\n", "t.yaml")
    root = doc.root
    assert isinstance(root, YMap) and doc.problems == []
    assert (root.pos.line, root.pos.column) == (1, 1)
    assert (root.key_pos("b").line, root.key_pos("b").column) == (2, 1)
    seq = root.get("b")
    assert isinstance(seq, YSeq) and (seq.pos.line, seq.pos.column) == (3, 3)
    inner = seq.items[1]
    assert isinstance(inner, YMap)
    c = inner.get("c")
    assert isinstance(c, YScalar) and (c.pos.line, c.pos.column, c.style, c.source) == (4, 9, "'", "'q'")


def test_scalars_keep_their_text() -> None:
    root = parse_text("v: 2026.10\nd: 2026-03-10\nbad_date: 2026-13-45\nn: ~\nb: yes\ni: 0x1F\n", "t").root
    assert isinstance(root, YMap)
    values = {key: (node.value, node.text) for key, (_, node) in root.entries.items() if isinstance(node, YScalar)}
    assert values["v"] == (2026.1, "2026.10")
    assert values["d"][1] == "2026-03-10" and yamlpos.describe(root.get("d")) == "a date"
    assert values["bad_date"] == ("2026-13-45", "2026-13-45")  # not a crash
    assert values["n"] == (None, "~") and values["b"] == (True, "yes") and values["i"] == (31, "0x1F")
    assert to_python(root)["d"] == "2026-03-10"


def test_merge_keys_and_aliases() -> None:
    root = parse_text("base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\nlist: &l [1, 2]\nagain: *l\n", "t").root
    assert to_python(root) == {"base": {"x": 1, "y": 2}, "use": {"y": 3, "x": 1}, "list": [1, 2], "again": [1, 2]}


def test_merge_of_a_scalar_is_a_problem() -> None:
    doc = parse_text("a: &s text\nb:\n  <<: *s\n", "t.yaml")
    assert [str(p) for p in doc.problems] == ["t.yaml:1:4: error: a merge key ('<<') needs a mapping or a list of mappings"]


def test_alias_limits() -> None:
    many = "a: &a {x: 1}\nb: [" + ", ".join(["*a"] * 101) + "]\n"
    assert "more than 100 YAML aliases" in problem(many)
    big = "a: &a [" + ", ".join(str(i) for i in range(2_000)) + "]\nb: [*a, *a, *a, *a, *a, *a]\n"
    assert "stand for more than 10000 values" in problem(big)
    assert problem("a: *nothing\n") == "t.yaml:1:4: error: YAML alias '*nothing' refers to no anchor ('&nothing')"
    assert "recursive alias" in problem("a: &x\n  b: *x\n")


def test_encodings() -> None:
    assert to_python(parse_bytes("\ufeffa: é\n".encode(), "t").root) == {"a": "é"}
    assert problem("a: 1\nb: ça\n".encode("latin-1")) == (
        "t.yaml:2:4: error: not valid UTF-8: byte 0xe7 (it looks like Latin-1/Windows-1252: save the file as UTF-8)")
    assert problem("é: 1\nb: \xff".encode("latin-1")).startswith("t.yaml:1:1: error: not valid UTF-8: byte 0xe9")
    assert problem("a: 1".encode("utf-16")) == "t.yaml:1:1: error: the file is UTF-16 encoded; save it as UTF-8"
    assert problem(b"a: 1\nb: \x00") == "t.yaml:2:4: error: this is binary data, not a text file (a NUL byte)"


def test_syntax_errors_carry_positions() -> None:
    assert problem("a: 1\n\tb: 2\n").startswith("t.yaml:2:1: error: YAML syntax error")
    assert problem("a: 1\n\tb: 2\n").endswith("tabs cannot be used for indentation in YAML, use spaces")
    assert problem("a: [1\n").startswith("t.yaml:2:1: error: YAML syntax error")
    assert problem("a: 1\n---\nb: 2\n").startswith("t.yaml:2:1: error: YAML syntax error: more than one document")
    assert problem("a: x\x1b\n") == "t.yaml:1:5: error: a control character (0x1b) is not allowed in YAML"


def test_empty_documents() -> None:
    assert parse_text("", "t").root is None
    assert parse_text("# c\n", "t").root is None
    assert parse_text("---\n...\n", "t").root is None
    assert parse_text("---\n", "t").root is None
    root = parse_text("~\n", "t").root
    assert isinstance(root, YScalar) and root.value is None
