"""Exec probes on the real engine: timeouts stop the process through the engine (issue 12.10),
and each way an exec cannot start is named for what it is (issues 11.8, 12.9)."""

from __future__ import annotations

import contextlib
import io
import shutil
import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qatui.core.checklist import ProbeSpec
from qatui.core.probes import run_probes
from qatui.core.session import ProbeResult, ProbeStatus
from tests.servers import checklist_of, probe


def run(*specs: ProbeSpec, project: str) -> list[ProbeResult]:
    return run_probes(checklist_of(*specs, compose_project=project), "local", list(specs), trusted=True, env={})


def processes(container: Any) -> list[str]:
    """`stat args` of every live (non-zombie) process in the container."""
    out = container.exec_run(["busybox", "ps", "-o", "stat,args"]).output.decode()
    return [line.strip() for line in out.splitlines()[1:] if line.strip() and not line.strip().startswith("Z")]


@pytest.mark.docker
def test_timeout_stops_the_process_and_its_setsid_child_inside_the_container(run_container: Any, compose_project: str) -> None:
    container = run_container("sleep 300", project=compose_project, service="web")
    [result] = run(probe(id="slow", kind="exec", service="web", run="setsid sleep 4401 & sleep 4402", timeout=1.0),
                   project=compose_project)
    assert result.status is ProbeStatus.TIMEOUT
    assert f"qatui stopped 2 process(es) inside container {compose_project}-web-1 through the engine" in result.explanation
    assert not [p for p in processes(container) if "440" in p], processes(container)


@pytest.mark.docker
def test_a_flooding_exec_is_stopped_and_the_engine_still_answers(run_container: Any, compose_project: str) -> None:
    """Closing a flooding exec's stream before its process ended left Docker 20.10 unable to
    finish later execs in that container; qatui reads the stream to its end while it stops it."""
    container = run_container("sleep 300", project=compose_project, service="web")
    flood, after = run(
        probe(item="a", id="flood", kind="exec", service="web", run="yes", timeout=0.5),
        probe(item="b", id="after", kind="exec", service="web", run="echo still here", expect={"stdout_contains": "still here"},
              timeout=10),
        project=compose_project,
    )
    assert flood.status is ProbeStatus.TIMEOUT and "stopped 1 process(es)" in flood.explanation
    assert after.status is ProbeStatus.PASSED, after.summary + after.explanation
    assert not [p for p in processes(container) if p.endswith("yes")]


@pytest.fixture
def shell_less_image(docker_client: Any) -> Iterator[str]:
    """An image with busybox at /busybox and no /bin/sh: qatui's stop cannot run inside it."""
    busybox = shutil.which("busybox") or "/bin/busybox"
    if not Path(busybox).exists():
        pytest.skip("busybox is not installed (apt-get install busybox-static)")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        tar.add(busybox, arcname="busybox")
    tag = f"qatui-test/noshell:{uuid.uuid4().hex[:8]}"
    repository, _, version = tag.partition(":")
    docker_client.api.import_image_from_data(buf.getvalue(), repository=repository, tag=version)
    yield tag
    with contextlib.suppress(Exception):
        docker_client.images.remove(tag, force=True)


@pytest.mark.docker
def test_without_a_shell_in_the_container_only_processes_proven_ours_are_ended_here(
    docker_client: Any, shell_less_image: str, compose_project: str
) -> None:
    """The stop through the engine cannot run (no /bin/sh). The engine's reported PID is not
    used; processes of this machine are ended only when they carry this probe's mark, which is
    proof that the engine runs here. (On Docker Desktop none would, and the explanation says the
    process may still be running.)"""
    container = docker_client.containers.run(
        shell_less_image, ["/busybox", "sleep", "300"], detach=True, network_mode="none", name=f"{compose_project}-noshell",
        labels={"qatui.test": "1"},
    )
    try:
        [result] = run(probe(id="slow", kind="exec", container=container.name, argv=["/busybox", "sleep", "4403"], timeout=0.5),
                       project=compose_project)
        assert result.status is ProbeStatus.TIMEOUT
        assert "could not stop it through the engine" in result.explanation
        assert "the engine runs on this machine, so qatui ended the 1 process(es) carrying this probe's mark here" in result.explanation
        top = container.top()["Processes"]
        assert not [p for p in top if "4403" in " ".join(p)], top
    finally:
        container.remove(force=True)


@pytest.mark.docker
def test_each_way_an_exec_cannot_start_is_named(run_container: Any, compose_project: str) -> None:
    run_container("sleep 300", project=compose_project, service="web")
    shell, argv, user, workdir = run(
        probe(item="a", id="shell", kind="exec", service="web", run="echo starting; python manage.py check"),
        probe(item="b", id="argv", kind="exec", service="web", argv=["python", "manage.py", "check"]),
        probe(item="c", id="user", kind="exec", service="web", run="echo hi", user="nosuchuser"),
        probe(item="d", id="workdir", kind="exec", service="web", run="echo hi", workdir="/no/such/dir"),
        project=compose_project,
    )
    for result in (shell, argv):
        assert result.status is ProbeStatus.ERROR
        assert f"`python` is not installed in container {compose_project}-web-1" in result.explanation, result.explanation
    assert user.status is ProbeStatus.ERROR and "no such user in the container" in user.summary
    assert "the user 'nosuchuser' (the probe's `user`) does not exist" in user.explanation
    assert "not installed" not in user.explanation
    assert workdir.status is ProbeStatus.ERROR and "no such workdir in the container" in workdir.summary
    assert "the folder '/no/such/dir' (the probe's `workdir`) does not exist" in workdir.explanation


@pytest.mark.docker
def test_paused_container_is_advised_unpause(run_container: Any, compose_project: str) -> None:
    container = run_container("sleep 300", project=compose_project, service="web")
    container.pause()
    try:
        [result] = run(probe(id="x", kind="exec", service="web", run="true"), project=compose_project)
    finally:
        container.unpause()
    assert result.status is ProbeStatus.ERROR and "container paused" in result.summary
    assert "docker compose unpause web" in result.explanation and "docker compose start" not in result.explanation


@pytest.mark.docker
def test_wrong_exit_code_names_both_codes(run_container: Any, compose_project: str) -> None:
    run_container("sleep 300", project=compose_project, service="web")
    succeeded, other = run(
        probe(item="a", id="ok", kind="exec", service="web", run="true", expect={"exit_code": 1}),
        probe(item="b", id="two", kind="exec", service="web", run="exit 2", expect={"exit_code": 1}),
        project=compose_project,
    )
    assert succeeded.status is ProbeStatus.FAILED
    assert "succeeded (exit 0), but the checklist expects it to fail with exit 1" in succeeded.explanation
    assert "reported failure" not in succeeded.explanation
    assert other.status is ProbeStatus.FAILED and "exited with 2, the checklist expects 1" in other.explanation
