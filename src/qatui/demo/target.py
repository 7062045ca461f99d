"""The demo target: a small web application on loopback for `qatui demo` to test.

A newcomer must see every feature in the first minute with nothing installed beyond qatui's own
dependencies, so the target is built from the standard library's `ThreadingHTTPServer` and the
`websockets` library, each serving from a background thread on a free port of 127.0.0.1 (port
0, never a fixed port that may be taken, never any other address). It imitates the application
the shipped Django checklist was written for, so the demo checklist reads like a real one:

- HTTP: `POST /api-token-auth/` turns JSON credentials into a token; `/api/v1/products/`
  wants `Authorization: Token …` and answers DRF-style pages (`count`, `next`, `results`);
  `/admin/login/` is an HTML page, `/static/app.css` a stylesheet, `/health` a JSON heartbeat,
  `/api/v1/reports/daily/` is slow on purpose (`?ms=` sets how slow), `POST
  /api/v1/cache/clear/` is the demo's "destructive" action, and `/api/v1/labels/print/` fails
  with a 500 and logs a traceback — the one broken endpoint of the demo.
- WebSocket: `/ws/echo/` greets with `{"type": "hello"}` and echoes every message. The same
  path on the HTTP port answers 404, so a probe aimed at the wrong port shows qatui's
  explanation.
- A log file in a temporary folder: an access line per request, background-task chatter, and
  now and then an ERROR with a multi-line traceback, so the "no ERROR since start" probe fails
  now and then, as real ones do.

Everything stops with `stop()`; the temporary folder is removed with it.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from qatui.core.errors import QatuiError

HOST = "127.0.0.1"
USERNAME = "qa"
#: The demo's password. `qatui demo` puts it in QATUI_DEMO_PASSWORD, which the demo checklist
#: reads as a secret, so the screen and the record show it masked.
PASSWORD = "demo-Pa55word"
PASSWORD_ENV = "QATUI_DEMO_PASSWORD"
PAGE_SIZE = 10
PRODUCTS = [
    {"id": n, "sku": f"UPL-{1000 + n}", "name": name, "stock": (n * 7) % 23}
    for n, name in enumerate(
        [
            "Label printer ribbon", "Barcode scanner", "Thermal labels 100x150",
            "Shipping box S", "Shipping box M", "Shipping box L", "Packing tape",
            "Bubble wrap roll", "Pallet wrap", "Dock door sensor", "RFID tag pack",
            "Handheld terminal", "Charging cradle", "Tracking beacon", "Beacon battery",
            "Device mount", "Forklift tablet", "Warehouse sign kit", "Safety vest",
            "Hand truck", "Label applicator", "Scale 60 kg", "Cable ties", "Box cutter",
            "Inventory clipboard",
        ],
        start=1,
    )
]
ADMIN_LOGIN_HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Log in | Uplink site admin</title>
<link rel="stylesheet" href="/static/app.css"></head>
<body><div id="container"><h1 id="site-name">Uplink administration</h1>
<form method="post" id="login-form">
<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">
<label for="id_username">Username:</label><input type="text" name="username" id="id_username">
<label for="id_password">Password:</label><input type="password" name="password" id="id_password">
<input type="submit" value="Log in"></form></div></body></html>
"""
APP_CSS = "body { font-family: sans-serif; }\n#site-name { color: #417690; }\n"


class DemoTargetError(QatuiError):
    title = "Demo target did not start"


@dataclass
class _Log:
    """The target's log file: one lock so lines from many threads never interleave."""

    path: Path
    lock: threading.Lock = field(default_factory=threading.Lock)

    def write(self, level: str, logger: str, message: str, *continuation: str) -> None:
        stamp = datetime.now().astimezone().strftime("%H:%M:%S,%f")[:-3]
        text = f"{stamp} {level:<7} {logger}: {message}\n"
        text += "".join(f"{line}\n" for line in continuation)
        with self.lock:
            try:
                with self.path.open("a", encoding="utf-8") as handle:
                    handle.write(text)
            except FileNotFoundError:
                pass  # stop() removed the folder while a request was still being answered


