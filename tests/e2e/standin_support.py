"""The Django stand-in for the e2e tests: `scripts/django-standin` and a session-wide fixture
(`standin_env`, in tests/e2e/conftest.py) that starts it once for every test that needs it."""

from __future__ import annotations

import secrets
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.helpers import isolated_env

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "django-standin"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def standin(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], env=env, capture_output=True, text=True,
                          timeout=timeout)


def running_standin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A running stand-in; its variables (ports, folder, credentials) in a process environment."""
    folder = tmp_path_factory.mktemp("django-standin")
    env = isolated_env(
        folder,
        DJANGO_STANDIN_DIR=str(folder / "run"),
        DJANGO_STANDIN_HTTP_PORT=str(free_port()),
        DJANGO_STANDIN_WS_PORT=str(free_port()),
        UPLINK_API_USER="qa",
        UPLINK_API_PASSWORD=secrets.token_urlsafe(16),
    )
    started = standin("start", env=env, timeout=600)
    if started.returncode != 0:
        if "pip could not install" in started.stderr:
            pytest.skip(f"the stand-in's packages cannot be installed here: {started.stderr[-500:]}")
        pytest.fail(f"scripts/django-standin start failed:\n{started.stdout}\n{started.stderr}")
    try:
        yield env
    finally:
        stopped = standin("stop", env=env)
        assert stopped.returncode == 0, stopped.stderr
