"""Which of a checklist's notes concern which items: a note concerns every item it names.

The checklist's notes (known issues, rollback, configuration, monitoring) are written for the
whole checklist, but most of them are about a few items; a tester on one of those items should
see that a note is about it. The rule is kept simple so an author can predict it: a note
*names* an item when its title or text contains the item's id, or the id of one of the item's
probes, as a whole word (`ws-port-open`, `deprecation-check`: not `port` inside `ws-port-open`,
and not an id that is only part of a longer one). Ids are letters, digits, `.`, `_` and `-`
(see docs/checklist-format.md), so a whole word is one that no such character touches, except
a full stop that ends a sentence. Nothing else (no headings, no fuzzy matching) counts.
"""

from __future__ import annotations

import re

from qatui.core.checklist import Checklist, Item, Note

#: How each note kind is headed on the screen (the mark reads without colour).
KIND_LABELS = {
    "info": "• Info",
    "config": "⚙ Configuration",
    "known-issues": "⚠ Known issue",
    "rollback": "↶ Rollback",
    "monitoring": "◉ Monitoring",
}

#: Characters an id may contain (a name that touches one is part of a longer word).
_ID_CHAR = r"[A-Za-z0-9_\-]"


def _pattern(name: str) -> re.Pattern[str]:
    # A full stop after the name may end the sentence; one followed by an id character is part
    # of a longer (dotted) name.
    return re.compile(rf"(?<![A-Za-z0-9_\-.]){re.escape(name)}(?!{_ID_CHAR}|\.{_ID_CHAR})")


def notes_naming(checklist: Checklist, item: Item) -> list[Note]:
    """The notes that name `item` (its id or one of its probes' ids), in the checklist's order.
    The screen asks this for the item it shows (~10 µs), not for all of them before the first
    frame (`notes_by_item` over a hundred items and six notes took ~1 ms)."""
    names = (item.id, *(probe.id for probe in item.probes))
    found = []
    for note in checklist.notes:
        text = f"{note.title}\n{note.text}"
        # The substring test first: a regex is made only for a name the text contains.
        if any(name in text and _pattern(name).search(text) for name in names):
            found.append(note)
    return found


def notes_by_item(checklist: Checklist) -> dict[str, list[Note]]:
    """item id → the notes that name it (`notes_naming`); items no note names are left out."""
    if not checklist.notes:
        return {}
    return {item.id: notes for item in checklist.items() if (notes := notes_naming(checklist, item))}


def note_heading(note: Note) -> str:
    """`⚠ Known issue · Channels 4 breaking changes`: the kind, then the note's own title
    (untrusted: the caller makes it inert for where it shows it)."""
    return f"{KIND_LABELS.get(note.kind, note.kind)} · {note.title}"
