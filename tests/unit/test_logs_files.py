"""File sources (`tail -F`) and command sources, with real files and real processes."""

from __future__ import annotations

import os
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from qatui.core.logs import CommandSource, FileSource, LineBuffer, LogBatch
from tests.unit.logs_support import Follower, read_all


def write(path: Path, text: str, mode: str = "a") -> None:
    with path.open(mode, encoding="utf-8") as handle:
        handle.write(text)


def test_file_tail_and_partial_last_line(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    write(log, "".join(f"line {i}\n" for i in range(1, 201)) + "half a li", "w")
    assert [line.text for line in read_all(FileSource("app", log), tail=3)] == ["line 198", "line 199", "line 200"]
    assert [line.text for line in read_all(FileSource("app", log, tail=1))] == ["line 200"]
    follower = Follower(FileSource("app", log), tail=2)
    follower.wait_text("line 200")
    write(log, "ne\nERROR next\n  detail\nok\n")
    follower.wait_text("ok")
    lines = [line for line in follower.snapshot() if not line.notice]
    assert [(line.text, line.is_error) for line in lines] == [
        ("line 199", False), ("line 200", False), ("half a line", False),
        ("ERROR next", True), ("  detail", True), ("ok", False),
    ]
    follower.close(timeout=2.0)


def test_file_rotation_by_rename(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    write(log, "old 1\n", "w")
    follower = Follower(FileSource("app", log))
    follower.wait_text("old 1")
    write(log, "old 2\n")
    os.rename(log, tmp_path / "app.log.1")
    write(tmp_path / "app.log.1", "old 3\n")  # the writer still has the old file open
    write(log, "new 1\n", "w")
    follower.wait_text("new 1")
    write(log, "new 2\n")
    follower.wait_text("new 2")
    assert follower.texts() == ["old 1", "old 2", "old 3", "new 1", "new 2"]
    assert any("rotated" in text for text in follower.notices())
    follower.close()


def test_file_truncation(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    write(log, "".join(f"before {i}\n" for i in range(50)), "w")
    follower = Follower(FileSource("app", log), tail=1)
    follower.wait_text("before 49")
    write(log, "after 1\n", "w")  # copytruncate: same file, shorter
    follower.wait_text("after 1")
    write(log, "after 2\n")
    follower.wait_text("after 2")
    assert follower.texts() == ["before 49", "after 1", "after 2"]
    assert any("truncated" in text for text in follower.notices())
    follower.close()


def test_file_that_appears_late(tmp_path: Path) -> None:
    log = tmp_path / "later.log"
    follower = Follower(FileSource("app", log))
    follower.wait_for(lambda f: any(f"waiting for {log}" in t for t in f.notices()))
    write(log, "first\nsecond\n", "w")
    follower.wait_text("second")
    assert follower.texts() == ["first", "second"]
    assert follower.close(timeout=2.0) < 2.0
    missing = read_all(FileSource("app", tmp_path / "never.log"))
    assert len(missing) == 1 and missing[0].notice and "waiting for" in missing[0].text


def test_file_since_uses_line_times(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    now = datetime.now(UTC).astimezone()
    old = (now - timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S,123")
    new = (now - timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S,456")
    write(log, f"{old} ERROR before the session\n{new} ERROR during the session\n  traceback line\n", "w")
    lines = read_all(FileSource("app", log), since=now - timedelta(minutes=30))
    assert [(line.text.split(" ", 2)[-1], line.is_error) for line in lines] == [
        ("ERROR during the session", True), ("traceback line", True),
    ]


def test_command_output_errors_and_exit_code() -> None:
    script = "echo out; echo ERROR on stderr >&2; echo '  continued'; printf 'last without newline'; exit 7"
    lines = read_all(CommandSource("cmd", script))
    assert [(line.text, line.is_error, line.notice) for line in lines] == [
        ("out", False, False),
        ("ERROR on stderr", True, False),
        ("  continued", True, False),
        ("last without newline", False, False),
        ("command exited with code 7", False, True),
    ]
    follower = Follower(CommandSource("cmd", ["sh", "-c", "echo hi; exit 0"]))
    follower.wait_text("command exited with code 0")
    follower.close()


def test_command_tail_without_follow() -> None:
    lines = read_all(CommandSource("cmd", "seq 1 5000"), tail=2)
    assert [line.text for line in lines] == ["4999", "5000", "command exited with code 0"]


def test_command_huge_lines_are_capped() -> None:
    script = (
        f"{sys.executable} -c \"import sys; sys.stdout.write('a' * 3_000_000 + '\\nshort\\n' "
        "+ 'b' * 100_000); sys.stdout.flush()\""
    )
    lines = read_all(CommandSource("cmd", script, max_line=1000))
    texts = [line.text for line in lines if not line.notice]
    assert len(texts) == 3
    assert texts[0].startswith("a" * 1000) and texts[0].endswith("[line truncated]") and len(texts[0]) < 1100
    assert texts[1] == "short"
    assert texts[2].startswith("b" * 1000) and texts[2].endswith("[line truncated]")


def test_command_binary_garbage_is_replaced_not_fatal() -> None:
    script = f"{sys.executable} -c \"import sys; sys.stdout.buffer.write(bytes(range(256)) * 4 + b'\\xff\\xfe ok\\n')\""
    lines = read_all(CommandSource("cmd", script))
    texts = [line.text for line in lines if not line.notice]
    assert texts and texts[-1].endswith("\ufffd\ufffd ok")
    assert "\ufffd" in "".join(texts)
    assert lines[-1].text == "command exited with code 0"


def test_command_is_killed_with_its_process_group(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    source = CommandSource("cmd", f"sleep 300 & echo $! > {pid_file}; echo started; wait")
    follower = Follower(source)
    follower.wait_text("started")
    child = int(pid_file.read_text())
    assert follower.close(timeout=3.0) < 3.0
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.02)
    else:
        raise AssertionError("the command's child survived the stop")


def test_command_not_found_is_a_line() -> None:
    lines = read_all(CommandSource("cmd", ["/nonexistent/qatui-tool"]))
    assert len(lines) == 1 and lines[0].notice and "cannot run" in lines[0].text


def test_command_batches_a_flood() -> None:
    stop = threading.Event()
    buffer = LineBuffer("cmd", maxlen=1000)
    batches = 0
    for batch in CommandSource("cmd", "seq 1 200000").follow(stop):
        assert isinstance(batch, LogBatch)
        buffer.extend(batch)
        batches += 1
    assert buffer.total == 200001 and len(buffer) == 1000
    assert batches < 1000
    assert buffer.lines()[-2].text == "200000"
    assert buffer.lines()[-1].notice


def test_command_that_never_ends_is_cut_short_without_follow() -> None:
    lines = read_all(CommandSource("cmd", "echo one; echo two; sleep 300"), tail=5)
    assert [line.text for line in lines[:2]] == ["one", "two"]
    assert lines[-1].notice and "still running" in lines[-1].text
