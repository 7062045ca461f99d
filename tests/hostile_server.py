"""A hostile HTTP server on 127.0.0.1 for the safety tests: it echoes whatever it is sent in
every encoding a real server might use, sets a session cookie and echoes it, and answers with
terminal control sequences and binary bytes.

* `/leak…`: status 500 (so the probe fails and shows its body), with what was received
  (path and query as sent, URL-decoded values, headers, body) written raw, JSON-escaped
  (`\\uXXXX`, and with `\\/`), HTML-escaped, URL-encoded (upper and lower hex, `+` and `%20`)
  and base64; headers `X-Echo` (the query, URL-encoded), `Location` (a URL holding it) and
  `Set-Cookie: sessionid=…`, whose value is echoed in the body too.
* `/ansi`: a body (and a header) with `ESC ] 0 ; pwned BEL`, `ESC [ 2 J`, `ESC [ ? 1049 l`,
  `\\r`, C1 controls, a bidi override and binary bytes.
"""

from __future__ import annotations

import base64
import contextlib
import html
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit

import pytest

SESSION_COOKIE = "sess-Qz81kLm02vXy7"
ANSI = "\x1b]0;pwned\x07\x1b[2J\x1b[?1049l"
HOSTILE_BYTES = (ANSI + "spoof\r\x9b31m\u202eevil\x00\x01\x08").encode() + b"\xff\xfe binary"


def encodings(value: str) -> list[str]:
    """Every form of `value` the server writes back."""
    escaped = json.dumps(value)[1:-1]
    forms = [
        value,
        escaped,
        re.sub(r"\\u([0-9a-f]{4})", lambda m: "\\u" + m.group(1).upper(), escaped),
        json.dumps(value, ensure_ascii=False)[1:-1],
        escaped.replace("/", "\\/"),
        html.escape(value),
        html.escape(value, quote=False),
        quote(value, safe=""),
        _lower_hex(quote(value, safe="")),
        quote_plus(value, safe=""),
        quote(value),  # keeps `/`
        base64.b64encode(value.encode()).decode(),
        base64.urlsafe_b64encode(value.encode()).decode(),
        json.dumps(quote_plus(value))[1:-1],  # a JSON string holding a URL
    ]
    return forms


def _lower_hex(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "%":
            out.append(text[i : i + 3].lower())
            i += 3
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.answer()

    def do_POST(self) -> None:
        self.answer()

    def answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        parts = urlsplit(self.path)
        if parts.path == "/ansi":
            data = HOSTILE_BYTES
            self.send_response(500)
            self.send_header("Content-Type", "text/plain")
            self.send_header("X-Ansi", "a\x1b[2Jb")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        values = [value for _, value in parse_qsl(parts.query)]
        values += [value for name, value in self.headers.items() if name.lower() not in ("host", "content-length")]
        values.append(body)
        with contextlib.suppress(ValueError):
            values += [str(v) for v in json.loads(body).values()] if body.startswith("{") else []
        lines = [f"path as sent: {self.path}", f"path, lower hex: {_lower_hex(self.path)}",
                 f"session: {SESSION_COOKIE}", "received, JSON: " + json.dumps(dict(self.headers))]
        for value in values:
            lines += [f"form: {form}" for form in encodings(value)]
        lines.append("<p>" + html.escape(json.dumps({"all": values})) + "</p>")
        data = "\n".join(lines).encode()
        query = quote(values[0], safe="") if values else ""
        self.send_response(500)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("X-Echo", query)
        self.send_header("Location", f"/next?q={query}")
        self.send_header("Set-Cookie", f"sessionid={SESSION_COOKIE}; Path=/; HttpOnly")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class HostileServer:
    def __init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> HostileServer:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hostile_server() -> Iterator[HostileServer]:
    with HostileServer() as server:
        yield server
