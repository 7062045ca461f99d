"""The demo target answers like the application the demo checklist describes.

Real servers on 127.0.0.1, real clients (httpx, websockets); `qatui demo --serve` as a real
process.
"""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from qatui.demo.target import PASSWORD, USERNAME, DemoTarget, running
from tests.e2e.helpers import isolated_env, served_demo, wait_for


@pytest.fixture
def target() -> Iterator[DemoTarget]:
    with running(error_after=None, chatter_every=0.05) as demo:
        yield demo


def token_for(base: str) -> str:
    answer = httpx.post(f"{base}/api-token-auth/", json={"username": USERNAME, "password": PASSWORD})
    assert answer.status_code == 200
    return answer.json()["token"]


def test_token_then_products_pages(target: DemoTarget) -> None:
    base = target.base_url
    token = token_for(base)
    first = httpx.get(f"{base}/api/v1/products/", headers={"Authorization": f"Token {token}"}).json()
    assert first["count"] == 25 and len(first["results"]) == 10
    assert first["results"][0]["sku"].startswith("UPL-")
    last = httpx.get(f"{base}/api/v1/products/?page=3", headers={"Authorization": f"Token {token}"}).json()
    assert last["next"] is None and len(last["results"]) == 5
    assert first["next"] == f"{base}/api/v1/products/?page=2"


def test_products_refuse_anonymous_and_wrong_tokens(target: DemoTarget) -> None:
    base = target.base_url
    assert httpx.get(f"{base}/api/v1/products/").status_code == 401
    assert httpx.get(f"{base}/api/v1/products/", headers={"Authorization": "Token nope"}).status_code == 401
    wrong = httpx.post(f"{base}/api-token-auth/", json={"username": USERNAME, "password": "guess"})
    assert wrong.status_code == 400 and "non_field_errors" in wrong.json()


def test_pages_health_static_and_slow(target: DemoTarget) -> None:
    base = target.base_url
    assert httpx.get(f"{base}/health").json()["status"] == "ok"
    admin = httpx.get(f"{base}/admin/login/")
    assert admin.headers["content-type"].startswith("text/html") and "Uplink administration" in admin.text
    assert httpx.get(f"{base}/static/app.css").headers["content-type"] == "text/css"
    slow = httpx.get(f"{base}/api/v1/reports/daily/")
    assert slow.status_code == 200 and slow.elapsed.total_seconds() >= target.slow_seconds


def test_failing_endpoint_logs_a_traceback(target: DemoTarget) -> None:
    assert httpx.get(f"{target.base_url}/api/v1/labels/print/").status_code == 500
    text = Path(target.variables()["log_file"]).read_text()
    assert "ERROR   django.request: Internal Server Error: /api/v1/labels/print/" in text
    assert "Traceback (most recent call last):" in text and "is_ajax" in text


def test_websocket_greets_echoes_and_the_http_port_refuses(target: DemoTarget) -> None:
    async def talk() -> list[str]:
        async with connect(f"{target.ws_url}/ws/echo/") as ws:
            hello = str(await ws.recv())
            await ws.send(json.dumps({"type": "ping", "n": 1}))
            return [hello, str(await ws.recv())]

    hello, echo = asyncio.run(talk())
    assert json.loads(hello)["type"] == "hello"
    assert json.loads(echo) == {"type": "ping", "n": 1}

    async def wrong_port() -> int:
        try:
            async with connect(f"{target.variables()['ws_url_on_http_port']}/ws/echo/"):
                return 101
        except InvalidStatus as error:
            return error.response.status_code

    assert asyncio.run(wrong_port()) == 404


def test_background_task_fails_now_and_then_with_a_traceback() -> None:
    with running(error_after=0.1, error_every=0.2, chatter_every=0.02) as demo:
        log = Path(demo.variables()["log_file"])

        def two_errors() -> bool:
            return log.read_text().count("ERROR   huey: Unhandled exception") >= 2

        wait_for(two_errors, timeout=10, what="two task failures in the log")
        text = log.read_text()
        assert "PrestaShopTimeout" in text and "INFO    huey: Executing" in text


def test_stop_frees_the_ports_and_removes_the_log_folder() -> None:
    demo = DemoTarget(error_after=None)
    variables = demo.start()
    folder = Path(variables["log_file"]).parent
    assert folder.is_dir()
    demo.stop()
    assert not folder.exists()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{variables['base_url']}/health", timeout=2)
    demo.stop()  # twice is harmless


def test_serve_prints_variables_and_stops_on_sigterm(tmp_path: Path) -> None:
    with served_demo(isolated_env(tmp_path)) as demo:
        names = set(demo.variables)
        assert {"QATUI_DEMO_BASE_URL", "QATUI_DEMO_WS_URL", "QATUI_DEMO_LOG_FILE", "QATUI_DEMO_PASSWORD"} <= names
        assert demo.variables["QATUI_DEMO_BASE_URL"].startswith("http://127.0.0.1:")
        assert httpx.get(demo.variables["QATUI_DEMO_BASE_URL"] + "/health").status_code == 200
        log_dir = Path(demo.variables["QATUI_DEMO_LOG_FILE"]).parent
        demo.process.send_signal(signal.SIGTERM)
        assert demo.process.wait(timeout=10) == 0
        assert not log_dir.exists()
