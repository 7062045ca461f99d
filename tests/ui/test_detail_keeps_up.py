"""The item pane keeps up with the cursor (`MainScreen.on_checklist_view_item_highlighted`).

An isolated key draws the new item's steps in the same frame that moves the cursor (no wait
for the cursor to settle); keys that come faster than frames are coalesced, and the pane ends
on the last item. The screen runs with its real timers (`deterministic=False`); each frame
the screen draws is recorded as it is drawn. Nothing here depends on how long anything takes:
the tests wait for frames, not for a number of milliseconds.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual import events

from qatui.ui.app import QatuiApp
from qatui.ui.screens.main import MainScreen
from tests.ui.helpers import SIZE, make_app

ITEMS = 12


def steps_of(number: int) -> str:
    return f"Step unique to check {number:02d}"


def write_checklist(path: Path) -> Path:
    lines = ["qatui: 1", "title: Detail pane", "environments:", "  local: {label: Local, default: true}",
             "sections:", "  - id: s", "    title: Section", "    priority: critical", "    items:"]
    for number in range(1, ITEMS + 1):
        lines += [f"      - id: i{number:02d}", f"        title: Check {number:02d}",
                  f"        steps: ['{steps_of(number)}']"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class Frames:
    """What each frame drawn from now on shows: (the cursor's item, the item pane's text)."""

    def __init__(self, screen: MainScreen) -> None:
        self.shown: list[tuple[str | None, str]] = []
        self._screen = screen
        draw = screen._compositor_refresh

        def recorded() -> None:
            self.shown.append((screen.current_item_id, "\n".join(screen.item_pane.lines)))
            draw()

        screen._compositor_refresh = recorded  # type: ignore[method-assign]

    async def first_with_cursor_on(self, item_id: str, *, frames_after: int = 0) -> tuple[str | None, str]:
        """The first frame (after the first `frames_after` ones) with the cursor on `item_id`;
        waits for the screen's own update timer to draw it (a pilot pause would force one)."""
        for _ in range(2000):
            for frame in self.shown[frames_after:]:
                if frame[0] == item_id:
                    return frame
            await asyncio.sleep(0.005)
        raise AssertionError(f"no frame showed the cursor on {item_id}: {self.shown[frames_after:]}")

    async def settled(self) -> tuple[str | None, str]:
        """The last frame once the screen has drawn no new one for a while (the coalesced
        detail render is drawn after a pause in the keys: wait past it)."""
        seen = -1
        for _ in range(400):
            await asyncio.sleep(MainScreen.DETAIL_DELAY * 3)
            if len(self.shown) == seen and self.shown:
                return self.shown[-1]
            seen = len(self.shown)
        raise AssertionError("the screen never stopped drawing")


def main_screen(app: QatuiApp) -> MainScreen:
    screen = app.screen
    assert isinstance(screen, MainScreen)
    return screen


async def test_an_isolated_key_draws_the_items_steps_in_the_frame_that_moves_the_cursor(tmp_path: Path) -> None:
    app = make_app(tmp_path, write_checklist(tmp_path / "c.yaml"), deterministic=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = main_screen(app)
        frames = Frames(screen)
        await frames.settled()
        for number in range(2, 6):
            drawn = len(frames.shown)
            await pilot.press("j")
            _item, pane = await frames.first_with_cursor_on(f"i{number:02d}", frames_after=drawn)
            assert steps_of(number) in pane, pane
            await frames.settled()  # the next key is isolated again


async def test_a_burst_of_keys_ends_with_the_pane_on_the_last_item(tmp_path: Path) -> None:
    app = make_app(tmp_path, write_checklist(tmp_path / "c.yaml"), deterministic=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = main_screen(app)
        frames = Frames(screen)
        await frames.settled()
        burst = ITEMS - 3
        for _ in range(burst):  # all queued at once, as a held key delivers them to a busy screen
            app.post_message(events.Key("j", "j"))
        item, pane = await frames.settled()
        last = burst + 1
        assert item == f"i{last:02d}"
        assert steps_of(last) in pane, pane
        assert screen.current_item_id == f"i{last:02d}"
        # And the keys after a burst are isolated again: at once, in the cursor's frame.
        drawn = len(frames.shown)
        await pilot.press("j")
        item, pane = await frames.first_with_cursor_on(f"i{last + 1:02d}", frames_after=drawn)
        assert steps_of(last + 1) in pane, pane
