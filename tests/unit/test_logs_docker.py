"""Docker log sources against the real engine: busybox containers with Compose's labels."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from qatui.core.logs import DockerSource, merge
from tests.unit.logs_support import APP_SCRIPT, Follower, read_all

pytestmark = pytest.mark.docker



def service(project: str, name: str, **kwargs: Any) -> DockerSource:
    return DockerSource(name, service=name, project=project, **kwargs)


def test_tail_and_error_lines(run_container: Any, compose_project: str) -> None:
    container = run_container(APP_SCRIPT, project=compose_project, service="huey")
    container.wait(timeout=30)
    lines = read_all(service(compose_project, "huey"), tail=100)
    texts = [line.text for line in lines]
    assert texts[0] == "starting worker" and texts[-1] == "all done" and len(texts) == 12
    errors = [line.text for line in lines if line.is_error]
    assert errors == [
        "ERROR task 2 failed",
        "Traceback (most recent call last):",
        '  File "tasks.py", line 3, in run',
        '    raise ValueError("bad order")',
        "ValueError: bad order",
        'level=error msg="db gone"',
        '127.0.0.1 - - "GET /api/ HTTP/1.1" 502 12',
    ]
    assert all(line.at is not None and line.at.tzinfo is not None for line in lines)
    assert [line.at for line in lines] == sorted(line.at for line in lines)  # type: ignore[type-var]
    assert {line.origin for line in lines} == {container.name}

    last = read_all(service(compose_project, "huey"), tail=3)
    assert [line.text for line in last] == [
        '127.0.0.1 - - "GET /api/ HTTP/1.1" 502 12',
        '127.0.0.1 - - "GET /ok/ HTTP/1.1" 200 12',
        "all done",
    ]


def test_follow_sees_new_lines_in_order_then_stops_promptly(run_container: Any, compose_project: str) -> None:
    run_container(
        "i=0; while [ $i -lt 40 ]; do echo tick $i; i=$((i+1)); sleep 0.02; done; sleep 600",
        project=compose_project,
        service="web",
    )
    follower = Follower(service(compose_project, "web"), tail=5)
    follower.wait_text("tick 39")
    texts = follower.texts()
    numbers = [int(t.split()[1]) for t in texts]
    assert numbers == list(range(numbers[0], 40))
    assert follower.batches < len(texts)  # batched, not one message per line
    follower.close(timeout=2.0)


def test_two_services_interleave_in_time_order(run_container: Any, compose_project: str) -> None:
    a = run_container("for i in 1 2 3 4; do echo a$i; sleep 0.15; done", project=compose_project, service="a")
    b = run_container("sleep 0.07; for i in 1 2 3 4; do echo b$i; sleep 0.15; done", project=compose_project,
                      service="b")
    a.wait(timeout=30)
    b.wait(timeout=30)
    stop = threading.Event()
    lines = [
        line
        for batch in merge([service(compose_project, "a"), service(compose_project, "b")], stop, follow=False)
        for line in batch
    ]
    a_lines = [line for line in lines if line.source == "a"]
    b_lines = [line for line in lines if line.source == "b"]
    assert [line.text for line in a_lines] == ["a1", "a2", "a3", "a4"]
    assert [line.text for line in b_lines] == ["b1", "b2", "b3", "b4"]
    times = [line.at for line in lines]
    assert times == sorted(times)  # type: ignore[type-var]
    # The containers started at different moments, so check the order against their own times.
    expected = [line.text for line in sorted(lines, key=lambda line: line.at)]  # type: ignore[arg-type, return-value]
    assert [line.text for line in lines] == expected


COUNTING_SCRIPT = (
    "c=$(cat /runs 2>/dev/null || echo 0); c=$((c+1)); echo $c > /runs; "
    "for i in 1 2 3; do echo run$c line$i; done; sleep 600"
)


def test_restarted_container_resumes_without_repeating(run_container: Any, compose_project: str) -> None:
    container = run_container(COUNTING_SCRIPT, project=compose_project, service="huey")
    follower = Follower(service(compose_project, "huey"))
    follower.wait_text("run1 line3")
    container.restart(timeout=0)
    follower.wait_text("run2 line3")
    container.restart(timeout=0)
    follower.wait_text("run3 line3")
    assert follower.texts() == [f"run{r} line{i}" for r in (1, 2, 3) for i in (1, 2, 3)]
    assert any("restarted" in text for text in follower.notices())
    follower.close()


def test_recreated_container_is_followed(run_container: Any, compose_project: str) -> None:
    old = run_container("for i in 1 2 3; do echo old$i; done; sleep 600", project=compose_project, service="web")
    follower = Follower(service(compose_project, "web"))
    follower.wait_text("old3")
    old.remove(force=True)
    run_container("for i in 1 2 3; do echo new$i; done; sleep 600", project=compose_project, service="web")
    follower.wait_text("new3")
    assert follower.texts() == ["old1", "old2", "old3", "new1", "new2", "new3"]
    notices = " | ".join(follower.notices())
    assert "removed" in notices and "following container" in notices
    follower.close()


def test_stopped_container_is_a_notice_and_start_resumes(run_container: Any, compose_project: str) -> None:
    container = run_container(
        "c=$(cat /runs 2>/dev/null || echo 0); c=$((c+1)); echo $c > /runs; echo run$c; exit 3",
        project=compose_project,
        service="cron",
    )
    container.wait(timeout=30)
    follower = Follower(service(compose_project, "cron"))
    follower.wait_for(lambda f: any("stopped (exit code 3)" in t for t in f.notices()))
    container.start()
    follower.wait_text("run2")
    assert follower.texts() == ["run1", "run2"]
    follower.close()


def test_project_without_containers_names_the_existing_projects(
    run_container: Any, compose_project: str
) -> None:
    run_container("sleep 600", project=compose_project, service="huey")
    follower = Follower(service(compose_project + "x", "huey"))
    follower.wait_for(lambda f: bool(f.notices()))
    notice = follower.notices()[0]
    assert f"{compose_project + 'x'!r} has no containers" in notice
    assert compose_project in notice.split("projects on this engine:")[1]
    follower.close()


def test_unknown_service_suggests_the_nearest(run_container: Any, compose_project: str) -> None:
    run_container("sleep 600", project=compose_project, service="huey")
    run_container("sleep 600", project=compose_project, service="web")
    follower = Follower(service(compose_project, "hue"))
    follower.wait_for(lambda f: bool(f.notices()))
    notice = follower.notices()[0]
    assert "has no service 'hue'" in notice and "did you mean 'huey'" in notice
    assert "huey, web" in notice
    follower.close()


def test_service_that_starts_later_is_picked_up(run_container: Any, compose_project: str) -> None:
    follower = Follower(service(compose_project, "late"))
    follower.wait_for(lambda f: bool(f.notices()))
    run_container("echo hello late; sleep 600", project=compose_project, service="late")
    follower.wait_text("hello late")
    assert follower.texts() == ["hello late"]
    follower.close()


def test_container_by_name_and_a_misspelt_name(run_container: Any, compose_project: str) -> None:
    container = run_container("echo by name; sleep 600", name=f"{compose_project}-nginx")
    follower = Follower(DockerSource("nginx", container=container.name))
    follower.wait_text("by name")
    follower.close()
    by_id = read_all(DockerSource("nginx", container=container.id[:12]))
    assert [line.text for line in by_id] == ["by name"]
    missing = read_all(DockerSource("nginx", container=f"{compose_project}-ngin"))
    assert len(missing) == 1 and missing[0].notice
    assert f"did you mean '{compose_project}-nginx'" in missing[0].text


def test_engine_unreachable_names_the_socket_and_stops_promptly() -> None:
    source = DockerSource("web", service="web", project="x", docker_host="unix:///tmp/qatui-nothing.sock")
    follower = Follower(source)
    follower.wait_for(lambda f: bool(f.notices()))
    notice = follower.notices()[0]
    assert "Docker engine unreachable at unix:///tmp/qatui-nothing.sock" in notice
    assert follower.close(timeout=2.0) < 2.0
    assert len(follower.notices()) == 1  # said once, not on every retry
    lines = read_all(source)
    assert len(lines) == 1 and lines[0].notice


def test_engine_that_goes_away_and_comes_back_resumes_without_gaps(
    run_container: Any, compose_project: str, tmp_path: Any
) -> None:
    import os

    from tests.unit.logs_support import SocketProxy

    if not os.path.exists("/var/run/docker.sock"):
        pytest.skip("the proxy needs the engine's local socket")
    proxy = SocketProxy(str(tmp_path / "engine.sock"))
    proxy.start()
    run_container("i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.05; done",
                  project=compose_project, service="web")
    follower = Follower(service(compose_project, "web", docker_host=proxy.url), tail=0)
    try:
        follower.wait_text("tick 5")
        proxy.stop()
        follower.wait_for(lambda f: any("unreachable" in t for t in f.notices()))
        down_at = len(follower.texts())
        proxy.start()
        follower.wait_for(lambda f: any("answers again" in t for t in f.notices()))
        follower.wait_for(lambda f: len(f.texts()) > down_at + 20)
    finally:
        proxy.stop()
    numbers = [int(text.split()[1]) for text in follower.texts()]
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))  # no line lost or repeated
    assert f"unreachable at {proxy.url}" in " ".join(follower.notices())
    follower.close()


def test_since_window_uses_the_engine_times(run_container: Any, compose_project: str) -> None:
    container = run_container("echo early; sleep 0.4; echo ERROR late; sleep 0.2; echo latest",
                              project=compose_project, service="worker")
    container.wait(timeout=30)
    lines = read_all(service(compose_project, "worker"))
    early, late = lines[0].at, lines[1].at
    assert early is not None and late is not None
    middle = early + (late - early) / 2
    since = read_all(service(compose_project, "worker"), since=middle)
    assert [(line.text, line.is_error) for line in since] == [("ERROR late", True), ("latest", False)]
