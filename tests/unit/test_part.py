"""A tester's part of a checklist (`core/run/part.py`): which items --only, --section, --tag
and `assign:` choose, what a part record holds and says, and its file name."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qatui.core.checklist import Checklist
from qatui.core.loader import load_checklist
from qatui.core.record import read, render
from qatui.core.record.paths import default_record_path
from qatui.core.run import part
from qatui.core.run.part import PartError
from qatui.core.session import PartSpec, Session, Status

from .record_samples import sessions

ROOT = Path(__file__).resolve().parents[2]
DJANGO = ROOT / "checklists" / "django-upgrade.yaml"
NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def django() -> Checklist:
    return load_checklist(DJANGO)


def ids(checklist: Checklist) -> list[str]:
    return [item.id for item in checklist.items()]


def test_only_critical_is_every_critical_item_and_nothing_else(django: Checklist) -> None:
    choice = part.choose(django, only="critical")
    shown = part.opening(django, choice).checklist
    critical = [i.id for s in django.sections if s.priority.value == "critical" for i in s.items]
    assert ids(shown) == critical and len(critical) == 44
    assert {s.priority.value for s in shown.sections} == {"critical"}
    assert shown.content_hash == django.content_hash  # a record of the same checklist version
    assert choice.describe() == "critical"


def test_sections_are_alternatives_and_options_narrow_each_other(django: Checklist) -> None:
    both = part.item_ids(django, part.choose(django, sections="api, websockets").specs)
    assert both == {i.id for s in django.sections if s.id in ("api", "websockets") for i in s.items}
    channels = part.item_ids(django, part.choose(django, sections=["api,websockets"], tags="channels").specs)
    assert channels == {i.id for i in django.items() if i.section_id == "websockets"}
    assert part.describe(part.choose(django, sections="api,websockets").specs) == "sections api, websockets"


def test_priority_synonyms_count(django: Checklist) -> None:
    assert part.choose(django, only="P0").specs == [PartSpec(priorities=("critical",))]
    assert part.choose(django, only="nice-to-have,important").specs == [PartSpec(priorities=("nice", "important"))]


@pytest.mark.parametrize(
    ("options", "title", "words"),
    [
        ({"sections": "websocket"}, "Unknown section", "did you mean 'websockets'?"),
        ({"sections": "apii"}, "Unknown section", "did you mean 'api'?"),
        ({"only": "critcal"}, "Unknown priority", "did you mean 'critical'?"),
        ({"only": "api"}, "Unknown priority", "'api' is a section: use --section api"),
        ({"tags": "chanels"}, "Unknown tag", "did you mean 'channels'?"),
        ({"only": "nice", "sections": "api"}, "Empty part", "no item is nice · section api"),
    ],
)
def test_a_name_the_checklist_lacks_is_said_with_the_nearest(
    django: Checklist, options: dict[str, str], title: str, words: str
) -> None:
    with pytest.raises(PartError) as caught:
        part.choose(django, **options)
    assert caught.value.title == title
    assert words in caught.value.message


def test_no_option_is_the_whole_checklist(django: Checklist) -> None:
    choice = part.choose(django, tester="Hannah")
    assert choice.whole and not choice.by_assignment
    assert part.opening(django, choice).checklist is django


def assigned(checklist: Checklist) -> Checklist:
    """`assign: {api: Ben, websockets: Ben, ws-reconnects: Anna, orders: anna}`."""
    return replace(checklist, assign={"api": "Ben", "websockets": "Ben", "ws-reconnects": "Anna", "orders": "anna"})


def test_assign_gives_a_tester_their_part_when_no_option_is_given(django: Checklist) -> None:
    checklist = assigned(django)
    ben = part.choose(checklist, tester=" ben ")
    assert ben.by_assignment and ben.specs == [PartSpec(assigned="Ben")]
    ben_items = part.item_ids(checklist, ben.specs)
    api_ws = {i.id for i in django.items() if i.section_id in ("api", "websockets")}
    assert ben_items == api_ws - {"ws-reconnects"}  # the item's own entry wins over its section's
    anna = part.item_ids(checklist, part.choose(checklist, tester="Anna").specs)
    assert anna == {"ws-reconnects"} | {i.id for i in django.items() if i.section_id == "orders"}
    # an option wins over the assignment, and --all opens everything
    assert part.choose(checklist, tester="Ben", only="nice").specs == [PartSpec(priorities=("nice",))]
    assert part.choose(checklist, tester="Ben", everything=True).whole
    assert part.choose(checklist, tester="Carla").whole  # nobody assigned Carla anything
    with pytest.raises(PartError, match="--all opens the whole checklist"):
        part.choose(checklist, only="critical", everything=True)


def start(checklist: Checklist, tester: str = "Ana") -> Session:
    return Session.start(checklist, tester=tester, environment="local", started_at=NOW)


def test_a_part_record_holds_only_its_items_and_says_its_part(django: Checklist) -> None:
    opened = part.opening(django, part.choose(django, sections="api"))
    session = start(opened.checklist)
    assert part.cover(session, opened)  # a new session learns its part (no item to add)
    assert session.part == [PartSpec(sections=("api",))] and not part.cover(session, opened)
    text = render(session)
    assert '"part":[{"sections":["api"]}]' in text
    assert "| Part | section api |" in text
    back = read(text)
    assert back == session and [i.id for i in back.items()] == ids(opened.checklist)


def test_a_part_record_opened_with_another_part_grows_and_keeps_what_it_holds(django: Checklist) -> None:
    first = part.opening(django, part.choose(django, sections="api"))
    session = start(first.checklist)
    part.cover(session, first)
    session.item("api-token").status = Status.PASSED
    again = part.opening(django, part.choose(django, sections="websockets"), session)
    assert again.part == [PartSpec(sections=("api",)), PartSpec(sections=("websockets",))]
    assert part.cover(session, again)
    api_ws = [i.id for s in django.sections if s.id in ("api", "websockets") for i in s.items]
    assert sorted(i.id for i in session.items()) == sorted(api_ws)
    assert [s.id for s in session.sections] == [s.id for s in django.sections if s.id in ("api", "websockets")]
    assert session.counts()[Status.PASSED] == 1  # the tick survived
    # opened without options it keeps its part; the assignment does not widen a record
    kept = part.opening(assigned(django), part.choose(assigned(django), tester="Anna"), session)
    assert kept.part == again.part and ids(kept.checklist) == ids(again.checklist)


def test_a_whole_record_stays_whole(django: Checklist) -> None:
    session = start(django)
    opened = part.opening(django, part.choose(django, only="critical"), session)
    assert opened.part == [] and opened.checklist is django


def test_union_of_parts() -> None:
    a, b = [PartSpec(priorities=("critical",))], [PartSpec(sections=("api",))]
    assert part.union(a, b) == a + b
    assert part.union(a, b, a) == a + b
    assert part.union(a, []) == []  # one whole record: the merge covers the whole checklist
    assert part.describe(a + b) == "critical + section api"


def test_a_part_record_is_named_after_its_tester(django: Checklist) -> None:
    day = date(2026, 3, 10)
    assert default_record_path(django, "local", day).name == "django-upgrade-local-2026-03-10.md"
    assert default_record_path(django, "local", day, tester="Anna Lee").name == "django-upgrade-local-2026-03-10-anna-lee.md"
    assert default_record_path(django, "local", day, tester="Zoë").name == "django-upgrade-local-2026-03-10-zoë.md"
    anna = default_record_path(django, "local", day, tester="Anna")
    assert anna != default_record_path(django, "local", day, tester="Ben")


parts = st.lists(
    st.builds(
        PartSpec,
        priorities=st.lists(st.sampled_from(["critical", "important", "nice"]), unique=True).map(tuple),
        sections=st.lists(st.text(min_size=1, max_size=8), max_size=3).map(tuple),
        tags=st.lists(st.text(min_size=1, max_size=8), max_size=3).map(tuple),
        assigned=st.text(max_size=8),
    ),
    max_size=3,
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sessions, parts)
def test_the_part_round_trips_through_the_record(session: Session, part_specs: list[PartSpec]) -> None:
    session.part = part_specs
    assert read(render(session)) == session


ASSIGNED = """\
qatui: 1
title: Assigned
environments:
  local: {label: Local, default: true}
