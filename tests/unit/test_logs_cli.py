"""`qatui logs` as a user runs it: a real subprocess on a small checklist."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from qatui.commands.logs import parse_since
from tests.conftest import trust_file

CHECKLIST = """\
qatui: 1
title: Logs test
environments:
  local: {label: Local, default: true, vars: {word: hello}}
  staging: {label: Staging, vars: {word: bonjour}}
secrets:
  token: {env: QATUI_TEST_TOKEN}
logs:
  app: {file: app.log, tail: 3}
  cmd: {command: "echo ${word} $QATUI_TEST_TOKEN; echo 'Traceback (most recent call last):'; echo '  File x'; echo 'KeyError: y'; exit 4"}
  live: {command: "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.05; done"}
sections:
  - id: s
    title: S
    priority: critical
    items:
      - {id: a, title: A, logs: [app]}
"""


@pytest.fixture
def checklist(tmp_path: Path) -> Path:
    (tmp_path / "app.log").write_text("one\nERROR two\n  three\nfour\n")
    path = tmp_path / "checklist.yaml"
    path.write_text(CHECKLIST)
    trust_file(path, {**os.environ, "QATUI_TEST_TOKEN": "s3cr3t-value"})
    return path


def qatui(*args: str, timeout: float = 90, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "QATUI_TEST_TOKEN": "s3cr3t-value", **env}
    environ.pop("QATUI_ENV", None)
    return subprocess.run([sys.executable, "-m", "qatui", "logs", *args], capture_output=True, text=True,
                          timeout=timeout, env=environ)


def test_every_source_plain_when_piped(checklist: Path) -> None:
    result = qatui(str(checklist), "app", "cmd")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    bodies = [(line[:2], line[15:]) for line in lines]
    assert bodies == [
        ("! ", "app ERROR two"),
        ("! ", "app   three"),
        ("  ", "app four"),
        ("  ", "cmd hello ••••••"),
        ("! ", "cmd Traceback (most recent call last):"),
        ("! ", "cmd   File x"),
        ("! ", "cmd KeyError: y"),
        ("* ", "cmd command exited with code 4"),
    ]
    assert "\x1b[" not in result.stdout and "s3cr3t" not in result.stdout


def test_errors_grep_tail_and_environment(checklist: Path) -> None:
    errors = qatui(str(checklist), "--errors", "app")
    assert [line[15:] for line in errors.stdout.splitlines()] == ["app ERROR two", "app   three"]
    grep = qatui(str(checklist), "--grep", "bon", "--env", "staging", "cmd")
    assert [line[15:] for line in grep.stdout.splitlines()] == ["cmd bonjour ••••••", "cmd command exited with code 4"]
    # Smart case, as the screen's filter: lower case matches any case, a capital only itself.
    lower = qatui(str(checklist), "--grep", "error", "app")
    assert [line[15:] for line in lower.stdout.splitlines()] == ["app ERROR two"]
    exact = qatui(str(checklist), "--grep", "Error", "app")
    assert exact.returncode == 0 and exact.stdout == ""
    tail = qatui(str(checklist), "app", "--tail", "1")
    assert [line[15:] for line in tail.stdout.splitlines()] == ["app four"]


def test_unknown_names_suggest_and_exit_2(checklist: Path) -> None:
    result = qatui(str(checklist), "ap")
    assert result.returncode == 2
    assert "did you mean 'app'" in result.stderr and "Traceback" not in result.stderr
    result = qatui(str(checklist), "--env", "stagin")
    assert result.returncode == 2 and "did you mean 'staging'" in result.stderr
    result = qatui(str(checklist), "--since", "yesterday")
    assert result.returncode == 2 and "--since" in result.stderr
    result = qatui(str(checklist), "--grep", "(")
    assert result.returncode == 2 and "not a valid regex" in result.stderr


def test_follow_ends_cleanly_on_ctrl_c(checklist: Path) -> None:
    environ = {**os.environ, "QATUI_TEST_TOKEN": "x"}
    process = subprocess.Popen([sys.executable, "-m", "qatui", "logs", str(checklist), "live", "--follow"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environ)
    assert process.stdout is not None
    deadline = time.monotonic() + 20
    seen = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        seen.append(line)
        if "tick 3" in line:
            break
    assert any("tick 3" in line for line in seen)
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=10)
    assert process.returncode == 130
    assert "Traceback" not in err and "KeyboardInterrupt" not in err


def test_colour_on_a_terminal_and_plain_with_no_color(checklist: Path) -> None:
    import pty

    def on_tty(extra_env: dict[str, str]) -> str:
        leader, follower = pty.openpty()
        environ = {**os.environ, "TERM": "xterm-256color", "QATUI_TEST_TOKEN": "x", **extra_env}
        if "NO_COLOR" not in extra_env:
            environ.pop("NO_COLOR", None)
        process = subprocess.Popen([sys.executable, "-m", "qatui", "logs", str(checklist), "app"],
                                   stdout=follower, stderr=follower, env=environ)
        os.close(follower)
        chunks = []
        while True:
            try:
                data = os.read(leader, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        process.wait(timeout=20)
        os.close(leader)
        return b"".join(chunks).decode()

    coloured = on_tty({})
    assert "\x1b[" in coloured and "ERROR two" in coloured
    plain = on_tty({"NO_COLOR": "1"})
    assert "\x1b[" not in plain and "! " in plain


def test_parse_since() -> None:
    now = datetime(2026, 3, 1, 12, 0).astimezone()
    assert parse_since("10m", now) == now - timedelta(minutes=10)
    assert parse_since("2h", now) == now - timedelta(hours=2)
    assert parse_since("30", now) == now - timedelta(seconds=30)
    assert parse_since("2026-03-01T11:00:00+00:00", now).utcoffset() == timedelta(0)
    assert parse_since("2026-03-01T11:00", now).tzinfo is not None


@pytest.mark.docker
def test_compose_service_from_the_environment(run_container: object, compose_project: str, tmp_path: Path) -> None:
    container = run_container(  # type: ignore[operator]
        "echo 'Executing task'; echo 'ERROR task failed'; echo '  at tasks.py:3'", project=compose_project,
        service="huey")
    container.wait(timeout=30)
    path = tmp_path / "compose.yaml"
    path.write_text(
        "qatui: 1\ntitle: T\nenvironments:\n"
        f"  local: {{label: Local, compose: {{project: {compose_project}}}}}\n"
        "logs:\n  huey: {service: huey}\n  hue2: {service: hue}\n"
        "sections:\n  - {id: s, title: S, priority: critical, items: [{id: a, title: A}]}\n"
    )
    trust_file(path)
    result = qatui(str(path), "huey", "--errors")
    assert result.returncode == 0, result.stderr
    assert [line[15:] for line in result.stdout.splitlines()] == ["huey ERROR task failed", "huey   at tasks.py:3"]
    result = qatui(str(path), "hue2")
    assert result.returncode == 1  # the source could not be read: said in the stream and on stderr
    assert "did you mean 'huey'" in result.stdout and result.stdout.startswith("* ")
    assert "hue2: compose project" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("colour", [False, True])
def test_bulk_writer_prints_what_the_line_writer_prints(colour: bool) -> None:
    """The flood path (one join per batch) and the filtered path (line by line) agree, masking included."""
    import io
    from datetime import UTC

    from qatui.commands.logs import Printer
    from qatui.core.logs.base import LogBatch
    from qatui.core.logs.merge import MergedBatch

    at = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
    flood = LogBatch("cmd", ["one s3cr3t", "two", "three"], at=at)
    mixed = LogBatch("app", ["ok", "ERROR x", "engine gone"], times=[at, None, at + timedelta(seconds=1)],
                     errors=frozenset({1}), notices=frozenset({2}))
    merged = MergedBatch([(flood, 1, 3), (mixed, 0, 3), (flood, 0, 1)])

    def printer(out: io.StringIO) -> Printer:
        return Printer(["app", "cmd"], out, colour=colour, mask=lambda text: text.replace("s3cr3t", "••••••"))

    bulk, single = io.StringIO(), io.StringIO()
    printer(bulk).write_merged(merged)
    printer(single).write(list(merged))
    assert bulk.getvalue() == single.getvalue()
    assert ("\x1b[" in bulk.getvalue()) is colour and "s3cr3t" not in bulk.getvalue()
    if not colour:
        stamp = at.astimezone().strftime("%H:%M:%S.%f")[:12]
        assert bulk.getvalue().splitlines()[0] == f"  {stamp} cmd two"
        assert bulk.getvalue().splitlines()[3] == "!              app ERROR x"


@pytest.mark.parametrize("masking", [False, True])
def test_bulk_writer_agrees_across_its_slices_and_writes(masking: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches longer than a slice, written in several writes: still line for line what the
    line writer prints, with a secret and control characters past the first slice masked and
    made inert, and errors and notices on both sides of a slice boundary."""
    import io
    from datetime import UTC

    from qatui.commands import logs
    from qatui.core.logs.base import LogBatch
    from qatui.core.logs.merge import MergedBatch

    monkeypatch.setattr(logs, "SLICE_LINES", 7)
    monkeypatch.setattr(logs, "WRITE_CHARS", 40)
    at = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
    texts = [f"line {i}" for i in range(30)]
    texts[9] = "key s3cr3t here"
    texts[16] = "bell\x07 and \x1b[2J clear"
    flood = LogBatch("cmd", texts, at=at)
    mixed = LogBatch("app", list(texts), times=[at + timedelta(seconds=i) for i in range(30)],
                     errors=frozenset({6, 7}), notices=frozenset({13, 14}))
    merged = MergedBatch([(flood, 2, 30), (mixed, 0, 30)])
    writes: list[str] = []

    class Out(io.StringIO):
        def write(self, text: str) -> int:
            writes.append(text)
            return super().write(text)

    def printer(out: io.StringIO) -> logs.Printer:
        # `masking` is off when the run has no secret: its masker then changes nothing
        mask = (lambda text: text.replace("s3cr3t", "••••••")) if masking else (lambda text: text)
        return logs.Printer(["app", "cmd"], out, colour=False, mask=mask, masking=masking)

    bulk, single = Out(), io.StringIO()
    printer(bulk).write_merged(merged)
    printer(single).write(list(merged))
    assert bulk.getvalue() == single.getvalue() and len(writes) > 2
    assert "\x07" not in bulk.getvalue() and "\x1b" not in bulk.getvalue()
    assert ("s3cr3t" in bulk.getvalue()) is not masking
    assert len(bulk.getvalue().splitlines()) == 58


def test_an_untrusted_checklist_opens_no_source(tmp_path: Path) -> None:
    """Issue 12.3: `qatui logs` ran the `command:` log source of a checklist nobody trusted."""
    marker = tmp_path / "ran"
    path = tmp_path / "untrusted.yaml"
    path.write_text(
        "qatui: 1\ntitle: T\nenvironments:\n  local: {label: L, default: true}\n"
        f"logs:\n  cmd: {{command: 'touch {marker}; echo hello'}}\n  app: {{file: app.log}}\n"
        "sections:\n  - {id: s, title: S, priority: critical, items: [{id: a, title: A}]}\n"
    )
    (tmp_path / "app.log").write_text("a line\n")
    result = qatui(str(path))
    assert result.returncode == 1 and result.stdout == ""
    assert f"run `qatui trust {path}`" in result.stderr and "Traceback" not in result.stderr
    assert not marker.exists()
    trust_file(path)
    trusted = qatui(str(path))
    assert trusted.returncode == 0, trusted.stderr
    assert marker.exists() and "hello" in trusted.stdout and "a line" in trusted.stdout
