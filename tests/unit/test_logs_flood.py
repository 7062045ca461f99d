"""A container flooding its log, followed by a reader that cannot keep up (as the screen in a
flood): for the screen the source skips and counts what cannot be shown and polls the newest
lines; for `qatui logs` (the default) every line still arrives, once and in order."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest

from qatui.core.logs import DockerSource
from qatui.core.logs.docker_stream import Dechunker
from tests.unit.logs_support import FLOOD, numbers, slow_reader


@pytest.mark.docker
def test_the_screen_skips_and_counts_what_it_cannot_show(run_container: Any, compose_project: str) -> None:
    run_container(FLOOD.format(count=150_000), project=compose_project, service="flood")
    source = DockerSource("flood", service="flood", project=compose_project)
    source.skip_in_floods = True
    lines = slow_reader(source, "the flood is over", pause=0.3)
    notices = [line.text for line in lines if line.notice]
    assert "flood done" in [line.text for line in lines]
    seen = numbers(lines)
    assert seen == sorted(seen) and len(seen) == len(set(seen))  # newest first never, no repeats
    assert len(seen) < 150_000
    skipped = [int(m.group(1).replace(",", "")) for t in notices if (m := re.match(r"([\d,]+) lines skipped", t))]
    assert skipped and all(n > 0 for n in skipped)
    assert any(t.startswith("flood: more lines than the screen can show") for t in notices)
    assert "the flood is over: every line is shown again" in notices
    errors = [line.text for line in lines if line.is_error]
    assert errors and all(t.startswith("ERROR task") for t in errors)  # detected on the kept lines


@pytest.mark.docker
def test_qatui_logs_gets_every_line_of_a_flood_once_in_order(run_container: Any, compose_project: str) -> None:
    run_container(FLOOD.format(count=20_000), project=compose_project, service="flood")
    lines = slow_reader(DockerSource("flood", service="flood", project=compose_project), "flood done", pause=0.2,
                        tail=-1)  # every line since the start
    assert numbers(lines) == list(range(1, 20_001))
    assert not [line.text for line in lines if line.notice]
    assert sum(1 for line in lines if line.is_error) == 40


class Trickle(io.RawIOBase):
    """A socket file handing out `step` bytes per read, as a slow network might."""

    def __init__(self, data: bytes, step: int) -> None:
        self.data, self.step, self.pos = data, step, 0

    def read1(self, size: int = -1) -> bytes:
        chunk = self.data[self.pos:self.pos + min(self.step, size if size > 0 else self.step)]
        self.pos += len(chunk)
        return chunk


@pytest.mark.parametrize("step", [1, 2, 3, 7, 64, 1 << 20])
def test_chunked_framing_is_removed_whatever_the_read_boundaries(step: int) -> None:
    payloads = [b"a" * 5, b"hello\r\nworld", b"x" * 300, b"\r\n", b"last"]
    wire = b"".join(b"%x;ext=1\r\n%s\r\n" % (len(p), p) if i == 1 else b"%x\r\n%s\r\n" % (len(p), p)
                    for i, p in enumerate(payloads))
    wire += b"0\r\n\r\nnot body"
    dechunker = Dechunker(Trickle(wire, step))
    body = b""
    while piece := dechunker.read():
        body += piece
    assert body == b"".join(payloads)
