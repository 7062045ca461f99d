"""Differential: what the real `curl` sends, and what the imported probe sends, are the same.

Each curl line of the table is run twice against one recording loopback server: once by the
`curl` program itself, once as the http probe `qatui import` makes of it (through the probe
engine). The server keeps every request; the two must agree on method, path and query,
Content-Type, Accept, Authorization and the body as the server would read it (a form's fields,
JSON's value, multipart's fields, else the bytes). curl's manual is the specification; curl is
the referee. Literal passwords are secrets in the probe, read from the environment.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from qatui.core.markdown_import import import_markdown_text_report
from qatui.core.probes import run_probes
from qatui.core.session import ProbeStatus

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="needs the curl program")


class _Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _any(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.seen.append((self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body))  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(b"{}")

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _any


@pytest.fixture(scope="module")
def recorder() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.seen = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


#: (curl arguments after the URL placeholder U, the environment the probe's secrets read)
CASES: list[tuple[str, dict[str, str]]] = [
    ('-d "username=qa&password=Pa55word" U/api-token-auth/', {"T_PASSWORD": "Pa55word"}),
    ("-d a=1 -d b=2 --data-raw c=@3 U/joined", {}),
    ("--data-urlencode 'comment=hello world & more' --data-urlencode '=x y' U/encoded", {}),
    ("--json '{\"sku\": \"A-1\", \"qty\": 2}' U/json", {}),
    ("-H 'Content-Type: application/json' -d '{\"username\":\"qa\",\"password\":\"S3cret\"}' U/login",
     {"T_PASSWORD": "S3cret"}),
    ("-G -d q=shoes -d page=2 'U/search?x=1'", {}),
    ("-F name=qa -F 'note=hello there' U/upload", {}),
    ("-u qa:B4sic-pw U/basic", {"T_PASSWORD": "B4sic-pw"}),
    ("-X PUT -d 'x=1' U/put", {}),
    ("-I U/head", {}),
    ("-d '{\"a\": 1}' U/json-as-form", {}),
    ("-H 'Content-Type: text/plain' --data-binary 'hello' U/text", {}),
    ("-sS -A qa-agent -e https://ref.example/ -b 'lang=en' U/headers", {}),
    ("-H 'Authorization: Token 0123abcd' U/token", {"T_TOKEN": "0123abcd"}),
    ("-d 'k=v' -X PATCH -H 'Accept: text/plain' U/patch", {}),
]


def _fields(method: str, path: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    """The request as the server would read it."""
    ctype = headers.get("content-type", "")
    parsed: Any = body
    if ctype.startswith("application/x-www-form-urlencoded"):
        parsed = parse_qs(body.decode(), keep_blank_values=True)
    elif ctype.startswith("application/json"):
        parsed = json.loads(body)
    elif ctype.startswith("multipart/form-data"):
        boundary = ctype.split("boundary=", 1)[1].strip('"')
        parsed = dict(re.findall(r'name="([^"]+)"\r\n\r\n(.*?)\r\n--' + re.escape(boundary), body.decode(), re.S))
        ctype = "multipart/form-data"
    parts = urlsplit(path)
    return {
        "method": method, "path": parts.path, "query": parse_qs(parts.query), "content-type": ctype,
        "accept": headers.get("accept") if headers.get("accept") != "*/*" else None,
        "authorization": headers.get("authorization"), "user-agent": headers.get("user-agent"),
        "referer": headers.get("referer"), "cookie": headers.get("cookie"), "body": parsed,
    }


@pytest.mark.parametrize(("args", "env"), CASES, ids=[c[0][:40] for c in CASES])
def test_the_probe_sends_what_curl_sends(recorder: ThreadingHTTPServer, args: str, env: dict[str, str]) -> None:
    base = f"http://127.0.0.1:{recorder.server_address[1]}"
    line = "curl " + args.replace("U/", base + "/")
    seen: list[Any] = recorder.seen  # type: ignore[attr-defined]

    seen.clear()
    subprocess.run([*shlex.split(line), "-o", "/dev/null", "-s"], check=True, timeout=20)
    (by_curl,) = seen

    markdown = f"# T\n\n## S\n\n- [ ] box\n\n```sh\n{line}\n```\n"
    checklist, report = import_markdown_text_report(markdown, "t.md")
    (probe,) = checklist.probes()
    assert probe.kind == "http", report.remarks
    seen.clear()
    (result,) = run_probes(checklist, None, [probe], trusted=True, timeout=30, env=env)
    assert result.status is ProbeStatus.PASSED, (result.summary, result.explanation)
    (by_probe,) = seen

    expected, got = _fields(*by_curl), _fields(*by_probe)
    if "user-agent" not in args and " -A " not in args:
        expected["user-agent"] = got["user-agent"] = None  # each client names itself
    assert got == expected
    for value in env.values():  # the literal is in no line of the YAML-to-be
        assert value not in json.dumps(probe.config)


def test_curl_lines_qatui_cannot_send_alike_stay_curl_and_are_reported() -> None:
    markdown = (
        "# T\n\n## S\n\n- [ ] box\n\n```sh\n"
        "curl -d @body.json http://127.0.0.1:1/a\n"
        "curl -F photo=@me.jpg http://127.0.0.1:1/b\n"
        "curl --proxy http://p:3128 -u qa:Pr0xied http://127.0.0.1:1/c\n"
        "curl http://127.0.0.1:1/d | jq .\n"
        "```\n"
    )
    checklist, report = import_markdown_text_report(markdown, "t.md")
    assert [p.kind for p in checklist.probes()] == ["command"] * 4
    assert len(report.remarks) == 4
    assert "`-d @body.json` reads a file when curl runs" in report.remarks[0]
    assert "`-F photo=@me.jpg` reads a file" in report.remarks[1]
    assert "`--proxy` is not translated" in report.remarks[2]
    assert "t.md:8" in report.remarks[0] and "t.md:10" in report.remarks[2]
    # the command still runs curl as written, the password through the environment only
    third = checklist.probes()[2].config
    assert "Pr0xied" not in json.dumps(third)
    assert third["env"] == {"T_PASSWORD": "${password}"}
    assert '"$$T_PASSWORD"' in third["run"]
