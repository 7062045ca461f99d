"""The walk's state and its typed value readers: the helpers every part of the loader uses.

`Reader` collects problems instead of stopping: each reader returns a sensible stand-in (the
default, an empty list) and appends a `Problem` at the node's position. The state it keeps
(templated strings, log references, ids, captures) is what the whole-file checks read at the
end (`cross_checks.py`). The parts of the file (`top_keys.py`, `items.py`, …) are mixins on it,
joined in `validator.py`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from qatui.core.errors import Position, Problem
from qatui.core.load.keys import ID, NAME, VAR_IN_PATTERN
from qatui.core.suggest import did_you_mean
from qatui.core.yamlpos import YMap, YNode, YScalar, YSeq, describe

_ALLOWED: dict[tuple[str, ...], frozenset[str]] = {}


def _allowed(keys: tuple[str, ...]) -> frozenset[str]:
    """`keys` as a set, kept for the key tuples the validator checks thousands of times."""
    known = _ALLOWED.get(keys)
    if known is None:
        known = _ALLOWED[keys] = frozenset(keys)
    return known


class Reader:
    """The state of one walk over the tree and the readers of single values."""

    def __init__(self, path: str, env: Mapping[str, str]) -> None:
        self.path = path
        self.env = env
        self.problems: list[Problem] = []
        #: Names that only the process environment provides: a cached load is valid only
        #: while each of them is still set.
        self.env_dependencies: set[str] = set()
        #: (scalar, where) of every string that may hold `${…}`, checked at the end.
        self.templated: list[YScalar] = []
        self.log_refs: list[tuple[str, YScalar]] = []
        #: (environment key, log source name, where) of each source an environment replaces.
        self.env_log_overrides: list[tuple[str, str, YNode]] = []
        self.environment_keys: list[str] = []
        self.capture_names: dict[str, Position] = {}
        #: var name → the scalars that give it a value (checklist and environments), for cycles.
        self.var_nodes: dict[str, list[YScalar]] = {}
        #: Ids seen so far, per kind, with the node that first used each (for "duplicate" problems).
        self.ids: dict[str, dict[str, YNode]] = {"section": {}, "item": {}, "probe": {}, "metric": {}}

    # ----- small helpers -------------------------------------------------

    def add(self, position: Position, message: str) -> None:
        self.problems.append(Problem(position, message))

    def mapping(self, node: YNode | None, what: str, keys: Iterable[str]) -> YMap | None:
        """`node` as a mapping whose keys are all in `keys`, or None (problem reported)."""
        if node.__class__ is not YMap:
            if node is not None:
                self.add(node.pos, f"{what}: expected a mapping, got {describe(node)}")
            return None
        entries = node.entries
        allowed = keys if isinstance(keys, tuple) else tuple(keys)
        if not entries.keys() <= _allowed(allowed):
            for key, (key_node, _) in entries.items():
                if key not in allowed:
                    self.add(key_node.pos, f"unknown key {key!r} in {what}{did_you_mean(key, allowed)}")
        return node

    def required(self, node: YMap, key: str, what: str) -> YNode | None:
        value = node.get(key)
        if value is None:
            self.add(node.pos, f"{what}: missing required key {key!r}")
        elif isinstance(value, YScalar) and value.value is None:
            self.add(value.pos, f"{what}: {key!r} must not be empty")
            return None
        return value

    def string(self, node: YNode | None, key: str, *, default: str = "", templated: bool = False) -> str:
        """Text; plain numbers and dates are taken as written (`version: 1.10` is "1.10")."""
        if node is None:
            return default
        if isinstance(node, YScalar):
            if node.value is None:
                return default
            if isinstance(node.value, bool) and node.style is None:
                self.add(node.pos, f"{key!r}: expected a string, got true/false (quote it: \"{node.text}\")")
                return default
            if templated:
                self.templated.append(node)
            return node.value if isinstance(node.value, str) else node.text
        self.add(node.pos, f"{key!r}: expected a string, got {describe(node)}")
        return default

    def req_string(self, parent: YMap, key: str, what: str, *, templated: bool = False) -> str:
        node = self.required(parent, key, what)
        value = self.string(node, key, templated=templated)
        if node is not None and isinstance(node, YScalar) and not value.strip() and node.value is not None:
            self.add(node.pos, f"{what}: {key!r} must not be empty")
        return value

    def boolean(self, node: YNode | None, key: str, default: bool = False) -> bool:
        if node is None:
            return default
        if isinstance(node, YScalar) and isinstance(node.value, bool):
            return node.value
        self.add(node.pos, f"{key!r}: expected true or false, got {describe(node)}")
        return default

    def integer(self, node: YNode | None, key: str, default: int, *, minimum: int | None = None,
                maximum: int | None = None) -> int:
        if node is None:
            return default
        if isinstance(node, YScalar) and isinstance(node.value, int) and not isinstance(node.value, bool):
            if minimum is not None and node.value < minimum:
                self.add(node.pos, f"{key!r}: must be at least {minimum}, got {node.value}")
                return default
            if maximum is not None and node.value > maximum:
                self.add(node.pos, f"{key!r}: must be at most {maximum}, got {node.value}")
                return default
            return node.value
        self.add(node.pos, f"{key!r}: expected a whole number, got {describe(node)}")
        return default

    def number(self, node: YNode | None, key: str, default: float | None, *, positive: bool = False,
               maximum: float | None = None) -> float | None:
        if node is None:
            return default
        if (isinstance(node, YScalar) and isinstance(node.value, int | float)
                and not isinstance(node.value, bool)):
            value = float(node.value)
            if value != value or value in (float("inf"), float("-inf")):
                self.add(node.pos, f"{key!r}: expected a finite number, got {node.text}")
                return default
            if positive and value <= 0:
                self.add(node.pos, f"{key!r}: must be greater than 0, got {node.text}")
                return default
            if value < 0:
                self.add(node.pos, f"{key!r}: must not be negative, got {node.text}")
                return default
            if maximum is not None and value > maximum:
                self.add(node.pos, f"{key!r}: must be at most {maximum:g} seconds, got {node.text}")
                return default
            return value
        self.add(node.pos, f"{key!r}: expected a number, got {describe(node)}")
        return default

    def string_list(self, node: YNode | None, key: str, *, templated: bool = False) -> list[str]:
        if node is None or (isinstance(node, YScalar) and node.value is None):
            return []
        if not isinstance(node, YSeq):
            self.add(node.pos, f"{key!r}: expected a list of strings, got {describe(node)}")
            return []
        result = []
        for element in node.items:
            if isinstance(element, YScalar) and element.value is not None and not isinstance(element.value, bool):
                if templated:
                    self.templated.append(element)
                result.append(element.value if isinstance(element.value, str) else element.text)
            else:
                hint = ""
                if isinstance(element, YMap) and len(element.entries) == 1:
                    hint = " (a ': ' inside the text makes YAML read a mapping: put the text in quotes)"
                self.add(element.pos, f"{key!r}: expected a list of strings, but this entry is {describe(element)}{hint}")
        return result

    def string_map(self, node: YNode | None, key: str, *, templated: bool = False,
                   names: bool = False) -> dict[str, str]:
        if node is None or (isinstance(node, YScalar) and node.value is None):
            return {}
        if not isinstance(node, YMap):
            self.add(node.pos, f"{key!r}: expected a mapping of names to strings, got {describe(node)}")
            return {}
        result = {}
        for name, (name_node, value) in node.entries.items():
            if names and not NAME.match(name):
                self.add(name_node.pos, f"{key!r}: {name!r} is not a valid variable name "
                         "(letters, digits, '_' and '.', not starting with a digit)")
            if isinstance(value, YScalar) and value.value is not None and not isinstance(value.value, bool):
                if templated:
                    self.templated.append(value)
                if names:
                    self.var_nodes.setdefault(name, []).append(value)
                result[name] = value.value if isinstance(value.value, str) else value.text
            elif isinstance(value, YScalar) and value.value is None:
                result[name] = ""
            else:
                self.add(value.pos, f"{key}.{name}: expected a string, got {describe(value)}")
        return result

    def ident(self, parent: YMap, what: str, kind: str) -> str:
        """A required, well-formed, unique id of `kind` (section, item, probe, metric)."""
        node = parent.get("id")
        if node is None:
            self.add(parent.pos, f"{what} has no 'id' (every {kind} needs a unique, stable id)")
            return ""
        value = self.string(node, "id")
        if not value:
            if isinstance(node, YScalar) and node.value is None:
                self.add(node.pos, f"{what}: 'id' must not be empty")
            return ""
        if not ID.match(value):
            self.add(node.pos, f"{kind} id {value!r} may only contain letters, digits, '.', '_' and '-' "
                     "(and must start with a letter or digit)")
        seen = self.ids[kind]
        if value in seen:
            first = seen[value].pos
            self.add(node.pos, f"duplicate {kind} id {value!r} (first used at line {first.line}:{first.column})")
        else:
            seen[value] = node
        return value

    def regex(self, node: YNode | None, key: str) -> str | None:
        """A regular expression (validated by compiling it; `${…}` inside is allowed)."""
        if node is None:
            return None
        text = self.string(node, key, templated=True)
        if not isinstance(node, YScalar) or not text:
            if isinstance(node, YScalar) and not text:
                self.add(node.pos, f"{key!r}: the pattern is empty")
            return text or None
        try:
            re.compile(VAR_IN_PATTERN.sub("x", text))
        except re.error as error:
            self.add(node.pos, f"{key!r}: invalid regular expression {text!r}: {error.msg}"
                     + (f" at position {error.pos}" if error.pos is not None else ""))
        return text

    def log_list(self, node: YNode | None, key: str) -> list[str]:
        names = self.string_list(node, key)
        if isinstance(node, YSeq):
            for element in node.items:
                if isinstance(element, YScalar) and element.value is not None:
                    self.log_refs.append((element.value if isinstance(element.value, str) else element.text, element))
        return names
