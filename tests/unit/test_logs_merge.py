"""The merger: batch-wise interleaving in time order, and telling failed sources from working ones.

Real sources (files, commands, the Docker engine or a socket where no engine listens) wherever
the behaviour depends on them; the pure k-way merge is also checked on hand-made batches, where
arrival order and ties must be exact.
"""

from __future__ import annotations

import socket
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from qatui.core.logs import CommandSource, DockerSource, FileSource, LogBatch, merge
from qatui.core.logs.merge import MergedBatch, SourceHealth, _interleave, _Run

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def run(order: int, batch: LogBatch) -> _Run:
    return _Run(arrived=0.0, received=at(1000), order=order, batch=batch)


def texts(chunks: list[tuple[LogBatch, int, int]]) -> list[str]:
    return [text for batch, lo, hi in chunks for text in batch.texts[lo:hi]]


def test_interleave_takes_runs_whole_and_splits_only_where_sources_cross() -> None:
    # a: one time for a whole batch (a command's read), twice; b: a time per line.
    a1 = LogBatch("a", ["a1", "a2", "a3"], at=at(1))
    a2 = LogBatch("a", ["a4"], at=at(5))
    b = LogBatch("b", ["b1", "b2", "b3", "b4"], times=[at(0), at(2), at(3), at(6)])
    chunks = _interleave([[run(0, a1), run(2, a2)], [run(1, b)]])
    assert texts(chunks) == ["b1", "a1", "a2", "a3", "b2", "b3", "a4", "b4"]
    assert len(chunks) == 5  # a1 went out as one slice, not three lines
    assert (chunks[1][0], chunks[1][1], chunks[1][2]) == (a1, 0, 3)


def test_interleave_keeps_each_source_in_its_own_order_and_breaks_ties_by_arrival() -> None:
    # b's times step back (a traceback line stamped earlier): b's order still wins within b.
    a = LogBatch("a", ["a1", "a2"], times=[at(1), at(3)])
    b = LogBatch("b", ["b1", "b2", "b3"], times=[at(2), at(0.5), at(4)])
    assert texts(_interleave([[run(0, a)], [run(1, b)]])) == ["a1", "b1", "b2", "a2", "b3"]
    # The same instant in both: the batch that arrived first goes first, either way round.
    x = LogBatch("x", ["x1", "x2"], times=[at(1), at(1)])
    y = LogBatch("y", ["y1"], times=[at(1)])
    assert texts(_interleave([[run(0, x)], [run(1, y)]])) == ["x1", "x2", "y1"]
    assert texts(_interleave([[run(1, x)], [run(0, y)]])) == ["y1", "x1", "x2"]
    # Lines without a time take the moment their batch was received.
    untimed = LogBatch("u", ["u1"], times=[None])
    assert texts(_interleave([[run(0, untimed)], [run(1, LogBatch("v", ["v1"], at=at(2000)))]])) == ["u1", "v1"]


def test_merged_batch_is_a_sequence_of_lines() -> None:
    a = LogBatch("a", ["a0", "a1", "a2"], at=at(1), errors=frozenset({2}))
    b = LogBatch("b", ["b0", "b1"], times=[at(2), at(3)], notices=frozenset({1}))
    merged = MergedBatch([(a, 1, 3), (b, 0, 2)])
    lines = list(merged)
    assert len(merged) == 4 and [line.text for line in lines] == ["a1", "a2", "b0", "b1"]
    assert merged[0] == lines[0] and merged[-1] == lines[-1] and merged[1:3] == lines[1:3]
    assert lines[1].is_error and lines[3].notice and lines[2].at == at(2) and lines[0].source == "a"
    with pytest.raises(IndexError):
        merged[4]


