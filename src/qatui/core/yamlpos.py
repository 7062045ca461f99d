"""A safe YAML reader that remembers where every key and value is written.

Why not `yaml.safe_load`: it throws the positions away, so a validator could only say "unknown
key 'expectd'" without the line, and it expands aliases blindly, so a few hundred bytes of
"billion laughs" eat all memory. Here PyYAML's safe loader (libyaml's C parser when installed,
else the pure-Python one) only produces *events*, and `_Composer` builds our own small tree of
`YScalar`, `YSeq` and `YMap`, each with a 1-based `Position`. It uses an explicit stack, so no
nesting can overflow Python's (or C's) stack, and it shares an aliased value instead of copying
it while counting what aliases stand for: more than `MAX_ALIASES` aliases, more than `MAX_NODES`
aliased values, or nesting deeper than `MAX_DEPTH` stops at once with one clear problem. Merge
keys (`<<: *defaults`) work within those limits. Tags are refused: a checklist is plain data.

Everything that can go wrong with the bytes (too large, binary, not UTF-8, a tab used as
indentation, a syntax error) becomes a `ChecklistError` with the position the parser (or the
decoder) gives. Duplicate mapping keys are not fatal: they are collected as problems naming
both places, and the first value is kept, so the validator can go on and report the rest.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import ScalarNode

from qatui.core.errors import ChecklistError, Position, Problem

#: Files larger than this are refused before being read.
MAX_BYTES = 2 * 1024 * 1024
#: Values (scalars, lists, maps) that aliases may stand for, all aliases together.
MAX_NODES = 10_000
#: Aliases (`*name`) a document may use.
MAX_ALIASES = 100
#: Lists and maps inside each other.
MAX_DEPTH = 64

_STD = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_STD}{t}" for t in ("str", "int", "float", "bool", "null", "timestamp")}


@dataclass
class YScalar:
    """A scalar: `value` as YAML means it (str, int, float, bool, None), `text` as written."""

    value: Any
    text: str
    pos: Position
    #: None for plain scalars, else the quote or block style character (`'`, `"`, `|`, `>`).
    style: str | None = None
    #: The scalar exactly as written in the file (quotes, escapes and line breaks included),
    #: used to point at a `${…}` inside a long value.
    source: str = ""

    @property
    def kind(self) -> str:
        return describe(self)


@dataclass
class YSeq:
    items: list[YNode]
    pos: Position

    @property
    def kind(self) -> str:
        return "a list"


@dataclass
class YMap:
    """A mapping; keys are text (a non-text key is reported and skipped)."""

    entries: dict[str, tuple[YScalar, YNode]]
    pos: Position

    @property
    def kind(self) -> str:
        return "a mapping"

    def get(self, key: str) -> YNode | None:
        entry = self.entries.get(key)
        return entry[1] if entry else None

    def key_pos(self, key: str) -> Position:
        entry = self.entries.get(key)
        return entry[0].pos if entry else self.pos


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


@dataclass
class Document:
    """A parsed file: its root (None when the file holds no document) and non-fatal problems."""

    path: str
    root: YNode | None
    problems: list[Problem] = field(default_factory=list)


def read_bytes(path: str | Path, *, max_bytes: int = MAX_BYTES) -> bytes:
    """The file's bytes, refusing what is missing, not a file, unreadable or too large."""
    name = str(path)
    where = Position(name)
    try:
        size = os.stat(path).st_size
        if os.path.isdir(path):
            raise ChecklistError([Problem(where, "is a folder, not a checklist file")])
        if size > max_bytes:
            raise ChecklistError([Problem(where, _too_large(size, max_bytes))])
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise ChecklistError([Problem(where, "no such file")]) from None
    except PermissionError:
        raise ChecklistError([Problem(where, "permission denied: cannot read the file")]) from None
    except OSError as error:
        raise ChecklistError([Problem(where, f"cannot read the file: {error.strerror or error}")]) from None
    if len(data) > max_bytes:  # grew while we looked, or a special file
        raise ChecklistError([Problem(where, _too_large(len(data), max_bytes))])
    return data


def _too_large(size: int, limit: int) -> str:
    return (
        f"file is too large ({size / 1024 / 1024:.1f} MB; a checklist may be at most "
        f"{limit / 1024 / 1024:.0f} MB)"
    )


