"""Real loopback servers for probe tests and benchmarks, each on a free 127.0.0.1 port.

* `HttpApp`: a stdlib `ThreadingHTTPServer` shaped like the Django app of the example checklist:
  DRF token auth (`POST /api-token-auth/`, JSON; `POST /drf/api-token-auth/` with DRF's own
  parsers: form, multipart or JSON, else 415), an authenticated product list, JSON, a slow
  endpoint, a huge streamed body, a redirect loop, invalid JSON, a 500. With `tls=True` it
  serves HTTPS with a self-signed certificate made by the `openssl` CLI.
* `WsServer`: a `websockets` server that greets and echoes (`/ws/devices/`), closes at once
  (`/ws/close/`) or refuses with 403 (`/ws/forbidden/`).

The HTTP app answers a WebSocket upgrade with an ordinary 404: that is the "WebSocket sent to
Gunicorn's port" case. Fixtures are registered for every test through `tests/conftest.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from qatui.core.checklist import Checklist, Environment, Item, Priority, ProbeSpec, Secret, Section
from qatui.core.errors import Position

TOKEN = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"
PASSWORD = "canary-Pa55word-7f3a"
PRODUCTS = {"count": 2, "results": [{"sku": "A-1", "price": 9.5}, {"sku": "B-2", "price": 12}]}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "qatui-test"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes | str | Any, content_type: str = "application/json", headers: dict[str, str] | None = None) -> None:
        if isinstance(body, str):
            data = body.encode()
        elif isinstance(body, bytes):
            data = body
        else:
            data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_POST(self) -> None:
        self.handle_any()

    def do_GET(self) -> None:
        self.handle_any()

    def do_HEAD(self) -> None:
        self.handle_any()

    def handle_any(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        path = parts.path
        body = self._body()
        with self.server.lock:  # type: ignore[attr-defined]
            self.server.requests.append(f"{self.command} {path}")  # type: ignore[attr-defined]
        try:
            if path == "/api-token-auth/" and self.command == "POST":
                try:
                    data = json.loads(body or b"{}")
                except ValueError:
                    data = {}
                if data.get("username") == "qa" and data.get("password") == PASSWORD:
                    return self._send(200, {"token": TOKEN})
                return self._send(400, {"non_field_errors": ["Unable to log in with provided credentials."]})
            if path == "/drf/api-token-auth/" and self.command == "POST":
                return self._drf_token(body)
            if path == "/api/v1/products/":
                if self.headers.get("Authorization") != f"Token {TOKEN}":
                    return self._send(401, {"detail": "Authentication credentials were not provided."})
                return self._send(200, PRODUCTS)
            if path == "/json":
                return self._send(200, {"ok": True, "version": "4.2.30", "items": [1, 2, 3]}, headers={"X-App": "uplink"})
            if path == "/slow":
                server: _Server = self.server  # type: ignore[assignment]
                with server.lock:
                    server.active += 1
                    server.max_active = max(server.max_active, server.active)
                start = time.monotonic()
                time.sleep(int(query.get("ms", "200")) / 1000)
                with server.lock:
                    server.active -= 1
                    server.timeline.append((query.get("tag", ""), start, time.monotonic()))
                return self._send(200, {"slept": int(query.get("ms", "200")), "tag": query.get("tag", "")})
            if path == "/huge":
                size = int(float(query.get("mb", "50")) * 1024 * 1024)
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(size))
                self.end_headers()
                chunk = b"x" * 65536
                sent = 0
                while sent < size:
                    piece = chunk[: size - sent]
                    self.wfile.write(piece)
                    sent += len(piece)
                return None
            if path == "/redirect-loop":
                return self._send(302, "", "text/plain", {"Location": "/redirect-loop"})
            if path == "/redirect":
                return self._send(302, "", "text/plain", {"Location": "/json"})
            if path == "/invalid-json":
                return self._send(200, "<html><body>Server Error</body></html>", "application/json")
            if path == "/error":
                return self._send(500, "<h1>Server Error (500)</h1>", "text/html")
            if path.startswith(("/session/", "/gzip-bomb", "/deep-json")):
                return self.handle_session_and_hostile(path, query, body)
            if path == "/echo":
                return self._send(200, {"method": self.command, "headers": dict(self.headers), "query": query, "body": body.decode(errors="replace")})
            return self._send(404, "<h1>Not Found</h1>", "text/html")
        except (BrokenPipeError, ConnectionResetError):
            return None


    def _drf_token(self, body: bytes) -> None:
        """DRF's `obtain_auth_token`: its parsers are form, multipart and JSON; a body of any
        other media type, or none named, is 415 (what a curl `-d` imported without its
        Content-Type got); bad credentials are 400, good ones 200 with the token."""
        media = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if media == "application/x-www-form-urlencoded":
            data = {k: v[0] for k, v in parse_qs(body.decode(errors="replace"), keep_blank_values=True).items()}
        elif media == "application/json":
            try:
                data = json.loads(body or b"{}")
            except ValueError:
                return self._send(400, {"detail": "JSON parse error"})
        elif media == "multipart/form-data":
            boundary = (self.headers.get("Content-Type") or "").split("boundary=", 1)[-1].strip('"')
            data = {}
            for part in body.decode(errors="replace").split("--" + boundary):
                head, _, value = part.partition("\r\n\r\n")
                name = head.partition('name="')[2].partition('"')[0]
                if name:
                    data[name] = value.removesuffix("\r\n")
        else:
            return self._send(415, {"detail": f'Unsupported media type "{media}" in request.'})
        if data.get("username") == "qa" and data.get("password") == PASSWORD:
            return self._send(200, {"token": TOKEN})
        return self._send(400, {"non_field_errors": ["Unable to log in with provided credentials."]})

    def handle_session_and_hostile(self, path: str, query: dict[str, str], body: bytes) -> None:
        """A cookie session like Django's admin (`/session/login/` sets `sessionid`,
        `/session/whoami/` wants it, `/session/login-redirect/` sets it on a 302 to whoami), and
        what a hostile server sends: a gzip bomb (`/gzip-bomb?mb=`: that many MB of zeros in a
        few KB) and JSON nested `?depth=` levels deep (`/deep-json`)."""
        server: _Server = self.server  # type: ignore[assignment]
        if path in ("/session/login/", "/session/login-redirect/") and self.command == "POST":
            try:
                data = json.loads(body or b"{}")
            except ValueError:
                data = {}
            if data.get("username") != "qa" or data.get("password") != PASSWORD:
                return self._send(403, {"detail": "Invalid username/password."})
            session = f"s{len(server.sessions) + 1}-{time.monotonic_ns()}"
            with server.lock:
                server.sessions.add(session)
            cookie = {"Set-Cookie": f"sessionid={session}; Path=/session/; HttpOnly"}
            if path == "/session/login-redirect/":
                return self._send(302, "", "text/plain", {**cookie, "Location": "/session/whoami/"})
            return self._send(200, {"user": "qa"}, headers=cookie)
        if path == "/session/whoami/":
            jar = SimpleCookie(self.headers.get("Cookie") or "")
            morsel = jar.get("sessionid")
            if morsel is not None and morsel.value in server.sessions:
                return self._send(200, {"user": "qa", "cookies": len(jar)})
            return self._send(401, {"detail": "Authentication credentials were not provided."})
        if path == "/gzip-bomb-broken":  # says gzip, is not
            return self._send(200, b"this is not gzip", "application/json", {"Content-Encoding": "gzip"})
        if path == "/gzip-bomb-br":  # an encoding nobody asked for
            return self._send(200, b"\x8b\x02\x80hello\x03", "text/plain", {"Content-Encoding": "br"})
        if path == "/gzip-bomb":
            return self._send(200, gzip_bomb(int(query.get("mb", "100"))), "application/json", {"Content-Encoding": "gzip"})
        if path == "/deep-json":
            depth = int(query.get("depth", "100000"))
            return self._send(200, "[" * depth + "]" * depth)
        return self._send(404, "<h1>Not Found</h1>", "text/html")


_BOMBS: dict[int, bytes] = {}


def gzip_bomb(mb: int) -> bytes:
    """`mb` MB of zeros, gzipped (about 1 KB per MB); made once per size."""
    if mb not in _BOMBS:
        packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: a gzip wrapper
        zeros = bytes(1024 * 1024)
        _BOMBS[mb] = b"".join(packer.compress(zeros) for _ in range(mb)) + packer.flush()
    return _BOMBS[mb]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lock = threading.Lock()
        self.active = 0
        self.max_active = 0
        #: (tag, start, end) of every /slow request, for ordering and concurrency checks
        self.timeline: list[tuple[str, float, float]] = []
        #: session ids handed out by /session/login/
        self.sessions: set[str] = set()
        #: "METHOD /path" of every request, in order (what a run sent, or that it sent nothing)
        self.requests: list[str] = []

    def handle_error(self, request: Any, client_address: Any) -> None:
        # a client that hangs up (a probe that stopped reading at its body limit) is not an error
        if isinstance(sys.exc_info()[1], ConnectionResetError | BrokenPipeError):
            return
        super().handle_error(request, client_address)


@dataclass
class HttpApp:
    tls: bool = False
    cert_dir: Path | None = None
    port: int = 0
    server: _Server | None = None
    thread: threading.Thread | None = None
    cafile: str = ""

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def start(self) -> HttpApp:
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.port = self.server.server_address[1]
        if self.tls:
            assert self.cert_dir is not None
            cert, key = make_cert(self.cert_dir)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            self.cafile = str(cert)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def make_cert(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 made with the openssl CLI."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed; cannot make a self-signed certificate")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )
    return cert, key


@dataclass
class WsServer:
    port: int = 0
    loop: asyncio.AbstractEventLoop | None = None
    thread: threading.Thread | None = None
    _stop: asyncio.Future[None] | None = None
    started: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self) -> WsServer:
        self.thread = threading.Thread(target=self._main, daemon=True)
        self.thread.start()
        self.started.wait(10)
        return self

    def _main(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        from websockets.asyncio.server import serve
        from websockets.http11 import Response

        async def handler(ws: Any) -> None:
            path = ws.request.path
            if path.startswith("/ws/close/"):
                await ws.close(code=4001, reason="not allowed")
                return
            await ws.send(json.dumps({"type": "hello", "server": "devices"}))
            async for message in ws:
                await ws.send(message)

        def process_request(connection: Any, request: Any) -> Response | None:
            if request.path.startswith("/ws/forbidden/"):
                return connection.respond(403, "Forbidden\n")
            return None

        self.loop = asyncio.get_running_loop()
        self._stop = self.loop.create_future()
        async with serve(handler, "127.0.0.1", 0, process_request=process_request) as server:
            self.port = next(iter(server.sockets)).getsockname()[1]
            self.started.set()
            await self._stop

    def stop(self) -> None:
        if self.loop is not None and self._stop is not None:
            self.loop.call_soon_threadsafe(lambda: self._stop.done() or self._stop.set_result(None))  # type: ignore[union-attr]
        if self.thread is not None:
            self.thread.join(5)


@pytest.fixture(scope="session")
def http_app() -> Iterator[HttpApp]:
    app = HttpApp().start()
    yield app
    app.stop()


@pytest.fixture(scope="session")
def tls_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpApp]:
    app = HttpApp(tls=True, cert_dir=tmp_path_factory.mktemp("tls")).start()
    yield app
    app.stop()


@pytest.fixture(scope="session")
def ws_server() -> Iterator[WsServer]:
    server = WsServer().start()
    yield server
    server.stop()


# --- building checklists in tests -------------------------------------------------------------

COMMON = ("id", "kind", "name", "timeout", "destructive")


def probe(item: str = "item", line: int = 10, **spec: Any) -> ProbeSpec:
    """A ProbeSpec as the loader makes it; positions point at fake lines of `probes.yaml`."""
    config = {k: v for k, v in spec.items() if k not in COMMON}
    positions = {key: Position("/tmp/probes.yaml", line + i + 1, 5) for i, key in enumerate(config)}
    for key in ("expect", "capture"):
        for j, sub in enumerate(config.get(key) or {}):
            positions[f"{key}.{sub}"] = Position("/tmp/probes.yaml", line + 20 + j, 7)
    return ProbeSpec(
        id=spec["id"],
        kind=spec["kind"],
        item_id=item,
        config=config,
        name=spec.get("name", ""),
        timeout=float(spec.get("timeout", 10.0)),
        destructive=bool(spec.get("destructive", False)),
        destructive_always=spec.get("destructive") == "always",
        position=Position("/tmp/probes.yaml", line, 5),
        positions=positions,
    )


def checklist_of(
    *probes: ProbeSpec,
    env_vars: dict[str, str] | None = None,
    secrets: dict[str, str] | None = None,
    protected: bool = False,
    path: str = "/tmp/probes.yaml",
    compose_project: str | None = None,
    docker_host: str | None = None,
    logs: dict[str, Any] | None = None,
    from_env: list[str] | None = None,
) -> Checklist:
    """A one-section checklist holding `probes`, items named after each probe's `item_id`."""
    items: dict[str, Item] = {}
    for spec in probes:
        items.setdefault(spec.item_id, Item(id=spec.item_id, title=f"Item {spec.item_id}", section_id="s"))
        items[spec.item_id].probes.append(spec)
    env = Environment(key="local", label="Local", vars=dict(env_vars or {}), protected=protected, default=True, docker_host=docker_host)
    if compose_project:
        env.compose.project = compose_project
    return Checklist(
        path=path,
        title="Probe tests",
        environments={"local": env},
        secrets={name: Secret(name=name, env=var) for name, var in (secrets or {}).items()},
        sections=[Section(id="s", title="Section", priority=Priority.CRITICAL, items=list(items.values()))],
        logs=dict(logs or {}),
        from_env=list(from_env or []),
        content_hash="0" * 64,
    )


