"""A new session is shown before it is written, and its fingerprints are added when it is."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from qatui.core.session import Session
from tests.ui.helpers import make_app, record_of
from tests.unit.record_samples import sample_checklist


def test_fingerprints_filled_later_equal_those_made_at_the_start() -> None:
    checklist = sample_checklist()
    when = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    whole = Session.start(checklist, tester="Hannah", environment="local", started_at=when)
    shown = Session.start(checklist, tester="Hannah", environment="local", started_at=when, fingerprints=False)
    assert {item.fingerprint for item in shown.items()} == {""}
    shown.fill_fingerprints(checklist)
    assert shown == whole
    assert all(item.fingerprint for item in whole.items())


async def test_the_record_of_a_new_session_carries_every_fingerprint(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.checklist is not None
        expected = {item.id: item.fingerprint() for section in app.checklist.sections for item in section.items}
    written = {item.id: item.fingerprint for item in record_of(app).items()}
    assert written == expected and all(written.values())
