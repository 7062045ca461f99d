"""The header at 80×24 and beyond: title, environment, tester, elapsed time and progress all show.

The worst realistic case is used: a long checklist title, a protected environment, an hour on
the clock and several statuses in the count. The header row is read back from the terminal as
text, so the assertions are about what a tester sees, not about the widget's internals.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from qatui.ui.app import QatuiApp
from qatui.ui.widgets.session_header import SessionHeader
from tests.ui.helpers import CHECKLIST, FixedClock, make_app, screen_text

LONG_TITLE = "Django 4.2 upgrade — manual test checklist for the Uplink shop"


def long_title_checklist(tmp_path: Path) -> Path:
    path = tmp_path / "long.yaml"
    text = CHECKLIST.read_text(encoding="utf-8").replace("title: Shop upgrade", f"title: {LONG_TITLE}", 1)
    assert LONG_TITLE in text
    path.write_text(text, encoding="utf-8")
    return path


def header_line(app: QatuiApp) -> str:
    return screen_text(app).splitlines()[0]


async def ticked(app: QatuiApp, pilot: Any, clock: FixedClock) -> None:
    """Pass one item, fail one (with a note), skip one; then an hour passes (done: 2 of 5, the
    failed item is not done)."""
    await pilot.press("p", "j", "f", *"boom", "ctrl+s", "j", "s")
    clock.advance(3723)
    app.screen.query_one(SessionHeader).update_header()
    await pilot.pause()


@pytest.mark.parametrize("env_key", ["production", "local"])
async def test_every_field_is_on_screen_at_80x24(tmp_path: Path, env_key: str) -> None:
    clock = FixedClock()
    app = make_app(tmp_path, long_title_checklist(tmp_path), env_key=env_key, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await ticked(app, pilot, clock)
        line = header_line(app)
        assert len(line) == 80
        assert "Django 4.2 up" in line and "…" in line  # the title, shortened first
        if env_key == "production":
            assert "⚠ PRODUCTION" in line
        else:
            assert "Local (dev)" in line
        assert "Hannah" in line
        assert "1:02:03" in line
        assert re.search(r" 2/5( [✓✗⊘↷]\d+)*$", line.rstrip()), line  # last, and not cut at the edge


async def test_roomy_layout_at_120x40_shows_everything_in_full(tmp_path: Path) -> None:
    clock = FixedClock()
    app = make_app(tmp_path, env_key="production", clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await ticked(app, pilot, clock)
        line = header_line(app)
        for words in ("qatui", "Shop upgrade", "⚠ PRODUCTION · PROTECTED", "tester: Hannah", "⏱ 1:02:03", "2/5 ✓1 ✗1 ↷1"):
            assert words in line, (words, line)


async def test_resizing_lays_the_header_out_again(tmp_path: Path) -> None:
    app = make_app(tmp_path, long_title_checklist(tmp_path), env_key="production")
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        assert LONG_TITLE in header_line(app) and "tester: Hannah" in header_line(app)
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        line = header_line(app)
        assert LONG_TITLE not in line and "Hannah" in line and "0/5" in line
        await pilot.resize_terminal(40, 24)  # far too narrow: squeezed, never a crash
        await pilot.pause()
        assert len(header_line(app)) == 40


async def test_protected_environment_reads_in_words_with_no_color_at_80x24(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(tmp_path, long_title_checklist(tmp_path), env_key="production")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.no_color
        line = header_line(app)
        assert "⚠ PRODUCTION" in line and "Hannah" in line and "00:00" in line and "0/5" in line


@pytest.mark.parametrize("size", [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")])
def test_header_with_long_title_on_production_snapshot(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    clock = FixedClock()
    app = make_app(tmp_path, long_title_checklist(tmp_path), env_key="production", clock=clock)

    async def run_before(pilot: Any) -> None:
        await ticked(app, pilot, clock)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


async def test_long_environment_and_tester_names_are_cut_only_as_far_as_needed(tmp_path: Path) -> None:
    checklist = long_title_checklist(tmp_path)
    checklist.write_text(checklist.read_text().replace("label: Production", "label: Production (eu-west-1, primary)"))
    app = make_app(tmp_path, checklist, env_key="production", tester="Hannah Müller-Lüdenscheidt von Bergen")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        line = header_line(app)
        assert len(line) == 80 and line.rstrip().endswith(" 00:00  0/5"), line
        assert "⚠ PRODUCTION (EU-WEST" in line and "Hannah Müller" in line and "Django 4.2 up" in line
        await pilot.resize_terminal(120, 24)
        await pilot.pause()
        assert "Hannah Müller-Lüdenscheidt von Bergen" in header_line(app)
