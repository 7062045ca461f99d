"""Captures: take a value from what a probe saw and keep it as a variable for later probes.

The DRF token from `POST /api-token-auth/` becomes `${token}` in `Authorization: Token ${token}`;
`Django 4.2.30` in a command's output becomes `${django_version}` and a fact in the record.
A rule that finds nothing makes the probe fail: a later probe could not work without it.
A capture with `secret: true` is masked like a secret everywhere from then on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from qatui.core.probes.expectations import found, json_get, short


@dataclass
class Captured:
    """What a probe's `capture:` took: the values, which of them are secret, and why any is missing."""

    values: dict[str, str] = field(default_factory=dict)
    secret: set[str] = field(default_factory=set)
    #: name → why nothing was captured
    missing: dict[str, str] = field(default_factory=dict)


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _regex(pattern: str, text: str) -> str | None:
    try:
        match = re.search(pattern, text, re.MULTILINE)
    except re.error:
        return None
    if not match:
        return None
    if match.groupdict():
        return next((v for v in match.groupdict().values() if v is not None), match.group(0))
    return match.group(1) if match.groups() else match.group(0)


def capture(
    rules: Mapping[str, Any] | None,
    *,
    json_value: Callable[[], tuple[Any, str | None]] | None = None,
    headers: Mapping[str, str] | None = None,
    texts: Mapping[str, str] | None = None,
) -> Captured:
    """Apply capture rules. `texts` maps a stream name (`body`, `stdout`, `stderr`, `both`,
    `messages`) to its text; `json_value()` gives the parsed JSON or an error message."""
    result = Captured()
    texts = texts or {}
    for name, rule in (rules or {}).items():
        if not isinstance(rule, Mapping):
            rule = {"regex": str(rule)}
        if rule.get("secret"):
            result.secret.add(name)
        if "json" in rule:
            if json_value is None:
                result.missing[name] = "there is no JSON to read"
                continue
            data, error = json_value()
            if error is not None:
                result.missing[name] = f"the body is not JSON ({error})"
                continue
            value = json_get(data, str(rule["json"]))
            if found(value) and value is not None:
                result.values[name] = _as_text(value)
            else:
                result.missing[name] = f"no JSON value at {rule['json']} (got {short(data, 60)})"
        elif "header" in rule:
            got = (headers or {}).get(str(rule["header"]))
            if got is None:
                result.missing[name] = f"no {rule['header']} header in the response"
            else:
                result.values[name] = got
        elif "regex" in rule:
            stream = str(rule.get("stream", "both" if "both" in texts else next(iter(texts), "")))
            text = texts.get(stream, "")
            value = _regex(str(rule["regex"]), text)
            if value is None:
                result.missing[name] = f"/{rule['regex']}/ matched nothing in {stream}"
            else:
                result.values[name] = value
        else:
            result.missing[name] = "the capture rule names no json, header or regex"
    return result
