"""Expectations: compare what a probe saw with what the checklist expects, in words.

Every check yields a `Check` that keeps the key it came from (`expect.status`,
`expect.json.results.0.sku`), the actual value and the expected one, so the first failing check
becomes a summary like `status 404, expected 200 — django-upgrade.yaml:88` (as Gatus and Hurl
report). All checks are evaluated, not just the first, so the detail lists every mismatch.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_MISSING = object()


@dataclass(frozen=True)
class Check:
    key: str  # dotted key inside the probe, for `ProbeSpec.where`
    ok: bool
    actual: str
    expected: str

    def line(self) -> str:
        mark = "ok " if self.ok else "FAIL"
        return f"{mark} {self.actual}, expected {self.expected}"


def short(value: Any, limit: int = 80) -> str:
    """A value as it would be written in JSON, cut to `limit` characters."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- status -----------------------------------------------------------------------------------

_CLASS = re.compile(r"^([1-5])xx$", re.IGNORECASE)
_RANGE = re.compile(r"^(\d{3})\s*-\s*(\d{3})$")


def status_matches(actual: int, expected: Any) -> bool:
    if isinstance(expected, list):
        return any(status_matches(actual, one) for one in expected)
    if isinstance(expected, bool):
        return False
    if isinstance(expected, int):
        return actual == expected
    text = str(expected).strip()
    if text.isdigit():
        return actual == int(text)
    if match := _CLASS.match(text):
        return actual // 100 == int(match.group(1))
    if match := _RANGE.match(text):
        return int(match.group(1)) <= actual <= int(match.group(2))
    return False


def describe_status(expected: Any) -> str:
    if isinstance(expected, list):
        return " or ".join(describe_status(one) for one in expected)
    return str(expected)


# --- JSON paths -------------------------------------------------------------------------------


def json_get(data: Any, path: str) -> Any:
    """The value at a dotted path (`results.0.sku`, `$.count`, `items[2].id`), or `_MISSING`."""
    path = path.strip()
    if path.startswith("$"):
        path = path[1:].lstrip(".")
    path = re.sub(r"\[(\d+)\]", r".\1", path)
    current = data
    for part in (p for p in path.split(".") if p):
        if isinstance(current, Mapping):
            if part not in current:
                return _MISSING
            current = current[part]
        elif isinstance(current, list):
            try:
                current = current[int(part)]
            except (ValueError, IndexError):
                return _MISSING
        else:
            return _MISSING
    return current


def found(value: Any) -> bool:
    return value is not _MISSING


_TYPES = {
    "string": lambda v: isinstance(v, str),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
    "null": lambda v: v is None,
}


def json_type(value: Any) -> str:
    for name in ("null", "boolean", "integer", "number", "string", "array", "object"):
        if _TYPES[name](value):
            return name
    return type(value).__name__


def check_json_value(key: str, path: str, value: Any, matcher: Any) -> Check:
    """One JSON matcher: a plain value (equals) or `{equals|exists|contains|matches|type: …}`."""
    label = f"{path}"
    present = found(value)
    actual = f"{label} = {short(value)}" if present else f"{label} missing"
    if isinstance(matcher, Mapping) and len(matcher) == 1 and next(iter(matcher)) in (
        "equals", "exists", "contains", "matches", "type"
    ):
        op, want = next(iter(matcher.items()))
    else:
        op, want = "equals", matcher
    if op == "exists":
        return Check(key, present == bool(want), actual, f"{label} {'present' if want else 'absent'}")
    if not present:
        return Check(key, False, actual, f"{label} {op} {short(want)}")
    if op == "equals":
        ok = value == want or (not isinstance(value, bool | dict | list) and not isinstance(want, bool | dict | list) and str(value) == str(want))
        return Check(key, ok, actual, short(want))
    if op == "contains":
        if isinstance(value, str):
            ok = str(want) in value
        elif isinstance(value, list):
            ok = want in value
        elif isinstance(value, dict):
            ok = (isinstance(want, dict) and all(value.get(k) == v for k, v in want.items())) or want in value
        else:
            ok = False
        return Check(key, ok, actual, f"to contain {short(want)}")
    if op == "matches":
        text = value if isinstance(value, str) else json.dumps(value)
        return Check(key, re.search(str(want), text) is not None, actual, f"to match /{want}/")
    # type
    test = _TYPES.get(str(want))
    ok = bool(test and test(value))
    return Check(key, ok, f"{label} is {json_type(value)}", f"{want}")


