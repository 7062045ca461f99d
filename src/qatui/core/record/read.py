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
problem is a `RecordError` naming the file and line.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any, NoReturn

from qatui.core.checklist import Note, Priority
from qatui.core.errors import RecordError
from qatui.core.record.escape import BLOCK_WORD, unblock
from qatui.core.record.render import FORMAT_VERSION, IN_BLOCK, probe_evidence_text
from qatui.core.session import (
    Evidence,
    HistoryEntry,
    ItemResult,
    MetricValue,
    PartSpec,
    ProbeResult,
    ProbeStatus,
    SectionResult,
    Session,
    SignOff,
    SourceRef,
    Status,
)

#: An anchor line. It is matched after a newline (the text is scanned with one "\n" put in
#: front) because a `^` in multi-line mode makes the scan about twice as slow.
ANCHOR = re.compile(r"\n[ \t]*<!-- qatui:([a-z]+)(?: (.*))? -->[ \t]*\r?$", re.MULTILINE)
#: An anchor line, or a verbatim block (format 2): a backtick fence whose info string ends in
#: ` qatui`, its indentation, marker and body. A block holds the text an anchor before it
#: stores as `{"block":1}` (see `escape.block`). One scan finds both, in file order.
SCAN = re.compile(
    r"\n[ \t]*<!-- qatui:([a-z]+)(?: (.*))? -->[ \t]*\r?$"
    r"|\n([ \t]*)(`{3,})[^`\n]* " + BLOCK_WORD + r"\r?\n((?s:.*?))\r?\n[ \t]*\4[ \t]*\r?$",
    re.MULTILINE,
)

_STATUS = {status.value: status for status in Status}
_UNTESTED = Status.UNTESTED
_fromisoformat = datetime.fromisoformat
_PROBE_STATUS = {status.value: status for status in ProbeStatus}
_PRIORITY = {priority.value: priority for priority in Priority}


class _Where:
    """Names the file and line of the anchor being read in error messages.

    The loop sets `index`; the line number is only computed when something is wrong.
    """

    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.path = path or "record"
        self.index = 0

    def fail(self, message: str) -> NoReturn:
        # Anchors were found with findall (no offsets, faster); find this one again.
        match = next(m for i, m in enumerate(ANCHOR.finditer(self.text)) if i == self.index)
        line = self.text.count("\n", 0, match.start() + 1)  # `text` starts with an added "\n"
        raise RecordError(
            f"{self.path}:{line}: {message} (in the hidden qatui:{match.group(1)} anchor)",
            title="Record cannot be read",
        )

    def text_field(self, data: dict[str, Any], key: str, default: str | None = "") -> str:
        value = data.get(key, default)
        if type(value) is not str:
            if value is None and default is None:
                self.fail(f"{key!r} is missing")
            self.fail(f"{key!r} must be text, not {type(value).__name__}")
        return value

    def number_field(self, data: dict[str, Any], key: str) -> float | None:
        value = data.get(key)
        if value is None or type(value) is float:
            return value
        if type(value) is int:
            return float(value)
        self.fail(f"{key!r} must be a number or null, not {type(value).__name__}")

    def time_field(self, data: dict[str, Any], key: str) -> datetime | None:
        value = data.get(key)
        if value is None:
            return None
        if type(value) is not str:
            self.fail(f"{key!r} must be an ISO date-time, not {type(value).__name__}")
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            self.fail(f"{key!r} is not an ISO date-time: {value[:40]!r}")

    def text_map(self, data: dict[str, Any], key: str) -> dict[str, str]:
        value = data.get(key) or {}
        if type(value) is not dict or not all(type(v) is str for v in value.values()):
            self.fail(f"{key!r} must map names to text")
        return value

    def records(self, data: dict[str, Any], key: str) -> list[dict[str, Any]]:
        value = data.get(key) or []
        if type(value) is not list or not all(type(v) is dict for v in value):
            self.fail(f"{key!r} must be a list of objects")
        return value

    def choice(self, mapping: dict[str, Any], value: Any, what: str) -> Any:
        try:
            return mapping[value]
        except (KeyError, TypeError):
            self.fail(f"unknown {what} {value!r}; expected one of {', '.join(mapping)}")


