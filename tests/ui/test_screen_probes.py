"""Probes from the screen: run, results in the record, expand, trust, destructive, cancel.

Against the real loopback HTTP app of `tests/servers.py`; the probe engine runs on its own
thread, so the tests wait for its results (polling the app between frames, never sleeping).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from qatui.core.session import ProbeStatus
from qatui.ui.app import QatuiApp
from qatui.ui.screens.main import MainScreen
from qatui.ui.screens.modals import TrustModal, TypeNameModal
from tests.servers import HttpApp
from tests.ui.helpers import FIXTURES, SIZE, make_app, record_of, screen_text, wait_for

PROBES = FIXTURES / "probes.yaml"


def probe_app(tmp_path: Path, http_app: HttpApp, **options: Any) -> QatuiApp:
    env = {
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "TEST_BASE_URL": http_app.url,
        "PATH": "/usr/bin:/bin",
    }
    return make_app(tmp_path, PROBES, env_vars=env, **options)



def idle(app: QatuiApp) -> Callable[[], bool]:
    return lambda: not app.view.running_probes


async def test_r_runs_the_probes_and_records_results_metric_and_fact(tmp_path: Path, http_app: HttpApp) -> None:
    app = probe_app(tmp_path, http_app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await wait_for(pilot, lambda: bool(app.view.probe_results("version")) and idle(app)())
        session = record_of(app)
        result = session.item("version").probes[0]
        assert result.status is ProbeStatus.PASSED
        assert session.item("version").status.value == "untested"  # probes suggest, never tick
        assert session.metrics[0].after is not None
        assert session.facts == {"Django version": "4.2.30"}
        assert "all probes passed — press p to confirm" in screen_text(app)


async def test_a_failed_probe_expands_to_its_explanation_and_can_be_attached(tmp_path: Path, http_app: HttpApp) -> None:
    app = probe_app(tmp_path, http_app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "r")
        await wait_for(pilot, lambda: "error-page" in app.view.probe_results("broken") and idle(app)())
        assert record_of(app).item("broken").probes[0].status is ProbeStatus.FAILED
        screen = app.screen
        assert isinstance(screen, MainScreen)
        screen.probe_pane.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert "Why:" in screen_text(app)
        await pilot.press("a")
        evidence = record_of(app).item("broken").evidence
        assert [e.kind for e in evidence] == ["probe"]
        assert "500" in evidence[0].text


async def test_R_runs_the_whole_section(tmp_path: Path, http_app: HttpApp) -> None:
    app = probe_app(tmp_path, http_app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("R")
        await wait_for(pilot, lambda: "error-page" in app.view.probe_results("broken"), timeout=10)
        await pilot.press("x")  # the slow one is cancelled
        await wait_for(pilot, idle(app))
        session = record_of(app)
        assert session.item("version").probes and session.item("broken").probes
        assert session.item("slow").probes[0].status is not ProbeStatus.PASSED


async def test_untrusted_command_probe_asks_to_trust_first(tmp_path: Path, http_app: HttpApp) -> None:
    app = probe_app(tmp_path, http_app, trusted=False)
    async with app.run_test(size=SIZE) as pilot:
        app.screen.checklist_view.select_item("greet")  # type: ignore[attr-defined]
        await pilot.press("r")
        assert isinstance(app.screen, TrustModal)
        assert "echo hello-from-probe" in screen_text(app)
        await pilot.press("n")  # not trusted: nothing runs
        assert not app.view.running_probes and not app.view.probe_results("greet")
        await pilot.press("r", "y")
        await wait_for(pilot, lambda: "say-hello" in app.view.probe_results("greet") and idle(app)())
        assert record_of(app).item("greet").probes[0].status is ProbeStatus.PASSED
        assert (tmp_path / "data" / "qatui" / "trusted.json").exists()


async def test_destructive_probe_on_a_protected_environment_needs_its_name(tmp_path: Path, http_app: HttpApp) -> None:
    app = probe_app(tmp_path, http_app, env_key="production")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "PRODUCTION · PROTECTED" in screen_text(app)
        app.screen.checklist_view.select_item("wipe")  # type: ignore[attr-defined]
        await pilot.press("r")
        assert isinstance(app.screen, TypeNameModal)
        await pilot.press(*"prod", "enter")
        assert isinstance(app.screen, TypeNameModal)  # not the name: still asking
        await pilot.press(*"uction", "enter")
        await wait_for(pilot, lambda: "wipe-cache" in app.view.probe_results("wipe") and idle(app)())
        assert record_of(app).item("wipe").probes[0].status is ProbeStatus.PASSED
        # The name counts for that run only: the next run asks again, and "no" runs nothing.
        first = app.view.probe_results("wipe")["wipe-cache"]
        await pilot.press("r")
        assert isinstance(app.screen, TypeNameModal)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, TypeNameModal)
        assert not app.view.running_probes and app.view.probe_results("wipe")["wipe-cache"] is first


async def test_auto_run_runs_probes_when_an_item_is_opened(tmp_path: Path, http_app: HttpApp) -> None:
    app = probe_app(tmp_path, http_app, auto_run=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "version-json" in app.view.probe_results("version") and idle(app)())
        assert record_of(app).item("version").probes[0].status is ProbeStatus.PASSED


async def test_probes_on_a_signed_record_are_shown_not_saved(tmp_path: Path, http_app: HttpApp) -> None:
    """A signed record does not change: results still show, nothing runs on its own, and no
    error dialog opens for each result."""
    from qatui.core.session import SignOff
    from qatui.ui.screens.modals import ErrorModal
    from tests.ui.helpers import T0

    app = probe_app(tmp_path, http_app, auto_run=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: bool(app.view.probe_results("version")) and idle(app)())
        app.sessions.sign(SignOff(name="Hannah", role="QA", at=T0, meaning="tested"))
        await pilot.press("j")
        await pilot.pause(0.3)
        assert not app.view.probe_results("broken") and idle(app)()  # auto-run is off for a signed record
        await pilot.press("r")
        await wait_for(pilot, lambda: "error-page" in app.view.probe_results("broken") and idle(app)())
        assert not isinstance(app.screen, ErrorModal)
        assert any("shown, not saved" in note.message for note in app._notifications)
    saved = record_of(app)
    assert saved.signoff is not None and not saved.item("broken").probes
