"""Exec probes in real busybox containers carrying Compose's labels, on the real engine."""

from __future__ import annotations

from typing import Any

import pytest

from qatui.core.checklist import ProbeSpec
from qatui.core.probes import run_probes
from qatui.core.session import ProbeResult, ProbeStatus
from tests.servers import checklist_of, probe


def run(*specs: ProbeSpec, project: str | None = None, docker_host: str | None = None, env: dict[str, str] | None = None) -> list[ProbeResult]:
    checklist = checklist_of(*specs, compose_project=project, docker_host=docker_host)
    return run_probes(checklist, "local", list(specs), trusted=True, env=env if env is not None else {})


@pytest.mark.docker
def test_exec_in_service_container(run_container: Any, compose_project: str) -> None:
    run_container("sleep 300", project=compose_project, service="web")
    ok, failing, env_user = run(
        probe(item="a", id="ver", kind="exec", service="web", run="echo 'Django 4.2.30'; echo warn >&2",
              expect={"stdout_contains": "Django", "stderr_contains": "warn"},
              capture={"django_version": {"regex": r"Django (\S+)"}}),
        probe(item="b", id="bad", kind="exec", service="web", argv=["sh", "-c", "echo boom >&2; exit 4"]),
        probe(item="c", id="env", kind="exec", service="web", argv=["sh", "-c", "echo $GREETING; pwd"], env={"GREETING": "hi"},
              workdir="/bin", expect={"output_matches": "^hi$", "stdout_contains": "/bin"}),
        project=compose_project,
    )
    assert ok.status is ProbeStatus.PASSED, ok.summary + ok.explanation + ok.detail
    assert ok.captures == {"django_version": "4.2.30"}
    assert f"docker exec {compose_project}-web-1" in ok.detail
    assert failing.status is ProbeStatus.FAILED and failing.summary.startswith("exit 4, expected exit 0")
    assert "boom" in failing.explanation
    assert env_user.status is ProbeStatus.PASSED, env_user.summary + env_user.detail


@pytest.mark.docker
def test_no_container_lists_services(run_container: Any, compose_project: str) -> None:
    run_container("sleep 300", project=compose_project, service="huey")
    [result] = run(probe(id="x", kind="exec", service="web", run="true"), project=compose_project)
    assert result.status is ProbeStatus.ERROR
    assert f"compose project {compose_project!r} has no service 'web'" in result.explanation
    assert "its services: huey" in result.explanation


@pytest.mark.docker
def test_no_container_in_an_empty_project_names_the_projects(run_container: Any, compose_project: str) -> None:
    run_container("sleep 300", project=compose_project, service="huey")
    [result] = run(probe(id="x", kind="exec", service="web", run="true"), project=compose_project + "x")
    assert result.status is ProbeStatus.ERROR
    assert f"compose project {compose_project + 'x'!r} has no containers" in result.explanation
    assert compose_project in result.explanation.split("projects on this engine:")[1]
    assert f"did you mean {compose_project!r}" in result.explanation


@pytest.mark.docker
def test_stopped_container(run_container: Any, compose_project: str) -> None:
    container = run_container("exit 0", project=compose_project, service="web")
    container.wait(timeout=30)
    [result] = run(probe(id="x", kind="exec", service="web", run="true"), project=compose_project)
    assert result.status is ProbeStatus.ERROR
    assert "is exited, not running" in result.explanation
    assert "docker compose start web" in result.explanation


@pytest.mark.docker
def test_named_container_and_missing_one(run_container: Any, compose_project: str) -> None:
    container = run_container("sleep 300", name=f"{compose_project}-named")
    ok, missing = run(
        probe(item="a", id="ok", kind="exec", container=container.name, argv=["echo", "hello"], expect={"stdout_contains": "hello"}),
        probe(item="b", id="missing", kind="exec", container=f"{compose_project}-nope", run="true"),
    )
    assert ok.status is ProbeStatus.PASSED, ok.summary + ok.detail
    assert missing.status is ProbeStatus.ERROR and "no container named" in missing.explanation


@pytest.mark.docker
def test_endless_output_in_container_times_out(run_container: Any, compose_project: str) -> None:
    run_container("sleep 300", project=compose_project, service="web")
    [result] = run(probe(id="y", kind="exec", service="web", run="yes", timeout=0.5), project=compose_project)
    assert result.status is ProbeStatus.TIMEOUT
    assert "did not finish within 0.5 s" in result.explanation
    assert len(result.detail) <= 4100


@pytest.mark.docker
def test_command_not_found_in_container(run_container: Any, compose_project: str) -> None:
    run_container("sleep 300", project=compose_project, service="web")
    [result] = run(probe(id="m", kind="exec", service="web", argv=["python", "manage.py", "check"]), project=compose_project)
    assert result.status is ProbeStatus.ERROR
    assert "not installed in container" in result.explanation or "refused to run" in result.explanation


def test_engine_unreachable_names_the_socket() -> None:
    [result] = run(probe(id="x", kind="exec", service="web", run="true"), env={"DOCKER_HOST": "unix:///tmp/nothing.sock"})
    assert result.status is ProbeStatus.ERROR
    assert "cannot reach the Docker engine at unix:///tmp/nothing.sock (no such socket)" in result.explanation
    # plain words for a tester, not the SDK's nested Python exceptions
    for python_text in ("FileNotFoundError", "Connection aborted", "Errno", "Caused by"):
        assert python_text not in result.explanation


def test_environment_docker_host_wins() -> None:
    [result] = run(probe(id="x", kind="exec", service="web", run="true"), docker_host="unix:///tmp/qatui-none.sock",
                   env={"DOCKER_HOST": "unix:///var/run/docker.sock"})
    assert result.status is ProbeStatus.ERROR
    assert "unix:///tmp/qatui-none.sock" in result.explanation