def _probe(where: _Where, data: dict[str, Any]) -> ProbeResult:
    return ProbeResult(
        probe_id=where.text_field(data, "probe_id", None),
        kind=where.text_field(data, "kind"),
        status=where.choice(_PROBE_STATUS, data.get("status"), "probe status"),
        summary=where.text_field(data, "summary"),
        duration_ms=where.number_field(data, "duration_ms"),
        explanation=where.text_field(data, "explanation"),
        detail=where.text_field(data, "detail"),
        captures=where.text_map(data, "captures"),
        at=where.time_field(data, "at"),
        where=where.text_field(data, "where"),
    )


def _evidence(where: _Where, data: dict[str, Any]) -> Evidence:
    return Evidence(
        kind=where.text_field(data, "kind"),
        source=where.text_field(data, "source"),
        text=where.text_field(data, "text"),
        at=where.time_field(data, "at"),
    )


def _history(where: _Where, data: dict[str, Any]) -> HistoryEntry:
    get = data.get
    status, tester, at, note = get("status"), get("tester", ""), get("at"), get("note", "")
    if type(status) is str and type(tester) is str and type(at) is str and type(note) is str:
        state = _STATUS.get(status)
        if state is not None:
            try:
                return HistoryEntry(state, tester, _fromisoformat(at), note)
            except ValueError:
                pass
    # Something is unusual: check every field and say exactly what is wrong.
    when = where.time_field(data, "at")
    if when is None:
        where.fail("'at' is missing")
    return HistoryEntry(
        status=where.choice(_STATUS, status, "status"),
        tester=where.text_field(data, "tester"),
        at=when,
        note=where.text_field(data, "note"),
    )


def _number_ok(value: Any) -> bool:
    return value is None or type(value) is float or type(value) is int


def _probe_fast(data: Any) -> ProbeResult | None:
    """A probe result from plain, well-typed data; None sends it to the checking path."""
    if type(data) is not dict:
        return None
    get = data.get
    probe_id = get("probe_id")
    kind = get("kind", "")
    status_text = get("status")
    status = _PROBE_STATUS.get(status_text) if type(status_text) is str else None
    summary = get("summary", "")
    duration = get("duration_ms")
    explanation = get("explanation", "")
    detail = get("detail", "")
    captures = get("captures", {})
    at = get("at")
    where = get("where", "")
    if (
        status is None
        or type(probe_id) is not str
        or type(kind) is not str
        or type(summary) is not str
        or type(explanation) is not str
        or type(detail) is not str
        or type(where) is not str
        or not _number_ok(duration)
        or type(captures) is not dict
        or not all(type(v) is str for v in captures.values())
        or (at is not None and type(at) is not str)
    ):
        return None
    try:
        when = None if at is None else _fromisoformat(at)
    except ValueError:
        return None
    return ProbeResult(probe_id, kind, status, summary,
                       None if duration is None else float(duration),
                       explanation, detail, captures, when, where)


def _evidence_fast(data: Any) -> Evidence | None:
    if type(data) is not dict:
        return None
    get = data.get
    kind = get("kind", "")
    source = get("source", "")
    text = get("text", "")
    at = get("at")
    if type(kind) is not str or type(source) is not str or type(text) is not str or (
        at is not None and type(at) is not str
    ):
        return None
    try:
        return Evidence(kind, source, text, None if at is None else _fromisoformat(at))
    except ValueError:
        return None


