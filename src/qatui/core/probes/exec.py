"""Exec probes: run a command inside a compose service's container (or a named container).

The container is found through the Docker Engine API by Compose's labels
(`com.docker.compose.project` / `com.docker.compose.service`), the way `docker compose exec`
finds it, with the project named as Compose names it (`qatui.core.logs.compose`). The engine is
the environment's `docker_host`, else `DOCKER_HOST`, else the local socket.

The docker SDK blocks, so the probe runs in a worker thread and reads the exec's multiplexed
stream from the raw socket with short socket timeouts: it notices its own deadline and a
cancelled run within a quarter of a second, and keeps output bounded like command probes.
Docker cannot kill an exec'd process; on timeout qatui closes the stream and, when the engine is
on this machine, kills the process by its host PID.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import signal
import struct
import threading
import time
from collections.abc import Mapping
from typing import Any

from qatui.core.checklist import ProbeSpec
from qatui.core.probes import explain
from qatui.core.probes.base import (
    BoundedText,
    Outcome,
    ProbeContext,
    cap_detail,
    last_lines,
    with_where,
)
from qatui.core.probes.command import outcome_from_output
from qatui.core.session import ProbeStatus

PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"


class _Fault(Exception):
    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.summary)
        self.outcome = outcome


def docker_host(ctx: ProbeContext) -> str | None:
    from qatui.core.logs.compose import docker_host as environment_docker_host

    return environment_docker_host(ctx.environment, ctx.lookup)


def compose_project(ctx: ProbeContext) -> str:
    from qatui.core.logs.compose import project_name

    return project_name(ctx.environment, checklist_dir=ctx.checklist_dir, lookup=ctx.lookup)


def _unreachable(spec: ProbeSpec, base_url: str | None, error: BaseException) -> _Fault:
    from qatui.core.logs.docker_source import engine_reason

    found = explain.engine_unreachable(base_url or "", engine_reason(error))
    return _Fault(Outcome(ProbeStatus.ERROR, with_where(spec, "service", found.actual), found.explanation))


def find_container(spec: ProbeSpec, cfg: Mapping[str, Any], ctx: ProbeContext, client: Any, base_url: str | None) -> Any:
    import docker.errors

    try:
        if cfg.get("container"):
            name = str(cfg["container"])
            try:
                return client.containers.get(name)
            except docker.errors.NotFound:
                names = sorted(c.name for c in client.containers.list())
                found = explain.Explained(
                    "no such container",
                    f"no container named {name!r}; running containers: {', '.join(names) or 'none'}",
                )
                raise _Fault(Outcome(ProbeStatus.ERROR, with_where(spec, "container", found.actual), found.explanation)) from None
        service = str(cfg.get("service", ""))
        project = compose_project(ctx)
        labels = [f"{PROJECT_LABEL}={project}", f"{SERVICE_LABEL}={service}"]
        containers = client.containers.list(all=True, filters={"label": labels})
        containers = [c for c in containers if c.labels.get("com.docker.compose.oneoff", "False") != "True"] or containers
        if not containers:
            others = client.containers.list(all=True, filters={"label": f"{PROJECT_LABEL}={project}"})
            services = sorted({c.labels.get(SERVICE_LABEL, "?") for c in others})
            projects: list[str] = []
            if not services:
                everything = client.containers.list(all=True, filters={"label": PROJECT_LABEL})
                projects = sorted({c.labels.get(PROJECT_LABEL, "") for c in everything} - {""})
            found = explain.no_container(service, project, services, projects)
            raise _Fault(Outcome(ProbeStatus.ERROR, with_where(spec, "service", found.actual), found.explanation))
        running = [c for c in containers if c.status == "running"]
        return (running or containers)[0]
    except _Fault:
        raise
    except docker.errors.DockerException as error:
        raise _unreachable(spec, base_url, error) from None
    except Exception as error:  # requests' connection errors and friends: the engine is not there
        if "connection" in type(error).__name__.lower() or isinstance(error, OSError):
            raise _unreachable(spec, base_url, error) from None
        raise


def _read_stream(raw: Any, out: BoundedText, err: BoundedText, deadline: float, stop: _Either) -> bool:
    """Read docker's multiplexed frames until EOF (True) or the deadline / stop (False)."""
    sock = getattr(raw, "_sock", raw)
    with contextlib.suppress(OSError, AttributeError):
        sock.settimeout(0.25)
    buf = bytearray()
    while True:
        if stop.is_set() or time.monotonic() > deadline:
            return False
        try:
            chunk = sock.recv(65536) if hasattr(sock, "recv") else raw.read(65536)
        except TimeoutError:
            continue
        except OSError:
            return True
        if not chunk:
            return True
        buf += chunk
        while len(buf) >= 8:
            kind, size = buf[0], struct.unpack(">I", bytes(buf[4:8]))[0]
            if len(buf) < 8 + size:
                break
            payload = bytes(buf[8 : 8 + size])
            del buf[: 8 + size]
            (err if kind == 2 else out).feed(payload)


