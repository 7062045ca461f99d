"""The screen's Docker sources read in a child process (`core/logs/pump.py`), against the real
engine: the same lines, error flags, notices and flood skipping as in-process, the child gone
when the follow stops, and a killed child said and replaced without losing lines."""

from __future__ import annotations

import os
import pickle
import re
import signal
import threading
from datetime import UTC, datetime
from typing import Any

import pytest

from qatui.core.logs import DockerSource
from qatui.core.logs.base import LogBatch
from qatui.core.logs.pump import FrameReader, PumpedSource, decode_batch, encode_batch, pumped
from tests.unit.logs_support import (
    APP_SCRIPT,
    FLOOD,
    Follower,
    numbers,
    pump_children,
    read_all,
    slow_reader,
)


def pump(source: DockerSource) -> PumpedSource:
    wrapped = pumped(source)
    assert isinstance(wrapped, PumpedSource)
    return wrapped


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is gone too (its parent reaps it)
        return stat.read().rsplit(")", 1)[1].split()[0] == "Z"


def test_frames_survive_any_read_boundaries() -> None:
    at = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    batches = [
        LogBatch("web", ["a", "ERROR b", "c"], times=[at, at, None], errors={1}, origins=["web-1"] * 3),
        LogBatch.notice("web", "Docker engine unreachable", at),
        LogBatch("web", ["é" * 3000], at=at, origin="web-2"),
    ]
    wire = b"".join(encode_batch(batch) for batch in batches)
    for step in (1, 3, 4, 5, 97, len(wire)):
        reader = FrameReader()
        payloads = [p for i in range(0, len(wire), step) for p in reader.feed(wire[i:i + step])]
        got = [decode_batch(p) for p in payloads]
        assert [list(b) for b in got] == [list(b) for b in batches]


def test_a_corrupt_length_is_refused() -> None:
    with pytest.raises(ValueError, match="frame of"):
        FrameReader().feed((1 << 31).to_bytes(4, "big") + pickle.dumps(None))


@pytest.mark.docker
@pytest.mark.parametrize("python", ["/bin/false", "/nonexistent/python"])
def test_without_a_working_child_the_lines_are_read_here(python: str, run_container: Any,
                                                         compose_project: str) -> None:
    container = run_container(APP_SCRIPT, project=compose_project, service="huey")
    container.wait(timeout=30)
    source = PumpedSource(DockerSource("huey", service="huey", project=compose_project), python=python)
    lines = read_all(source, tail=100)
    assert lines[0].notice and lines[0].text.startswith("log reader process unavailable (")
    assert "reading in the screen's process" in lines[0].text
    assert [line.text for line in lines[1:]][-1] == "all done" and len(lines) == 13


def test_a_child_that_writes_garbage_is_said_once_and_replaced() -> None:
    # `echo -m qatui.core.logs.pump` stands for a child whose output is not frames.
    source = PumpedSource(DockerSource("web", container="web"), python="/bin/echo")
    follower = Follower(source)
    follower.wait_for(lambda f: bool(f.notices()))
    notice = follower.notices()[0]
    assert notice.startswith("log reader for container 'web' stopped (exit code 0: garbled output: ")
    assert notice.endswith("starting it again")
    follower.close(timeout=3.0)
    assert len(follower.notices()) == 1  # said once, however often it is replaced


def test_only_a_real_docker_source_is_pumped() -> None:
    faked = DockerSource("web", container="x", client_factory=lambda: None)
    assert pumped(faked) is faked and faked.skip_in_floods  # a fake client cannot cross a process
    real = DockerSource("web", container="x")
    assert isinstance(pumped(real), PumpedSource) and real.skip_in_floods
    other = object()
    assert pumped(other) is other


@pytest.mark.docker
def test_pumped_tail_errors_and_follow_match_in_process(run_container: Any, compose_project: str) -> None:
    container = run_container(APP_SCRIPT, project=compose_project, service="huey")
    container.wait(timeout=30)
    source = DockerSource("huey", service="huey", project=compose_project)
    here = read_all(source, tail=100)
    there = read_all(pump(DockerSource("huey", service="huey", project=compose_project)), tail=100)
    assert [(x.text, x.is_error, x.at, x.origin, x.source) for x in there] == [
        (x.text, x.is_error, x.at, x.origin, x.source) for x in here]
    assert len(there) == 12


