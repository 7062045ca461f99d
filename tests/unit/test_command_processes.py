"""Nothing a command starts outlives it (issue 12.8): timeouts, leftovers, SIGTERM/SIGINT of qatui.

Each test starts real processes — a shell line's background child, a `setsid` child that left
the session and process group — and then checks with `ps` that none of them remains.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from qatui.core.logs.command_source import CommandSource
from qatui.core.probes import run_probes
from qatui.core.procs import LIVE, ProcessTree
from qatui.core.session import ProbeStatus
from tests.servers import checklist_of, probe


def alive(pid: int) -> bool:
    """`ps` sees the process and it is not a zombie."""
    out = subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True).stdout.strip()
    return bool(out) and not out.startswith("Z")


def gone(pid: int, within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)  # the kernel delivers SIGKILL asynchronously; nothing to wait on
    return False


def wait_for(path: Path, count: int = 1, within: float = 20.0) -> list[int]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if path.exists():
            pids = [int(p) for p in path.read_text().split()]
            if len(pids) >= count:
                return pids
        time.sleep(0.05)  # the shell writes the file when it gets to it
    raise AssertionError(f"{path} was not written")


def run(*specs, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return run_probes(checklist_of(*specs), "local", list(specs), trusted=True, env=env or dict(os.environ))


def test_setsid_child_is_ended_on_timeout(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    [result] = run(probe(id="t", kind="command", timeout=1.0,
                         run=f"setsid sleep 301 & echo $! >> {pids}; sleep 302 & echo $! >> {pids}; sleep 303"))
    assert result.status is ProbeStatus.TIMEOUT
    escaped, child = wait_for(pids, 2)
    assert gone(escaped), "the setsid child outlived the timeout"
    assert gone(child), "the background child outlived the timeout"
    # the shell, its two children and `sleep 303`: 4 processes, and the explanation says so
    assert "qatui stopped it and the 3 process(es) it started" in result.explanation, result.explanation
    assert not LIVE


def test_processes_left_running_after_exit_are_ended(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    [result] = run(probe(id="d", kind="command", run=f"setsid sleep 304 >/dev/null 2>&1 & echo $! > {pids}"))
    assert result.status is ProbeStatus.PASSED, result.summary
    [daemon] = wait_for(pids)
    assert gone(daemon)
    assert "qatui ended 1 process(es) the command left running" in result.detail


def test_a_clean_command_reports_no_leftovers() -> None:
    [result] = run(probe(id="c", kind="command", run="echo hi"))
    assert result.status is ProbeStatus.PASSED and "left running" not in result.detail


def test_commands_that_exit_together_share_a_scan_and_each_gets_its_own_leftovers(tmp_path: Path) -> None:
    # Twelve commands exit in the same moment and are checked by one pass over /proc
    # (`procs.members_of`): the two that left a process running each end theirs, and only
    # theirs; the clean ones report nothing.
    specs = [probe(id=f"clean{k}", kind="command", run="true") for k in range(10)]
    specs += [probe(id=f"dirty{k}", kind="command", run=f"setsid sleep 31{k} >/dev/null 2>&1 & echo $! > {tmp_path / str(k)}")
              for k in range(2)]
    results = {result.probe_id: result for result in run(*specs)}
    for k in range(2):
        [daemon] = wait_for(tmp_path / str(k))
        assert gone(daemon)
        assert "qatui ended 1 process(es) the command left running" in results[f"dirty{k}"].detail
    assert all("left running" not in results[f"clean{k}"].detail for k in range(10))
    assert not LIVE


def test_process_tree_finds_a_double_fork_by_its_mark(tmp_path: Path) -> None:
    """A grandchild that left the session and whose parent died is found by the mark alone."""
    pids = tmp_path / "pids"
    tree = ProcessTree()
    process = subprocess.Popen(["/bin/sh", "-c", f"(setsid sh -c 'echo $$ > {pids}; exec sleep 305' &) ; exit 0"],
                               env=tree.env(os.environ), start_new_session=True)
    tree.started(process.pid)
    process.wait()
    [orphan] = wait_for(pids)  # written after setsid(): it has left the session and group
    assert orphan in tree.members()
    ended = tree.end()
    assert gone(orphan) and ended.signalled == 1 and ended.remaining == 0 and ended.tracked


def test_command_log_source_ends_its_setsid_child(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    source = CommandSource("c", f"setsid sleep 306 & echo $! > {pids}; while true; do echo tick; sleep 0.2; done")
    stop = threading.Event()
    batches = source.follow(stop)
    next(batches)
    [escaped] = wait_for(pids)
    stop.set()
    batches.close()  # the source's way out: it ends what the command started
    assert gone(escaped)


CHECKLIST = """\
qatui: 1
title: Processes
environments:
  local: {{label: Local, default: true}}
sections:
  - id: s
    title: S
    priority: critical
    items:
      - id: i
        title: Long command
        probes:
          - id: long
            kind: command
            timeout: 120
            run: "setsid sleep 307 & echo $! >> {pids}; sleep 308 & echo $! >> {pids}; sleep 309"
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_to_qatui_probe_ends_its_commands_children(tmp_path: Path, sig: signal.Signals) -> None:
    pids = tmp_path / "pids"
    checklist = tmp_path / "procs.yaml"
    checklist.write_text(CHECKLIST.format(pids=pids))
    env = {k: v for k, v in os.environ.items() if not k.startswith("QATUI_")}
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg")
    subprocess.run([sys.executable, "-m", "qatui", "trust", "--yes", str(checklist)], env=env, check=True,
                   capture_output=True, timeout=60)
    qatui = subprocess.Popen([sys.executable, "-m", "qatui", "probe", str(checklist)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    try:
        escaped, child = wait_for(pids, 2)
        qatui.send_signal(sig)
        _, err = qatui.communicate(timeout=30)
    finally:
        if qatui.poll() is None:
            qatui.kill()
    assert qatui.returncode == 130, err
    assert gone(escaped), "the setsid child outlived qatui"
    assert gone(child), "the background child outlived qatui"


LOGS_CHECKLIST = """\
qatui: 1
title: Log processes
environments:
  local: {{label: Local, default: true}}
logs:
  c: {{command: "setsid sleep 311 & echo $! >> {pids}; sleep 312 & echo $! >> {pids}; while true; do echo tick; sleep 0.2; done"}}
sections:
  - id: s
    title: S
    priority: critical
    items:
      - {{id: i, title: Item}}
"""


def test_sigterm_to_qatui_logs_ends_its_command_sources_children(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    checklist = tmp_path / "logs.yaml"
    checklist.write_text(LOGS_CHECKLIST.format(pids=pids))
    env = {k: v for k, v in os.environ.items() if not k.startswith("QATUI_")}
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg")
    subprocess.run([sys.executable, "-m", "qatui", "trust", "--yes", str(checklist)], env=env, check=True,
                   capture_output=True, timeout=60)
    qatui = subprocess.Popen([sys.executable, "-m", "qatui", "logs", str(checklist), "c", "--follow"], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    try:
        escaped, child = wait_for(pids, 2)
        qatui.send_signal(signal.SIGTERM)
        _, err = qatui.communicate(timeout=30)
    finally:
        if qatui.poll() is None:
            qatui.kill()
    assert qatui.returncode == 130, err
    assert gone(escaped), "the setsid child outlived qatui logs"
    assert gone(child), "the background child outlived qatui logs"
