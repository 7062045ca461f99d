"""Sessions for the record tests: fixed samples (golden files) and hypothesis strategies."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from qatui.core.checklist import Checklist, Environment, Item, Metric, Note, Priority, Section
from qatui.core.record.render import probe_evidence_text
from qatui.core.session import (
    Evidence,
    HistoryEntry,
    ItemResult,
    MetricValue,
    ProbeResult,
    ProbeStatus,
    SectionResult,
    Session,
    SignOff,
    SourceRef,
    Status,
)

BERLIN = ZoneInfo("Europe/Berlin")
T0 = datetime(2026, 3, 10, 14, 0, tzinfo=BERLIN)

#: Text that has tried to break Markdown records somewhere.
NASTY = [
    "",
    " ",
    "plain",
    "`code` and ``double`` and ```triple```",
    "```\nfenced\n```",
    "~~~\nfence\n~~~",
    "<!-- comment --> and -->",
    "--> at start",
    "<!-- qatui:item {\"id\":\"fake\"} -->",
    "\n<!-- qatui:end {\"sections\":0,\"items\":0,\"metrics\":0} -->\n",
    "| a | b |\n|---|---|\n| c | d |",
    "<script>alert(1)</script><b>bold</b>",
    "<details><summary>x</summary>",
    "line one\nline two\r\nline three\rline four",
    "# heading\n## another\n===\n---\n***\n- item\n+ item\n* item\n1. one\n2) two",
    "- [ ] fake task\n- [x] fake done",
    "    indented code\n\ttabbed",
    "trailing backslash \\",
    "[link](http://example.com) ![img](x.png) <http://auto.link>",
    "&amp; &lt; &#60; &nbsp;",
    "emoji 🔴 🟢 ✓ ✗ and RTL שלום and CJK 漢字",
    "\u2028line separator\u2029paragraph separator\x0bvt\x0cff\x85nel",
    "\x00nul \x1b[31mred\x1b[0m",
    "x" * 5000,
    "> quote\n>> nested",
    "_em_ *strong* ~~strike~~ \\*escaped\\*",
    "a -- b --- c ---> d <!- e <!--> f",
]

text = st.one_of(st.sampled_from(NASTY), st.text(max_size=60))
short = st.one_of(st.sampled_from(["", "a", "ok", "x-1", "`", "a|b", "<b>", "-->"]), st.text(max_size=12))
offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
aware = st.builds(
    lambda dt, tz: dt.replace(tzinfo=tz),
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1)),
    st.one_of(offsets, st.just(UTC), st.just(BERLIN)),
    # Python never finds a wall time inside a DST fold or gap equal to one in another zone
    # (PEP 495), whatever its offset; the record keeps the offset, so such times are left out.
).filter(lambda d: d.utcoffset() == d.replace(fold=1 - d.fold).utcoffset())
maybe_time = st.one_of(st.none(), aware)
numbers = st.one_of(
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(allow_nan=False),
    st.integers(min_value=-10**6, max_value=10**6).map(float),
)

probe_results = st.builds(
    ProbeResult,
    probe_id=short,
    kind=st.sampled_from(["http", "websocket", "command", "exec", "tcp", "logs", ""]),
    status=st.sampled_from(list(ProbeStatus)),
    summary=text,
    duration_ms=numbers,
    explanation=text,
    detail=text,
    captures=st.dictionaries(short, text, max_size=3),
    at=maybe_time,
    where=short,
)
evidences = st.builds(
    Evidence, kind=st.sampled_from(["log", "probe", "text", "other", ""]), source=short, text=text, at=maybe_time
)
history_entries = st.builds(
    HistoryEntry, status=st.sampled_from(list(Status)), tester=short, at=aware, note=text
)
items = st.builds(
    ItemResult,
    id=short,
    title=text,
    fingerprint=st.one_of(st.just(""), st.text(alphabet="0123456789abcdef", min_size=12, max_size=12)),
    status=st.sampled_from(list(Status)),
    note=text,
    updated_at=maybe_time,
    evidence=st.lists(evidences, max_size=2),
    probes=st.lists(probe_results, max_size=2),
    history=st.lists(history_entries, max_size=3),
).flatmap(
    # A merge's conflict names entries of the item's history (any of them, in any order).
    lambda item: st.lists(st.sampled_from(range(len(item.history))), unique=True, max_size=3).map(
        lambda positions: replace(item, conflict=[item.history[p] for p in positions]))
    if item.history else st.just(item)
)
sections = st.builds(
    SectionResult,
    id=short,
    title=text,
    priority=st.sampled_from(list(Priority)),
    items=st.lists(items, max_size=4),
)
metrics = st.builds(
    MetricValue, id=short, name=text, unit=short, before=numbers, after=numbers, threshold=numbers, notes=text
)
signoffs = st.builds(SignOff, name=short, role=short, at=aware, meaning=text, comment=text)
sessions = st.builds(
    Session,
    title=text,
    checklist_path=short,
    tester=short,
    environment=short,
    environment_label=short,
    protected=st.booleans(),
    checklist_version=short,
    checklist_hash=st.one_of(st.just(""), st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)),
    started_at=maybe_time,
    finished_at=maybe_time,
    qatui_version=short,
    facts=st.dictionaries(short, short, max_size=3),
    sections=st.lists(sections, max_size=4),
    metrics=st.lists(metrics, max_size=3),
    signoff=st.one_of(st.none(), signoffs),
    sources=st.lists(st.builds(SourceRef, name=short, sha256=st.text(alphabet="0123456789abcdef", max_size=64),
                               tester=short), max_size=2),
    host=short,
    target=short,
    build=short,
    commit=st.one_of(st.just(""), st.text(alphabet="0123456789abcdef", min_size=40, max_size=40)),
    description=text,
    notes=st.lists(st.builds(Note, title=short, text=text, kind=st.sampled_from(["info", "rollback", ""])),
                   max_size=2),
)


def sample_checklist(path: str = "checklists/django-upgrade.yaml", *, extra_item: bool = False,
                     changed_title: bool = False) -> Checklist:
    """A small checklist in the shape of the Django upgrade example."""
    critical = Section(
        id="websockets",
        title="WebSocket connections",
        priority=Priority.CRITICAL,
        items=[
            Item(id="ws-connect", title="WebSocket connects on port 9000", section_id="websockets",
                 expected="101 Switching Protocols"),
            Item(id="ws-404", title="Port 8001 answers 404 for /ws/" + (" (changed)" if changed_title else ""),
                 section_id="websockets"),
        ],
    )
    important = Section(
        id="api",
        title="REST API",
        priority=Priority.IMPORTANT,
        items=[Item(id="api-token", title="Token request returns a token", section_id="api")],
    )
    nice = Section(
        id="devices",
        title="Device management",
        priority=Priority.NICE,
        items=[Item(id="devices-list", title="List devices", section_id="devices")]
        + ([Item(id="devices-add", title="Add new device", section_id="devices")] if extra_item else []),
    )
    content = f"{path}{extra_item}{changed_title}".encode()
    import hashlib

    return Checklist(
        path=path,
        title="Django 3.2 → 4.2 upgrade",
        version="1.4",
        environments={
            "local": Environment(key="local", label="Local Docker (dev)", default=True),
            "production": Environment(key="production", label="Production", protected=True),
        },
        sections=[critical, important, nice],
        metrics=[Metric(id="order-list", name="Order list load time", unit="ms", threshold=800.0)],
        content_hash=hashlib.sha256(content).hexdigest(),
    )


def basic_session() -> Session:
    """An unsigned session with a failure, a blocked item, a note that tries to break things."""
    session = Session.start(sample_checklist(), tester="Hannah", environment="local",
                            started_at=T0, qatui_version="0.1.0")
    session.facts = {"Django": "4.2.29", "Python": "3.12.13"}
    session.host, session.target = "qa-laptop-7", "http://localhost:8001"
    session.build, session.commit = "v4.2.0-rc1-3-g1a2b3c4", "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d"
    session.description = "Run after the upgrade, before the release is tagged."
    session.notes = [
        Note("Known issues", "The PrestaShop sync times out every few minutes.", "known-issues"),
        Note("Rollback", "1. git checkout release-2026.02\n2. docker compose up -d web", "rollback"),
    ]
    ws = session.item("ws-connect")
    ws.status = Status.PASSED
    ws.updated_at = T0 + timedelta(minutes=5)
    ws.probes = [
        ProbeResult(
            probe_id="ws-echo", kind="websocket", status=ProbeStatus.PASSED,
            summary="connected, echo received", duration_ms=41.5,
            detail="> {\"type\": \"ping\"}\n< {\"type\": \"pong\"}", at=T0 + timedelta(minutes=4),
            where="django-upgrade.yaml:88",
        )
    ]
    ws404 = session.item("ws-404")
    ws404.status = Status.FAILED
    ws404.updated_at = T0 + timedelta(minutes=7)
    ws404.note = (
        "Got 200 instead of 404 — `nginx` routes /ws/ to gunicorn.\n"
        "```\nlooks like a fence\n```\n"
        "| not | a table |\n<!-- not a comment --> and <b>not bold</b>"
    )
    ws404.probes = [
        ProbeResult(
            probe_id="ws-8001", kind="http", status=ProbeStatus.FAILED,
            summary="status 200, expected 404", duration_ms=12.0,
            explanation="Port 8001 answered with a page instead of 404.",
            detail="GET /ws/ HTTP/1.1\nHTTP/1.1 200 OK\n\n<html>…</html>",
            captures={"server": "gunicorn"}, at=T0 + timedelta(minutes=6),
            where="django-upgrade.yaml:97",
        )
    ]
    ws404.history = [
        HistoryEntry(Status.PASSED, "Hannah", T0 + timedelta(minutes=3)),
        HistoryEntry(Status.FAILED, "Ana", T0 + timedelta(minutes=7),
                     "Got 200 instead of 404 — `nginx` routes /ws/ to gunicorn.\nsecond line"),
    ]
    ws404.evidence = [
        Evidence(kind="log", source="web",
                 text="web-1  | [ERROR] Not Found: /ws/\nweb-1  | ```` four backticks", at=T0 + timedelta(minutes=7)),
        Evidence(kind="probe", source="ws-8001", text=probe_evidence_text(ws404.probes[0]),
                 at=T0 + timedelta(minutes=7)),
    ]
    token = session.item("api-token")
    token.status = Status.BLOCKED
    token.updated_at = T0 + timedelta(minutes=9)
    token.note = "Blocked: the staging database is down."
    token.history = [HistoryEntry(Status.BLOCKED, "Hannah", T0 + timedelta(minutes=9), token.note)]
    session.metrics[0].before = 640.0
    session.metrics[0].after = 702.5
    return session


def signed_session() -> Session:
    """Every critical item passed, signed in another time zone."""
    session = Session.start(sample_checklist(), tester="Hannah", environment="production",
                            started_at=T0, qatui_version="0.1.0")
    tokyo = timezone(timedelta(hours=9))
    for index, item in enumerate(session.items()):
        item.status = Status.PASSED if index < 3 else Status.SKIPPED
        item.updated_at = T0 + timedelta(minutes=index)
    session.item("devices-list").note = "Skipped: no devices in production."
    session.metrics[0].before = 640.0
    session.metrics[0].after = 610.0
    session.finished_at = datetime(2026, 3, 10, 23, 30, tzinfo=tokyo)
    session.signoff = SignOff(name="Ravi Kumar", role="Tech lead",
                              at=datetime(2026, 3, 10, 23, 30, tzinfo=tokyo),
                              meaning="Approved for production deploy", comment="Looks good.")
    return session
