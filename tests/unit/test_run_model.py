"""The run model both faces ask (`core/run`): live trust, nothing before trust, declared inputs
only, `destructive: always`, captures taken once, one figure computation, newer evidence."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from qatui.core.checklist import Checklist, Metric
from qatui.core.record.read import read
from qatui.core.record.render import render
from qatui.core.run import derived_figures, metric_change, plan_probes
from qatui.core.run.evidence import newer_evidence
from qatui.core.run.model import RunModel
from qatui.core.run.trust_state import NotTrusted
from qatui.core.session import ProbeResult, ProbeStatus, Session, Status
from qatui.core.trust import trust
from tests.servers import PASSWORD, HttpApp, checklist_of, probe


def login_checklist(base: str, path: Path) -> Checklist:
    """A token login that later items need, and two items that use the token."""
    login = probe(item="login", id="token-login", kind="http", method="POST", url=f"{base}/api-token-auth/",
                  json={"username": "qa", "password": "${api_password}"},
                  capture={"token": {"json": "token", "secret": True}})
    first = probe(item="products", id="products", kind="http", url=f"{base}/api/v1/products/",
                  headers={"Authorization": "Token ${token}"})
    second = probe(item="products-again", id="products-again", kind="http", url=f"{base}/api/v1/products/",
                   headers={"Authorization": "Token ${token}"})
    checklist = checklist_of(login, first, second, secrets={"api_password": "QATUI_TEST_API_PASSWORD"},
                             path=str(path))
    path.write_text("qatui: 1  # stands for the checklist above\n")
    return checklist


def env_of(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"XDG_DATA_HOME": str(tmp_path / "data"), "QATUI_TEST_API_PASSWORD": PASSWORD, **extra}


def test_untrusted_runs_nothing_and_reads_no_secret(tmp_path: Path, http_app: HttpApp) -> None:
    checklist = login_checklist(http_app.url, tmp_path / "c.yaml")
    tcp = probe(item="tcp", id="port", kind="tcp", host="127.0.0.1", port=str(http_app.port))
    checklist.sections[0].items.append(dataclasses.replace(checklist.sections[0].items[0], id="tcp", probes=[tcp]))
    model = RunModel(checklist, "local", env_of(tmp_path))
    assert http_app.server is not None
    before = len(http_app.server.requests)
    results = model.run_to_end(checklist.probes())
    assert [r.status for r in results] == [ProbeStatus.NOT_RUN] * 4
    assert all("qatui trust" in r.explanation for r in results)
    assert len(http_app.server.requests) == before  # nothing was sent
    assert model.scope.lookup("api_password") is None and not model.scope.masker  # no secret read
    with pytest.raises(NotTrusted):
        model.log_source("anything")


def test_trust_is_seen_live_by_a_runner_made_before_it(tmp_path: Path, http_app: HttpApp) -> None:
    """Bug 11.1: the screen's runner was made with "not trusted yet" and never learnt otherwise."""
    checklist = login_checklist(http_app.url, tmp_path / "c.yaml")
    env = env_of(tmp_path)
    model = RunModel(checklist, "local", env)
    runner = model.runner()
    try:
        [before] = runner.submit([checklist.probes()[0]]).result(30)
        assert before.status is ProbeStatus.NOT_RUN
        trust(checklist, env)  # `qatui trust --yes` in another terminal
        [after] = runner.submit([checklist.probes()[0]]).result(30)
        assert after.status is ProbeStatus.PASSED, after.explanation
        assert model.masker.mask(f"pw {PASSWORD}") == "pw ••••••"  # secrets read once trusted
    finally:
        model.close()


def test_a_capture_is_taken_once_then_again_when_stale(tmp_path: Path, http_app: HttpApp) -> None:
    checklist = login_checklist(http_app.url, tmp_path / "c.yaml")
    model = RunModel(checklist, "local", env_of(tmp_path), trusted=True)
    login, first, second = checklist.probes()
    assert http_app.server is not None
    requests = http_app.server.requests
    try:
        runner = model.runner()
        planned = model.plan([first])
        assert [p.id for p in planned] == ["token-login", "products"]
        assert all(r.status is ProbeStatus.PASSED for r in runner.submit(planned).result(30))
        # the next item reuses the token: no second login
        assert [p.id for p in model.plan([second])] == ["products-again"]
        start = len(requests)
        [again] = runner.submit(model.plan([second])).result(30)
        assert again.status is ProbeStatus.PASSED
        assert requests[start:] == ["GET /api/v1/products/"]
        # the owner re-run and failing: its token is stale and dropped, taken again next time
        model.scope._secrets["api_password"] = "wrong"  # the password was changed meanwhile
        [failed] = runner.submit([login]).result(30)
        assert failed.status is ProbeStatus.FAILED
        assert "token" not in model.scope.captures
        assert [p.id for p in model.plan([second])] == ["token-login", "products-again"]
    finally:
        model.close()
    # a fresh run (`qatui probe --only`) takes every dependency
    assert [p.id for p in plan_probes(checklist, [second])] == ["token-login", "products-again"]