def json_subset(actual: Any, wanted: Any) -> bool:
    """True when every key / item of `wanted` is in `actual` (recursively); scalars equal."""
    if isinstance(wanted, Mapping):
        return isinstance(actual, Mapping) and all(
            k in actual and json_subset(actual[k], v) for k, v in wanted.items()
        )
    if isinstance(wanted, list):
        return isinstance(actual, list) and all(any(json_subset(a, w) for a in actual) for w in wanted)
    return actual == wanted


# --- text and timing --------------------------------------------------------------------------


def as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def check_contains(key: str, what: str, text: str, wanted: Any) -> list[Check]:
    return [
        Check(key, needle in text, f"{what} {'contains' if needle in text else 'lacks'} {short(needle)}", f"to contain {short(needle)}")
        for needle in as_list(wanted)
    ]


def check_not_contains(key: str, what: str, text: str, unwanted: Any) -> list[Check]:
    return [
        Check(key, needle not in text, f"{what} {'contains' if needle in text else 'lacks'} {short(needle)}", f"not to contain {short(needle)}")
        for needle in as_list(unwanted)
    ]


def check_matches(key: str, what: str, text: str, patterns: Any) -> list[Check]:
    checks = []
    for pattern in as_list(patterns):
        try:
            ok = re.search(pattern, text, re.MULTILINE) is not None
        except re.error as error:
            checks.append(Check(key, False, f"invalid regex /{pattern}/ ({error})", "a valid regex"))
            continue
        checks.append(Check(key, ok, f"{what} {'matches' if ok else 'does not match'} /{pattern}/", f"to match /{pattern}/"))
    return checks


def check_max_ms(expect: Mapping[str, Any], elapsed_ms: float) -> list[Check]:
    if "max_ms" not in expect:
        return []
    limit = float(expect["max_ms"])
    return [Check("expect.max_ms", elapsed_ms <= limit, f"took {elapsed_ms:.0f} ms", f"under {limit:g} ms")]


def check_http(
    expect: Mapping[str, Any],
    *,
    status: int,
    headers: Mapping[str, str],
    body: str,
    json_value: Any,
    json_error: str | None,
    elapsed_ms: float,
) -> list[Check]:
    checks: list[Check] = []
    wanted_status = expect.get("status", "2xx")
    checks.append(Check("expect.status", status_matches(status, wanted_status), f"status {status}", describe_status(wanted_status)))
    for name, value in (expect.get("headers") or {}).items():
        got = headers.get(name)
        ok = got is not None and (str(value) == got or str(value) in got)
        actual = f"header {name}: {got}" if got is not None else f"header {name} missing"
        checks.append(Check(f"expect.headers.{name}", ok, actual, f"{name}: {value}"))
    for path, matcher in (expect.get("json") or {}).items():
        key = f"expect.json.{path}"
        if json_error is not None:
            checks.append(Check(key, False, f"body is not JSON ({json_error})", f"JSON with {path}"))
            continue
        checks.append(check_json_value(key, path, json_get(json_value, path), matcher))
    checks += check_contains("expect.body_contains", "body", body, expect.get("body_contains"))
    checks += check_matches("expect.body_matches", "body", body, expect.get("body_matches"))
    checks += check_not_contains("expect.not_contains", "body", body, expect.get("not_contains"))
    checks += check_max_ms(expect, elapsed_ms)
    return checks


def check_output(
    expect: Mapping[str, Any], *, exit_code: int, stdout: str, stderr: str, elapsed_ms: float
) -> list[Check]:
    wanted = int(expect.get("exit_code", 0))
    both = stdout + ("\n" if stdout and stderr else "") + stderr
    checks = [Check("expect.exit_code", exit_code == wanted, f"exit {exit_code}", f"exit {wanted}")]
    checks += check_contains("expect.stdout_contains", "stdout", stdout, expect.get("stdout_contains"))
    checks += check_contains("expect.stderr_contains", "stderr", stderr, expect.get("stderr_contains"))
    checks += check_matches("expect.output_matches", "output", both, expect.get("output_matches"))
    checks += check_not_contains("expect.not_contains", "output", both, expect.get("not_contains"))
    checks += check_max_ms(expect, elapsed_ms)
    return checks


def first_failure(checks: list[Check]) -> Check | None:
    return next((c for c in checks if not c.ok), None)


def checks_text(checks: list[Check]) -> str:
    return "\n".join(c.line() for c in checks)
