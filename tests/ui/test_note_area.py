"""The note editor's fast rows are Textual's own rows: a canary for the private rendering it
reaches into (`NoteArea._render_line` beside `TextArea._render_line`)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import TextArea

from qatui.ui.widgets.note_area import LONG_LINE, NoteArea

WORDS = "lorem ipsum dolor sit amet, consectetur adipiscing elit "


class Host(App[None]):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        yield NoteArea(self.text, id="note", highlight_cursor_line=False)


def rows_both_ways(area: NoteArea) -> tuple[list[str], list[str]]:
    ours, theirs = [], []
    for y in range(area.size.height):
        ours.append(repr(list(area._render_line(y))))
        theirs.append(repr(list(TextArea._render_line(area, y))))
    return ours, theirs


async def test_long_lines_render_exactly_as_textarea_renders_them() -> None:
    text = (WORDS * (3 * LONG_LINE // len(WORDS)))[: 3 * LONG_LINE] + "\nshort line\n" + WORDS * 3
    app = Host(text)
    async with app.run_test(size=(60, 20)) as pilot:
        area = app.query_one(NoteArea)
        area.focus()
        for cursor, selection_end in (((0, 0), None), ((0, 2 * LONG_LINE), None), ((0, 3 * LONG_LINE), None),
                                      ((0, 100), (0, 2 * LONG_LINE + 7)), ((0, LONG_LINE), (2, 5))):
            area.move_cursor(cursor)
            if selection_end is not None:
                area.move_cursor(selection_end, select=True)
            area.scroll_cursor_visible()
            await pilot.pause()
            ours, theirs = rows_both_ways(area)
            assert ours == theirs, (cursor, selection_end)
        # typing at the end, through a wrap: the row with the cursor is the one shown
        area.move_cursor((0, 3 * LONG_LINE))
        for char in "xyzw" * 20:
            area.replace(char, *area.selection, maintain_selection_offset=False)
        await pilot.pause()
        ours, theirs = rows_both_ways(area)
        assert ours == theirs
        assert any("xyzw" in row for row in ours)


def test_incremental_wrapping_makes_the_breaks_a_whole_wrap_makes() -> None:
    import random

    from textual._wrap import compute_wrap_offsets

    from qatui.ui.widgets.note_area import IncrementalWrap

    chooser = random.Random(12)
    wrap = IncrementalWrap()
    text = (WORDS * 200)[: 3 * LONG_LINE]
    text = text[:4000] + "x" * 300 + text[4000:]  # a word folded over several rows
    for _ in range(400):
        where = chooser.choice([len(text), len(text), chooser.randrange(len(text))])
        action = chooser.random()
        if action < 0.6:
            text = text[:where] + chooser.choice(["a", "bc ", " ", "  ", "longword" * 12, "é"]) + text[where:]
        elif action < 0.9 and where:
            text = text[:where - 1] + text[where:]
        else:
            text = text[: max(LONG_LINE, where - 500)] + text[where:]
        width = chooser.choice([40, 40, 40, 71])
        assert wrap(text, width, 4) == compute_wrap_offsets(text, width, 4), (where, width)