async def _slow_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Keep-alive HTTP/1.1 where every request waits `ms` (default 200) and answers JSON."""
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            target = head.split(b" ", 2)[1].decode()
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if length:
                await reader.readexactly(length)
            ms = int(parse_qs(urlsplit(target).query).get("ms", ["200"])[0])
            await asyncio.sleep(ms / 1000)
            body = json.dumps({"slept": ms}).encode()
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
        pass
    finally:
        writer.close()


@dataclass
class AsyncSlowServer:
    """An asyncio HTTP server for benchmarks: 100 concurrent 200 ms requests cost it no threads,
    so it answers each in 200 ms, where the thread-per-connection stdlib server convoys."""

    port: int = 0
    loop: asyncio.AbstractEventLoop | None = None
    thread: threading.Thread | None = None
    started: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> AsyncSlowServer:
        self.thread = threading.Thread(target=self._main, daemon=True)
        self.thread.start()
        self.started.wait(10)
        return self

    def _main(self) -> None:
        self.loop = asyncio.new_event_loop()
        server = self.loop.run_until_complete(asyncio.start_server(_slow_connection, "127.0.0.1", 0, backlog=1024))
        self.port = server.sockets[0].getsockname()[1]
        self.started.set()
        self.loop.run_forever()

    def stop(self) -> None:
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self.loop.stop)


def serve_until_stdin_closes() -> None:
    """`python -m tests.servers`: start the HTTP app and the WebSocket server, print their URLs
    as one JSON line, serve until stdin closes. Benchmarks run the servers in their own process
    so that the servers' threads do not compete with the measured client for the GIL."""

    app = HttpApp().start()
    ws = WsServer().start()
    slow = AsyncSlowServer().start()
    print(json.dumps({"http": app.url, "ws": ws.url, "slow": slow.url}), flush=True)
    try:
        sys.stdin.read()
    finally:
        app.stop()
        ws.stop()
        slow.stop()


