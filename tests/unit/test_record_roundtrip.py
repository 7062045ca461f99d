"""`read(render(s)) == s` for any session: the record is lossless through its hidden anchors."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from qatui.core.errors import RecordError
from qatui.core.record import RenderCache, read, render
from qatui.core.record.render import render_bytes
from qatui.core.session import Evidence, ItemResult, SectionResult, Session, Status

from .record_samples import NASTY, basic_session, sessions, signed_session

ANCHOR_LINE = re.compile(r"^[ \t]*<!-- qatui:([a-z]+)(?: (.*))? -->$")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sessions)
def test_read_render_is_identity(session: Session) -> None:
    text = render(session)
    assert read(text) == session
    # The cache never changes the output, whatever state it holds.
    cache = RenderCache()
    assert render(session, cache) == text
    assert render(session, cache) == text
    assert render_bytes(session, cache) == text.encode()
    assert render_bytes(session) == text.encode()


@settings(max_examples=100, deadline=None)
@given(sessions)
def test_anchor_data_never_ends_its_comment(session: Session) -> None:
    for line in render(session).split("\n"):
        if "<!-- qatui:" in line and line.lstrip().startswith("<!-- qatui:"):
            match = ANCHOR_LINE.match(line)
            assert match, line
            payload = match.group(2) or ""
            assert "-->" not in payload and "<" not in payload and ">" not in payload
            if payload:
                json.loads(payload)


@pytest.mark.parametrize("nasty", NASTY)
def test_every_nasty_text_in_every_field_round_trips(nasty: str) -> None:
    session = basic_session()
    session.title = session.tester = session.environment_label = nasty
    session.facts[nasty] = nasty
    item = session.item("ws-404")
    item.title = item.note = nasty
    item.evidence.append(Evidence(kind="log", source=nasty, text=nasty))
    item.probes[0].detail = item.probes[0].summary = nasty
    session.metrics[0].name = session.metrics[0].notes = nasty
    assert read(render(session)) == session


def test_lone_surrogates_round_trip_and_encode() -> None:
    # Text from a terminal read with surrogateescape can carry lone surrogates.
    session = basic_session()
    session.item("ws-404").note = "bad byte \udcff here"
    session.item("ws-404").title = "\ud800 title"
    text = render(session)
    text.encode("utf-8")  # the file can be written
    assert read(text) == session


def test_samples_round_trip_and_survive_crlf() -> None:
    for session in (basic_session(), signed_session()):
        text = render(session)
        assert read(text) == session
        # A checkout with core.autocrlf turns every line ending into CRLF.
        assert read(text.replace("\n", "\r\n")) == session


def test_sections_keep_their_order_though_shown_by_priority() -> None:
    session = basic_session()
    session.sections.reverse()  # nice, important, critical
    text = render(session)
    assert text.index("## ● Critical") < text.index("## ○ Nice to have")
    assert [s.id for s in read(text).sections] == ["devices", "api", "websockets"]


def test_empty_session_round_trips() -> None:
    session = Session(title="", checklist_path="", tester="", environment="")
    assert read(render(session)) == session


def test_not_a_record_is_refused() -> None:
    with pytest.raises(RecordError, match="not a qatui record"):
        read("# A checklist\n\n- [ ] something\n", "plain.md")
    with pytest.raises(RecordError, match="not a qatui record"):
        read("", "empty.md")


def test_cut_off_record_is_refused_with_its_name() -> None:
    text = render(basic_session())
    cut = text[: text.index("## Performance")]
    with pytest.raises(RecordError, match=r"cut\.md is incomplete"):
        read(cut, "cut.md")


def test_dropped_item_anchor_is_noticed() -> None:
    text = render(basic_session())
    lines = [line for line in text.split("\n") if '"id":"devices-list"' not in line]
    with pytest.raises(RecordError, match="end marker counts"):
        read("\n".join(lines), "r.md")


def test_history_without_its_item_is_refused() -> None:
    # api-token is the first item of its section: its history has no item to belong to.
    text = render(basic_session())
    lines = [line for line in text.split("\n") if '"id":"api-token"' not in line]
    with pytest.raises(RecordError, match=r"r\.md:\d+: history before any item \(in the hidden qatui:history"):
        read("\n".join(lines), "r.md")


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ('{"status":"won","tester":"a","at":"2026-03-10T14:00:00+01:00"}', "unknown status 'won'"),
        ('{"status":"passed","tester":"a"}', "'at' is missing"),
        ('{"status":"passed","tester":"a","at":"noon"}', "not an ISO date-time"),
        ('{"status":"passed","tester":3,"at":"2026-03-10T14:00:00+01:00"}', "'tester' must be text"),
    ],
)
def test_broken_history_names_its_line(payload: str, message: str) -> None:
    text = render(basic_session())
    lines = text.split("\n")
    index = next(i for i, line in enumerate(lines) if "qatui:history" in line)
    lines[index] = f"    <!-- qatui:history {payload} -->"
    with pytest.raises(RecordError, match=rf"r\.md:{index + 1}: .*{re.escape(message)}"):
        read("\n".join(lines), "r.md")


def test_a_format_1_record_reads_with_empty_histories() -> None:
    """Records written before histories existed (format 1) read as they always did."""
    old = (Path(__file__).resolve().parents[1] / "golden" / "record-format1-unsigned.md").read_text(encoding="utf-8")
    assert '"format":1' in old and "qatui:history" not in old
    expected = basic_session()
    for item in expected.items():
        item.history = []
    expected.item("ws-404").evidence.pop()  # the format-1 sample had no probe-output evidence
    expected.host = expected.target = expected.build = expected.commit = expected.description = ""
    expected.notes = []
    assert read(old, "old.md") == expected


def test_broken_anchor_names_file_and_line() -> None:
    text = render(basic_session())
    lines = text.split("\n")
    number = next(i for i, line in enumerate(lines) if "qatui:item" in line)
    lines[number] = lines[number].replace('"id":', '"id":{')
    with pytest.raises(RecordError) as caught:
        read("\n".join(lines), "broken.md")
    assert f"broken.md:{number + 1}:" in caught.value.message
    assert "qatui:item" in caught.value.message


@pytest.mark.parametrize(
    ("mutation", "message"),
    [
        (lambda s: s.replace('"status":"failed"', '"status":"exploded"', 1), "unknown status"),
        (lambda s: s.replace('"priority":"critical"', '"priority":"urgent"', 1), "unknown priority"),
        (lambda s: s.replace('"format":2', '"format":99', 1), "newer qatui"),
        (lambda s: s.replace('"tester":"Hannah"', '"tester":5', 1), "must be text"),
        (lambda s: s.replace('"at":"2026-03-10T14:07:00+01:00"', '"at":"yesterday"', 1), "ISO date-time"),
        (lambda s: s.replace("<!-- qatui:section {", "<!-- qatui:sektion {", 1), "unknown anchor kind"),
    ],
)
def test_hand_edited_anchor_errors_are_clear(mutation, message: str) -> None:  # type: ignore[no-untyped-def]
    text = render(basic_session())
    changed = mutation(text)
    assert changed != text
    with pytest.raises(RecordError, match=message):
        read(changed, "edited.md")


def test_visible_edits_do_not_change_what_is_read() -> None:
    # Someone fixes a typo in the visible text on GitHub: qatui reads the anchors only.
    session = basic_session()
    text = render(session).replace("**FAILED** ✗", "**PASSED** ✓").replace("## Summary", "## Résumé")
    assert read(text) == session


def test_item_outside_section_is_refused() -> None:
    session = Session(title="t", checklist_path="c", tester="x", environment="e",
                      sections=[SectionResult(id="s", title="S", priority=basic_session().sections[0].priority,
                                              items=[ItemResult(id="a", title="A")])])
    text = render(session)
    text = text.replace(text[text.index("<!-- qatui:section"):].split("\n")[0], "")
    with pytest.raises(RecordError, match="item before any section"):
        read(text, "r.md")


def test_render_cache_rerenders_only_what_changed_and_stays_exact() -> None:
    session = basic_session()
    cache = RenderCache()
    assert render(session, cache) == render(session)
    before = cache.misses
    session.item("devices-list").status = Status.PASSED
    assert render(session, cache) == render(session)
    assert cache.misses == before + 1
    # a probe result replaced by an equal-valued copy is still a hit; a different one is not
    item = session.item("ws-404")
    item.probes = [replace(item.probes[0])]
    render(session, cache)
    assert cache.misses == before + 1
    item.probes = [replace(item.probes[0], summary="status 404, expected 404")]
    assert render(session, cache) == render(session)
    assert cache.misses == before + 2
    # an in-place edit needs invalidate (the Recorder does it for every change)
    item.evidence[0].text = "edited in place"
    cache.invalidate("ws-404")
    assert render(session, cache) == render(session)


def test_merge_conflict_markers_are_named() -> None:
    ours = render(basic_session()).split("\n")
    theirs = render(signed_session()).split("\n")
    at = next(i for i, line in enumerate(ours) if "qatui:item" in line)
    merged = "\n".join([*ours[:at], "<<<<<<< HEAD", ours[at], "=======", theirs[at], ">>>>>>> origin/main", *ours[at + 1:]])
    with pytest.raises(RecordError, match="merge conflict markers"):
        read(merged, "r.md")