def test_only_declared_environment_variables_are_read(tmp_path: Path, http_app: HttpApp) -> None:
    leak = probe(item="leak", id="leak", kind="http", url=f"{http_app.url}/echo",
                 headers={"X-Leak": "${QATUI_TEST_SECRET_IN_SHELL}"})
    checklist = checklist_of(leak)
    env = {"QATUI_TEST_SECRET_IN_SHELL": "aws-key-7Hq2", "DOCKER_HOST": "unix:///nowhere.sock"}
    model = RunModel(checklist, "local", env, trusted=True)
    [result] = model.run_to_end([leak])
    assert result.status is ProbeStatus.ERROR and "QATUI_TEST_SECRET_IN_SHELL" in result.summary
    assert "aws-key-7Hq2" not in result.detail + result.explanation
    assert model.scope.lookup("DOCKER_HOST") is None  # qatui's own setting, not the checklist's
    assert model.scope.engine_lookup("DOCKER_HOST") == "unix:///nowhere.sock"
    declared = RunModel(checklist_of(leak, from_env=["QATUI_TEST_SECRET_IN_SHELL"]), "local", env, trusted=True)
    assert declared.scope.lookup("QATUI_TEST_SECRET_IN_SHELL") == "aws-key-7Hq2"


@pytest.mark.parametrize("protected", [False, True])
def test_destructive_always_asks_on_every_environment(tmp_path: Path, http_app: HttpApp, protected: bool) -> None:
    mail = probe(item="mail", id="send-mail", kind="http", method="POST", url=f"{http_app.url}/echo",
                 destructive="always")
    plain = probe(item="wipe", id="wipe", kind="http", method="POST", url=f"{http_app.url}/echo", destructive=True)
    checklist = checklist_of(mail, plain, protected=protected)
    model = RunModel(checklist, "local", {}, trusted=True)
    asking = [p.id for p in model.needs_confirmation(checklist.probes())]
    assert asking == (["send-mail", "wipe"] if protected else ["send-mail"])
    results = {r.probe_id: r for r in model.run_to_end(checklist.probes())}
    assert results["send-mail"].status is ProbeStatus.NOT_RUN
    assert "--allow-destructive local" in results["send-mail"].explanation
    assert "destructive: always" in results["send-mail"].explanation
    assert results["wipe"].status is (ProbeStatus.NOT_RUN if protected else ProbeStatus.PASSED)
    allowed = RunModel(checklist, "local", {}, trusted=True).run_to_end(checklist.probes(), allow_destructive=True)
    assert [r.status for r in allowed] == [ProbeStatus.PASSED, ProbeStatus.PASSED]


def test_figures_and_metric_change_are_one_computation() -> None:
    assert metric_change(100.0, 125.0).delta == 25.0 and metric_change(100.0, 125.0).percent == 25.0
    assert metric_change(0.0, 5.0).percent is None and metric_change(None, 5.0).delta is None
    assert metric_change(float("nan"), 5.0).delta is None
    assert metric_change(200.0, 150.0).text() == "-50 (-25.0%)"
    checklist = checklist_of(probe(id="p", kind="http", url="x"))
    checklist.metrics = [Metric(id="t", name="T", source="probe", probe="p"),
                         Metric(id="c", name="C", source="capture", capture="count")]
    checklist.signoff.facts = {"Version": "version", "Token": "token"}
    at = datetime(2026, 12, 4, tzinfo=UTC)
    results = [ProbeResult("p", "http", ProbeStatus.PASSED, "ok", duration_ms=12.34, at=at,
                           captures={"version": "4.2", "token": "••••••", "count": "7"})]
    from qatui.core.secrets import Masker

    facts, metrics = derived_figures(checklist, results, {"version": "4.2", "token": "t0k3n", "count": "7"},
                                     Masker(["t0k3n"]))
    assert facts == {"Version": "4.2"} and metrics == {"t": 12.3, "c": 7.0}
    failed = [dataclasses.replace(results[0], status=ProbeStatus.FAILED)]
    assert derived_figures(checklist, failed, {"version": "4.2"}, None) == ({}, {})


