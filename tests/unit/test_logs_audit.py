"""Gaps found by using `qatui logs` as a tester does: logs whose lines carry a clock time but no
date (`15:31:16,869 ERROR …`, the demo target's format), a broken checklist, a pipe closed by
`head`, and the engine's faults worded for a person."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

from qatui.core.logs import FileSource, engine_reason
from qatui.core.logs._text import leading_time
from tests.conftest import trust_file
from tests.unit.logs_support import read_all


def test_clock_time_without_a_date_takes_the_reference_day() -> None:
    reference = datetime(2026, 3, 1, 12, 0, 0).astimezone()
    stamp = leading_time("11:59:58,250 ERROR x", reference)
    assert stamp == reference.replace(hour=11, minute=59, second=58, microsecond=250000)
    # later than the reference (beyond clock slack): written yesterday, before midnight
    late = leading_time("23:50:00 INFO y", reference)
    assert late is not None and late.date() == (reference - timedelta(days=1)).date()
    assert leading_time("[11:00:00] x", reference) == reference.replace(hour=11, minute=0, second=0)
    for not_a_time in ("25:61:99 x", "11:00:00x", "1:00:00 x", "11:00 x", "127.0.0.1 - GET"):
        assert leading_time(not_a_time, reference) is None, not_a_time


def test_file_since_with_dateless_times_and_tracebacks(tmp_path: Path) -> None:
    """`--since 5m` on such a log showed every line (all counted at the file's mtime), and the
    logs probe's "no ERROR since the session started" failed on old errors."""
    now = datetime.now().astimezone()
    old = (now - timedelta(hours=1)).strftime("%H:%M:%S,%f")[:12]
    new = (now - timedelta(seconds=30)).strftime("%H:%M:%S,%f")[:12]
    log = tmp_path / "app.log"
    log.write_text(
        f"{old} ERROR before the window\nTraceback (most recent call last):\n  old frame\n"
        f"{new} ERROR inside the window\nTraceback (most recent call last):\nValueError: new\n"
    )
    lines = read_all(FileSource("app", log), since=now - timedelta(minutes=5))
    assert [line.text for line in lines] == [
        f"{new} ERROR inside the window", "Traceback (most recent call last):", "ValueError: new",
    ]
    assert all(line.is_error for line in lines)
    # the traceback is stamped with its error line's time, so it interleaves beside it
    assert {line.at for line in lines} == {lines[0].at}
    assert lines[0].at is not None and abs((lines[0].at - (now - timedelta(seconds=30))).total_seconds()) < 0.01


def test_engine_reason_is_plain_words() -> None:
    import docker
    import docker.errors

    try:
        docker.DockerClient(base_url="unix:///tmp/qatui-no-engine.sock", timeout=2).ping()
    except docker.errors.DockerException as error:
        assert engine_reason(error) == "no such socket"
    else:  # pragma: no cover - nothing may listen there
        raise AssertionError("an engine answered on a socket that does not exist")
    assert engine_reason(ConnectionRefusedError(111, "Connection refused")) == "connection refused"


CHECKLIST = """\
qatui: 1
title: Pipe
environments:
  local: {default: true}
logs:
  flood: {command: "i=0; while true; do echo line $i; i=$((i+1)); done"}
sections:
  - id: s
    title: S
    priority: critical
    items:
      - {id: a, title: A}
"""


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QATUI_")}
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg")
    return env


def test_broken_checklist_exits_2_with_the_problems(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("qatui: 1\ntitle: x\nlogs:\n  app: {fiel: a.log}\nsections: []\n")
    result = subprocess.run([sys.executable, "-m", "qatui", "logs", str(bad)], capture_output=True, text=True,
                            timeout=30, env=_env(tmp_path))
    assert result.returncode == 2
    assert f"{bad}:4:" in result.stderr
    assert "Traceback" not in result.stderr


def test_piped_into_head_ends_quietly(tmp_path: Path) -> None:
    """`qatui logs … --follow | head -3`: head closes the pipe; no BrokenPipe traceback."""
    path = tmp_path / "pipe.yaml"
    path.write_text(CHECKLIST)
    trust_file(path, _env(tmp_path))
    read_end, write_end = os.pipe()
    head = subprocess.Popen(["head", "-3"], stdin=read_end, stdout=subprocess.PIPE)
    logs = subprocess.Popen([sys.executable, "-m", "qatui", "logs", str(path), "--follow"],
                            stdout=write_end, stderr=subprocess.PIPE, env=_env(tmp_path))
    os.close(read_end)  # only head reads, only qatui writes
    os.close(write_end)
    out, _ = head.communicate(timeout=30)
    _, err = logs.communicate(timeout=30)
    assert len(out.decode().splitlines()) == 3
    assert logs.returncode == 0, err
    assert b"Traceback" not in err and b"BrokenPipe" not in err


def test_merge_hands_out_lines_while_a_source_floods(tmp_path: Path) -> None:
    """A flooding source never leaves the queue empty; the merger used to wait for an empty
    queue before handing anything out, so `qatui logs --follow` printed nothing, ever."""
    import threading

    from qatui.core.logs import CommandSource, merge

    (tmp_path / "quiet.log").write_text("quiet line\n")
    sources = [
        CommandSource("flood", "i=0; while true; do echo line $i; i=$((i+1)); done", tail=5),
        FileSource("quiet", tmp_path / "quiet.log", tail=5),
    ]
    stop = threading.Event()
    timer = threading.Timer(60, stop.set)  # a safety net only: the assertion is that lines come
    timer.start()
    stream = merge(sources, stop, follow=True)
    try:
        seen = 0
        for lines in stream:
            seen += sum(1 for line in lines if line.source == "flood")
            if seen >= 1000:
                break
        assert seen >= 1000, "the merger handed out nothing while a source flooded"
    finally:
        timer.cancel()
        stop.set()
        stream.close()
