"""One hidden anchor's JSON made into the session object it stands for (`read.py` finds the
anchors and puts the objects together).

Split out of `read.py`. Items, probe results, evidence and history entries have a fast path
(plain, well-typed data checked with as few calls as possible, the common case by far: a
5,000-item record reads in milliseconds) and a checking path that says exactly what is wrong,
at the file and line of the anchor (`Where`).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, NoReturn

from qatui.core.checklist import Priority
from qatui.core.errors import RecordError
from qatui.core.record.render import FORMAT_VERSION
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

_STATUS = {status.value: status for status in Status}
_UNTESTED = Status.UNTESTED
_fromisoformat = datetime.fromisoformat
_PROBE_STATUS = {status.value: status for status in ProbeStatus}
_PRIORITY = {priority.value: priority for priority in Priority}


class Where:
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


def probe_from(where: Where, data: dict[str, Any]) -> ProbeResult:
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


def evidence_from(where: Where, data: dict[str, Any]) -> Evidence:
    return Evidence(
        kind=where.text_field(data, "kind"),
        source=where.text_field(data, "source"),
        text=where.text_field(data, "text"),
        at=where.time_field(data, "at"),
    )


def history_from(where: Where, data: dict[str, Any]) -> HistoryEntry:
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


def probe_fast(data: Any) -> ProbeResult | None:
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


def evidence_fast(data: Any) -> Evidence | None:
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


def item_from(where: Where, data: dict[str, Any]) -> ItemResult:
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
            evidence = list(map(evidence_fast, evidence_data)) if type(evidence_data) is list else [None]
        if probe_data:
            probes = list(map(probe_fast, probe_data)) if type(probe_data) is list else [None]
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
        evidence=[evidence_from(where, e) for e in where.records(data, "evidence")],
        probes=[probe_from(where, p) for p in where.records(data, "probes")],
    )


def section_from(where: Where, data: dict[str, Any]) -> SectionResult:
    if type(data.get("i")) is not int:
        where.fail("'i' must be the section's position")
    return SectionResult(
        id=where.text_field(data, "id", None),
        title=where.text_field(data, "title"),
        priority=where.choice(_PRIORITY, data.get("priority"), "priority"),
    )


def metric_from(where: Where, data: dict[str, Any]) -> MetricValue:
    return MetricValue(
        id=where.text_field(data, "id", None),
        name=where.text_field(data, "name"),
        unit=where.text_field(data, "unit", "ms"),
        before=where.number_field(data, "before"),
        after=where.number_field(data, "after"),
        threshold=where.number_field(data, "threshold"),
        notes=where.text_field(data, "notes"),
    )


def signoff_from(where: Where, data: dict[str, Any]) -> SignOff:
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


def session_from(where: Where, data: dict[str, Any]) -> Session:
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
        sources=sources_from(where, data),
        part=[part_from(where, spec) for spec in where.records(data, "part")],
        host=where.text_field(data, "host"),
        target=where.text_field(data, "target"),
        build=where.text_field(data, "build"),
        commit=where.text_field(data, "commit"),
    )


def part_from(where: Where, data: dict[str, Any]) -> PartSpec:
    """One spec of the record's `part` (see `Session.part`): lists of names, and a tester."""

    def names(key: str) -> tuple[str, ...]:
        value = data.get(key) or []
        if type(value) is not list or not all(type(v) is str for v in value):
            where.fail(f"'part' {key!r} must be a list of names")
        return tuple(value)

    return PartSpec(priorities=names("priorities"), sections=names("sections"), tags=names("tags"),
                    assigned=where.text_field(data, "assigned"))


def sources_from(where: Where, data: dict[str, Any]) -> list[SourceRef]:
    return [
        SourceRef(
            name=where.text_field(ref, "name", None),
            sha256=where.text_field(ref, "sha256"),
            tester=where.text_field(ref, "tester"),
        )
        for ref in where.records(data, "sources")
    ]
