"""A record that cannot be written is said on screen; the app keeps running and nothing crashes."""

from __future__ import annotations

from pathlib import Path

from qatui.ui.screens.modals import ErrorModal
from tests.ui.helpers import SIZE, make_app


async def test_first_save_into_a_folder_that_is_a_file_shows_an_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the record's folder should be")
    app = make_app(tmp_path, record_path=blocker / "record.md")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, ErrorModal)
        assert app.is_running
    assert app.return_code in (0, None)
    assert not (blocker / "record.md").exists()
