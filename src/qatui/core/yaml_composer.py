"""Builds the positioned tree (`yamlnodes.py`) from PyYAML's parser events, with an explicit
stack and the limits that stop a "billion laughs" file (why: `yamlpos.py`'s docstring)."""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import ScalarNode

from qatui.core.errors import Position, Problem
from qatui.core.yamlnodes import SCALAR_TAGS, STD_TAG, Source, YMap, YNode, YScalar, YSeq

#: Values (scalars, lists, maps) that aliases may stand for, all aliases together.
MAX_NODES = 10_000
#: Aliases (`*name`) a document may use.
MAX_ALIASES = 100
#: Lists and maps inside each other.
MAX_DEPTH = 64


class LimitReached(Exception):
    """Raised inside the composer when a limit is hit; becomes one ChecklistError."""

    def __init__(self, position: Position, message: str) -> None:
        super().__init__(message)
        self.problem = Problem(position, message)


_ScalarEvent = yaml.ScalarEvent
_AliasEvent = yaml.AliasEvent
_SequenceStartEvent = yaml.SequenceStartEvent
_MappingStartEvent = yaml.MappingStartEvent
_SequenceEndEvent = yaml.SequenceEndEvent
_MappingEndEvent = yaml.MappingEndEvent
_STR_TAG = f"{STD_TAG}str"
_SEQ_TAG = f"{STD_TAG}seq"
_MAP_TAG = f"{STD_TAG}map"
_MERGE_TAG = f"{STD_TAG}merge"
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
        self.start = start  # values counted before this one (see `Composer.node`)


class Composer:
    """Builds the tree from parser events with an explicit stack: no recursion, so no nesting
    depth can overflow Python's or C's stack.

    An alias shares the anchored node instead of copying it, and the values that aliases stand
    for are counted: more than `MAX_ALIASES` aliases or `MAX_NODES` aliased values is refused
    (a "billion laughs" file stops after a few dozen events).
    """

    def __init__(self, path: str, text: str, loader: Any) -> None:
        self.path = path
        self.text = text
        self.source = Source(path, text)
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
            raise LimitReached(
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
                    raise LimitReached(self.pos(event.start_mark), f"values are nested more than {MAX_DEPTH} levels deep")
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
                raise LimitReached(self.pos(event.start_mark), f"unexpected YAML event {type(event).__name__}")
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
            raise LimitReached(position, f"YAML alias '*{event.anchor}' refers to no anchor ('&{event.anchor}')")
        node, size = self.anchors[event.anchor]
        if node is None:
            raise LimitReached(position, f"YAML alias '*{event.anchor}' is inside the value it refers to (a recursive alias)")
        self.aliases += 1
        self.aliased += size
        if self.aliases > MAX_ALIASES:
            raise LimitReached(position, f"more than {MAX_ALIASES} YAML aliases ('*name'); refusing what may be a 'billion laughs' bomb")
        if self.aliased > MAX_NODES:
            raise LimitReached(
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
            if tag in SCALAR_TAGS:
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
    return "!!" + tag[len(STD_TAG) :] if tag.startswith(STD_TAG) else tag