if __name__ == "__main__":
    serve_until_stdin_closes()


# --- TLS: a CA, certificates it signs, and a server that only shakes hands ------------------


def make_ca(directory: Path) -> tuple[Path, Path]:
    """A throwaway CA (`CN=qatui test CA, O=qatui tests`) made with the openssl CLI."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed; cannot make certificates")
    cert, key = directory / "ca.pem", directory / "ca.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "30", "-subj", "/CN=qatui test CA/O=qatui tests"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def make_leaf(directory: Path, ca: tuple[Path, Path], name: str, *, days: int, dns: tuple[str, ...] = ("localhost",),
              ips: tuple[str, ...] = ("127.0.0.1",)) -> tuple[Path, Path]:
    """A certificate signed by `ca` for `dns` and `ips`, valid `days` from now (-1: expired yesterday)."""
    cert, key, csr, ext = (directory / f"{name}{suffix}" for suffix in (".pem", ".key", ".csr", ".ext"))
    ext.write_text("subjectAltName=" + ",".join([*(f"DNS:{d}" for d in dns), *(f"IP:{i}" for i in ips)]) + "\n")
    subprocess.run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr),
                    "-subj", f"/CN={(dns or ips)[0]}"], check=True, capture_output=True, timeout=60)
    subprocess.run(["openssl", "x509", "-req", "-in", str(csr), "-CA", str(ca[0]), "-CAkey", str(ca[1]),
                    "-CAcreateserial", "-out", str(cert), "-days", str(days), "-extfile", str(ext)],
                   check=True, capture_output=True, timeout=60)
    return cert, key


@dataclass
class TlsServer:
    """Accepts on 127.0.0.1, completes the TLS handshake with `cert`, then closes."""

    cert: Path
    key: Path
    port: int = 0
    sock: socket.socket | None = None
    thread: threading.Thread | None = None

    def start(self) -> TlsServer:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, args=(context,), daemon=True)
        self.thread.start()
        return self

    def _serve(self, context: ssl.SSLContext) -> None:
        assert self.sock is not None
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return  # closed by stop()
            with contextlib.suppress(OSError, ssl.SSLError), conn:
                conn.settimeout(5)
                with context.wrap_socket(conn, server_side=True) as tls:
                    tls.recv(1)  # until the client closes

    def stop(self) -> None:
        if self.sock is not None:
            self.sock.close()


@pytest.fixture(scope="session")
def tls_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """TLS servers on 127.0.0.1 with certificates from one test CA: `valid` (30 days, localhost
    and 127.0.0.1), `short` (2 days), `expired`, `other` (only other.test); and `ca` (its PEM)."""
    directory = tmp_path_factory.mktemp("tls-certs")
    ca = make_ca(directory)
    leaves = {
        "valid": make_leaf(directory, ca, "valid", days=30),
        "short": make_leaf(directory, ca, "short", days=2),
        "expired": make_leaf(directory, ca, "expired", days=-1),
        "other": make_leaf(directory, ca, "other", days=30, dns=("other.test",), ips=()),
    }
    servers = {name: TlsServer(*files).start() for name, files in leaves.items()}
    yield {"ca": str(ca[0]), **servers}
    for server in servers.values():
        server.stop()