def decode(data: bytes, path: str) -> str:
    """UTF-8 text (a BOM is dropped); binary data and other encodings are reported with a position."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ChecklistError(
            [Problem(Position(path, 1, 1), "the file is UTF-16 encoded; save it as UTF-8")]
        )
    nul = data.find(b"\x00")
    if nul >= 0:
        line, col = _line_col(data, nul)
        raise ChecklistError(
            [Problem(Position(path, line, col), "this is binary data, not a text file (a NUL byte)")]
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line, col = _line_col(data, error.start)
        byte = data[error.start]
        hint = ""
        try:
            data.decode("cp1252")
            hint = " (it looks like Latin-1/Windows-1252: save the file as UTF-8)"
        except UnicodeDecodeError:
            hint = " (save the file as UTF-8)"
        raise ChecklistError(
            [Problem(Position(path, line, col), f"not valid UTF-8: byte 0x{byte:02x}{hint}")]
        ) from None


def _line_col(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    # Columns count characters; the bytes before the bad one on its line are decoded leniently.
    col = len(data[start:offset].decode("utf-8", errors="replace")) + 1
    return line, col


def parse_file(path: str | Path, *, max_bytes: int = MAX_BYTES) -> tuple[Document, bytes]:
    """Read, decode and parse `path`; returns the document and the raw bytes (for hashing)."""
    data = read_bytes(path, max_bytes=max_bytes)
    return parse_bytes(data, str(path), max_bytes=max_bytes), data


def parse_bytes(data: bytes, path: str, *, max_bytes: int = MAX_BYTES) -> Document:
    if len(data) > max_bytes:
        raise ChecklistError([Problem(Position(path), _too_large(len(data), max_bytes))])
    return parse_text(decode(data, path), path)


def parse_text(text: str, path: str) -> Document:
    """Parse `text` into the positioned tree (libyaml's parser when available, else PyYAML's)."""
    loader: Any = None
    try:
        loader = _Loader(text)  # the pure-Python reader checks characters here already
        composer = _Composer(path, text, loader)
        with paused_gc():
            root = composer.document()
    except yaml.MarkedYAMLError as error:
        raise ChecklistError([_syntax_problem(error, path, text)]) from None
    except yaml.YAMLError as error:  # reader errors (control characters) carry a position too
        raise ChecklistError([_reader_problem(error, path, text)]) from None
    except _Budget as limit:
        raise ChecklistError([limit.problem]) from None
    finally:
        if loader is not None:
            loader.dispose()
    return Document(path, root, composer.problems)


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building a large acyclic tree.

    Building hundreds of thousands of small objects makes the collector rescan them again and
    again (about 4× slower on a 1 MB file); the tree has no reference cycles to collect.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _syntax_problem(error: yaml.MarkedYAMLError, path: str, text: str) -> Problem:
    mark = error.problem_mark or error.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
    problem = (error.problem or "invalid YAML").strip()
    context = (error.context or "").strip()
    message = f"YAML syntax error: {problem}"
    if context and error.context_mark is not None and mark is not None and error.context_mark.line != mark.line:
        message += f" ({context} at line {error.context_mark.line + 1})"
    elif context:
        message += f" ({context})"
    if mark is not None and 0 <= mark.index < len(text) and text[mark.index] == "\t":
        message += "; tabs cannot be used for indentation in YAML, use spaces"
    elif "expected a single document" in context or "expected a single document" in problem:
        message = "YAML syntax error: more than one document ('---') in the file; a checklist is one document"
    elif "found character '\\t'" in problem:
        message += "; tabs cannot be used for indentation in YAML, use spaces"
    return Problem(Position(path, line, col), message)


def _reader_problem(error: yaml.YAMLError, path: str, text: str) -> Problem:
    position = getattr(error, "position", None)
    if isinstance(position, int) and 0 <= position <= len(text):
        line = text.count("\n", 0, position) + 1
        col = position - (text.rfind("\n", 0, position) + 1) + 1
        char = text[position] if position < len(text) else ""
        return Problem(
            Position(path, line, col),
            f"a control character ({ord(char):#x}) is not allowed in YAML" if char else str(error),
        )
    return Problem(Position(path), f"YAML error: {error}")


class _Budget(Exception):
    """Raised inside the composer when a limit is hit; becomes one ChecklistError."""

    def __init__(self, position: Position, message: str) -> None:
        super().__init__(message)
        self.problem = Problem(position, message)


_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_ScalarEvent = yaml.ScalarEvent
_AliasEvent = yaml.AliasEvent
_SequenceStartEvent = yaml.SequenceStartEvent
_MappingStartEvent = yaml.MappingStartEvent
_SequenceEndEvent = yaml.SequenceEndEvent
_MappingEndEvent = yaml.MappingEndEvent
_STR_TAG = f"{_STD}str"
_SEQ_TAG = f"{_STD}seq"
_MAP_TAG = f"{_STD}map"
_MERGE_TAG = f"{_STD}merge"
#: First characters for which the safe resolver may give a plain scalar a type other than
#: text (`true`, `12`, `~`, `2026-01-01`, `<<` …); any other plain scalar is text.
#: (A resolver for any first character, the `None` key, would make every plain scalar a candidate.)
_RESOLVER_STARTS: Any = (
    frozenset(key for key in yaml.SafeLoader.yaml_implicit_resolvers if key)
    if None not in yaml.SafeLoader.yaml_implicit_resolvers and not yaml.SafeLoader.yaml_path_resolvers
    else type("_Everything", (), {"__contains__": lambda self, _: True})()
)


class _Open:
    """A list or mapping whose end event has not come yet."""

    __slots__ = ("anchor", "key", "merges", "node", "size")

    def __init__(self, node: YSeq | YMap, anchor: str | None) -> None:
        self.node = node
        self.anchor = anchor
        self.key: YScalar | None = None  # a mapping's key waiting for its value
        self.merges: list[YNode] = []  # values of `<<` keys, merged at the end
        self.size = 1


class _Composer:
    """Builds the tree from parser events with an explicit stack: no recursion, so no nesting
    depth can overflow Python's or C's stack.

    An alias shares the anchored node instead of copying it, and the values that aliases stand
    for are counted: more than `MAX_ALIASES` aliases or `MAX_NODES` aliased values is refused
    (a "billion laughs" file stops after a few dozen events).
    """

    def __init__(self, path: str, text: str, loader: Any) -> None:
        self.path = path
        self.text = text
        self.loader = loader
        self.problems: list[Problem] = []
        self.anchors: dict[str, tuple[YNode | None, int]] = {}  # name → (node or None while open, size)
        self.aliases = 0
        self.aliased = 0
        self.stack: list[_Open] = []

    def pos(self, mark: Any) -> Position:
        return Position(self.path, mark.line + 1, mark.column + 1)

    def document(self) -> YNode | None:
        loader = self.loader
        loader.get_event()  # StreamStart
        if loader.check_event(yaml.StreamEndEvent):
            return None
        loader.get_event()  # DocumentStart
        root = self.node()
        if isinstance(root, YScalar) and root.value is None and not root.text:
            root = None  # `---` alone: an empty document
        loader.get_event()  # DocumentEnd
        if not loader.check_event(yaml.StreamEndEvent):
            event = loader.get_event()
            raise _Budget(
                self.pos(event.start_mark),
                "YAML syntax error: more than one document ('---') in the file; a checklist is one document",
            )
        return root

    def node(self) -> YNode | None:
        """Read events until one complete value (with everything inside it) is built.

        The hot loop of loading: event classes are compared by identity (the parser makes
        exactly these classes) and the common case, a scalar, is handled first.
        """
        get_event = self.loader.get_event
        stack = self.stack
        path = self.path
        while True:
            event = get_event()
            kind = event.__class__
            if kind is _ScalarEvent:
                scalar = self.scalar(event)
                if event.anchor is not None:
                    self.anchors[event.anchor] = (scalar, 1)
                value: YNode = scalar
                size = 1
            elif kind is _AliasEvent:
                value, size = self.alias(event)
            elif kind is _SequenceStartEvent or kind is _MappingStartEvent:
                if len(stack) >= MAX_DEPTH:
                    raise _Budget(self.pos(event.start_mark), f"values are nested more than {MAX_DEPTH} levels deep")
                mark = event.start_mark
                position = Position(path, mark.line + 1, mark.column + 1)
                is_seq = kind is _SequenceStartEvent
                if event.tag not in (None, "!", _SEQ_TAG if is_seq else _MAP_TAG):
                    self.problems.append(Problem(position, f"YAML tag {_short_tag(event.tag)!r} is not supported here"))
                container: YSeq | YMap = YSeq([], position) if is_seq else YMap({}, position)
                if event.anchor is not None:
                    self.anchors[event.anchor] = (None, 0)
                stack.append(_Open(container, event.anchor))
                continue
            elif kind is _SequenceEndEvent or kind is _MappingEndEvent:
                closed = stack.pop()
                if closed.merges:
                    self.merge(closed)
                if closed.anchor is not None:
                    self.anchors[closed.anchor] = (closed.node, closed.size)
                value, size = closed.node, closed.size
            else:  # pragma: no cover - the parser only gives the events above inside a document
                raise _Budget(self.pos(event.start_mark), f"unexpected YAML event {type(event).__name__}")
            if not stack:
                return value
            parent = stack[-1]
            if parent.key is None and parent.node.__class__ is YSeq:
                parent.size += size
                parent.node.items.append(value)  # type: ignore[union-attr]
            else:
                self.add(parent, value, size)

    def add(self, parent: _Open, value: YNode, size: int) -> None:
        parent.size += size
        if isinstance(parent.node, YSeq):
            parent.node.items.append(value)
            return
        if parent.key is None:
            if not isinstance(value, YScalar):
                self.problems.append(Problem(value.pos, "a key must be plain text, not a list or mapping"))
                value = YScalar(value=None, text="", pos=value.pos, style="?")  # placeholder: skip the value
            parent.key = value
            return
        key, parent.key = parent.key, None
        if key.style == "?":
            return
        if key.style is None and key.text == "<<" and key.value == "<<":
            parent.merges.append(value)
            return
        if isinstance(value, YScalar) and value.value is None and not value.text and value.style is None:
            # `key:` with nothing after it: point at the key (parsers disagree where "nothing" is)
            value = YScalar(value=None, text="", pos=key.pos, style=None, source="")
        first = parent.node.entries.get(key.text)
        if first is not None:
            self.problems.append(
                Problem(key.pos, f"duplicate key {key.text!r} (first at line {first[0].pos.line}:{first[0].pos.column})")
            )
            return
        parent.node.entries[key.text] = (key, value)

    def merge(self, closed: _Open) -> None:
        assert isinstance(closed.node, YMap)
        for value in closed.merges:
            sources = value.items if isinstance(value, YSeq) else [value]
            for source in sources:
                if not isinstance(source, YMap):
                    self.problems.append(Problem(source.pos, "a merge key ('<<') needs a mapping or a list of mappings"))
                    continue
                for name, entry in source.entries.items():
                    closed.node.entries.setdefault(name, entry)

    def anchor(self, name: str | None, node: YNode, size: int) -> None:
        if name is not None:
            self.anchors[name] = (node, size)

    def alias(self, event: Any) -> tuple[YNode, int]:
        position = self.pos(event.start_mark)
        if event.anchor not in self.anchors:
            raise _Budget(position, f"YAML alias '*{event.anchor}' refers to no anchor ('&{event.anchor}')")
        node, size = self.anchors[event.anchor]
        if node is None:
            raise _Budget(position, f"YAML alias '*{event.anchor}' is inside the value it refers to (a recursive alias)")
        self.aliases += 1
        self.aliased += size
        if self.aliases > MAX_ALIASES:
            raise _Budget(position, f"more than {MAX_ALIASES} YAML aliases ('*name'); refusing what may be a 'billion laughs' bomb")
        if self.aliased > MAX_NODES:
            raise _Budget(
                position,
                f"YAML aliases ('*name') here stand for more than {MAX_NODES} values; "
                "refusing what looks like a 'billion laughs' bomb",
            )
        return node, size

    def scalar(self, event: Any) -> YScalar:
        mark = event.start_mark
        position = Position(self.path, mark.line + 1, mark.column + 1)
        style = event.style or None
        text = event.value
        value: Any = text
        tag = event.tag
        if tag is None:
            # What `resolve` would answer, without its regexes, for the common cases: a quoted
            # scalar, or a plain one whose first character starts no implicit type, is text.
            if style is None and (not text or text[0] in _RESOLVER_STARTS):
                tag = self.loader.resolve(ScalarNode, text, event.implicit)
            else:
                tag = _STR_TAG
        elif tag == "!":
            tag = _STR_TAG
        if tag is not _STR_TAG and tag != _STR_TAG:
            if tag in _SCALAR_TAGS:
                try:
                    value = self.loader.construct_object(ScalarNode(tag, text, style=event.style), deep=True)
                except (yaml.YAMLError, ValueError, OverflowError, TypeError):
                    value = text  # e.g. a date like 2026-13-45: keep the text
            elif tag == _MERGE_TAG:
                value = "<<"
            else:
                self.problems.append(Problem(position, f"YAML tag {_short_tag(tag)!r} is not supported"))
        source = self.text[mark.index : event.end_mark.index]
        return YScalar(value, str(text), position, style, source)


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_STD) :] if tag.startswith(_STD) else tag