@pytest.mark.docker
def test_two_containers_of_a_service_tty_or_not_and_a_restart(run_container: Any, compose_project: str) -> None:
    plain = run_container("echo plain one; sleep 0.3; echo plain two; sleep 0.5",
                          project=compose_project, service="web", number=1)
    run_container("echo tty one; echo ERROR tty two; sleep 600", project=compose_project, service="web",
                  number=2, tty=True)
    follower = Follower(pump(DockerSource("web", service="web", project=compose_project)), tail=100)
    follower.wait_text("ERROR tty two")
    follower.wait_text("plain two")
    plain.wait(timeout=30)
    plain.start()  # runs its script again: new lines, the old ones not repeated
    follower.wait_for(lambda f: f.texts().count("plain two") == 2)
    follower.wait_text(f"container {plain.name} restarted")
    lines = follower.snapshot()
    follower.close()
    texts = [line.text for line in lines if not line.notice]
    assert texts.count("plain one") == 2 and texts.count("tty one") == 1
    assert {line.origin for line in lines if line.text.startswith("tty")} == {f"{compose_project}-web-2"}
    assert [line.text for line in lines if line.is_error] == ["ERROR tty two"]


@pytest.mark.docker
def test_the_child_ends_with_the_follow(run_container: Any, compose_project: str) -> None:
    run_container("i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.05; done",
                  project=compose_project, service="web")
    source = pump(DockerSource("web", service="web", project=compose_project))
    follower = Follower(source, tail=0)
    follower.wait_text("tick")
    pid = source.pid
    assert pid is not None
    assert follower.close(timeout=3.0) < 2.0
    assert gone(pid)


@pytest.mark.docker
def test_engine_unreachable_crosses_the_pipe() -> None:
    source = pump(DockerSource("web", service="web", project="x", docker_host="unix:///tmp/qatui-nothing.sock"))
    follower = Follower(source)
    follower.wait_for(lambda f: bool(f.notices()))
    assert "Docker engine unreachable at unix:///tmp/qatui-nothing.sock" in follower.notices()[0]
    follower.close(timeout=3.0)


@pytest.mark.docker
def test_a_killed_child_is_said_and_replaced_without_gaps(run_container: Any, compose_project: str) -> None:
    run_container("i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.02; done",
                  project=compose_project, service="web")
    source = pump(DockerSource("web", service="web", project=compose_project))
    follower = Follower(source, tail=0)
    follower.wait_text("tick 3")
    first = source.pid
    assert first is not None
    os.kill(first, signal.SIGKILL)
    follower.wait_for(lambda f: any("log reader for service 'web'" in t for t in f.notices()))
    assert "killed by signal 9" in " ".join(follower.notices())
    seen = len(follower.texts())
    follower.wait_for(lambda f: len(f.texts()) > seen + 20)
    assert source.pid not in (None, first)
    follower.close()
    ticks = [int(t.split()[1]) for t in follower.texts()]
    assert set(ticks) == set(range(ticks[0], ticks[-1] + 1))  # nothing lost (a repeat may happen)
    assert len(ticks) - len(set(ticks)) <= 1


@pytest.mark.docker
def test_a_flood_through_the_pump_is_skipped_and_counted(run_container: Any, compose_project: str) -> None:
    run_container(FLOOD.format(count=150_000), project=compose_project, service="flood")
    lines = slow_reader(pump(DockerSource("flood", service="flood", project=compose_project)),
                        "the flood is over", pause=0.3)
    notices = [line.text for line in lines if line.notice]
    seen = numbers(lines)
    assert seen == sorted(seen) and len(seen) == len(set(seen)) and len(seen) < 150_000
    skipped = [int(m.group(1).replace(",", "")) for t in notices if (m := re.match(r"([\d,]+) lines skipped", t))]
    assert skipped and all(n > 0 for n in skipped)
    assert any(line.is_error and line.text.startswith("ERROR task") for line in lines)




def test_a_stop_while_the_child_starts_ends_promptly_and_leaves_no_child() -> None:
    source = pump(DockerSource("web", service="web", project="x", docker_host="unix:///tmp/qatui-nothing.sock"))
    stop = threading.Event()
    timer = threading.Timer(0.05, stop.set)  # the child is still importing then
    timer.start()
    list(source.follow(stop))  # returns at all: a stop that is missed hangs here (pytest-timeout)
    assert stop.is_set()
    assert source.pid is None and not pump_children()


def test_a_restart_resumes_from_the_last_line_not_from_a_later_notice() -> None:
    from qatui.core.logs.pump import _last_time

    early, late, notice_at = (datetime(2026, 3, 1, 12, 0, s, tzinfo=UTC) for s in (1, 2, 9))
    batch = LogBatch("web", ["a", "b", "engine gone"], times=[early, late, notice_at], notices={2})
    assert _last_time(batch, None) == late
    assert _last_time(LogBatch.notice("web", "said", notice_at), early) == early
    assert _last_time(LogBatch("web", ["c"], at=early), late) == late  # never backwards
