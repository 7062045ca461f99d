"""Fault notices are marked by the source that says them; `qatui logs` counts the mark, not words.

Each real source (file, command, Docker engine, the merger's wrapper around a source that
raises, the pump's child process) marks the notices that mean "this source could not be read"
and leaves its other notices unmarked. `SourceHealth` then fails a source by that mark alone: a
reworded fault still fails it, and a notice or line that merely reads like a fault does not.
Sources made here by hand stand only for what no real source does (a notice worded like a fault
but not one, a source that raises).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from qatui.core.logs import (
    CommandSource,
    DockerSource,
    FileSource,
    LineBuffer,
    LogBatch,
    LogLine,
    command_source,
    merge,
)
from qatui.core.logs.merge import MergedBatch, SourceHealth
from qatui.core.logs.pump import FrameReader, PumpedSource, decode_batch, encode_batch, pumped
from tests.unit.logs_support import Follower, read_all

AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class Scripted:
    """A source that yields the batches it is given, then raises `error` if any."""

    def __init__(self, name: str, batches: list[LogBatch], error: Exception | None = None) -> None:
        self.name = name
        self.batches = batches
        self.error = error

    def follow(self, stop: threading.Event, *, tail: int | None = None, since: datetime | None = None,
               follow: bool = True) -> Iterator[LogBatch]:
        yield from self.batches
        if self.error is not None:
            raise self.error


def outcome(sources: list[Any]) -> dict[str, tuple[bool, list[str]]]:
    health = SourceHealth([source.name for source in sources])
    for merged in merge(sources, threading.Event(), follow=False):
        health.see(merged)
    return {name: (state.failed, state.faults) for name, state in health.states.items()}


def marks(lines: list[LogLine]) -> list[tuple[str, bool, bool]]:
    return [(line.text, line.notice, line.fault) for line in lines]


# --- the batch carries the mark ---


def test_a_batch_marks_fault_notices_and_keeps_the_mark_in_every_form() -> None:
    batch = LogBatch("web", ["a line", "resumed", "gone"], at=AT, notices={1, 2}, faults={2})
    lines = list(batch)
    assert marks(lines) == [("a line", False, False), ("resumed", True, False), ("gone", True, True)]
    assert list(LogBatch.of("web", lines)) == lines
    assert list(MergedBatch([(batch, 1, 3)])) == lines[1:]
    buffer = LineBuffer("web", maxlen=2)
    buffer.extend(batch)
    buffer.extend(LogBatch.notice("web", "missing again", AT, fault=True))
    assert marks(buffer.lines()) == [("gone", True, True), ("missing again", True, True)]
    assert not LogBatch.notice("web", "just saying", AT)[0].fault


def test_only_a_notice_can_be_a_fault() -> None:
    with pytest.raises(ValueError, match="fault lines must be notices"):
        LogBatch("web", ["a line", "gone"], at=AT, notices={1}, faults={0, 1})


def test_the_mark_survives_the_pumps_pipe() -> None:
    batches = [
        LogBatch("web", ["a", "engine gone", "ERROR b", "back"], times=[AT, AT, None, AT], errors={2},
                 notices={1, 3}, faults={1}, origins=["web-1"] * 4),
        LogBatch.notice("web", "no container named 'web'", AT, fault=True),
        LogBatch.notice("web", "container web-1 restarted", AT, origin="web-1"),
    ]
    wire = b"".join(encode_batch(batch) for batch in batches)
    got = [decode_batch(payload) for payload in FrameReader().feed(wire)]
    assert [b.faults for b in got] == [frozenset({1}), frozenset({0}), frozenset()]
    assert [list(b) for b in got] == [list(b) for b in batches]


def test_an_unreachable_engine_is_a_fault_through_the_child_process(tmp_path: Path) -> None:
    source = pumped(DockerSource("web", container="web", docker_host=f"unix://{tmp_path}/nothing.sock"))
    assert isinstance(source, PumpedSource)
    follower = Follower(source)
    follower.wait_for(lambda f: bool(f.notices()))
    follower.close()
    first = follower.snapshot()[0]
    assert first.text.startswith("Docker engine unreachable at unix://") and first.fault
    assert source.pid is None  # it did come through a child, which has ended


def test_the_in_process_fallback_keeps_the_mark_and_its_own_notice_is_no_fault(tmp_path: Path) -> None:
    source = PumpedSource(DockerSource("web", container="web", docker_host=f"unix://{tmp_path}/nothing.sock"),
                          python="/nonexistent/python")
    lines = read_all(source)
    assert [(line.notice, line.fault) for line in lines] == [(True, False), (True, True)]
    assert lines[0].text.startswith("log reader process unavailable (")
    assert lines[1].text.startswith("Docker engine unreachable at unix://")


# --- each real source marks its own faults, and only them ---


def test_file_faults_are_marked_and_its_other_notices_are_not(tmp_path: Path) -> None:
    missing = read_all(FileSource("app", tmp_path / "app.log"))
    assert marks(missing) == [(f"waiting for {tmp_path / 'app.log'} (it does not exist yet)", True, True)]
    (tmp_path / "plain").write_text("")
    unreadable = read_all(FileSource("app", tmp_path / "plain" / "app.log"))  # under a file
    assert unreadable[0].text.startswith("cannot read ") and unreadable[0].fault and len(unreadable) == 1
    follower = Follower(FileSource("app", tmp_path / "late.log"))
    follower.wait_for(lambda f: bool(f.notices()))
    (tmp_path / "late.log").write_text("cannot read /etc/shadow: Permission denied\n")
    follower.wait_text("cannot read /etc/shadow")
    follower.close()
    assert marks(follower.snapshot()) == [
        (f"waiting for {tmp_path / 'late.log'} (it does not exist yet)", True, True),
        (f"{tmp_path / 'late.log'} appeared", True, False),
        ("cannot read /etc/shadow: Permission denied", False, False),  # a line, whatever it says
    ]


def test_command_faults_are_marked_and_a_clean_exit_is_not() -> None:
    assert marks(read_all(CommandSource("c", "exit 3"))) == [("command exited with code 3", True, True)]
    assert marks(read_all(CommandSource("c", "kill -9 $$"))) == [("command ended by SIGKILL (exit code -9)", True, True)]
    cannot = read_all(CommandSource("c", ["/nonexistent/tool", "--tail"]))
    assert cannot[0].text.startswith("cannot run `/nonexistent/tool --tail`") and cannot[0].fault
    assert marks(read_all(CommandSource("c", "echo cannot read it"))) == [
        ("cannot read it", False, False),
        ("command exited with code 0", True, False),
    ]


def test_docker_engine_faults_are_marked(tmp_path: Path) -> None:
    bound = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    bound.bind(str(tmp_path / "bound.sock"))  # a socket file, but nobody listens on it
    try:
        for host in (f"unix://{tmp_path}/nothing.sock", f"unix://{tmp_path}/bound.sock"):
            lines = read_all(DockerSource("web", container="web", docker_host=host))
            assert len(lines) == 1 and lines[0].fault, marks(lines)
    finally:
        bound.close()


@pytest.mark.docker
def test_docker_missing_things_are_faults_a_stopped_container_is_not(run_container: Any,
                                                                    compose_project: str) -> None:
    run_container("echo hi; exit 3", project=compose_project, service="huey")
    for source in (
        DockerSource("x", container=f"{compose_project}-no-such-container"),
        DockerSource("x", service="hue", project=compose_project),  # no such service
        DockerSource("x", service="huey", project=compose_project + "x"),  # no such project
    ):
        lines = read_all(source)
        assert len(lines) == 1 and lines[0].notice and lines[0].fault, marks(lines)
    follower = Follower(DockerSource("huey", service="huey", project=compose_project))
    follower.wait_for(lambda f: any("stopped (exit code 3)" in t for t in f.notices()))
    follower.close()
    assert [line.fault for line in follower.snapshot()] == [False, False]  # "hi", then "… stopped"


# --- a source fails by its mark, not by the words ---


def test_a_reworded_fault_still_fails_its_source(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(command_source, "_exit_text", lambda code: f"the tool gave up ({code})")
    result = outcome([CommandSource("bad", "exit 3"), CommandSource("good", "true")])
    assert result == {"bad": (True, ["the tool gave up (3)"]), "good": (False, [])}
    alone = outcome([Scripted("odd", [LogBatch.notice("odd", "the disk fell off", AT, fault=True)])])
    assert alone == {"odd": (True, ["the disk fell off"])}


def test_fault_wording_without_the_mark_fails_nothing(tmp_path: Path) -> None:
    (tmp_path / "app.log").write_text("cannot read /etc/shadow: Permission denied\n")
    worded = ["cannot read /srv/data", "no container named 'web' here, which is fine",
              "command exited with code 3", "Docker engine unreachable at unix:///x.sock (a drill)",
              "log source 'a' failed: nothing, really"]
    result = outcome([
        Scripted("info", [LogBatch.notice("info", text, AT) for text in worded]),
        FileSource("file", tmp_path / "app.log"),
        CommandSource("cmd", "echo 'cannot run `make`'; echo waiting for x '(it does not exist yet)'"),
    ])
    assert result == {"info": (False, []), "file": (False, []), "cmd": (False, [])}


def test_a_source_that_raises_is_marked_failed_alone_or_merged() -> None:
    broken = Scripted("broken", [], RuntimeError("boom"))
    assert outcome([broken]) == {"broken": (True, ["log source 'broken' failed: RuntimeError('boom')"])}
    merged = outcome([broken, Scripted("fine", [LogBatch("fine", ["ok"], at=AT)])])
    assert merged["broken"][0] and merged["fine"] == (False, [])


def test_a_fault_after_lines_does_not_fail_the_source_but_is_kept() -> None:
    source = Scripted("late", [LogBatch("late", ["read fine"], at=AT),
                               LogBatch.notice("late", "then it vanished", AT, fault=True)])
    assert outcome([source]) == {"late": (False, ["then it vanished"])}
