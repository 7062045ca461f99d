"""The record as people see it: golden files, and markdown-it-py proving how it renders.

Golden files are compared byte for byte; regenerate them after an intended format change with
`QATUI_REGEN_GOLDEN=1 python -m pytest tests/unit/test_record_render.py` and review the diff.
"""

from __future__ import annotations

import dataclasses
import html
import os
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from markdown_it import MarkdownIt
from mdit_py_plugins.tasklists import tasklists_plugin

from qatui.core.checklist import Priority
from qatui.core.record import read, render
from qatui.core.session import Session, Status
from qatui.core.text import inert

from .record_samples import NASTY, basic_session, sessions, signed_session

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
SAMPLES = {"record-unsigned.md": basic_session, "record-signed.md": signed_session}
COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
TAG = re.compile(r"<[^>]+>")


def markdown() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table").use(tasklists_plugin)


def task_items(tokens: list[Any]) -> list[tuple[bool, str]]:
    """(checked, visible text of the first line) for every task list item, in order."""
    found = []
    for index, token in enumerate(tokens):
        if token.type == "list_item_open" and "task-list-item" in str(token.attrs.get("class", "")):
            inline = tokens[index + 2]
            assert inline.type == "inline"
            checkbox = inline.children[0]
            assert checkbox.type == "html_inline" and "task-list-item-checkbox" in checkbox.content
            text = "".join(child.content for child in inline.children[1:] if child.type in ("text", "code_inline"))
            found.append(('checked="checked"' in checkbox.content, text))
    return found


def visible_text(rendered_html: str) -> str:
    return html.unescape(TAG.sub(" ", COMMENT.sub(" ", rendered_html)))


def items_in_shown_order(session: Session) -> list[Any]:
    return [
        item
        for priority in Priority
        for section in session.sections
        if section.priority is priority
        for item in section.items
    ]


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_golden_record(name: str) -> None:
    text = render(SAMPLES[name]())
    path = GOLDEN / name
    if os.environ.get("QATUI_REGEN_GOLDEN"):
        path.write_text(text, encoding="utf-8", newline="")
    assert path.read_text(encoding="utf-8") == text, f"{name} differs; see the module docstring"
    assert read(path.read_text(encoding="utf-8")) == SAMPLES[name]()


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_golden_record_renders_as_a_report(name: str) -> None:
    text = (GOLDEN / name).read_text(encoding="utf-8")
    session = read(text)
    md = markdown()
    tokens = md.parse(text)
    rendered = md.render(text)
    tasks = task_items(tokens)
    shown = items_in_shown_order(session)
    # an item in conflict is never ticked, whatever its status: a new verdict decides
    assert [checked for checked, _ in tasks] == [item.status is Status.PASSED and not item.conflict for item in shown]
    for (_, line), item in zip(tasks, shown, strict=True):
        assert item.status.value.upper() in line and item.title in line and item.id in line
    visible = visible_text(rendered)
    assert "qatui:" not in visible and '"id":' not in visible
    # header, summary, performance (+ sign-off when signed) are real tables
    assert rendered.count("<table>") == (4 if session.signed else 3)
    headings = re.findall(r"<h2>(.*?)</h2>", rendered)
    assert headings[0] == "Summary" and "Open issues" in headings and headings[-1] == "Sign-off"
    assert "<details>" in rendered or name == "record-signed.md"
    assert ("Not signed" in visible) is (not session.signed)


def test_unsigned_golden_shows_evidence_and_open_issues() -> None:
    text = (GOLDEN / "record-unsigned.md").read_text(encoding="utf-8")
    rendered = markdown().render(text)
    visible = visible_text(rendered)
    # the note is shown literally, its fence and table and comment included
    assert "```\nlooks like a fence\n```" not in rendered
    assert "| not | a table |" in visible and "<!-- not a comment -->" in visible
    assert "<b>not bold</b>" in visible
    # log excerpt in a fence longer than the backtick run inside it
    assert "````` four backticks" not in text and "`````log" in text
    assert "web-1  | ```` four backticks" in visible
    open_issues = rendered.split("<h2>Open issues</h2>")[1].split("<h2>")[0]
    assert "ws-404" in open_issues and "api-token" in open_issues and "ws-connect" not in open_issues
    assert "task-list-item" not in open_issues
    performance = rendered.split("<h2>Performance</h2>")[1].split("</table>")[0]
    assert "+62.5 (+9.8%)" in performance and "≤ 800 ✓" in performance


def test_protected_environment_is_marked() -> None:
    text = render(signed_session())
    assert "**PROTECTED**" in text.split("## Summary")[0]
    assert "PROTECTED" not in render(basic_session()).split("## Summary")[0]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sessions)
def test_no_text_can_break_the_structure(session: Session) -> None:
    text = render(session)
    md = markdown()
    tokens = md.parse(text)
    rendered = md.render(text)
    shown = items_in_shown_order(session)
    tasks = task_items(tokens)
    # an item in conflict is never ticked, whatever its status: a new verdict decides
    assert [checked for checked, _ in tasks] == [item.status is Status.PASSED and not item.conflict for item in shown]
    expected_h2 = ["Summary"] + (["About this checklist"] if session.description or session.notes else [])
    expected_h2 += [f"{p.label}" for p in Priority if any(s.priority is p for s in session.sections)]
    expected_h2 += (["Performance"] if session.metrics else []) + ["Open issues"]
    expected_h2 += (["Merged from"] if session.sources else []) + ["Sign-off"]
    h2 = [TAG.sub("", h) for h in re.findall(r"<h2>(.*?)</h2>", rendered)]
    assert [h.split(" ", 1)[1] if h[0] in "●◐○" else h for h in h2] == expected_h2
    assert rendered.count("<h3>") == len(session.sections)
    assert rendered.count("<table>") == 2 + bool(session.metrics) + session.signed + bool(session.sources)
    visible = visible_text(rendered)
    # anchor data may be visible only as far as the tester's own text holds the same characters
    # (a title that quotes an anchor is shown literally, as it should be)
    written = "\n".join(strings_in(session))
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith("<!-- qatui:") and len(stripped) > 40:
            payload = stripped[12:-4]
            assert visible.count(payload) <= written.count(payload)


def strings_in(value: Any) -> list[str]:
    """Every string a session holds, at any depth."""
    if isinstance(value, str):
        return [value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [s for f in dataclasses.fields(value) for s in strings_in(getattr(value, f.name))]
    if isinstance(value, dict):
        return [s for pair in value.items() for part in pair for s in strings_in(part)]
    if isinstance(value, (list, tuple)):
        return [s for element in value for s in strings_in(element)]
    return []


def test_a_title_quoting_an_anchor_is_shown_but_never_read_as_one() -> None:
    session = Session(checklist_path="", tester="", environment="", title='\n<!-- qatui:end {"sections":0,"items":0,"metrics":0} -->\n')
    text = render(session)
    assert read(text) == session
    visible = visible_text(markdown().render(text))
    assert visible.count('qatui:end {"sections":0,"items":0,"metrics":0}') == 1  # the title, not the anchor


@pytest.mark.parametrize("title", [t for t in NASTY if t.strip() and "\n" not in t and "\r" not in t and "\x00" not in t])
def test_titles_show_literally(title: str) -> None:
    session = basic_session()
    session.item("ws-connect").title = title
    tasks = task_items(markdown().parse(render(session)))
    assert inert(title.strip()) in tasks[0][1]  # control characters literally too: as `\\x0b` (core/text.py)
