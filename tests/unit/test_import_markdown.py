"""Markdown structure → checklist: headings, priorities, items, steps, fields, notes, tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from qatui.core.checklist import Priority
from qatui.core.errors import ChecklistError
from qatui.core.markdown_import import (
    MarkdownImportError,
    import_markdown,
    import_markdown_text,
    priority_of,
    slugify,
)
from tests.unit.import_helpers import comparable, reload


@pytest.mark.parametrize(
    ("heading", "priority"),
    [
        ("🔴 CRITICAL - Must Test Before Production Deployment", Priority.CRITICAL),
        ("🟡 IMPORTANT - Test Within First Week", Priority.IMPORTANT),
        ("🟢 NICE TO HAVE - Test When Convenient", Priority.NICE),
        ("MUST pass", Priority.CRITICAL),
        ("Should: before the release", Priority.IMPORTANT),
        ("Nice to have", Priority.NICE),
        ("Login flows (P1)", Priority.CRITICAL),
        ("Low stock warnings", Priority.NICE),  # first word: taken as said
        ("Stock for high-volume items", None),  # a word in running text is not a priority
        ("⚙️ Configuration Notes", None),
        ("Monitoring After Deployment", None),
    ],
)
def test_priority_from_heading(heading: str, priority: Priority | None) -> None:
    assert priority_of(heading) is priority


def test_slugify() -> None:
    assert slugify("1. WebSocket Connections (Channels 3.0 → 4.0 - BREAKING CHANGES)") == (
        "websocket-connections-channels-3-0-4-0"
    )
    assert slugify("✅ Sign-Off Checklist") == "sign-off-checklist"
    assert slugify("日本語") == ""


DOC = """\
# Release check

Version: 2.1

Intro paragraph.

## MUST

### Login

Location: /login

- [ ] Log in
  - Open the page
  - Type the password
    - the one from the vault
- [x] Log out

  Expected: back on the start page

  If fails: clear cookies

Expected: the dashboard shows

If fails: see auth logs

### Login

- [ ] Log in

## Things

| Key | Value |
|---|---|
| a | b |

Some text.

## Later

- [ ] Parent
  - [ ] Child box
  - a step

Some more words after the list.
"""


def test_structure_items_steps_fields_and_notes(tmp_path: Path) -> None:
    c = import_markdown_text(DOC, "doc.md")
    assert c.title == "Release check" and c.version == "2.1" and c.description == "Intro paragraph."
    assert [(s.id, s.title, s.priority, len(s.items)) for s in c.sections] == [
        ("login", "Login", Priority.CRITICAL, 2),
        ("login-2", "Login", Priority.CRITICAL, 1),
        ("later", "Later", Priority.IMPORTANT, 2),
    ]
    login, logout = c.sections[0].items
    assert login.id == "log-in" and c.sections[1].items[0].id == "log-in-2"
    assert login.steps == ["Open the page", "Type the password", "  the one from the vault"]
    assert (login.location, login.expected, login.if_fails) == ("/login", "the dashboard shows", "see auth logs")
    assert (logout.expected, logout.if_fails) == ("back on the start page", "clear cookies")
    assert c.initial_status == {"log-out": "passed"}
    parent, child = c.sections[2].items
    assert (parent.title, child.title) == ("Parent", "Child box")
    assert parent.steps == ["a step"]
    assert c.sections[2].description == "Some more words after the list."
    (note,) = c.notes
    assert note.title == "Things" and "| a | b |" in note.text and "Some text." in note.text
    assert c.metrics == []
    assert comparable(reload(c, tmp_path)) == comparable(c)


def test_labelled_lists_split_a_heading_into_sections() -> None:
    c = import_markdown_text(
        "## Monitoring\n\nIntro.\n\nFirst day\n\n- [ ] a\n- [ ] b\n\nFirst week\n\n- [ ] c\n\nOutro.\n\n"
        "## Sign-off\n\nBefore you sign:\n\n- [ ] d\n",
        "m.md",
    )
    assert [(s.title, len(s.items)) for s in c.sections] == [
        ("Monitoring: First day", 2),
        ("Monitoring: First week", 1),
        ("Sign-off", 1),
    ]
    assert c.sections[2].description == "Before you sign:"
    assert (c.sections[0].description, c.sections[1].description) == ("Intro.", "Outro.")


def test_hash_lines_inside_a_fence_are_not_headings() -> None:
    c = import_markdown_text("## A\n\n```sh\n# B\necho hi\n```\n\n- [ ] x\n", "f.md")
    assert [s.title for s in c.sections] == ["A"]
    assert c.items()[0].probes[0].name == "B"


def test_task_boxes_in_fences_and_quotes_of_code_are_not_items() -> None:
    c = import_markdown_text("## A\n\n```\n- [ ] not a box\n```\n\n- [ ] a box\n", "f.md")
    assert [i.title for i in c.items()] == ["a box"]


def test_no_boxes_is_a_problem_with_a_position() -> None:
    with pytest.raises(ChecklistError) as info:
        import_markdown_text("# Just notes\n\nNothing to tick.\n", "notes.md")
    assert "no task boxes" in str(info.value.problems[0])


def test_unreadable_files_are_typed_errors(tmp_path: Path) -> None:
    latin = tmp_path / "latin.md"
    latin.write_bytes("- [ ] Café\n".encode("latin-1"))
    with pytest.raises(MarkdownImportError, match="not UTF-8"):
        import_markdown(latin)
    binary = tmp_path / "bin.md"
    binary.write_bytes(b"- [ ] x\x00\x01")
    with pytest.raises(MarkdownImportError, match="binary"):
        import_markdown(binary)
    with pytest.raises(MarkdownImportError, match=r"missing\.md: no such file"):
        import_markdown(tmp_path / "missing.md")
    folder = tmp_path / "folder.md"
    folder.mkdir()
    with pytest.raises(MarkdownImportError, match=r"folder\.md: is a folder, not a checklist file"):
        import_markdown(folder)
    huge = tmp_path / "huge.md"
    huge.write_bytes(b"- [ ] x\n" * 300_000)
    with pytest.raises(MarkdownImportError, match="file is too large"):
        import_markdown(huge)
    with pytest.raises(MarkdownImportError, match="is a character device, not a regular file"):
        import_markdown("/dev/zero")


def test_utf8_bom_and_crlf_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "bom.md"
    path.write_bytes("\ufeff# T\r\n\r\n## CRITICAL\r\n\r\n- [ ] one\r\n- [X] two\r\n".encode())
    c = import_markdown(path)
    assert c.title == "T" and [i.id for i in c.items()] == ["one", "two"]
    assert c.sections[0].priority is Priority.CRITICAL and c.initial_status == {"two": "passed"}
