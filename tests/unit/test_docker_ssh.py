"""`docker_host: ssh://…` for real (issue 12.10): a real sshd on 127.0.0.1 in front of the real engine.

qatui has the docker SDK shell out to the `ssh` binary (the user's ssh config, agent and
known_hosts apply, as for `docker -H ssh://`). The test's sshd accepts one key made here; the
`ssh` found first on PATH is a wrapper adding `-F` with this test's client config, so the
user's own ~/.ssh is neither read nor written. The remote side runs `docker system dial-stdio`,
i.e. the docker CLI on the sshd's PATH talking to the local engine.
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qatui.core.checklist import Environment, LogSourceSpec
from qatui.core.logs import make_source
from qatui.core.probes import run_probes
from qatui.core.session import ProbeStatus
from tests.servers import checklist_of, free_port, probe


def _keygen(path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True, timeout=30)


@pytest.fixture(scope="module")
def ssh_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """(`ssh://USER@127.0.0.1:PORT`, folder of the `ssh` wrapper to put first on PATH)."""
    sshd = shutil.which("sshd") or "/usr/sbin/sshd"
    if not Path(sshd).exists() or shutil.which("ssh") is None or shutil.which("ssh-keygen") is None:
        pytest.skip("openssh-server / openssh-client are not installed (apt-get install openssh-server)")
    if shutil.which("docker") is None:
        pytest.skip("the docker CLI is not installed: the ssh side runs `docker system dial-stdio`")
    here = tmp_path_factory.mktemp("sshd")
    _keygen(here / "host_key")
    _keygen(here / "client_key")
    (here / "authorized_keys").write_text((here / "client_key.pub").read_text())
    (here / "authorized_keys").chmod(0o600)
    port = free_port()
    user = getpass.getuser()
    (here / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {here / 'host_key'}\n"
        f"AuthorizedKeysFile {here / 'authorized_keys'}\nPermitRootLogin prohibit-password\n"
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n"
        f"PidFile {here / 'sshd.pid'}\n"
    )
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(parents=True, exist_ok=True)  # sshd's privilege-separation folder
    server = subprocess.Popen([sshd, "-D", "-e", "-f", str(here / "sshd_config")], stdout=subprocess.DEVNULL,
                              stderr=open(here / "sshd.log", "wb"))  # noqa: SIM115 - closed with the process
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"sshd did not start: {(here / 'sshd.log').read_text()}")
                time.sleep(0.05)  # sshd binds its port when it is ready; nothing to wait on
        host_key = (here / "host_key.pub").read_text().strip()
        (here / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_key}\n")
        (here / "ssh_config").write_text(
            f"Host *\n  IdentityFile {here / 'client_key'}\n  IdentitiesOnly yes\n"
            f"  UserKnownHostsFile {here / 'known_hosts'}\n  StrictHostKeyChecking yes\n  BatchMode yes\n"
        )
        bindir = here / "bin"
        bindir.mkdir()
        wrapper = bindir / "ssh"
        wrapper.write_text(f"#!/bin/sh\nexec {shutil.which('ssh')} -F {here / 'ssh_config'} \"$@\"\n")
        wrapper.chmod(0o755)
        yield f"ssh://{user}@127.0.0.1:{port}", bindir
    finally:
        server.terminate()
        server.wait(10)


@pytest.fixture
def via_ssh(ssh_engine: tuple[str, Path], monkeypatch: pytest.MonkeyPatch) -> str:
    url, bindir = ssh_engine
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
    return url


@pytest.mark.docker
def test_exec_probe_through_ssh(via_ssh: str, run_container: Any, compose_project: str) -> None:
    container = run_container("sleep 300", project=compose_project, service="web")
    specs = [
        probe(item="a", id="ver", kind="exec", service="web", run="echo 'Django 4.2.30'; sleep 0.3; echo done",
              expect={"stdout_contains": "done"}, capture={"version": {"regex": r"Django (\S+)"}}),
        probe(item="b", id="slow", kind="exec", service="web", run="setsid sleep 4301 & sleep 4302", timeout=1.0),
    ]
    ok, slow = run_probes(checklist_of(*specs, compose_project=compose_project, docker_host=via_ssh), "local", specs,
                          trusted=True, env=dict(os.environ))
    assert ok.status is ProbeStatus.PASSED, ok.summary + ok.explanation
    assert ok.captures == {"version": "4.2.30"}
    # the stream over ssh is read as it comes: the timeout is noticed, and the stop goes through the engine
    assert slow.status is ProbeStatus.TIMEOUT
    assert "stopped 2 process(es) inside container" in slow.explanation and "through the engine" in slow.explanation
    left = container.exec_run(["sh", "-c", "busybox ps -o stat,args"]).output.decode()
    assert not [line for line in left.splitlines() if "430" in line and not line.lstrip().startswith("Z")], left


@pytest.mark.docker
def test_docker_log_source_through_ssh(via_ssh: str, run_container: Any, compose_project: str) -> None:
    run_container("i=0; while true; do i=$((i+1)); echo line $i; sleep 0.2; done", project=compose_project, service="web")
    environment = Environment(key="remote", label="Remote", docker_host=via_ssh)
    environment.compose.project = compose_project
    source = make_source(LogSourceSpec("web", "service", "web", tail=3), environment, checklist_dir=Path.cwd(),
                         lookup=lambda name: None)
    stop = threading.Event()
    lines: list[str] = []
    batches = source.follow(stop)
    try:
        for batch in batches:
            assert not batch.faults, batch.texts
            lines += batch.texts
            if len(lines) >= 5:
                break
    finally:
        stop.set()
        batches.close()
    assert all(line.startswith("line ") for line in lines), lines
    numbers = [int(line.split()[1]) for line in lines]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)


def test_ssh_engine_without_its_dependency_is_explained_not_a_traceback() -> None:
    """The SDK needs paramiko importable for any ssh:// engine: it is a declared dependency."""
    import importlib.util

    assert importlib.util.find_spec("paramiko") is not None
    text = Path(__file__).resolve().parents[2].joinpath("pyproject.toml").read_text()
    assert '"docker[ssh]' in text
