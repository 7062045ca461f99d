"""Shared fixtures: a real Docker engine, the tiny busybox image, compose-labelled containers.

Docker tests skip with a clear reason when no engine answers, except under CI=true: `.ci/run`
starts an engine, so there a skipped Docker test is turned into a failure (see
`pytest_runtest_makereport`).
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tarfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

#: Loopback HTTP / TLS / WebSocket server fixtures (http_app, tls_app, ws_server) for every test.
pytest_plugins = ["tests.servers"]

TEST_IMAGE = "qatui-test/busybox:latest"
TEST_LABEL = "qatui.test"
#: Containers carry this run's id too, so that a teardown never removes another run's containers.
RUN_ID = uuid.uuid4().hex[:12]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
BUSYBOX_APPLETS = ["sh", "echo", "sleep", "seq", "date", "cat", "yes", "head", "printf", "env",
                   "true", "false", "ls"]


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Tests (and the processes they start) keep qatui's caches, its cache key, crash logs and
    its trust store out of the user's home: a test that trusts a checklist never trusts it for
    the user."""
    olds = {name: os.environ.get(name) for name in ("XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME")}
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    os.environ["XDG_DATA_HOME"] = str(tmp_path_factory.mktemp("xdg-data"))
    os.environ["XDG_STATE_HOME"] = str(tmp_path_factory.mktemp("xdg-state"))
    yield
    for name, old in olds.items():
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


def trust_file(path: str | os.PathLike[str], env: dict[str, str] | None = None) -> None:
    """Trust a checklist as `qatui trust --yes` does (in the test trust store, or `env`'s): an
    untrusted checklist runs no probe and opens no log source."""
    from qatui.core.loader import load_checklist
    from qatui.core.trust import trust

    environ = dict(os.environ) if env is None else env
    trust(load_checklist(str(path), env=environ), environ)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and item.get_closest_marker("docker") is not None:
        report.outcome = "failed"
        report.longrepr = f"Docker test skipped under CI=true (not allowed): {report.longrepr}"
    elif IN_CI and report.skipped and item.get_closest_marker("standin") is not None:
        report.outcome = "failed"
        report.longrepr = f"Django stand-in test skipped under CI=true (not allowed): {report.longrepr}"


def _engine() -> Any:
    try:
        import docker

        client = docker.from_env(timeout=10)
        client.ping()
        return client
    except Exception as error:  # any failure means: no engine for these tests
        return error


@pytest.fixture(scope="session")
def docker_client() -> Iterator[Any]:
    client = _engine()
    if isinstance(client, Exception):
        pytest.skip(f"no Docker engine answers ({client.__class__.__name__}: {client})")
    yield client
    for container in client.containers.list(all=True, filters={"label": f"qatui.test.run={RUN_ID}"}):
        with contextlib.suppress(Exception):
            container.remove(force=True)
    client.close()


def _build_busybox_image(client: Any) -> None:
    busybox = shutil.which("busybox") or "/bin/busybox"
    if not Path(busybox).exists():
        pytest.skip("busybox is not installed (apt-get install busybox-static)")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        tar.add(busybox, arcname="bin/busybox")
        for applet in BUSYBOX_APPLETS:
            info = tarfile.TarInfo(f"bin/{applet}")
            info.type = tarfile.SYMTYPE
            info.linkname = "busybox"
            tar.addfile(info)
    client.api.import_image_from_data(buf.getvalue(), repository="qatui-test/busybox", tag="latest")


@pytest.fixture(scope="session")
def busybox_image(docker_client: Any) -> str:
    import docker.errors

    try:
        docker_client.images.get(TEST_IMAGE)
    except docker.errors.ImageNotFound:
        _build_busybox_image(docker_client)
    return TEST_IMAGE


@pytest.fixture
def compose_project() -> str:
    """A compose project name unique to the test."""
    return f"qatuitest{uuid.uuid4().hex[:8]}"


@pytest.fixture
def run_container(docker_client: Any, busybox_image: str) -> Iterator[Callable[..., Any]]:
    """Start a busybox container; with `project`/`service` it carries Compose's labels."""
    made: list[Any] = []

    def start(
        script: str,
        *,
        project: str | None = None,
        service: str | None = None,
        number: int = 1,
        name: str | None = None,
        **kwargs: Any,
    ) -> Any:
        labels = {TEST_LABEL: "1", "qatui.test.run": RUN_ID}
        if project and service:
            labels.update(
                {
                    "com.docker.compose.project": project,
                    "com.docker.compose.service": service,
                    "com.docker.compose.oneoff": "False",
                    "com.docker.compose.container-number": str(number),
                }
            )
            name = name or f"{project}-{service}-{number}"
        container = docker_client.containers.run(
            busybox_image,
            ["sh", "-c", script],
            detach=True,
            network_mode="none",
            labels=labels,
            name=name,
            **kwargs,
        )
        made.append(container)
        return container

    yield start
    for container in made:
        with contextlib.suppress(Exception):
            container.remove(force=True)
