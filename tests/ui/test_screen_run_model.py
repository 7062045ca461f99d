"""The screen asks the run model: captures taken once, evidence newer than the verdict said,
`destructive: always` asked on an unprotected environment, nothing sent before trust."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from qatui.core.session import ProbeStatus
from qatui.ui.app import QatuiApp
from qatui.ui.screens.modals import TrustModal, TypeNameModal
from tests.servers import PASSWORD, HttpApp
from tests.ui.helpers import SIZE, make_app, record_of, screen_text, wait_for

CHECKLIST = """\
qatui: 1
title: Run model on the screen
from_env: [TEST_BASE_URL]
secrets:
  api_password: {env: TEST_API_PASSWORD}
environments:
  local: {label: Local, default: true, vars: {base_url: "${TEST_BASE_URL}"}}
sections:
  - id: api
    title: API
    priority: critical
    items:
      - id: login
        title: Token login
        probes:
          - id: token-login
            kind: http
            method: POST
            url: ${base_url}/api-token-auth/
            json: {username: qa, password: "${api_password}"}
            capture: {token: {json: token, secret: true}}
      - id: products
        title: Products with the token
        probes:
          - {id: products, kind: http, url: "${base_url}/api/v1/products/", headers: {Authorization: "Token ${token}"}}
      - id: products-again
        title: Products again
        probes:
          - {id: products-again, kind: http, url: "${base_url}/api/v1/products/", headers: {Authorization: "Token ${token}"}}
      - id: mail
        title: Send a test mail
        destructive: always
        probes:
          - {id: send-mail, kind: http, method: POST, url: "${base_url}/echo"}
"""


def app_for(tmp_path: Path, http_app: HttpApp, **options: Any) -> QatuiApp:
    path = tmp_path / "run.yaml"
    path.write_text(CHECKLIST)
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_DATA_HOME": str(tmp_path / "data"),
           "TEST_BASE_URL": http_app.url, "TEST_API_PASSWORD": PASSWORD}
    return make_app(tmp_path, path, env_vars=env, **options)


def logins(http_app: HttpApp) -> int:
    assert http_app.server is not None
    return http_app.server.requests.count("POST /api-token-auth/")


async def run_item(pilot: Any, app: QatuiApp, item_id: str) -> None:
    app.screen.checklist_view.select_item(item_id)  # type: ignore[attr-defined]
    await pilot.pause()
    await pilot.press("r")
    await wait_for(pilot, lambda: bool(app.view.probe_results(item_id)) and not app.view.running_probes)


async def test_a_capture_is_taken_once_and_newer_evidence_is_said(tmp_path: Path, http_app: HttpApp) -> None:
    app = app_for(tmp_path, http_app)
    before = logins(http_app)
    async with app.run_test(size=SIZE) as pilot:
        await run_item(pilot, app, "products")  # needs the token: the login runs first, once
        assert logins(http_app) == before + 1
        assert app.view.probe_results("products")["products"].status is ProbeStatus.PASSED
        await run_item(pilot, app, "products-again")  # the token is reused: no second login
        assert logins(http_app) == before + 1
        assert app.view.probe_results("products-again")["products-again"].status is ProbeStatus.PASSED
        # the tester ticks the login item, then re-runs it: the evidence is newer than the tick
        app.screen.checklist_view.select_item("login")  # type: ignore[attr-defined]
        await pilot.pause()
        app.clock.now = datetime.now(UTC)  # type: ignore[attr-defined]  # (probe times are the engine's)
        await pilot.press("p")
        assert "evidence newer than the verdict" not in screen_text(app)
        # The record keeps times to the second: a re-run within the tick's own second is not
        # "newer", so the re-run waits for the next second of the (real) engine clock.
        ticked = app.clock.now.replace(microsecond=0)  # type: ignore[attr-defined]
        await wait_for(pilot, lambda: datetime.now(UTC).replace(microsecond=0) > ticked)
        await pilot.press("r")
        await wait_for(pilot, lambda: logins(http_app) == before + 2 and not app.view.running_probes)
        await wait_for(pilot, lambda: "evidence newer than the verdict" in screen_text(app))
        assert "· ⚠ evidence newer than the verdict (ticked " in record_of_text(app)
        assert record_of(app).item("login").status.value == "passed"  # the tick itself stays


def record_of_text(app: QatuiApp) -> str:
    return Path(app.record_path).read_text(encoding="utf-8")


async def test_destructive_always_asks_on_an_unprotected_environment(tmp_path: Path, http_app: HttpApp) -> None:
    app = app_for(tmp_path, http_app)
    assert http_app.server is not None
    async with app.run_test(size=SIZE) as pilot:
        app.screen.checklist_view.select_item("mail")  # type: ignore[attr-defined]
        await pilot.pause()
        sent = len(http_app.server.requests)
        await pilot.press("r")
        assert isinstance(app.screen, TypeNameModal)
        assert "destructive: always" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert not app.view.running_probes and not app.view.probe_results("mail")
        assert len(http_app.server.requests) == sent
        await pilot.press("r", *"local", "enter")
        await wait_for(pilot, lambda: "send-mail" in app.view.probe_results("mail") and not app.view.running_probes)
        assert app.view.probe_results("mail")["send-mail"].status is ProbeStatus.PASSED


async def test_nothing_is_sent_before_trust_even_with_auto_run(tmp_path: Path, http_app: HttpApp) -> None:
    app = app_for(tmp_path, http_app, trusted=False, auto_run=True)
    assert http_app.server is not None
    sent = len(http_app.server.requests)
    async with app.run_test(size=SIZE) as pilot:
        for item_id in ("login", "products", "products-again"):
            app.screen.checklist_view.select_item(item_id)  # type: ignore[attr-defined]
            await pilot.pause(0.3)
        assert len(http_app.server.requests) == sent and not app.view.running_probes
        said = [note.message for note in app._notifications if "not trusted" in note.message]
        assert len(said) == 1 and "nothing runs until you review it" in said[0]  # said, once
        await pilot.press("r")  # the review first; no: still nothing
        assert isinstance(app.screen, TrustModal)
        await pilot.press("n")
        await pilot.pause()
        assert len(http_app.server.requests) == sent