def test_evidence_newer_than_the_verdict_is_said_in_the_record_and_reads_back() -> None:
    ticked = datetime(2026, 12, 4, 18, 32, 54, tzinfo=UTC)
    checklist = checklist_of(probe(item="login", id="token-login", kind="http", url="x"))
    session = Session.start(checklist, tester="Hannah", environment="local", started_at=ticked - timedelta(hours=1))
    item = session.item("login")
    item.status, item.updated_at = Status.PASSED, ticked
    item.probes = [ProbeResult("token-login", "http", ProbeStatus.PASSED, "status 200", duration_ms=5.0,
                               at=ticked - timedelta(seconds=30))]
    assert newer_evidence(item) is None and "evidence newer" not in render(session)
    item.probes[0].at = ticked + timedelta(minutes=1, seconds=7)
    newer = newer_evidence(item)
    assert newer is not None
    assert newer.text() == "evidence newer than the verdict (ticked 18:32:54, probes 18:34:01)"
    text = render(session)
    assert "passed at 2026-12-04 18:32:54+00:00 · ⚠ evidence newer than the verdict (ticked 18:32:54, probes 18:34:01)" in text
    assert read(text, "r.md") == session


def test_a_secret_echoed_to_a_probe_that_uses_no_variable_is_masked(tmp_path: Path, http_app: HttpApp) -> None:
    """The masker knows the secrets as soon as a trusted probe runs, not only once a probe
    happens to look a variable up."""
    echo = probe(item="echo", id="echo", kind="http", url=f"{http_app.url}/echo?q=pw-{PASSWORD}")
    checklist = checklist_of(echo, secrets={"api_password": "QATUI_TEST_API_PASSWORD"})
    [result] = RunModel(checklist, "local", env_of(tmp_path), trusted=True).run_to_end([echo])
    assert result.status is ProbeStatus.PASSED
    assert "pw-••••••" in result.detail and PASSWORD not in result.detail + result.summary


def test_follow_logs_merges_the_runs_sources_masked_and_only_once_trusted(tmp_path: Path) -> None:
    # `qatui logs` asks the run for one merged stream; the run builds the sources with its own
    # scope (a secret in a path is read from the run's secrets) and refuses before trust.
    import threading

    from qatui.core.checklist import LogSourceSpec, Secret
    from qatui.core.run.logs import MergedBatch, SourceHealth

    (tmp_path / "app.log").write_text("first\nsecond s3cret\n")
    (tmp_path / "worker.log").write_text("third\n")
    checklist = checklist_of(path=str(tmp_path / "c.yaml"))
    (tmp_path / "c.yaml").write_text("qatui: 1  # stands for the checklist above\n")
    checklist.secrets = {"pw": Secret(name="pw", env="QATUI_TEST_PW")}
    checklist.logs = {
        "app": LogSourceSpec(name="app", kind="file", target=str(tmp_path / "app.log")),
        "worker": LogSourceSpec(name="worker", kind="file", target=str(tmp_path.parent / "${dir_name}" / "worker.log")),
    }
    checklist.vars = {"dir_name": tmp_path.name}  # the run's scope fills in the path
    env = env_of(tmp_path, QATUI_TEST_PW="s3cret")
    model = RunModel(checklist, None, env)
    with pytest.raises(NotTrusted):
        model.follow_logs(["app"], threading.Event())
    model.grant_trust()
    stop = threading.Event()
    stream = model.follow_logs(["app", "worker"], stop)
    health = SourceHealth(["app", "worker"])
    lines = []
    for merged in stream:
        assert isinstance(merged, MergedBatch)
        health.see(merged)
        lines += [(line.source, model.mask(line.text)) for line in merged if not line.notice]
    assert sorted(lines) == [("app", "first"), ("app", "second ••••••"), ("worker", "third")]
    assert health.failed() == []


def test_revoking_through_the_run_stops_a_trusted_checklist(tmp_path: Path) -> None:
    # `qatui trust --revoke` goes through the run's TrustState, as the screen's trust does.
    from qatui.core.run import TrustState
    from qatui.core.trust import is_trusted

    checklist = checklist_of(path=str(tmp_path / "c.yaml"))
    (tmp_path / "c.yaml").write_text("qatui: 1\n")
    env = env_of(tmp_path)
    state = TrustState(checklist, env)
    assert not state.trusted and state.revoke() is False
    state.grant()
    assert state.trusted and is_trusted(checklist, env)
    assert state.revoke() is True
    assert not state.trusted and not is_trusted(checklist, env)