def _traceback(*frames: tuple[str, int, str, str], error: str) -> list[str]:
    lines = ["Traceback (most recent call last):"]
    for path, line, func, code in frames:
        lines += [f'  File "{path}", line {line}, in {func}', f"    {code}"]
    return [*lines, error]


LABEL_PRINT_TRACEBACK = _traceback(
    ("/app/.venv/lib/python3.11/site-packages/django/core/handlers/base.py", 197,
     "_get_response", "response = wrapped_callback(request, *callback_args, **callback_kwargs)"),
    ("/app/uplink/labels/views.py", 58, "print_label", "if request.is_ajax():"),
    error="AttributeError: 'WSGIRequest' object has no attribute 'is_ajax'",
)
SYNC_TRACEBACK = _traceback(
    ("/app/.venv/lib/python3.11/site-packages/huey/api.py", 379, "_execute",
     "task_value = task.execute()"),
    ("/app/uplink/tasks.py", 42, "sync_prestashop", "products = client.get_products(since=last_sync)"),
    ("/app/uplink/prestashop.py", 88, "get_products",
     'raise PrestaShopTimeout(f"no answer from {self.url} after 30 s")'),
    error="uplink.prestashop.PrestaShopTimeout: no answer from https://shop.example.test after 30 s",
)


class _Handler(BaseHTTPRequestHandler):
    """The HTTP side; `server.target` is the DemoTarget that owns the server."""

    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "UplinkDemo/1.0 (qatui demo target)"

    # --- plumbing ---

    def log_message(self, format: str, *args: Any) -> None:
        """Requests are logged to the target's log file by `_answer`, not to stderr."""

    def _answer(self, status: int, body: bytes, content_type: str, started: float) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Demo-Server", "uplink-demo")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        took = (time.perf_counter() - started) * 1000
        level = "WARNING" if 400 <= status < 500 else "ERROR" if status >= 500 else "INFO"
        self.server.target.log.write(
            level, "gunicorn.access",
            f'{self.client_address[0]} "{self.command} {self.path} {self.request_version}" '
            f"{status} {len(body)} {took:.0f}ms",
        )

    def _json(self, status: int, data: Any, started: float) -> None:
        self._answer(status, json.dumps(data).encode(), "application/json", started)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    # --- routes ---

    def do_GET(self) -> None:
        started = time.perf_counter()
        url = urlsplit(self.path)
        target = self.server.target
        if url.path == "/health":
            self._json(200, {"status": "ok", "version": "4.2.16"}, started)
        elif url.path == "/api/v1/products/":
            self._products(url.query, started)
        elif url.path == "/admin/login/":
            html = ADMIN_LOGIN_HTML.format(csrf=secrets.token_hex(16)).encode()
            self._answer(200, html, "text/html; charset=utf-8", started)
        elif url.path == "/static/app.css":
            self._answer(200, APP_CSS.encode(), "text/css", started)
        elif url.path == "/api/v1/reports/daily/":
            # `?ms=` overrides the delay, so a benchmark can keep many probes in flight.
            try:
                delay = float(parse_qs(url.query)["ms"][0]) / 1000
            except (KeyError, ValueError):
                delay = target.slow_seconds
            time.sleep(min(max(delay, 0.0), 60.0))
            self._json(200, {"report": "daily", "orders": 128, "generated_in_ms": round(delay * 1000)}, started)
        elif url.path == "/api/v1/labels/print/":
            target.log.write("ERROR", "django.request", f"Internal Server Error: {url.path}",
                             *LABEL_PRINT_TRACEBACK)
            self._answer(500, b"<h1>Server Error (500)</h1>", "text/html", started)
        else:
            # Also what a WebSocket handshake on this port gets: plain HTTP has no /ws/ route.
            self._json(404, {"detail": "Not found."}, started)

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_POST(self) -> None:
        started = time.perf_counter()
        path = urlsplit(self.path).path
        if path == "/api/v1/cache/clear/":
            # The demo's "destructive" action: harmless, but a protected environment still asks.
            cleared = len(self.server.target.tokens)
            self.server.target.log.write("WARNING", "uplink.cache", f"cache cleared ({cleared} entries)")
            self._json(200, {"cleared": cleared}, started)
            return
        if path != "/api-token-auth/":
            self._json(404, {"detail": "Not found."}, started)
            return
        try:
            credentials = json.loads(self._body() or b"{}")
        except ValueError:
            self._json(400, {"detail": "JSON parse error."}, started)
            return
        if not isinstance(credentials, dict) or (
            credentials.get("username"), credentials.get("password")
        ) != (USERNAME, PASSWORD):
            self._json(400, {"non_field_errors": ["Unable to log in with provided credentials."]}, started)
            return
        token = secrets.token_hex(20)
        self.server.target.tokens.add(token)
        self._json(200, {"token": token}, started)

    def _products(self, query: str, started: float) -> None:
        scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
        if scheme != "Token" or token not in self.server.target.tokens:
            self._json(401, {"detail": "Authentication credentials were not provided."}, started)
            return
        try:
            page = max(1, int(parse_qs(query).get("page", ["1"])[0]))
        except ValueError:
            page = 1
        start = (page - 1) * PAGE_SIZE
        more = start + PAGE_SIZE < len(PRODUCTS)
        base = self.server.target.base_url
        self._json(
            200,
            {
                "count": len(PRODUCTS),
                "next": f"{base}/api/v1/products/?page={page + 1}" if more else None,
                "previous": f"{base}/api/v1/products/?page={page - 1}" if page > 1 else None,
                "results": PRODUCTS[start : start + PAGE_SIZE],
            },
            started,
        )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    target: DemoTarget

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-answer (a cancelled probe) is normal: log it, no traceback."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            self.target.log.write("INFO", "gunicorn.error", f"client {client_address[0]} went away")
            return
        super().handle_error(request, client_address)