def _run_sync(spec: ProbeSpec, cfg: Mapping[str, Any], ctx: ProbeContext, stop: _Either) -> Outcome:
    base_url = docker_host(ctx)
    try:
        client = ctx.docker_client(base_url)
    except Exception as error:  # DockerException: no engine answers at that address
        raise _unreachable(spec, base_url, error) from None
    container = find_container(spec, cfg, ctx, client, base_url)
    service = str(cfg.get("service") or "") or None
    if container.status != "running":
        found = explain.container_not_running(container.name, container.status, service)
        return Outcome(ProbeStatus.ERROR, with_where(spec, "service" if service else "container", found.actual), found.explanation)
    argv = [str(a) for a in cfg["argv"]] if "argv" in cfg else ["/bin/sh", "-c", str(cfg.get("run", ""))]
    env = [f"{k}={v}" for k, v in (cfg.get("env") or {}).items()]
    shown = shlex.join(argv) if "argv" in cfg else str(cfg.get("run", ""))
    header = f"$ docker exec {container.name} {shown}"
    api = client.api
    started = time.perf_counter()
    deadline = time.monotonic() + spec.timeout
    try:
        exec_id = api.exec_create(
            container.id, argv, stdout=True, stderr=True, user=str(cfg.get("user") or ""),
            workdir=str(cfg["workdir"]) if cfg.get("workdir") else None, environment=env or None,
        )["Id"]
        raw = api.exec_start(exec_id, socket=True)
    except Exception as error:
        import docker.errors

        if isinstance(error, docker.errors.APIError):
            text = error.explanation or str(error)
            return Outcome(ProbeStatus.ERROR, with_where(spec, "run", "docker exec failed"), f"the engine refused to run the command in {container.name}: {text}")
        raise _unreachable(spec, base_url, error) from None
    out, err = BoundedText(), BoundedText()
    try:
        finished = _read_stream(raw, out, err, deadline, stop)
    finally:
        with contextlib.suppress(Exception):
            raw.close()
    elapsed_ms = (time.perf_counter() - started) * 1000
    info: dict[str, Any] = {}
    with contextlib.suppress(Exception):
        info = api.exec_inspect(exec_id)
    if not finished:
        killed = False
        pid = int(info.get("Pid") or 0)
        if pid and info.get("Running") and (base_url or "unix://").startswith("unix://"):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                killed = True
        found = explain.command_timeout(spec.timeout, killed=killed)
        status = ProbeStatus.NOT_RUN if stop.is_set() and time.monotonic() <= deadline else ProbeStatus.TIMEOUT
        detail = cap_detail(f"{header}\nstopped after {elapsed_ms:.0f} ms\n--- last output\n{last_lines(out.text() + err.text(), 8)}")
        return Outcome(status, with_where(spec, "timeout", found.actual), found.explanation, detail, duration_ms=elapsed_ms)
    exit_code = info.get("ExitCode")
    if exit_code is None:
        exit_code = -1
    stderr = err.text()
    if exit_code in (126, 127) and ("not found" in stderr or "executable file not found" in stderr or not stderr):
        program = argv[0] if "argv" in cfg else shown.split()[0] if shown else "?"
        found = explain.Explained(
            "command not found in the container",
            f"`{program}` is not installed in container {container.name} (or not on its PATH) — "
            "is this the right service, or does the image lack it?",
        )
        return Outcome(ProbeStatus.ERROR, with_where(spec, "run" if "run" in cfg else "argv", found.actual), found.explanation, cap_detail(f"{header}\n{stderr}"), duration_ms=elapsed_ms)
    return outcome_from_output(spec, cfg, exit_code=int(exit_code), stdout=out.text(), stderr=stderr, elapsed_ms=elapsed_ms, header=header)


class _Either:
    """Stops when this probe is abandoned or the whole run is cancelled."""

    def __init__(self, *events: threading.Event) -> None:
        self.events = events

    def is_set(self) -> bool:
        return any(event.is_set() for event in self.events)


async def run(spec: ProbeSpec, cfg: Mapping[str, Any], ctx: ProbeContext) -> Outcome:
    mine = threading.Event()
    try:
        return await asyncio.to_thread(_run_sync, spec, cfg, ctx, _Either(mine, ctx.stop))
    except _Fault as fault:
        return fault.outcome
    finally:
        mine.set()  # a cancelled probe's thread notices within a quarter of a second
