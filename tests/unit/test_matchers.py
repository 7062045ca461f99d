"""Matchers mean what they read: typed JSON equality, exact header values, shared operators.

Each lenient reading the field test found (`count: "7"` passing against 7, `Location:
/admin/login/` passing against `/admin/login/?next=/admin/`) is pinned here as a failure, beside
its passing twin, so a matcher can be neither too lenient nor too strict.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qatui.core.errors import ChecklistError
from qatui.core.loader import load_checklist
from qatui.core.probes.engine import run_probes
from qatui.core.probes.expectations import check_header, check_json_value, json_equal, json_subset
from qatui.core.session import ProbeStatus
from tests.servers import HttpApp, checklist_of, probe


@pytest.mark.parametrize(
    ("actual", "wanted", "equal"),
    [
        (7, 7, True),
        (7, "7", False),
        ("7", 7, False),
        (1, True, False),
        (True, 1, False),
        (0, False, False),
        (None, "null", False),
        (None, None, True),
        (1, 1.0, True),  # JSON has one number type: 1 and 1.0 are the same figure
        (1.5, 1, False),
        ([1, 2], [1, 2], True),
        ([1, 2], [1, "2"], False),
        ([1, 2], [1, 2, 3], False),
        ({"a": 1}, {"a": 1}, True),
        ({"a": 1}, {"a": True}, False),
        ({"a": 1, "b": 2}, {"a": 1}, False),
        ("", None, False),
    ],
)
def test_json_equality_is_typed(actual: object, wanted: object, equal: bool) -> None:
    assert json_equal(actual, wanted) is equal


def test_a_type_only_mismatch_names_both_types() -> None:
    check = check_json_value("expect.json.count", "count", 7, "7")
    assert not check.ok
    assert check.actual == "count = 7 (integer)" and check.expected == '"7" (string)'


@pytest.mark.parametrize(
    ("value", "matcher", "ok"),
    [
        ([1, 2, 3], {"contains": 2}, True),
        ([1, 2, 3], {"contains": "2"}, False),
        ([True], {"contains": 1}, False),
        ("page=2", {"contains": "page=2"}, True),
        ("page=2", {"contains": 2}, False),  # a number is not looked for inside text
        ({"a": 1, "b": 2}, {"contains": {"a": 1}}, True),
        ({"a": 1, "b": 2}, {"contains": {"a": "1"}}, False),
        ({"a": 1}, {"contains": "a"}, True),
        (7, {"matches": "^7$"}, True),
        (7, {"type": "integer"}, True),
        (7.0, {"type": "integer"}, False),
        (7, {"equals": 7.0}, True),
        (7, {"exists": False}, False),
    ],
)
def test_json_operators(value: object, matcher: object, ok: bool) -> None:
    assert check_json_value("k", "p", value, matcher).ok is ok


def test_websocket_subset_is_typed() -> None:
    assert json_subset({"type": "ping", "n": 1}, {"n": 1})
    assert not json_subset({"type": "ping", "n": 1}, {"n": True})
    assert not json_subset({"type": "ping", "n": 1}, {"n": "1"})


@pytest.mark.parametrize(
    ("values", "matcher", "ok"),
    [
        (["/admin/login/?next=/admin/"], "/admin/login/", False),
        (["/admin/login/"], "/admin/login/", True),
        (["/admin/login/?next=/admin/"], {"contains": "/admin/login/"}, True),
        (["/admin/login/?next=/admin/"], {"matches": r"^/admin/login/\?next="}, True),
        (["text/html; charset=utf-8"], "text/html", False),
        (["text/html; charset=utf-8"], {"equals": "text/html; charset=utf-8"}, True),
        ([], {"exists": False}, True),
        ([], {"exists": True}, False),
        (["x"], {"exists": False}, False),
        ([], "x", False),
        (["a=1; Path=/", "b=2; Path=/"], "b=2; Path=/", True),  # one of several values
        (["a=1; Path=/", "b=2; Path=/"], "a=1; Path=/, b=2; Path=/", True),  # folded
        (["a=1; Path=/", "b=2; Path=/"], "b=2", False),
    ],
)
def test_header_matchers(values: list[str], matcher: object, ok: bool) -> None:
    assert check_header("Location", values, matcher).ok is ok


def run(*probes_: object) -> list:
    return run_probes(checklist_of(*probes_), "local", probes_, trusted=True)  # type: ignore[arg-type]


def test_http_header_names_are_case_insensitive_and_values_exact(http_app: HttpApp) -> None:
    exact, prefix, lower, contains = run(
        probe(item="a", id="exact", kind="http", url=f"{http_app.url}/json", expect={"headers": {"X-App": "uplink"}}),
        probe(item="b", id="prefix", kind="http", url=f"{http_app.url}/json", expect={"headers": {"X-App": "up"}}),
        probe(item="c", id="lower", kind="http", url=f"{http_app.url}/json", expect={"headers": {"x-app": "uplink"}}),
        probe(item="d", id="contains", kind="http", url=f"{http_app.url}/json",
              expect={"headers": {"Content-Type": {"contains": "json"}}}),
    )
    assert exact.status is ProbeStatus.PASSED
    assert prefix.status is ProbeStatus.FAILED
    assert prefix.summary.startswith("header X-App: uplink, expected X-App: up (exactly)")
    assert lower.status is ProbeStatus.PASSED
    assert contains.status is ProbeStatus.PASSED


def test_http_json_count_as_text_fails_against_a_number(http_app: HttpApp) -> None:
    text, number = run(
        probe(item="a", id="text", kind="http", url=f"{http_app.url}/json", expect={"json": {"items.0": "1"}}),
        probe(item="b", id="number", kind="http", url=f"{http_app.url}/json", expect={"json": {"items.0": 1, "ok": True}}),
    )
    assert text.status is ProbeStatus.FAILED and "(integer)" in text.summary
    assert number.status is ProbeStatus.PASSED


def test_redirects_are_not_followed_by_default(http_app: HttpApp) -> None:
    """The documented default: `follow_redirects: false`, a 302 is what it is."""
    [result] = run(probe(id="r", kind="http", url=f"{http_app.url}/redirect", expect={"headers": {"Location": "/json"}, "status": 302}))
    assert result.status is ProbeStatus.PASSED


HEADER_YAML = """\
qatui: 1
title: headers
sections:
  - id: s
    title: S
    priority: critical
    items:
      - id: i
        title: I
        probes:
          - id: p
            kind: http
            url: http://127.0.0.1:1/
            expect:
              headers:
                Location: {contains: /admin/login/}
                X-Frame-Options: DENY
                Server: {exists: false}
                X-Bad: {type: string}
"""


def test_header_matcher_validation_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "h.yaml"
    path.write_text(HEADER_YAML)
    with pytest.raises(ChecklistError) as caught:
        load_checklist(path)
    text = str(caught.value)
    assert "h.yaml:19" in text and "unknown key 'type' in a header matcher" in text


def test_header_matchers_load(tmp_path: Path) -> None:
    path = tmp_path / "h.yaml"
    path.write_text(HEADER_YAML.replace("                X-Bad: {type: string}\n", ""))
    checklist = load_checklist(path)
    [spec] = checklist.probes()
    assert spec.config["expect"]["headers"] == {
        "Location": {"contains": "/admin/login/"},
        "X-Frame-Options": "DENY",
        "Server": {"exists": False},
    }