assign:
  api: Ben
  web-login: ana
sections:
  - id: api
    title: API
    priority: critical
    items:
      - {id: api-token, title: Token}
      - {id: api-list, title: List}
  - id: web
    title: Web
    priority: important
    items:
      - {id: web-login, title: Login}
      - {id: web-logout, title: Logout}
"""


def test_assign_is_read_from_the_file_and_gives_the_default_part(tmp_path: Path) -> None:
    path = tmp_path / "assigned.yaml"
    path.write_text(ASSIGNED, encoding="utf-8")
    checklist = load_checklist(path)
    assert checklist.assign == {"api": "Ben", "web-login": "ana"}
    ana = part.choose(checklist, tester="Ana")
    assert ana.specs == [PartSpec(assigned="ana")] and ana.by_assignment
    assert part.item_ids(checklist, ana.specs) == {"web-login"}
    assert part.item_ids(checklist, part.choose(checklist, tester="ben").specs) == {"api-token", "api-list"}


@pytest.mark.parametrize(
    ("assign", "line_col", "words"),
    [
        ("  apii: Ben\n", "6:3", "no section or item has the id 'apii' (did you mean 'api'?)"),
        ("  web-logon: Ana\n", "6:3", "(did you mean 'web-login'?)"),
        ("  api: ''\n", "6:8", "expected a tester's name"),
        ("  api: [Ben]\n", "6:8", "expected a string"),
    ],
)
def test_a_wrong_assign_names_file_line_col_and_the_nearest_id(
    tmp_path: Path, assign: str, line_col: str, words: str
) -> None:
    from qatui.core.errors import ChecklistError

    path = tmp_path / "bad.yaml"
    path.write_text(ASSIGNED.replace("  api: Ben\n  web-login: ana\n", assign), encoding="utf-8")
    with pytest.raises(ChecklistError) as caught:
        load_checklist(path)
    problems = [str(problem) for problem in caught.value.problems]
    assert len(problems) == 1 and f"bad.yaml:{line_col}: error:" in problems[0] and words in problems[0], problems
