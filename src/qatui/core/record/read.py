"""Read a record back into a session, from its hidden anchors alone.

qatui never parses the visible Markdown of its own records: a line scanner (one compiled
regular expression in multi-line mode) finds the `<!-- qatui:KIND JSON -->` lines, all
payloads are decoded with one `json.loads` call, and the session is rebuilt from them. This
is exact (`read(render(s)) == s`), it ignores whatever a person or GitHub's editor did to
the visible text, and it is fast: a 5,000-item record reads in a few milliseconds, where a
full CommonMark parse would take half a second. markdown-it-py is for foreign Markdown and for
proving in tests that the record renders as intended.

A file that has no record anchor is "not a qatui record"; a file whose end marker is missing
or disagrees with what was read was cut off, and is refused rather than half-loaded. Every
problem is a `RecordError` naming the file and line. What one anchor's JSON becomes (an item, a
probe result, a section …) is in `read_anchors.py`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from qatui.core.checklist import Note
from qatui.core.errors import RecordError
from qatui.core.record.escape import BLOCK_WORD, unblock
from qatui.core.record.read_anchors import (
    ANCHOR,
    Where,
    evidence_fast,
    evidence_from,
    history_from,
    item_from,
    metric_from,
    probe_fast,
    probe_from,
    section_from,
    session_from,
    signoff_from,
)
from qatui.core.record.render import IN_BLOCK, probe_evidence_text
from qatui.core.session import ItemResult, SectionResult, Session

__all__ = ["ANCHOR", "SCAN", "read"]

#: An anchor line, or a verbatim block (format 2): a backtick fence whose info string ends in
#: ` qatui`, its indentation, marker and body. A block holds the text an anchor before it
#: stores as `{"block":1}` (see `escape.block`). One scan finds both, in file order.
SCAN = re.compile(
    r"\n[ \t]*<!-- qatui:([a-z]+)(?: (.*))? -->[ \t]*\r?$"
    r"|\n([ \t]*)(`{3,})[^`\n]* " + BLOCK_WORD + r"\r?\n((?s:.*?))\r?\n[ \t]*\4[ \t]*\r?$",
    re.MULTILINE,
)


#: qatui writes its anchors three levels deep (an item, its probes, their captures). Unknown
#: keys are ignored whatever their shape; what the JSON decoder cannot follow (nesting near
#: Python's recursion limit, about 1,000 levels) used to end `qatui report` in an internal
#: error (RecursionError) and is now "broken data: nested N levels deep" at its line.


def _depth(payload: str) -> int:
    """How deep `payload` nests arrays and objects (strings skipped); only on the error path."""
    depth = deepest = 0
    in_string = escaped = False
    for char in payload:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _decode_all(where: Where, payloads: list[str]) -> list[Any]:
    """Decode every payload with one json.loads; on any doubt, one by one to name the line.

    Depth is measured only where the decoder stopped on it: a scan of every payload would
    cost a 5,000-item record more than its decode."""
    payloads = [payload or "null" for payload in payloads]
    try:
        values: list[Any] = json.loads("[" + ",".join(payloads) + "]")
        if len(values) == len(payloads):
            return values
    except (ValueError, RecursionError):
        pass
    values = []
    for index, payload in enumerate(payloads):
        where.index = index
        try:
            values.append(json.loads(payload))
        except json.JSONDecodeError as error:
            where.fail(f"broken data: {error.msg} at column {error.colno}")
        except ValueError as error:  # not a syntax error: e.g. an integer over Python's digit limit
            where.fail(f"broken data: {error}")
        except RecursionError:
            where.fail(f"broken data: nested {_depth(payload)} levels deep, too deep to read "
                       "(a qatui record nests three levels)")
    return values


def read(text: str, path: str = "") -> Session:
    """The session a record holds. Raises `RecordError` if it is not a complete qatui record."""
    scanned = "\n" + text
    if "\n<<<<<<< " in scanned and "\n>>>>>>> " in scanned:
        raise RecordError(
            f"{path or 'record'} has unresolved git merge conflict markers (<<<<<<< … >>>>>>>); "
            "resolve the conflict (keep one side) before opening it",
            title="Record cannot be read",
        )
    found: list[tuple[str, str]] = []
    #: anchor ordinal → the text of the first verbatim block after it (before the next anchor)
    blocks: dict[int, str] = {}
    for kind, payload, indent, _, body in SCAN.findall(scanned):
        if kind:
            found.append((kind, payload))
        elif found and len(found) - 1 not in blocks:
            blocks[len(found) - 1] = unblock(body, len(indent))
    where = Where(scanned, path)
    if not found or found[0][0] != "record":
        raise RecordError(
            f"{where.path} is not a qatui record (it has no hidden qatui:record anchor)",
            title="Not a qatui record",
        )
    kinds = [kind for kind, _ in found]
    values = _decode_all(where, [payload for _, payload in found])
    if type(values[0]) is not dict:
        where.fail("the data must be a JSON object")
    session = session_from(where, values[0])
    indexed_sections: list[tuple[int, SectionResult]] = []
    items: list[ItemResult] | None = None
    item: ItemResult | None = None  # the last item read: history anchors belong to it
    item_count = 0
    #: (anchor index, item, positions): a conflict names entries of the item's history, which
    #: is complete only once every anchor is read.
    pending_conflicts: list[tuple[int, ItemResult, Any]] = []
    end: dict[str, Any] | None = None
    for index, (kind, data) in enumerate(zip(kinds, values, strict=True)):
        if not index:
            continue
        where.index = index
        if type(data) is not dict:
            where.fail("the data must be a JSON object")
        if end is not None:
            where.fail("anchor after the end marker")
        if kind == "item":
            if items is None:
                where.fail("item before any section")
            item = item_from(where, data)
            items.append(item)
            item_count += 1
            if "conflict" in data:
                pending_conflicts.append((index, item, data["conflict"]))
        elif kind == "history":
            if item is None:
                where.fail("history before any item")
            item.history.append(history_from(where, data))
        elif kind == "probe":
            if item is None:
                where.fail("probe result before any item")
            _from_block(where, data, "detail", blocks)
            item.probes.append(probe_fast(data) or probe_from(where, data))
        elif kind == "evidence":
            if item is None:
                where.fail("evidence before any item")
            reference = data.get("text")
            if type(reference) is dict and "probe" in reference:
                data["text"] = _probe_output(where, item, reference["probe"])
            else:
                _from_block(where, data, "text", blocks)
            item.evidence.append(evidence_fast(data) or evidence_from(where, data))
        elif kind == "description":
            _from_block(where, data, "text", blocks)
            session.description = where.text_field(data, "text")
        elif kind == "note":
            _from_block(where, data, "text", blocks)
            session.notes.append(
                Note(where.text_field(data, "title"), where.text_field(data, "text"), where.text_field(data, "kind"))
            )
        elif kind == "section":
            section = section_from(where, data)
            indexed_sections.append((data["i"], section))
            items = section.items
            item = None
        elif kind == "metric":
            session.metrics.append(metric_from(where, data))
        elif kind == "signoff":
            if session.signoff is not None:
                where.fail("a record has one sign-off")
            session.signoff = signoff_from(where, data)
        elif kind == "end":
            end = data
        else:
            where.fail(
                "a second record header" if kind == "record" else f"unknown anchor kind {kind!r}"
            )
    if end is None:
        raise RecordError(
            f"{where.path} is incomplete: its end marker is missing (was the file cut off?)",
            title="Record cannot be read",
        )
    expected = (end.get("sections"), end.get("items"), end.get("metrics"))
    counted = (len(indexed_sections), item_count, len(session.metrics))
    if expected != counted:
        raise RecordError(
            f"{where.path} is incomplete: its end marker counts sections/items/metrics "
            f"{expected} but the file holds {counted}",
            title="Record cannot be read",
        )
    for index, item, positions in pending_conflicts:
        where.index = index
        _resolve_conflict(where, item, positions)
    indexed_sections.sort(key=lambda pair: pair[0])
    session.sections = [section for _, section in indexed_sections]
    return session


def _resolve_conflict(where: Where, item: ItemResult, positions: Any) -> None:
    """`"conflict": [0, 2]`: the competing verdicts, by their positions in the item's history."""
    history = item.history
    if type(positions) is not list or not all(type(p) is int for p in positions):
        where.fail("'conflict' must be a list of positions in the item's history")
    if len(set(positions)) != len(positions) or not all(0 <= p < len(history) for p in positions):
        where.fail(
            f"'conflict' names history entries {positions} but the item's history holds {len(history)}"
        )
    item.conflict = [history[p] for p in positions]


def _from_block(where: Where, data: dict[str, Any], key: str, blocks: dict[int, str]) -> None:
    """Put the text of the verbatim block after this anchor in `data[key]` when the anchor
    says its text is there (`{"block":1}`)."""
    if data.get(key) == IN_BLOCK:
        if where.index not in blocks:
            where.fail(f"{key!r} is kept in a text block below this anchor, and none follows it")
        data[key] = blocks[where.index]


def _probe_output(where: Where, item: ItemResult, probe_id: Any) -> str:
    """Evidence that refers to a probe's output shown above it: that output, as attached."""
    for result in item.probes:
        if result.probe_id == probe_id:
            return probe_evidence_text(result)
    where.fail(f"the evidence refers to the output of probe {probe_id!r}, which this item does not hold")