def test_two_floods_merge_completely_and_in_each_sources_order() -> None:
    count = 60_000
    sources = [CommandSource(name, f"seq 1 {count} | sed s/^/{name}/", tail=count) for name in ("a", "b")]
    stop = threading.Event()
    batches = 0
    seen: dict[str, list[str]] = {"a": [], "b": []}
    for merged in merge(sources, stop, follow=True):
        batches += 1
        for batch, lo, hi in merged.chunks:
            if not batch.notices:
                seen[batch.source].extend(batch.texts[lo:hi])
    for name in ("a", "b"):
        assert seen[name] == [f"{name}{i}" for i in range(1, count + 1)]
    assert batches < count / 100  # handed out in bulk, not line by line


def test_interleaves_timestamped_files_in_time_order(tmp_path: Path) -> None:
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    (tmp_path / "a.log").write_text("".join(f"{(base + timedelta(seconds=2 * i)).isoformat()} a{i}\n" for i in range(50)))
    (tmp_path / "b.log").write_text("".join(f"{(base + timedelta(seconds=2 * i + 1)).isoformat()} b{i}\n" for i in range(50)))
    sources = [FileSource("a", tmp_path / "a.log", tail=50), FileSource("b", tmp_path / "b.log", tail=50)]
    lines = [line for merged in merge(sources, threading.Event(), follow=False) for line in merged]
    assert [line.text.split()[-1] for line in lines] == [x for i in range(50) for x in (f"a{i}", f"b{i}")]


# --- which sources failed ---


def outcome(sources: list[Any]) -> dict[str, tuple[bool, list[str]]]:
    health = SourceHealth([source.name for source in sources])
    for merged in merge(sources, threading.Event(), follow=False):
        health.see(merged)
    return {name: (state.failed, state.faults) for name, state in health.states.items()}


def test_missing_file_and_failing_commands_fail_working_ones_do_not(tmp_path: Path) -> None:
    (tmp_path / "empty.log").write_text("")
    (tmp_path / "full.log").write_text("one\n")
    result = outcome([
        FileSource("missing", tmp_path / "missing.log"),
        FileSource("empty", tmp_path / "empty.log"),
        FileSource("full", tmp_path / "full.log"),
        CommandSource("exit3", "exit 3"),
        CommandSource("quiet", "true"),
        CommandSource("crashed", "echo Traceback; exit 4"),  # printed something: it was read
    ])
    assert result["missing"][0] and "missing.log" in result["missing"][1][0]
    assert result["exit3"] == (True, ["command exited with code 3"])
    for working in ("empty", "full", "quiet", "crashed"):
        assert result[working][0] is False, (working, result[working])


def test_a_docker_engine_that_does_not_answer_fails_the_source(tmp_path: Path) -> None:
    bound = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    bound.bind(str(tmp_path / "bound.sock"))  # a socket file, but nobody listens on it
    try:
        result = outcome([
            DockerSource("nothing", container="web", docker_host=f"unix://{tmp_path}/nothing.sock"),
            DockerSource("refused", container="web", docker_host=f"unix://{tmp_path}/bound.sock"),
        ])
    finally:
        bound.close()
    for name in ("nothing", "refused"):
        failed, faults = result[name]
        assert failed and faults[0].startswith("Docker engine unreachable at unix://"), faults


@pytest.mark.docker
def test_a_missing_container_fails_and_a_real_one_works(run_container: Any) -> None:
    container = run_container("echo hello from busybox")
    container.wait(timeout=30)
    result = outcome([
        DockerSource("gone", container=f"qatui-no-such-{container.name}"),
        DockerSource("real", container=container.name),
    ])
    assert result["gone"][0] and result["gone"][1][0].startswith("no container named")
    assert result["real"] == (False, [])


def test_ordinary_notices_do_not_fail_a_source(tmp_path: Path) -> None:
    # A clean exit is a notice, not a fault (fault marks: tests/unit/test_logs_faults.py).
    result = outcome([CommandSource("quiet", "true"), FileSource("missing", tmp_path / "missing.log")])
    assert result["quiet"] == (False, [])
    assert result["missing"][0]