class DemoTarget:
    """The demo application on free loopback ports; `start()` returns the variables to use.

    `error_after` / `error_every` (seconds) say when the background task first fails and how
    often it fails again (None: never); `chatter_every` paces the ordinary log lines;
    `slow_seconds` is how long the slow report takes.
    """

    def __init__(
        self,
        *,
        error_after: float | None = 20.0,
        error_every: float | None = 45.0,
        chatter_every: float = 2.0,
        slow_seconds: float = 0.4,
    ) -> None:
        self.error_after = error_after
        self.error_every = error_every
        self.chatter_every = chatter_every
        self.slow_seconds = slow_seconds
        self.tokens: set[str] = set()
        self.base_url = ""
        self.ws_url = ""
        self._dir: Path | None = None
        # Until start() makes the temporary folder, nothing can log; os.devnull keeps it harmless.
        self.log: _Log = _Log(Path(os.devnull))
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._http: _Server | None = None
        self._ws_loop: asyncio.AbstractEventLoop | None = None
        self._ws_stop: asyncio.Future[None] | None = None

    # --- lifecycle ---

    def start(self) -> dict[str, str]:
        """Start HTTP, WebSocket and the log writer; return the variables (see `variables`)."""
        self._dir = Path(tempfile.mkdtemp(prefix="qatui-demo-"))
        self.log = _Log(self._dir / "app.log")
        self.log.path.touch()
        try:
            self._start_http()
            self._start_websocket()
        except OSError as error:
            self.stop()
            raise DemoTargetError(f"cannot listen on {HOST}: {error.strerror or error}") from None
        self.log.write("INFO", "uplink", f"demo target listening: HTTP {self.base_url}, WebSocket {self.ws_url}")
        self._spawn(self._chatter, "qatui-demo-log")
        return self.variables()

    def stop(self) -> None:
        """Stop every server and thread and remove the temporary folder. Safe to call twice."""
        self._stop.set()
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None
        if self._ws_loop is not None and self._ws_stop is not None:
            loop, fut = self._ws_loop, self._ws_stop
            loop.call_soon_threadsafe(lambda: fut.done() or fut.set_result(None))
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads.clear()
        self._ws_loop = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> DemoTarget:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def variables(self) -> dict[str, str]:
        """What a checklist needs to reach the target (plain names, no QATUI_ prefix)."""
        http_port = self.base_url.rsplit(":", 1)[-1]
        ws_port = self.ws_url.rsplit(":", 1)[-1]
        return {
            "host": HOST,
            "base_url": self.base_url,
            "ws_url": self.ws_url,
            "http_port": http_port,
            "ws_port": ws_port,
            "ws_url_on_http_port": f"ws://{HOST}:{http_port}",
            "log_file": str(self.log.path),
            "username": USERNAME,
        }

    def environ(self) -> dict[str, str]:
        """The process environment `qatui demo` sets: QATUI_DEMO_<NAME> per variable + password."""
        env = {f"QATUI_DEMO_{name.upper()}": value for name, value in self.variables().items()}
        env[PASSWORD_ENV] = PASSWORD
        # The command probe runs "the Python of this installation", wherever it lives.
        env["QATUI_DEMO_PYTHON"] = sys.executable
        return env

    # --- the parts ---

    def _spawn(self, run: Any, name: str) -> None:
        thread = threading.Thread(target=run, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _start_http(self) -> None:
        self._http = _Server((HOST, 0), _Handler)
        self._http.target = self
        self.base_url = f"http://{HOST}:{self._http.server_address[1]}"
        http = self._http
        self._spawn(lambda: http.serve_forever(poll_interval=0.2), "qatui-demo-http")

    def _start_websocket(self) -> None:
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._ws_loop = loop
            try:
                loop.run_until_complete(self._serve_websocket(ready))
            except BaseException as error:  # reported to start() through `failure`
                failure.append(error)
                ready.set()
            finally:
                loop.close()

        self._spawn(run, "qatui-demo-ws")
        if not ready.wait(10) or failure:
            error = failure[0] if failure else TimeoutError("WebSocket server did not start in 10 s")
            raise OSError(str(error))

    async def _serve_websocket(self, ready: threading.Event) -> None:
        from websockets.asyncio.server import ServerConnection, serve
        from websockets.http11 import Request, Response

        def only_echo_path(connection: ServerConnection, request: Request) -> Response | None:
            if urlsplit(request.path).path.rstrip("/") != "/ws/echo":
                return connection.respond(HTTPStatus.NOT_FOUND, "No WebSocket route here\n")
            return None

        async def handler(ws: ServerConnection) -> None:
            self.log.write("INFO", "channels", f"WebSocket CONNECT {ws.request.path if ws.request else ''}")
            await ws.send(json.dumps({"type": "hello", "server": "uplink-demo"}))
            async for message in ws:
                await ws.send(message)

        self._ws_stop = asyncio.get_running_loop().create_future()
        async with serve(handler, HOST, 0, process_request=only_echo_path, logger=_quiet_logger()) as server:
            port = next(iter(server.sockets)).getsockname()[1]
            self.ws_url = f"ws://{HOST}:{port}"
            ready.set()
            await self._ws_stop

    def _chatter(self) -> None:
        """Background-task lines, and now and then a failing task with its traceback."""
        start = time.monotonic()
        next_error = start + self.error_after if self.error_after is not None else None
        count = 0
        while not self._stop.wait(self.chatter_every):
            count += 1
            task = uuid.UUID(int=count).hex[-8:]
            now = time.monotonic()
            if next_error is not None and now >= next_error:
                self.log.write("ERROR", "huey", f"Unhandled exception in task {task}: uplink.tasks.sync_prestashop",
                               *SYNC_TRACEBACK)
                next_error = now + self.error_every if self.error_every is not None else None
            else:
                self.log.write("INFO", "huey", f"Executing uplink.tasks.sync_stock: {task}")


def _quiet_logger() -> Any:
    """websockets logs handshake failures at ERROR on the root logger; the demo keeps quiet."""
    import logging

    logger = logging.getLogger("qatui.demo.websockets")
    logger.addHandler(logging.NullHandler())
    logger.propagate = False
    return logger


@contextmanager
def running(**options: Any) -> Iterator[DemoTarget]:
    """A started target for the length of a `with` block (tests, benchmarks, screenshots)."""
    target = DemoTarget(**options)
    target.start()
    try:
        yield target
    finally:
        target.stop()
