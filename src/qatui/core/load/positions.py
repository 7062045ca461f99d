"""Where something is written: a fragment inside a scalar, every key of a probe, file order.

Problems carry file:line:col; these helpers find the exact place (a `${name}` inside a long
string, a probe's `expect.status`) so a message points at the character, not the line.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from qatui.core.errors import Position, Problem
from qatui.core.yamlpos import YMap, YNode, YScalar, YSeq, describe


def in_file_order(problems: list[Problem]) -> list[Problem]:
    """Each problem once, in the order a reader meets them in the file."""
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.position.line, p.position.column))


def text_of(node: YScalar) -> str:
    return node.value if isinstance(node.value, str) else node.text


def strings_in(value: Any, dotted: str = "") -> Iterator[tuple[str, str]]:
    """(dotted key, text) of every string in a probe's config."""
    if isinstance(value, str):
        yield dotted, value
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield from strings_in(inner, f"{dotted}.{key}" if dotted else str(key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from strings_in(inner, f"{dotted}.{index}")


def inner_position(node: YScalar, fragment: str) -> Position:
    """Where `fragment` is written inside the scalar (the scalar's start if it cannot be found)."""
    index = node.source.find(fragment)
    if index < 0:
        return node.pos
    before = node.source[:index]
    newlines = before.count("\n")
    if newlines:
        return Position(node.pos.path, node.pos.line + newlines, index - before.rfind("\n"))
    return Position(node.pos.path, node.pos.line, node.pos.column + index)


def key_positions(node: YMap, prefix: str = "") -> dict[str, Position]:
    """Dotted key → position of the key (list entries as `key.0`), for every key in a probe."""
    result: dict[str, Position] = {}
    for key, (key_node, value) in node.entries.items():
        dotted = f"{prefix}{key}"
        result[dotted] = key_node.pos
        _positions_of(value, dotted, result)
    return result


def _positions_of(value: YNode, dotted: str, result: dict[str, Position]) -> None:
    if isinstance(value, YMap):
        result.update(key_positions(value, dotted + "."))
    elif isinstance(value, YSeq):
        for index, element in enumerate(value.items):
            result[f"{dotted}.{index}"] = element.pos
            _positions_of(element, f"{dotted}.{index}", result)



def string_scalars(node: YNode | None) -> list[YScalar]:
    """Every string scalar inside a free-form value (for the `${…}` check)."""
    if node is None:
        return []
    if isinstance(node, YScalar):
        return [node] if isinstance(node.value, str) else []
    if isinstance(node, YSeq):
        return [s for element in node.items for s in string_scalars(element)]
    return [s for _, value in node.entries.values() for s in string_scalars(value)]


def shown(node: YNode) -> str:
    if isinstance(node, YScalar):
        return repr(node.text) if isinstance(node.value, str) else node.text or describe(node)
    return describe(node)
