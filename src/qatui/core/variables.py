"""`${name}` variables, Compose-style.

`${name}`, `${name:-default}` (default when unset or empty), `${name-default}` (default when
unset), `$$` for a literal `$`. Expansion happens at run time, because captures of earlier
probes and secrets only exist then; the loader uses `references()` to reject names that nothing
can ever provide.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from qatui.core.errors import QatuiError

_TOKEN = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<name>[A-Za-z_][A-Za-z0-9_.]*)(?:(?P<op>:-|-)(?P<default>[^}]*))?\}"
    r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*)|(?P<broken>\{[^}]*\}?))"
)


class UndefinedVariable(QatuiError):
    title = "Undefined variable"

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"${{{name}}} is not defined (not a capture, var, secret or environment variable)")


@dataclass(frozen=True)
class Reference:
    name: str
    has_default: bool
    offset: int


def references(text: str) -> list[Reference]:
    """Every `${name}` in `text` (bare `$name` is left alone: shell lines use it)."""
    found = []
    for match in _TOKEN.finditer(text):
        if match.group("name"):
            found.append(Reference(match.group("name"), match.group("op") is not None, match.start()))
    return found


def malformed(text: str) -> list[int]:
    """Offsets of `${…` that are not valid references (e.g. `${1x}` or an unclosed `${`)."""
    return [m.start() for m in _TOKEN.finditer(text) if m.group("broken")]


def expand(text: str, lookup: Callable[[str], str | None]) -> str:
    """Expand `${…}` in `text`; `lookup(name)` returns None when a name is unset."""

    def replace(match: re.Match[str]) -> str:
        if match.group("escaped"):
            return "$"
        name = match.group("name")
        if not name:
            return match.group(0)
        value = lookup(name)
        op = match.group("op")
        if op == ":-" and not value:
            return match.group("default") or ""
        if op == "-" and value is None:
            return match.group("default") or ""
        if value is None:
            raise UndefinedVariable(name)
        return value

    return _TOKEN.sub(replace, text)


def expand_all(value: Any, lookup: Callable[[str], str | None]) -> Any:
    """Expand every string inside nested lists and dicts (keys are left as written)."""
    if isinstance(value, str):
        return expand(value, lookup)
    if isinstance(value, list):
        return [expand_all(v, lookup) for v in value]
    if isinstance(value, dict):
        return {k: expand_all(v, lookup) for k, v in value.items()}
    return value


def chain(*scopes: Mapping[str, str]) -> Callable[[str], str | None]:
    """A lookup over several scopes, first match wins."""

    def lookup(name: str) -> str | None:
        for scope in scopes:
            if name in scope:
                return scope[name]
        return None

    return lookup


#: How deep `${a}` → `${b}` → … is followed; a cycle stops there with the text unexpanded.
MAX_NESTING = 8


def layered_lookup(
    *,
    before: Sequence[Mapping[str, Any]] = (),
    written: Sequence[Mapping[str, Any]] = (),
    after: Sequence[Mapping[str, Any]] = (),
) -> Callable[[str], str | None]:
    """The one lookup of `${name}` for probes, the log pane and `qatui logs`; first match wins.

    `before` (captures) and `after` (secrets, the process environment) hold data and are
    returned as they are. `written` (the environment's vars, the checklist's vars) hold what the
    checklist author wrote, so a value there may itself use `${other}` (`log_file:
    ${QATUI_DEMO_LOG_FILE}`): it is expanded with this same lookup, up to `MAX_NESTING` levels
    (a cycle stops there, unexpanded, instead of recursing forever).
    """

    def lookup(name: str, depth: int = 0) -> str | None:
        for scope in before:
            if name in scope:
                return str(scope[name])
        for scope in written:
            if name in scope:
                value = str(scope[name])
                if "$" in value and depth < MAX_NESTING:
                    return expand(value, lambda inner: lookup(inner, depth + 1))
                return value
        for scope in after:
            if name in scope:
                return str(scope[name])
        return None

    return lookup