def _item(where: _Where, data: dict[str, Any]) -> ItemResult:
    get = data.get
    item_id = get("id")
    title = get("title", "")
    fingerprint = get("fp", "")
    note = get("note", "")
    status = get("status")
    at = get("at")
    evidence_data = get("evidence")
    probe_data = get("probes")
    # The common case, checked with as few calls as possible: plain fields of the right types.
    if (
        type(item_id) is str
        and type(title) is str
        and type(fingerprint) is str
        and type(note) is str
        and (at is None or type(at) is str)
        and (status is None or type(status) is str)
    ):
        state = _UNTESTED if status is None else _STATUS.get(status)
        evidence: list[Any] = []
        probes: list[Any] = []
        if evidence_data:
            evidence = list(map(_evidence_fast, evidence_data)) if type(evidence_data) is list else [None]
        if probe_data:
            probes = list(map(_probe_fast, probe_data)) if type(probe_data) is list else [None]
        if state is not None and None not in evidence and None not in probes:
            try:
                when = None if at is None else _fromisoformat(at)
            except ValueError:
                pass
            else:
                return ItemResult(item_id, title, fingerprint, state, note, when, evidence, probes)
    # Something is unusual: check every field and say exactly what is wrong.
    return ItemResult(
        id=where.text_field(data, "id", None),
        title=where.text_field(data, "title"),
        fingerprint=where.text_field(data, "fp"),
        status=Status.UNTESTED if status is None else where.choice(_STATUS, status, "status"),
        note=where.text_field(data, "note"),
        updated_at=where.time_field(data, "at"),
        evidence=[_evidence(where, e) for e in where.records(data, "evidence")],
        probes=[_probe(where, p) for p in where.records(data, "probes")],
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


def _decode_all(where: _Where, payloads: list[str]) -> list[Any]:
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
    where = _Where(scanned, path)
    if not found or found[0][0] != "record":
        raise RecordError(
            f"{where.path} is not a qatui record (it has no hidden qatui:record anchor)",
            title="Not a qatui record",
        )
    kinds = [kind for kind, _ in found]
    values = _decode_all(where, [payload for _, payload in found])
    if type(values[0]) is not dict:
        where.fail("the data must be a JSON object")
    session = _session(where, values[0])
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
            item = _item(where, data)
            items.append(item)
            item_count += 1
            if "conflict" in data:
                pending_conflicts.append((index, item, data["conflict"]))
        elif kind == "history":
            if item is None:
                where.fail("history before any item")
            item.history.append(_history(where, data))
        elif kind == "probe":
            if item is None:
                where.fail("probe result before any item")
            _from_block(where, data, "detail", blocks)
            item.probes.append(_probe_fast(data) or _probe(where, data))
        elif kind == "evidence":
            if item is None:
                where.fail("evidence before any item")
            reference = data.get("text")
            if type(reference) is dict and "probe" in reference:
                data["text"] = _probe_output(where, item, reference["probe"])
            else:
                _from_block(where, data, "text", blocks)
            item.evidence.append(_evidence_fast(data) or _evidence(where, data))
        elif kind == "description":
            _from_block(where, data, "text", blocks)
            session.description = where.text_field(data, "text")
        elif kind == "note":
            _from_block(where, data, "text", blocks)
            session.notes.append(
                Note(where.text_field(data, "title"), where.text_field(data, "text"), where.text_field(data, "kind"))
            )
        elif kind == "section":
            section = _section(where, data)
            indexed_sections.append((data["i"], section))
            items = section.items
            item = None
        elif kind == "metric":
            session.metrics.append(_metric(where, data))
        elif kind == "signoff":
            if session.signoff is not None:
                where.fail("a record has one sign-off")
            session.signoff = _signoff(where, data)
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


def _resolve_conflict(where: _Where, item: ItemResult, positions: Any) -> None:
    """`"conflict": [0, 2]`: the competing verdicts, by their positions in the item's history."""
    history = item.history
    if type(positions) is not list or not all(type(p) is int for p in positions):
        where.fail("'conflict' must be a list of positions in the item's history")
    if len(set(positions)) != len(positions) or not all(0 <= p < len(history) for p in positions):
        where.fail(
            f"'conflict' names history entries {positions} but the item's history holds {len(history)}"
        )
    item.conflict = [history[p] for p in positions]


def _sources(where: _Where, data: dict[str, Any]) -> list[SourceRef]:
    return [
        SourceRef(
            name=where.text_field(ref, "name", None),
            sha256=where.text_field(ref, "sha256"),
            tester=where.text_field(ref, "tester"),
        )
        for ref in where.records(data, "sources")
    ]
def _from_block(where: _Where, data: dict[str, Any], key: str, blocks: dict[int, str]) -> None:
    """Put the text of the verbatim block after this anchor in `data[key]` when the anchor
    says its text is there (`{"block":1}`)."""
    if data.get(key) == IN_BLOCK:
        if where.index not in blocks:
            where.fail(f"{key!r} is kept in a text block below this anchor, and none follows it")
        data[key] = blocks[where.index]


def _probe_output(where: _Where, item: ItemResult, probe_id: Any) -> str:
    """Evidence that refers to a probe's output shown above it: that output, as attached."""
    for result in item.probes:
        if result.probe_id == probe_id:
            return probe_evidence_text(result)
    where.fail(f"the evidence refers to the output of probe {probe_id!r}, which this item does not hold")


def _section(where: _Where, data: dict[str, Any]) -> SectionResult:
    if type(data.get("i")) is not int:
        where.fail("'i' must be the section's position")
    return SectionResult(
        id=where.text_field(data, "id", None),
        title=where.text_field(data, "title"),
        priority=where.choice(_PRIORITY, data.get("priority"), "priority"),
    )


def _metric(where: _Where, data: dict[str, Any]) -> MetricValue:
    return MetricValue(
        id=where.text_field(data, "id", None),
        name=where.text_field(data, "name"),
        unit=where.text_field(data, "unit", "ms"),
        before=where.number_field(data, "before"),
        after=where.number_field(data, "after"),
        threshold=where.number_field(data, "threshold"),
        notes=where.text_field(data, "notes"),
    )


def _signoff(where: _Where, data: dict[str, Any]) -> SignOff:
    at = where.time_field(data, "at")
    if at is None:
        where.fail("'at' is missing")
    return SignOff(
        name=where.text_field(data, "name"),
        role=where.text_field(data, "role"),
        at=at,
        meaning=where.text_field(data, "meaning"),
        comment=where.text_field(data, "comment"),
    )


def _session(where: _Where, data: dict[str, Any]) -> Session:
    version = data.get("format")
    if type(version) is not int:
        where.fail("'format' must be a number")
    if version > FORMAT_VERSION:
        raise RecordError(
            f"{where.path} was written by a newer qatui (record format {version}; this one reads "
            f"up to {FORMAT_VERSION}); upgrade qatui",
            title="Record too new",
        )
    protected = data.get("protected", False)
    if type(protected) is not bool:
        where.fail("'protected' must be true or false")
    return Session(
        title=where.text_field(data, "title"),
        checklist_path=where.text_field(data, "checklist_path"),
        tester=where.text_field(data, "tester"),
        environment=where.text_field(data, "environment"),
        environment_label=where.text_field(data, "environment_label"),
        protected=protected,
        checklist_version=where.text_field(data, "checklist_version"),
        checklist_hash=where.text_field(data, "checklist_hash"),
        started_at=where.time_field(data, "started_at"),
        finished_at=where.time_field(data, "finished_at"),
        qatui_version=where.text_field(data, "qatui_version"),
        facts=dict(where.text_map(data, "facts")),
        sources=_sources(where, data),
        part=[_part(where, spec) for spec in where.records(data, "part")],
        host=where.text_field(data, "host"),
        target=where.text_field(data, "target"),
        build=where.text_field(data, "build"),
        commit=where.text_field(data, "commit"),
    )


def _part(where: _Where, data: dict[str, Any]) -> PartSpec:
    """One spec of the record's `part` (see `Session.part`): lists of names, and a tester."""

    def names(key: str) -> tuple[str, ...]:
        value = data.get(key) or []
        if type(value) is not list or not all(type(v) is str for v in value):
            where.fail(f"'part' {key!r} must be a list of names")
        return tuple(value)

    return PartSpec(priorities=names("priorities"), sections=names("sections"), tags=names("tags"),
                    assigned=where.text_field(data, "assigned"))
