"""Bounds on what a server sends: a gzip bomb costs at most the body limit, and JSON nested
100,000 levels deep is a failed check, never a RecursionError.

The bomb is real: the loopback test server answers `/gzip-bomb?mb=512` with 512 MB of zeros
gzipped into ~0.5 MB. Memory is measured as the peak RSS of a fresh Python process that runs
the probes (`ru_maxrss`), against the same process running plain probes, so that nothing else
the test session did can hide or add a megabyte.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from qatui.core.probes.base import BODY_CAP
from qatui.core.probes.bounded import (
    MAX_JSON_DEPTH,
    BoundedDecoder,
    UnsupportedEncoding,
    json_depth,
    loads,
)
from qatui.core.probes.engine import run_probes
from qatui.core.session import ProbeStatus
from tests.servers import HttpApp, WsServer, checklist_of, gzip_bomb, probe

ROOT = Path(__file__).resolve().parents[2]

MEASURE = """
import json, resource, sys
from qatui.core.probes.engine import run_probes
from tests.servers import checklist_of, probe
url, count = sys.argv[1], int(sys.argv[2])
specs = [probe(item=f"i{n}", line=n * 10, id=f"p{n}", kind="http", url=url, expect={"json": {"ok": True}})
         for n in range(count)]
results = run_probes(checklist_of(*specs), "local", specs, trusted=True)
print(json.dumps({"peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "results": [[r.status.value, r.summary, r.explanation] for r in results]}))
"""


def measure(url: str, count: int) -> dict:
    done = subprocess.run([sys.executable, "-c", MEASURE, url, str(count)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_gzip_bomb_costs_at_most_the_body_limit(http_app: HttpApp) -> None:
    gzip_bomb(512)  # made once, before the probes (making it takes seconds)
    plain = measure(f"{http_app.url}/json", 8)
    bomb = measure(f"{http_app.url}/gzip-bomb?mb=512", 8)
    assert {status for status, _, _ in plain["results"]} == {"passed"}
    for status, _summary, explanation in bomb["results"]:
        assert status == "failed"
        assert f"larger than the {BODY_CAP // 1024} KB qatui reads" in explanation
    extra_mb = (bomb["peak_kb"] - plain["peak_kb"]) / 1024
    # 8 probes at once, each may hold its 1 MB body, its text and a chunk: far below the
    # 168 MB per probe httpx's own decoder cost
    print(f"peak RSS: plain {plain['peak_kb'] / 1024:.0f} MB, 8 bombs of 512 MB {bomb['peak_kb'] / 1024:.0f} MB")
    assert extra_mb < 48, extra_mb


def test_decoder_stops_at_the_cap_whatever_the_ratio() -> None:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    bomb = packer.compress(bytes(64 * 1024 * 1024)) + packer.flush()
    decoder = BoundedDecoder("gzip", 1000)
    out = decoder.feed(bomb)
    assert len(out) == 1000 and decoder.full
    twice = BoundedDecoder("gzip, gzip", 100)  # a chain: undone last-first
    inner = zlib.compressobj(9, zlib.DEFLATED, 31)
    once = inner.compress(b"hello world") + inner.flush()
    outer = zlib.compressobj(9, zlib.DEFLATED, 31)
    assert twice.feed(outer.compress(once) + outer.flush()) == b"hello world"
    with pytest.raises(UnsupportedEncoding, match="br"):
        BoundedDecoder("br", 10)


def test_json_depth_skips_strings_and_is_not_recursive() -> None:
    assert json_depth('{"a": [1, {"b": "]]]]{{{{"}]}') == 3
    assert json_depth("[" * 1_000_000 + "]" * 1_000_000) == 1_000_000
    assert loads("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH) is not None
    with pytest.raises(ValueError, match=f"more than {MAX_JSON_DEPTH} levels"):
        loads("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1))


def test_deeply_nested_json_from_a_server_is_a_failed_check(http_app: HttpApp) -> None:
    checked = probe(item="a", id="checked", kind="http", url=f"{http_app.url}/deep-json?depth=100000",
                    expect={"json": {"0": {"exists": True}}})
    captured = probe(item="b", line=40, id="captured", kind="http", url=f"{http_app.url}/deep-json?depth=100000",
                     capture={"first": {"json": "0"}})
    fine = probe(item="c", line=70, id="fine", kind="http", url=f"{http_app.url}/deep-json?depth=20",
                 expect={"json": {"0.0.0": {"type": "array"}}})
    results = run_probes(checklist_of(checked, captured, fine), "local", [checked, captured, fine], trusted=True)
    first, second, third = results
    assert first.status is ProbeStatus.FAILED, first.summary
    assert f"nested more than {MAX_JSON_DEPTH} levels" in first.summary + first.explanation
    assert second.status is ProbeStatus.FAILED and "RecursionError" not in second.summary + second.explanation
    assert third.status is ProbeStatus.PASSED, third.summary


def test_deeply_nested_json_over_a_websocket_is_no_match(ws_server: WsServer) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    spec = probe(id="ws", kind="websocket", url=f"{ws_server.url}/ws/devices/", send=[deep],
                 expect={"messages": [{"json": {"type": "hello"}}, {"json": [[]]}]})
    [result] = run_probes(checklist_of(spec), "local", [spec], trusted=True)
    assert result.status is ProbeStatus.FAILED, result.summary
    assert "internal error" not in result.summary


def test_a_body_that_cannot_be_decoded_is_a_failure_that_says_why(http_app: HttpApp) -> None:
    broken = probe(item="a", id="broken", kind="http", url=f"{http_app.url}/gzip-bomb-broken")
    brotli = probe(item="b", line=40, id="brotli", kind="http", url=f"{http_app.url}/gzip-bomb-br")
    first, second = run_probes(checklist_of(broken, brotli), "local", [broken, brotli], trusted=True)
    assert first.status is ProbeStatus.FAILED and "corrupt compressed body" in first.explanation
    assert second.status is ProbeStatus.FAILED and "Content-Encoding br" in second.explanation
