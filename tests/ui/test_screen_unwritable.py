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


async def test_a_note_whose_save_fails_stays_in_its_dialog(tmp_path: Path) -> None:
    from qatui.ui.screens.modals import NoteModal

    folder = tmp_path / "records"
    folder.mkdir()
    app = make_app(tmp_path, record_path=folder / "record.md")
    note = "the label printer jams on the second page"
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("p", "j")  # the record exists; then its folder goes away (tests run as root,
        await pilot.pause()  # where chmod does not stop a write: a file where the folder was does)
        folder.rename(tmp_path / "moved")
        folder.write_text("a file where the record's folder should be")
        await pilot.press("n", *note, "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ErrorModal)  # said, in words
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, NoteModal)  # and the typed note is still there
        assert app.screen.value == note
        assert "not saved: your note is kept here" in str(app.screen.query_one(".dialog-hint").render())
        folder.unlink()  # the tester puts the folder back, then tries again
        (tmp_path / "moved").rename(folder)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, NoteModal)
    assert note in (folder / "record.md").read_text(encoding="utf-8")
