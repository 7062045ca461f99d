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
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import ScalarNode

from qatui.core.errors import ChecklistError, Position, Problem
from qatui.core.runtime import paused_gc

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


class _Source:
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

    _doc: _Source | None
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
                 source: str | None = "", mark: Any = None, end: int = 0, doc: _Source | None = None) -> None:
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
                 doc: _Source | None = None) -> None:
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
                 mark: Any = None, doc: _Source | None = None) -> None:
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


@dataclass
class Document:
    """A parsed file: its root (None when the file holds no document) and non-fatal problems."""

    path: str
    root: YNode | None
    problems: list[Problem] = field(default_factory=list)


def read_bytes(path: str | Path, *, max_bytes: int = MAX_BYTES) -> bytes:
    """The file's bytes, refusing what is missing, not a regular file, unreadable or too large.

    Named pipes, devices and sockets are refused before anything is opened (`core.files`): a
    FIFO without a writer used to hang every command, /dev/zero never ended."""
    from qatui.core.files import NotReadable, read_regular

    name = str(path)
    where = Position(name)
    try:
        data = read_regular(name, max_bytes)
    except NotReadable as error:
        reason = "is a folder, not a checklist file" if error.reason.startswith("is a folder") else error.reason
        raise ChecklistError([Problem(where, reason)]) from None
    if len(data) > max_bytes:  # too large (its size on disk is the figure to show), or endless
        try:
            size = max(len(data), os.stat(name).st_size)
        except OSError:
            size = len(data)
        raise ChecklistError([Problem(where, _too_large(size, max_bytes))])
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
    if "maximum nesting depth" in problem:
        # PyYAML >= 6.0.3 (libyaml 0.2.6's scanner) stops deep nesting itself, reading ahead of
        # the events we count: say it in qatui's words, whichever of the two stopped first.
        message = f"values are nested more than {MAX_DEPTH} levels deep"
    elif mark is not None and 0 <= mark.index < len(text) and text[mark.index] == "\t":
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

    __slots__ = ("anchor", "entries", "is_seq", "items", "key", "merges", "node", "start")

    def __init__(self, node: YSeq | YMap, anchor: str | None, start: int) -> None:
        self.node = node
        self.anchor = anchor
        self.items: list[YNode] | None = None
        self.entries: dict[str, tuple[YScalar, YNode]] | None = None
        if isinstance(node, YSeq):
            self.is_seq = True
            self.items = node.items
        else:
            self.is_seq = False
            self.entries = node.entries
        self.key: YScalar | None = None  # a mapping's key waiting for its value
        self.merges: list[YNode] = []  # values of `<<` keys, merged at the end
        self.start = start  # values counted before this one (see `_Composer.node`)


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
        self.source = _Source(path, text)
        self.loader = loader
        self.problems: list[Problem] = []
        self.anchors: dict[str, tuple[YNode | None, int]] = {}  # name → (node or None while open, size)
        self.aliases = 0
        self.aliased = 0
        self.stack: list[_Open] = []
        #: Plain scalar text → its tag, as the resolver answers (the same words recur).
        self.resolved: dict[str, str] = {}

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

        The hot loop of loading (some 70,000 events for 5,000 items), written for speed: event
        classes are compared by identity (the parser makes exactly these classes), the common
        cases (a plain or quoted text scalar, a value added to a list or a mapping) are handled
        inline, and positions are left to the nodes to make when asked (see `_Node`).

        The values that aliases stand for are counted with one running number: `count` goes
        up by one for every scalar and every list or mapping start, and by an alias's size for
        an alias, so a list or mapping's size is `count` at its end minus `count` at its start.
        """
        get_event = self.loader.get_event
        stack = self.stack
        source = self.source
        resolved = self.resolved
        starts = _RESOLVER_STARTS
        str_tag = _STR_TAG
        count = 0
        top: _Open | None = None
        items: list[YNode] | None = None  # top.items: the list being filled, if top is one
        while True:
            event = get_event()
            kind = event.__class__
            if kind is _ScalarEvent:
                count += 1
                text = event.value
                style = event.style or None
                tag = event.tag
                if tag is None and (style is not None or (text and text[0] not in starts)):
                    value: YNode = YScalar(text, text, None, style, None, event.start_mark, event.end_mark.index, source)
                else:
                    if tag is None:  # a plain scalar the resolver may type: ask it (once per text)
                        tag = resolved.get(text)
                        if tag is None:
                            tag = self.loader.resolve(ScalarNode, text, event.implicit)
                            tag = resolved[text] = str_tag if tag == str_tag else tag
                    elif tag == "!":
                        tag = str_tag
                    if tag is str_tag:
                        value = YScalar(text, text, None, style, None, event.start_mark, event.end_mark.index, source)
                    else:
                        value = self.scalar(event, tag)
                if event.anchor is not None:
                    self.anchors[event.anchor] = (value, 1)
            elif kind is _MappingStartEvent or kind is _SequenceStartEvent:
                count += 1
                if len(stack) >= MAX_DEPTH:
                    raise _Budget(self.pos(event.start_mark), f"values are nested more than {MAX_DEPTH} levels deep")
                is_seq = kind is _SequenceStartEvent
                container: YSeq | YMap = (
                    YSeq([], mark=event.start_mark, doc=source) if is_seq
                    else YMap({}, mark=event.start_mark, doc=source)
                )
                if event.tag not in (None, "!", _SEQ_TAG if is_seq else _MAP_TAG):
                    self.problems.append(Problem(container.pos, f"YAML tag {_short_tag(event.tag)!r} is not supported here"))
                if event.anchor is not None:
                    self.anchors[event.anchor] = (None, 0)
                top = _Open(container, event.anchor, count - 1)
                stack.append(top)
                items = top.items
                continue
            elif kind is _SequenceEndEvent or kind is _MappingEndEvent:
                closed = stack.pop()
                if closed.merges:
                    self.merge(closed)
                if closed.anchor is not None:
                    self.anchors[closed.anchor] = (closed.node, count - closed.start)
                value = closed.node
                top = stack[-1] if stack else None
                items = top.items if top is not None else None
            elif kind is _AliasEvent:
                value, size = self.alias(event)
                count += size
            else:  # pragma: no cover - the parser only gives the events above inside a document
                raise _Budget(self.pos(event.start_mark), f"unexpected YAML event {type(event).__name__}")
            if items is not None:  # in a list
                items.append(value)
            elif top is None:
                return value
            elif top.key is None:
                if value.__class__ is not YScalar:
                    self.problems.append(Problem(value.pos, "a key must be plain text, not a list or mapping"))
                    value = YScalar(None, "", value.pos, "?")  # placeholder: skip the value
                top.key = value
            else:
                key = top.key
                top.key = None
                entries = top.entries
                assert entries is not None  # `top.key` is set only on a mapping
                if (value.__class__ is YScalar and value.value is None) or key.style == "?" or key.text == "<<":
                    self.add(top, key, value)
                elif key.text in entries:
                    self.duplicate(entries, key)
                else:
                    entries[key.text] = (key, value)

    def add(self, parent: _Open, key: YScalar, value: YNode) -> None:
        """A mapping entry in one of the uncommon cases: a skipped key, `<<`, an empty value."""
        if key.style == "?":
            return
        if key.style is None and key.text == "<<" and key.value == "<<":
            parent.merges.append(value)
            return
        if isinstance(value, YScalar) and value.value is None and not value.text and value.style is None:
            # `key:` with nothing after it: point at the key (parsers disagree where "nothing" is)
            value = YScalar(None, "", key._pos, None, "", key._mark, 0, key._doc)
        entries = parent.entries
        assert entries is not None
        if key.text in entries:
            self.duplicate(entries, key)
            return
        entries[key.text] = (key, value)

    def duplicate(self, entries: dict[str, tuple[YScalar, YNode]], key: YScalar) -> None:
        first = entries[key.text][0].pos
        self.problems.append(Problem(key.pos, f"duplicate key {key.text!r} (first at line {first.line}:{first.column})"))

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

    def scalar(self, event: Any, tag: str) -> YScalar:
        """A scalar that may not be text; `tag` is the resolver's answer or the explicit tag."""
        style = event.style or None
        text = event.value
        value: Any = text
        node = YScalar(text, str(text), None, style, None, event.start_mark, event.end_mark.index, self.source)
        if tag is not _STR_TAG and tag != _STR_TAG:
            if tag in _SCALAR_TAGS:
                try:
                    value = self.loader.construct_object(ScalarNode(tag, text, style=event.style), deep=True)
                except (yaml.YAMLError, ValueError, OverflowError, TypeError):
                    value = text  # e.g. a date like 2026-13-45: keep the text
            elif tag == _MERGE_TAG:
                value = "<<"
            else:
                self.problems.append(Problem(node.pos, f"YAML tag {_short_tag(tag)!r} is not supported"))
        node.value = value
        return node


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_STD) :] if tag.startswith(_STD) else tag
