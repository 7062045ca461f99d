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
    """One expectation checked: the probe's key it comes from, whether it held, what was found and expected."""

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


def json_equal(actual: Any, wanted: Any) -> bool:
    """Typed JSON equality, as JSON Schema's `const` defines it.

    `7` ≠ `"7"`, `1` ≠ `true`, `0` ≠ `false`, `null` equals only `null`; numbers compare by
    value, so `1` = `1.0` (JSON has one number type; a server may send either for the same
    figure). Arrays are equal item by item, objects key by key.
    """
    if isinstance(actual, bool) or isinstance(wanted, bool):
        return isinstance(actual, bool) and isinstance(wanted, bool) and actual is wanted
    if isinstance(actual, int | float) and isinstance(wanted, int | float):
        return actual == wanted
    if isinstance(actual, str) and isinstance(wanted, str):
        return actual == wanted
    if actual is None or wanted is None:
        return actual is None and wanted is None
    if isinstance(actual, list) and isinstance(wanted, list):
        return len(actual) == len(wanted) and all(json_equal(a, w) for a, w in zip(actual, wanted, strict=True))
    if isinstance(actual, Mapping) and isinstance(wanted, Mapping):
        return actual.keys() == wanted.keys() and all(json_equal(actual[k], wanted[k]) for k in wanted)
    return False


def _typed(value: Any) -> str:
    """`7 (integer)`: a value with its JSON type, for a mismatch that is only a type."""
    return f"{short(value)} ({json_type(value)})"


def _type_hint(value: Any, want: Any) -> tuple[str, str] | None:
    """When a value and the expected one read the same but differ in type (`7` and `"7"`),
    say both types: a bare `7, expected "7"` looks like qatui is wrong."""
    if json_type(value) == json_type(want) or isinstance(value, dict | list) or isinstance(want, dict | list):
        return None
    text = value if isinstance(value, str) else json.dumps(value)
    other = want if isinstance(want, str) else json.dumps(want)
    return (_typed(value), _typed(want)) if text == other else None


#: The operators a JSON matcher and a header matcher take (one per matcher).
OPERATORS = ("equals", "exists", "contains", "matches", "type")
HEADER_OPERATORS = ("equals", "exists", "contains", "matches")


def split_matcher(matcher: Any, operators: tuple[str, ...] = OPERATORS) -> tuple[str, Any]:
    """`{contains: x}` → ("contains", x); a plain value → ("equals", value)."""
    if isinstance(matcher, Mapping) and len(matcher) == 1 and next(iter(matcher)) in operators:
        op, want = next(iter(matcher.items()))
        return str(op), want
    return "equals", matcher


def _search(pattern: str, text: str) -> bool:
    try:
        return re.search(pattern, text) is not None
    except re.error:
        return False


def check_json_value(key: str, path: str, value: Any, matcher: Any) -> Check:
    """One JSON matcher: a plain value (typed equality) or `{equals|exists|contains|matches|type: …}`."""
    label = f"{path}"
    present = found(value)
    actual = f"{label} = {short(value)}" if present else f"{label} missing"
    op, want = split_matcher(matcher)
    if op == "exists":
        return Check(key, present == bool(want), actual, f"{label} {'present' if want else 'absent'}")
    if not present:
        return Check(key, False, actual, f"{label} {op} {short(want)}")
    if op == "equals":
        ok = json_equal(value, want)
        hint = None if ok else _type_hint(value, want)
        if hint is not None:
            return Check(key, False, f"{label} = {hint[0]}", hint[1])
        return Check(key, ok, actual, short(want))
    if op == "contains":
        if isinstance(value, str):
            # text contains text; a number or boolean is not looked for in a string
            ok = isinstance(want, str) and want in value
        elif isinstance(value, list):
            ok = any(json_equal(item, want) for item in value)
        elif isinstance(value, Mapping):
            ok = (
                isinstance(want, Mapping) and all(k in value and json_equal(value[k], v) for k, v in want.items())
            ) or (isinstance(want, str) and want in value)
        else:
            ok = False
        return Check(key, ok, actual, f"to contain {_typed(want) if not isinstance(want, str) else short(want)}")
    if op == "matches":
        text = value if isinstance(value, str) else json.dumps(value)
        return Check(key, _search(str(want), text), actual, f"to match /{want}/")
    # type
    test = _TYPES.get(str(want))
    ok = bool(test and test(value))
    return Check(key, ok, f"{label} is {json_type(value)}", f"{want}")


def json_subset(actual: Any, wanted: Any) -> bool:
    """True when every key / item of `wanted` is in `actual` (recursively); scalars are equal
    with JSON types (`json_equal`: `1` is not `true`, `7` is not `"7"`)."""
    if isinstance(wanted, Mapping):
        return isinstance(actual, Mapping) and all(
            k in actual and json_subset(actual[k], v) for k, v in wanted.items()
        )
    if isinstance(wanted, list):
        return isinstance(actual, list) and all(any(json_subset(a, w) for a in actual) for w in wanted)
    return json_equal(actual, wanted)


def check_header(name: str, values: list[str], matcher: Any) -> Check:
    """One header matcher. Names are case-insensitive (HTTP says so); values are exact text.

    A plain value must equal the header's value exactly (`/admin/login/` does not match
    `/admin/login/?next=/admin/`); `{contains: …}`, `{matches: REGEX}` and `{exists: bool}` say
    otherwise, as for JSON. A header sent several times (`Set-Cookie`) matches when one of its
    values does, or when its values joined with ", " do (how HTTP folds them).
    """
    key = f"expect.headers.{name}"
    op, want = split_matcher(matcher, HEADER_OPERATORS)
    shown = ", ".join(values)
    actual = f"header {name}: {shown}" if values else f"header {name} missing"
    if op == "exists":
        return Check(key, bool(values) == bool(want), actual, f"header {name} {'present' if want else 'absent'}")
    if not values:
        return Check(key, False, actual, f"{name}: {want}" if op == "equals" else f"{name} {op} {short(want)}")
    candidates = [*values, shown] if len(values) > 1 else values
    text = str(want)
    if op == "equals":
        return Check(key, any(v == text for v in candidates), actual, f"{name}: {text} (exactly)")
    if op == "contains":
        return Check(key, any(text in v for v in candidates), actual, f"{name} to contain {short(text)}")
    return Check(key, any(_search(text, v) for v in candidates), actual, f"{name} to match /{text}/")


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
    for name, matcher in (expect.get("headers") or {}).items():
        get_list = getattr(headers, "get_list", None)
        if get_list is not None:
            values = [str(v) for v in get_list(name)]
        else:  # a plain mapping: look the name up case-insensitively
            values = [str(v) for k, v in headers.items() if k.lower() == str(name).lower()]
        checks.append(check_header(str(name), values, matcher))
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
