"""The checklist's own words: its description and its notes, on one scrolling page (`i`).

A checklist carries more than items: what it is for (`description`) and notes on known issues,
rollback, configuration and monitoring (`notes:` in docs/checklist-format.md). They were shown
nowhere; here they are rendered as Markdown (a note's lists and indented commands read as
written), each note headed by its kind and followed by the items it names (`core/note_refs.py`;
the item pane marks the same items). The text is the checklist's, so it is untrusted: control
characters are made visible before the Markdown sees it, and links are not followed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Markdown, Static

from qatui.core.checklist import Checklist
from qatui.core.note_refs import note_heading, notes_by_item
from qatui.core.text import inert
from qatui.ui.screens.modals import ScrollBody, dialog_footer

if TYPE_CHECKING:
    from markdown_it import MarkdownIt


def text_markdown(text: str) -> str:
    """A note's free-form text as Markdown that keeps its lines: each line ends where the author
    ended it, and indented lines under a line that is not a list item (the commands of a
    rollback note) become a code block, shown as written; an indented line under a list item
    continues that item. Control characters are made visible first (`inert`)."""
    out: list[str] = []
    code: list[str] = []
    in_list = False

    def close_code() -> None:
        if code:
            margin = min(len(line) - len(line.lstrip()) for line in code if line.strip())
            out.extend(["", "```text", *(line[margin:] for line in code), "```", ""])
            code.clear()

    for line in inert(text.rstrip()).splitlines():
        indented = line[:1].isspace() and line.strip()
        if indented and (code or not in_list):
            code.append(line)
            continue
        close_code()
        if not indented:
            item = line.startswith(("- ", "* ", "+ "))
            if in_list and not item and line.strip():
                out.append("")  # the list ends here (else the line would join its last item)
            in_list = item
        out.append(line.rstrip() + "  " if line.strip() else "")  # two spaces: a hard line break
    close_code()
    return "\n".join(out).strip("\n")


def notes_markdown(checklist: Checklist) -> str:
    """The description and every note as one Markdown document."""
    concerned: dict[int, list[str]] = {}
    for item_id, notes in notes_by_item(checklist).items():
        for note in notes:
            concerned.setdefault(id(note), []).append(item_id)
    parts: list[str] = []
    if checklist.description.strip():
        parts.append(inert(checklist.description.strip()))
    if not checklist.notes:
        parts.append("*This checklist has no notes.*")
    for note in checklist.notes:
        parts.append(f"## {inert(note_heading(note), one_line=True)}")
        parts.append(text_markdown(note.text))
        items = concerned.get(id(note))
        if items:
            parts.append("*Concerns:* " + ", ".join(f"`{item_id}`" for item_id in items))
    return "\n\n".join(parts) + "\n"


def _parser() -> MarkdownIt:
    """CommonMark, with no linkify: a note's `manage.py` is a file name, not a web address."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark")


class ChecklistNotesScreen(ModalScreen[None]):
    """The description and notes of the checklist; esc, q or i closes."""

    CSS_PATH = "dialogs.tcss"  # read when the first of these screens opens
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,i", "close", "Close")]
    AUTO_FOCUS = "#notes-body"

    def __init__(self, checklist: Checklist) -> None:
        super().__init__()
        self.checklist = checklist

    def compose(self) -> ComposeResult:
        with Vertical(id="notes-dialog", classes="dialog"):
            # markup=False: a title's "[" is text, never Textual markup
            yield Label(f"About this checklist: {inert(self.checklist.title, one_line=True)}", markup=False,
                        classes="dialog-title dialog-top")
            yield ScrollBody(Markdown(notes_markdown(self.checklist), open_links=False, parser_factory=_parser),
                             id="notes-body")
            yield Static("↑↓ j k PgUp PgDn g G scroll · esc closes", classes="dialog-hint dialog-bottom")
        yield dialog_footer()

    def action_close(self) -> None:
        self.dismiss(None)
