"""The engine: bounded concurrency, capture dependencies, item order, cancellation, gates, masking."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from qatui.core.probes import ProbeRunner, run_probes, with_dependencies
from qatui.core.session import ProbeResult, ProbeStatus
from tests.servers import HttpApp, checklist_of, probe


@pytest.fixture
def fresh_app() -> Iterator[HttpApp]:
    app = HttpApp().start()
    yield app
    app.stop()


def test_jobs_bound_concurrency(fresh_app: HttpApp) -> None:
    specs = [probe(item=f"i{n}", id=f"p{n}", kind="http", url=f"{fresh_app.url}/slow?ms=150&tag={n}") for n in range(6)]
    results = run_probes(checklist_of(*specs), "local", specs, trusted=True, jobs=3, env={})
    assert all(r.status is ProbeStatus.PASSED for r in results)
    assert fresh_app.server is not None
    assert fresh_app.server.max_active == 3  # ran at once, but never more than --jobs


def test_item_probes_keep_order_and_captures_wait(fresh_app: HttpApp) -> None:
    first = probe(item="same", id="first", kind="http", url=f"{fresh_app.url}/slow?ms=200&tag=first")
    second = probe(item="same", id="second", kind="http", url=f"{fresh_app.url}/slow?ms=10&tag=second")
    maker = probe(item="a", id="maker", kind="http", url=f"{fresh_app.url}/slow?ms=200&tag=maker",
                  capture={"slept": {"json": "slept"}})
    user = probe(item="b", id="user", kind="http", url=f"{fresh_app.url}/slow?ms=10&tag=user-${{slept}}")
    free = probe(item="c", id="free", kind="http", url=f"{fresh_app.url}/slow?ms=10&tag=free")
    specs = [first, second, maker, user, free]
    results = run_probes(checklist_of(*specs), "local", specs, trusted=True, jobs=8, env={})
    assert [r.status for r in results] == [ProbeStatus.PASSED] * 5, [r.summary for r in results]
    assert fresh_app.server is not None
    times = {tag: (start, end) for tag, start, end in fresh_app.server.timeline}
    assert times["second"][0] >= times["first"][1]
    assert times["user-200"][0] >= times["maker"][1]
    assert times["free"][0] < times["maker"][1]  # independent probes did not wait


def test_with_dependencies_pulls_in_the_capturing_probe(http_app: HttpApp) -> None:
    maker = probe(item="a", id="maker", kind="http", url=f"{http_app.url}/json", capture={"v": {"json": "version"}})
    other = probe(item="x", id="other", kind="http", url=f"{http_app.url}/json")
    user = probe(item="b", id="user", kind="http", url=f"{http_app.url}/echo?v=${{v}}")
    checklist = checklist_of(maker, other, user)
    assert [p.id for p in with_dependencies(checklist, [user])] == ["maker", "user"]


def test_runner_submit_on_result_and_captures_across_batches(http_app: HttpApp) -> None:
    maker = probe(item="a", id="maker", kind="http", url=f"{http_app.url}/json", capture={"v": {"json": "version"}})
    user = probe(item="b", id="user", kind="http", url=f"{http_app.url}/echo?v=${{v}}", expect={"json": {"query.v": "4.2.30"}})
    checklist = checklist_of(maker, user)
    seen: list[tuple[str, str]] = []
    with ProbeRunner(checklist, "local", trusted=True, env={}) as runner:
        first = runner.submit([maker], on_result=lambda r, item: seen.append((r.probe_id, item)))
        assert first.result(10)[0].status is ProbeStatus.PASSED
        [second] = runner.submit([user]).result(10)
        assert second.status is ProbeStatus.PASSED, second.summary
        assert runner.captures == {"v": "4.2.30"}
    assert seen == [("maker", "a")]


def test_cancel_kills_running_commands(tmp_path: Path, http_app: HttpApp) -> None:
    pidfile = tmp_path / "pid"
    cmd = probe(item="a", id="sleepy", kind="command", run=f"echo $$$$ > {pidfile}; exec sleep 30", timeout=60)
    slow = probe(item="b", id="slow", kind="http", url=f"{http_app.url}/slow?ms=5000", timeout=60)
    checklist = checklist_of(cmd, slow)
    runner = ProbeRunner(checklist, "local", trusted=True, env=dict(os.environ)).start()
    try:
        future = runner.submit([cmd, slow])
        deadline = time.monotonic() + 10
        while not (pidfile.exists() and pidfile.read_text().strip()) and time.monotonic() < deadline:
            time.sleep(0.02)  # nothing to wait on but the file the process writes
        pid = int(pidfile.read_text())
        runner.cancel()
        results = future.result(10)
    finally:
        runner.close()
    assert [r.status for r in results] == [ProbeStatus.NOT_RUN, ProbeStatus.NOT_RUN]
    assert all("cancelled" in r.summary for r in results)
    with pytest.raises(ProcessLookupError):
        for _ in range(100):
            os.kill(pid, 0)
            time.sleep(0.02)


def test_run_timeout_reports_timed_out(http_app: HttpApp) -> None:
    slow = probe(id="slow", kind="http", url=f"{http_app.url}/slow?ms=3000", timeout=30)
    [result] = run_probes(checklist_of(slow), "local", [slow], trusted=True, env={}, timeout=0.3)
    assert result.status is ProbeStatus.TIMEOUT
    assert "--timeout of 0.3 s" in result.explanation


def test_destructive_on_protected_environment(http_app: HttpApp) -> None:
    spec = probe(id="wipe", kind="http", method="POST", url=f"{http_app.url}/echo", destructive=True)
    protected = checklist_of(spec, protected=True)
    [blocked] = run_probes(protected, "local", [spec], trusted=True, env={})
    assert blocked.status is ProbeStatus.NOT_RUN
    assert "--allow-destructive local" in blocked.explanation
    [allowed] = run_probes(protected, "local", [spec], trusted=True, allow_destructive=True, env={})
    assert allowed.status is ProbeStatus.PASSED
    [unprotected] = run_probes(checklist_of(spec), "local", [spec], trusted=True, env={})
    assert unprotected.status is ProbeStatus.PASSED


def test_destructive_confirmed_for_one_submission_only(http_app: HttpApp) -> None:
    spec = probe(id="wipe", kind="http", method="POST", url=f"{http_app.url}/echo", destructive=True)
    protected = checklist_of(spec, protected=True)
    with ProbeRunner(protected, "local", trusted=True, env={}) as runner:
        [confirmed] = runner.submit([spec], confirmed=["wipe"]).result(timeout=30)
        [again] = runner.submit([spec]).result(timeout=30)
    assert confirmed.status is ProbeStatus.PASSED
    assert again.status is ProbeStatus.NOT_RUN  # the answer was for that run, not the session


def test_looking_probes_under_a_destructive_item_still_run_on_protected(http_app: HttpApp) -> None:
    host, port = http_app.url.removeprefix("http://").split(":")
    look = probe(id="port", kind="tcp", host=host, port=int(port))
    change = probe(id="wipe", kind="http", method="POST", url=f"{http_app.url}/echo")
    checklist = checklist_of(look, change, protected=True)
    for item in checklist.items():
        item.destructive = True
    by_id = {r.probe_id: r for r in run_probes(checklist, "local", [look, change], trusted=True, env={})}
    assert by_id["port"].status is ProbeStatus.PASSED  # a tcp probe only looks
    assert by_id["wipe"].status is ProbeStatus.NOT_RUN  # an http POST takes the item's mark


def test_secrets_masked_in_every_field(http_app: HttpApp) -> None:
    canary = "canary-Zq81-secret"
    specs = [
        probe(item="a", id="echo", kind="http", url=f"{http_app.url}/echo", headers={"X-Key": "${key}"},
              expect={"body_contains": "${key}-missing"}),
        probe(item="b", id="cmd", kind="command", run="echo ${key}; echo ${key} >&2; exit 1"),
        probe(item="c", id="cap", kind="command", run="echo token=${key}", capture={"copy": {"regex": "token=(\\S+)"}}),
        probe(item="d", id="undefined", kind="http", url="${key}/${nothing}"),
    ]
    checklist = checklist_of(*specs, secrets={"key": "QATUI_TEST_CANARY"})
    results = run_probes(checklist, "local", specs, trusted=True, env={"QATUI_TEST_CANARY": canary, "PATH": os.environ["PATH"]})
    assert results[0].status is ProbeStatus.FAILED and results[1].status is ProbeStatus.FAILED
    assert results[2].captures == {"copy": "••••••"}
    for result in results:
        for text in (result.summary, result.explanation, result.detail, *result.captures.values()):
            assert canary not in text, f"{result.probe_id} leaked the secret: {text}"


def test_callback_errors_do_not_break_the_run(http_app: HttpApp) -> None:
    spec = probe(id="j", kind="http", url=f"{http_app.url}/json")

    def broken(result: ProbeResult, item: str) -> None:
        raise RuntimeError("display failed")

    [result] = run_probes(checklist_of(spec), "local", [spec], trusted=True, env={}, on_result=broken)
    assert result.status is ProbeStatus.PASSED


def test_close_stops_the_thread(http_app: HttpApp) -> None:
    spec = probe(id="j", kind="http", url=f"{http_app.url}/json")
    before = {t.name for t in threading.enumerate()}
    runner = ProbeRunner(checklist_of(spec), "local", trusted=True, env={}).start()
    assert runner.submit([spec]).result(10)[0].status is ProbeStatus.PASSED
    runner.close()
    assert "qatui-probes" not in {t.name for t in threading.enumerate()} - before
