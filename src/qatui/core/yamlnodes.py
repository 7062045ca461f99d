"""The positioned YAML tree: `YScalar`, `YSeq`, `YMap`, each with a 1-based `Position` made
only when asked for, and the words a message uses for a node (`describe`). Built by
`yaml_composer.py`; read through `yamlpos.py`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from qatui.core.errors import Position

STD_TAG = "tag:yaml.org,2002:"
SCALAR_TAGS = {f"{STD_TAG}{t}" for t in ("str", "int", "float", "bool", "null", "timestamp")}


class Source:
    """The document a node comes from: its path (for positions) and text (for `source`)."""

    __slots__ = ("path", "text")

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text


class _Node:
    """What every node shares: a position made only when asked for.

    A 5,000-item checklist has some 50,000 nodes and the validator asks for the position of
    a few thousand (the model keeps those of items, sections and probes; a problem names one),
    so each node keeps the parser's mark (an object the parser made anyway) and builds its
    `Position` on first use.
    """

    __slots__ = ("_doc", "_mark", "_pos")

    _doc: Source | None
    _mark: Any
    _pos: Position | None

    @property
    def pos(self) -> Position:
        position = self._pos
        if position is None:
            mark = self._mark
            assert self._doc is not None and mark is not None
            position = self._pos = Position(self._doc.path, mark.line + 1, mark.column + 1)
        return position


class YScalar(_Node):
    """A scalar: `value` as YAML means it (str, int, float, bool, None), `text` as written.

    `style` is None for plain scalars, else the quote or block style character (`'`, `"`, `|`,
    `>`). `source` is the scalar exactly as written in the file (quotes, escapes and line breaks
    included), used to point at a `${…}` inside a long value.
    """

    __slots__ = ("_end", "_source", "style", "text", "value")

    def __init__(self, value: Any, text: str, pos: Position | None = None, style: str | None = None,
                 source: str | None = "", mark: Any = None, end: int = 0, doc: Source | None = None) -> None:
        self.value = value
        self.text = text
        self.style = style
        self._pos = pos
        self._source = source
        self._mark = mark
        self._end = end
        self._doc = doc

    @property
    def source(self) -> str:
        source = self._source
        if source is None:
            assert self._doc is not None
            source = self._source = self._doc.text[self._mark.index : self._end]
        return source

    @property
    def kind(self) -> str:
        return describe(self)

    def __repr__(self) -> str:
        return f"YScalar({self.value!r}, {self.text!r}, {self.pos}, style={self.style!r})"


class YSeq(_Node):
    __slots__ = ("items",)

    def __init__(self, items: list[YNode], pos: Position | None = None, *, mark: Any = None,
                 doc: Source | None = None) -> None:
        self.items = items
        self._pos = pos
        self._mark = mark
        self._doc = doc

    @property
    def kind(self) -> str:
        return "a list"

    def __repr__(self) -> str:
        return f"YSeq({self.items!r}, {self.pos})"


class YMap(_Node):
    """A mapping; keys are text (a non-text key is reported and skipped)."""

    __slots__ = ("entries",)

    def __init__(self, entries: dict[str, tuple[YScalar, YNode]], pos: Position | None = None, *,
                 mark: Any = None, doc: Source | None = None) -> None:
        self.entries = entries
        self._pos = pos
        self._mark = mark
        self._doc = doc

    @property
    def kind(self) -> str:
        return "a mapping"

    def get(self, key: str) -> YNode | None:
        entry = self.entries.get(key)
        return entry[1] if entry else None

    def key_pos(self, key: str) -> Position:
        entry = self.entries.get(key)
        return entry[0].pos if entry else self.pos

    def __repr__(self) -> str:
        return f"YMap({self.entries!r}, {self.pos})"


YNode = YScalar | YSeq | YMap


def describe(node: YNode | None) -> str:
    """`a number`, `a string`, `a list`… — for "expected X, got Y" messages."""
    if node is None:
        return "nothing"
    if isinstance(node, YSeq):
        return "a list"
    if isinstance(node, YMap):
        return "a mapping"
    value = node.value
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, dt.date):
        return "a date"
    return "a string"


def to_python(node: YNode | None) -> Any:
    """Plain Python data (dicts, lists, scalars) for free-form values such as a JSON body."""
    if node is None:
        return None
    if isinstance(node, YMap):
        return {key: to_python(value) for key, (_, value) in node.entries.items()}
    if isinstance(node, YSeq):
        return [to_python(item) for item in node.items]
    if isinstance(node.value, dt.date):
        return node.text
    return node.value


