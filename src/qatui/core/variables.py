"""`${name}` variables, Compose-style.

`${name}`, `${name:-default}` (default when unset or empty), `${name-default}` (default when
unset), `$$` for a literal `$`. Expansion happens at run time, because captures of earlier
probes and secrets only exist then; the loader uses `references()` to reject names that nothing
can ever provide.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from qatui.core.datatypes import datatype
from qatui.core.errors import QatuiError

#: Where something starts: `$$`, `${`, or a bare `$name` (left alone: shell lines use it).
_START = re.compile(r"\$(?:(?P<escaped>\$)|(?P<brace>\{)|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


class UndefinedVariable(QatuiError):
    title = "Undefined variable"

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"${{{name}}} is not defined (not a capture, var, secret or environment variable)")


@datatype(frozen=True)
class Reference:
    """A `${NAME}` in a text: the name, whether it has a `:-default`, and where it starts."""

    name: str
    has_default: bool
    offset: int


@datatype(frozen=True)
class _Token:
    """One `$…` in a text: `$$`, `${name}`, `${name:-default}`, `${name-default}` or broken."""

    start: int
    end: int
    name: str = ""
    op: str = ""
    #: Where the default's text starts in the whole text (its own `${…}` are tokens too).
    default_start: int = 0
    escaped: bool = False
    broken: bool = False

    def default(self, text: str) -> str:
        return text[self.default_start:self.end - 1] if self.op else ""


def _default_end(text: str, index: int) -> int:
    """The index of the `}` that closes a default starting at `index`, or -1 if none does.

    A default may hold `${…}` of its own (`${A:-${B:-x}}`) and `$$`; the first `}` outside
    them closes it (a default cannot hold a bare `}`)."""
    depth = 0
    length = len(text)
    while index < length:
        char = text[index]
        if char == "$" and index + 1 < length and text[index + 1] in "${":
            depth += text[index + 1] == "{"
            index += 2
            continue
        if char == "}":
            if not depth:
                return index
            depth -= 1
        index += 1
    return -1


def _tokens(text: str) -> list[_Token]:
    """Every `$…` in `text` at its own level (a default's inner `${…}` belong to the default)."""
    found: list[_Token] = []
    position = 0
    while True:
        match = _START.search(text, position)
        if match is None:
            return found
        start = match.start()
        if match.group("escaped"):
            found.append(_Token(start, match.end(), escaped=True))
            position = match.end()
            continue
        if match.group("bare"):
            position = match.end()
            continue
        name = _NAME.match(text, match.end())
        after = name.end() if name else match.end()
        if name and text.startswith("}", after):
            found.append(_Token(start, after + 1, name.group(0)))
            position = after + 1
            continue
        op = ":-" if text.startswith(":-", after) else "-" if text.startswith("-", after) else ""
        if name and op:
            close = _default_end(text, after + len(op))
            if close >= 0:
                found.append(_Token(start, close + 1, name.group(0), op, after + len(op)))
                position = close + 1
                continue
        # `${1x}`, `${}`, an unclosed `${`: up to the next `}` (or the end) is one broken token
        close = text.find("}", match.end())
        end = close + 1 if close >= 0 else len(text)
        found.append(_Token(start, end, broken=True))
        position = end


def references(text: str) -> list[Reference]:
    """Every `${name}` in `text`, those inside defaults too (bare `$name` is left alone)."""
    found: list[Reference] = []
    for token in _tokens(text):
        if token.name:
            found.append(Reference(token.name, bool(token.op), token.start))
            if token.op:
                inner = token.default(text)
                found.extend(
                    Reference(ref.name, ref.has_default, ref.offset + token.default_start)
                    for ref in references(inner)
                )
    return found


def malformed(text: str) -> list[int]:
    """Offsets of `${…` that are not valid references (e.g. `${1x}` or an unclosed `${`)."""
    found: list[int] = []
    for token in _tokens(text):
        if token.broken:
            found.append(token.start)
        elif token.op:
            found.extend(offset + token.default_start for offset in malformed(token.default(text)))
    return found


def expand(text: str, lookup: Callable[[str], str | None]) -> str:
    """Expand `${…}` in `text`; `lookup(name)` returns None when a name is unset.

    A default is itself expanded, and only when it is used (`${A:-${B}}` needs B only when A
    is unset or empty), as in a POSIX shell or Compose."""
    if "$" not in text:
        return text
    parts: list[str] = []
    position = 0
    for token in _tokens(text):
        parts.append(text[position:token.start])
        position = token.end
        if token.escaped:
            parts.append("$")
            continue
        if not token.name:
            parts.append(text[token.start:token.end])
            continue
        value = lookup(token.name)
        if (token.op == ":-" and not value) or (token.op == "-" and value is None):
            parts.append(expand(token.default(text), lookup))
        elif value is None:
            raise UndefinedVariable(token.name)
        else:
            parts.append(value)
    parts.append(text[position:])
    return "".join(parts)


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


def cycles(written: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    """Every cycle among the written vars (`a: ${b}`, `b: ${a}`), each as [a, b, a].

    `layered_lookup` would stop such a cycle after `MAX_NESTING` levels and send the text
    unexpanded (`${a}` on the wire), so the loader reports each one instead. A name's value is
    the first scope's that has it, as at run time; a reference inside a default counts (it is
    followed whenever the outer name is unset)."""
    values: dict[str, str] = {}
    for scope in written:
        for name, value in scope.items():
            values.setdefault(name, str(value))
    edges = {name: [ref.name for ref in references(value) if ref.name in values]
             for name, value in values.items() if "$" in value}
    found: list[list[str]] = []
    seen: set[frozenset[str]] = set()
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            loop = [*path[path.index(name):], name]
            key = frozenset(loop)
            if key not in seen:
                seen.add(key)
                found.append(loop)
            return
        if name in done:
            return
        for target in edges.get(name, ()):
            visit(target, [*path, name])
        done.add(name)

    for name in sorted(edges):
        visit(name, [])
    return found
