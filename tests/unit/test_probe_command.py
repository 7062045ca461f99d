"""Command and TCP probes: real processes and real sockets on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import sys
import time

from qatui.core.checklist import ProbeSpec
from qatui.core.probes import run_probes
from qatui.core.session import ProbeResult, ProbeStatus
from tests.servers import HttpApp, checklist_of, free_port, probe


def run(*specs: ProbeSpec, trusted: bool = True, env: dict[str, str] | None = None) -> list[ProbeResult]:
    return run_probes(checklist_of(*specs), "local", list(specs), trusted=trusted, env=env or dict(os.environ))


def test_argv_capture_and_expectations() -> None:
    [result] = run(
        probe(id="v", kind="command", argv=[sys.executable, "-c", "print('Django 4.2.30'); import sys; print('warn', file=sys.stderr)"],
              expect={"stdout_contains": "Django", "stderr_contains": "warn", "output_matches": r"4\.2\.\d+", "not_contains": "Traceback"},
              capture={"django_version": {"regex": r"Django (\S+)", "stream": "stdout"}})
    )
    assert result.status is ProbeStatus.PASSED, result.summary + result.detail
    assert result.captures == {"django_version": "4.2.30"}
    assert "django_version = 4.2.30" in result.summary


def test_shell_line_env_and_cwd(tmp_path) -> None:
    (tmp_path / "marker.txt").write_text("here")
    [result] = run(probe(id="s", kind="command", run="cat marker.txt; echo \" $GREETING\"", cwd=str(tmp_path), env={"GREETING": "hi"},
                         expect={"stdout_contains": ["here", "hi"]}))
    assert result.status is ProbeStatus.PASSED, result.summary


def test_non_zero_exit_explained() -> None:
    [result] = run(probe(id="n", kind="command", run="echo 'SystemCheckError: 1 issue' >&2; exit 3"))
    assert result.status is ProbeStatus.FAILED
    assert result.summary == "exit 3, expected exit 0 — probes.yaml:30" or result.summary.startswith("exit 3, expected exit 0")
    assert "exit 3" in result.explanation and "SystemCheckError" in result.explanation


def test_expected_exit_code() -> None:
    [result] = run(probe(id="n", kind="command", run="exit 2", expect={"exit_code": 2}))
    assert result.status is ProbeStatus.PASSED


def test_command_not_found_argv_and_shell() -> None:
    argv, shell = run(
        probe(item="a", id="a", kind="command", argv=["qatui-no-such-program-xyz", "--version"]),
        probe(item="b", id="b", kind="command", run="qatui-no-such-program-xyz --version"),
    )
    assert argv.status is ProbeStatus.ERROR and "not installed or not on PATH" in argv.explanation
    assert shell.status is ProbeStatus.ERROR and "qatui-no-such-program-xyz" in shell.explanation


def test_endless_output_is_capped_and_killed_with_its_group(tmp_path) -> None:
    pidfile = tmp_path / "child.pid"
    [result] = run(probe(id="y", kind="command", run=f"sleep 60 & echo $! > {pidfile}; yes", timeout=0.5))
    assert result.status is ProbeStatus.TIMEOUT
    assert "did not finish within 0.5 s" in result.explanation
    assert len(result.detail) <= 4100
    child = int(pidfile.read_text())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)  # the kernel reaps asynchronously; nothing to wait on here
    else:
        raise AssertionError("the background child of the shell line survived the timeout")


def test_bounded_text_keeps_head_and_tail() -> None:
    from qatui.core.probes.base import BoundedText

    buf = BoundedText(cap=100)
    buf.feed(b"START" + b"x" * 10_000)
    for _ in range(1000):
        buf.feed(b"y" * 100)
    buf.feed(b"END")
    assert len(buf.head) + len(buf.tail) <= 200
    text = buf.text()
    assert text.startswith("START") and text.endswith("END") and "bytes not kept" in text


def test_untrusted_commands_not_run() -> None:
    [result] = run(probe(id="c", kind="command", run="touch /tmp/never"), trusted=False)
    assert result.status is ProbeStatus.NOT_RUN
    assert "qatui trust /tmp/probes.yaml" in result.explanation


def test_tcp_open_refused_and_slow(http_app: HttpApp) -> None:
    port = free_port()
    ok, refused = run(
        probe(item="a", id="ok", kind="tcp", host="127.0.0.1", port=http_app.port),
        probe(item="b", id="no", kind="tcp", host="127.0.0.1", port=port),
    )
    assert ok.status is ProbeStatus.PASSED and "accepts connections" in ok.summary
    assert refused.status is ProbeStatus.FAILED
    assert f"nothing listens on 127.0.0.1:{port}" in refused.explanation


def test_tcp_timeout_when_backlog_full() -> None:
    """A listener that never accepts and whose backlog is full makes connect hang: a timeout."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    try:
        for _ in range(4):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", port))
            fillers.append(s)
        [result] = run(probe(id="t", kind="tcp", host="127.0.0.1", port=port, timeout=0.3))
        assert result.status in (ProbeStatus.TIMEOUT, ProbeStatus.PASSED)
        if result.status is ProbeStatus.TIMEOUT:
            assert "did not answer within 0.3 s" in result.explanation
    finally:
        for s in fillers:
            s.close()
        listener.close()


def test_until_polls_until_the_system_settles(tmp_path) -> None:
    """Like a Huey task that finishes a moment later: the probe passes once the file exists."""
    import threading

    marker = tmp_path / "done"
    timer = threading.Timer(0.4, marker.touch)
    timer.start()
    try:
        [result] = run(probe(id="u", kind="command", argv=["test", "-f", str(marker)], until=5))
    finally:
        timer.cancel()
    assert result.status is ProbeStatus.PASSED, result.summary
    assert "attempts)" in result.summary
