"""The checklist scrolls in half-pane jumps: a held `j` repaints two rows per key, and the
whole pane only when the cursor leaves it."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

from qatui.ui.widgets.checklist_view import ChecklistView
from tests.ui.helpers import make_app, screen_text


def long_checklist(path: Path, items: int) -> Path:
    lines = ["qatui: 1", "title: Long list", "environments:", "  local: {label: Local, default: true}", "sections:",
             "  - id: s", "    title: Section", "    priority: critical", "    items:"]
    for n in range(items):
        lines += [f"      - id: i{n:03d}", f"        title: Item {n:03d}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def test_a_held_j_scrolls_in_half_pane_jumps(tmp_path: Path) -> None:
    app = make_app(tmp_path, long_checklist(tmp_path / "long.yaml", 120))
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.screen.query_one(ChecklistView)
        height = view.scrollable_content_region.height
        offsets = []
        for _ in range(3 * height):
            await pilot.press("j")
            offsets.append(round(view.scroll_offset.y))
            first = offsets[-1]
            assert first <= view.cursor < first + height  # the cursor is always in view
        jumps = [b - a for a, b in pairwise(offsets) if b != a]
        assert jumps and all(jump >= height // 2 - 1 for jump in jumps)  # no one-row scrolls
        assert len(jumps) <= 6
        await pilot.press("G")
        assert view.highlighted_item is not None and view.highlighted_item.id == "i119"
        await pilot.press("g")
        assert round(view.scroll_offset.y) == 0


async def test_grown_again_after_a_small_window_the_list_shows_its_first_heading(tmp_path: Path) -> None:
    # The cursor fits on the first page again, so nothing above it needs to stay hidden.
    django = Path(__file__).resolve().parents[2] / "checklists" / "django-upgrade.yaml"
    app = make_app(tmp_path, django)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(*"jjjjj")
        await pilot.resize_terminal(30, 8)
        await pilot.pause()
        view = app.screen.query_one(ChecklistView)
        assert view.scroll_offset.y > 0  # the cursor on the sixth item, in a 4-row pane
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert view.scroll_offset.y == 0
        assert "CRITICAL" in screen_text(app)
