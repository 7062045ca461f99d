"""Exec probes: run a command inside a compose service's container (or a named container).

The container is found through the Docker Engine API by Compose's labels
(`com.docker.compose.project` / `com.docker.compose.service`), the way `docker compose exec`
finds it, with the project named as Compose names it (`qatui.core.logs.compose`). The engine is
the environment's `docker_host`, else `DOCKER_HOST`, else the local socket.

The docker SDK blocks, so the probe runs in a worker thread and reads the exec's multiplexed
stream with short timeouts (a socket's own; `select` on the pipe of the `ssh` process for an
`ssh://` engine): it notices its own deadline and a cancelled run within a quarter of a second,
and keeps output bounded like command probes.

Docker cannot kill an exec'd process, and the PID the engine reports is a PID on the engine's
machine — on Docker Desktop or an `ssh://` engine, not this one. So the exec is started with
qatui's mark in its environment (`QATUI_RUN_MARK`, inherited by everything it starts), and on
timeout a second exec, through the engine and as root in the container, ends every process of
the container that carries the mark (SIGTERM, then SIGKILL). When that cannot run (an image
without a shell), the only local fallback ends processes of this machine that carry the same
mark — proof that the engine is local and that they are this probe's — and otherwise the
explanation says the process may still be running.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import select
import shlex
import struct
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from qatui.core.checklist import ProbeSpec
from qatui.core.probes import explain
from qatui.core.probes.base import (
    BoundedText,
    Outcome,
    ProbeContext,
    with_where,
)
from qatui.core.probes.command import OUTPUT_EXPECT, outcome_from_output
from qatui.core.probes.schema import KindSchema
from qatui.core.procs import MARK_VAR, ProcessTree
from qatui.core.session import ProbeStatus

if TYPE_CHECKING:
    from qatui.core.load.probe_checker import ProbeChecker

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
    from qatui.core.logs.docker_engine import engine_reason

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


def _read_stream(read: Callable[[], bytes | None], out: BoundedText, err: BoundedText, deadline: float, stop: _Either) -> bool:
    """Read docker's multiplexed frames until EOF (True) or the deadline / stop (False)."""
    buf = bytearray()
    while True:
        if stop.is_set() or time.monotonic() > deadline:
            return False
        chunk = read()
        if chunk is None:
            continue
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


def _reader(raw: Any) -> Callable[[], bytes | None]:
    """A function giving the stream's next bytes within about a quarter of a second: data,
    b"" at its end, None when nothing came yet.

    A socket (unix, tcp, TLS) gets a socket timeout. The SDK's `ssh://` socket is the pipe of
    an `ssh` process whose `recv(n)` waits for n bytes, so its buffered pipe is read in
    non-blocking mode, with `select` to wait and to tell "nothing yet" from the end."""
    proc = getattr(raw, "proc", None)
    if proc is not None and getattr(proc, "stdout", None) is not None:
        pipe = proc.stdout
        fd = pipe.fileno()
        os.set_blocking(fd, False)

        def from_pipe() -> bytes | None:
            try:
                data = pipe.read1(65536)
            except BlockingIOError:
                data = None
            except (OSError, ValueError):
                return b""
            if data:
                return bytes(data)
            ready, _, _ = select.select([fd], [], [], 0.25)
            if not ready:
                return None
            try:
                data = pipe.read1(65536)
            except BlockingIOError:
                return None
            except (OSError, ValueError):
                return b""
            return bytes(data) if data is not None else None  # readable and empty: the end

        return from_pipe
    sock = getattr(raw, "_sock", raw)
    with contextlib.suppress(OSError, AttributeError):
        sock.settimeout(0.25)

    def from_socket() -> bytes | None:
        try:
            return bytes(sock.recv(65536) if hasattr(sock, "recv") else raw.read(65536))
        except TimeoutError:
            return None
        except OSError:
            return b""

    return from_socket


def _again(call: Callable[[], Any]) -> Any:
    """`call()`, once more if the connection broke before the engine answered.

    With an `ssh://` engine the SDK can hand out a pooled connection whose `ssh` process has
    ended (the one an earlier exec's stream used and closed: its pipe looks alive to urllib3),
    and the request fails with a broken pipe before it reached the engine; the second try gets
    a fresh connection. The engine's own refusals (APIError) are not retried.
    """
    try:
        return call()
    except Exception as error:
        import docker.errors

        if isinstance(error, docker.errors.APIError):
            raise
        return call()


#: Run as root in the container by a second exec: end every process carrying the mark ($1),
#: SIGTERM then SIGKILL after a second; print how many were signalled and how many remain.
#: Only shell built-ins and `cat`/`sleep`, which even busybox images have.
_STOP_SCRIPT = r"""
m="QATUI_RUN_MARK=$1"
marked() {
  found=""
  for d in /proc/[0-9]*; do
    p=${d#/proc/}
    [ "$p" = "$$" ] && continue
    case "$(cat "$d/environ" 2>/dev/null)" in *"$m"*) found="$found $p";; esac
  done
  echo "$found"
}
first=$(marked)
set -- $first
n=$#
[ "$n" -gt 0 ] && kill -TERM $first 2>/dev/null
i=0
while [ "$i" -lt 10 ]; do
  left=$(marked); [ -z "$left" ] && break
  sleep 0.1; i=$((i+1))
done
left=$(marked)
[ -n "$left" ] && kill -KILL $left 2>/dev/null && sleep 0.1
left=$(marked)
set -- $left
echo "qatui-stopped $n $#"
"""


def _stop_in_container(api: Any, container_id: str, mark: str) -> tuple[int, int] | str:
    """End the marked processes through the engine: (signalled, remaining), or why not.

    The stop's output is read from its raw stream like the probe's own: the SDK's plain
    `exec_start` closes an `ssh://` connection by writing to an `ssh` that has already ended,
    and fails with a broken pipe after the stop did its work."""
    try:
        stop_id = _again(lambda: api.exec_create(container_id, ["/bin/sh", "-c", _STOP_SCRIPT, "qatui-stop", mark],
                                                 stdout=True, stderr=True, user="0"))["Id"]
        raw = api.exec_start(stop_id, socket=True)
    except Exception as error:  # the engine refused (no /bin/sh in the image) or went away
        return str(getattr(error, "explanation", None) or error)
    output = BoundedText(cap=8192)
    try:
        _read_stream(_reader(raw), output, output, time.monotonic() + STOP_SECONDS, _Either(threading.Event()))
    finally:
        with contextlib.suppress(Exception):
            raw.close()
    text = output.text()
    for line in text.splitlines():
        if line.startswith("qatui-stopped "):
            parts = line.split()
            with contextlib.suppress(ValueError, IndexError):
                return int(parts[1]), int(parts[2])
    return text.strip()[-200:] or "the stop command printed nothing"


#: How long qatui keeps reading a stopped exec's stream and waits for the stop, at most (the
#: engine's backstop for an exec probe adds it to the probe's timeout).
STOP_SECONDS = 10.0


def _stop_while_draining(api: Any, container: Any, mark: str, read: Callable[[], bytes | None]) -> str:
    """Stop the exec, reading its stream to its end meanwhile: an engine whose exec stream is
    neither read nor cleanly ended stops answering later execs in that container (seen with
    `yes` on Docker 20.10), so the stream is closed only after the process has ended."""
    words: list[str] = []
    stopper = threading.Thread(target=lambda: words.append(stop_exec(api, container, mark)), daemon=True,
                               name="qatui-exec-stop")
    stopper.start()
    sink = BoundedText(cap=4096)
    until = time.monotonic() + STOP_SECONDS
    _read_stream(read, sink, sink, until, _Either(threading.Event()))
    stopper.join(max(0.0, until - time.monotonic()))
    return words[0] if words else f"asked the engine to stop it, but got no answer within {STOP_SECONDS:g} s; it may still be running inside container {container.name}"


def stop_exec(api: Any, container: Any, mark: str) -> str:
    """End an exec'd command that ran out of time; the words say what was really done."""
    result = _stop_in_container(api, container.id, mark)
    if isinstance(result, tuple):
        signalled, remaining = result
        if remaining:
            return (f"signalled {signalled} process(es) inside container {container.name} through the engine, "
                    f"but {remaining} could not be ended")
        if signalled == 0:
            return f"found nothing of it left running inside container {container.name}"
        return f"stopped {signalled} process(es) inside container {container.name} through the engine"
    local = ProcessTree()
    local.mark = mark
    found = local.members_by_mark()
    if found:
        ended = local.end_members(found)
        return (f"could not stop it through the engine ({result}); the engine runs on this machine, "
                f"so qatui ended the {ended.signalled} process(es) carrying this probe's mark here")
    return (f"could not stop it through the engine ({result}); it may still be running inside container "
            f"{container.name}")


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
    mark = secrets.token_hex(12)
    env = [f"{k}={v}" for k, v in (cfg.get("env") or {}).items()] + [f"{MARK_VAR}={mark}"]
    shown = shlex.join(argv) if "argv" in cfg else str(cfg.get("run", ""))
    header = f"$ docker exec {container.name} {shown}"
    api = client.api
    started = time.perf_counter()
    deadline = time.monotonic() + spec.timeout
    try:
        exec_id = _again(lambda: api.exec_create(
            container.id, argv, stdout=True, stderr=True, user=str(cfg.get("user") or ""),
            workdir=str(cfg["workdir"]) if cfg.get("workdir") else None, environment=env,
        ))["Id"]
        raw = api.exec_start(exec_id, socket=True)
    except Exception as error:
        import docker.errors

        if isinstance(error, docker.errors.APIError):
            text = error.explanation or str(error)
            return Outcome(ProbeStatus.ERROR, with_where(spec, "run", "docker exec failed"), f"the engine refused to run the command in {container.name}: {text}")
        raise _unreachable(spec, base_url, error) from None
    out, err = BoundedText(), BoundedText()
    stopped = ""
    try:
        read = _reader(raw)
        finished = _read_stream(read, out, err, deadline, stop)
        elapsed_ms = (time.perf_counter() - started) * 1000
        if not finished:
            stopped = _stop_while_draining(api, container, mark, read)
    finally:
        with contextlib.suppress(Exception):
            raw.close()
    info: dict[str, Any] = {}
    with contextlib.suppress(Exception):
        info = _again(lambda: api.exec_inspect(exec_id))
    if not finished:
        found = explain.command_timeout(spec.timeout, stopped)
        status = ProbeStatus.NOT_RUN if stop.is_set() and time.monotonic() <= deadline else ProbeStatus.TIMEOUT
        detail = ctx.cap_detail(f"{header}\nqatui {stopped} after {elapsed_ms:.0f} ms\n--- last output\n{ctx.last_lines(out.text() + err.text(), 8)}")
        return Outcome(status, with_where(spec, "timeout", found.actual), found.explanation, detail, duration_ms=elapsed_ms)
    exit_code = info.get("ExitCode")
    if exit_code is None:
        exit_code = -1
    stderr = err.text()
    if exit_code in (126, 127):
        failure = _start_failure(spec, cfg, container.name, out.text() + stderr, argv if "argv" in cfg else None)
        if failure is not None:
            return Outcome(failure.status, failure.summary, failure.explanation, ctx.cap_detail(f"{header}\n{out.text()}{stderr}"),
                           duration_ms=elapsed_ms)
    return outcome_from_output(spec, cfg, exit_code=int(exit_code), stdout=out.text(), stderr=stderr, elapsed_ms=elapsed_ms, header=header, mask=ctx.masker.mask)


def _start_failure(
    spec: ProbeSpec, cfg: Mapping[str, Any], container: str, output: str, argv: list[str] | None
) -> Outcome | None:
    """Exit 126/127 that is not the command's own verdict: the runtime refused the `user` or
    `workdir`, or a program is missing — named as the shell or the runtime named it."""
    refused = explain.exec_refused(container, output, user=str(cfg.get("user") or ""), workdir=str(cfg.get("workdir") or ""))
    if refused is not None:
        key = "workdir" if "workdir" in refused.actual else "user"
        return Outcome(ProbeStatus.ERROR, with_where(spec, key, refused.actual), refused.explanation)
    program = explain.missing_program(output)
    if program is None and argv is not None and not output.strip():
        program = argv[0]
    if program is None:
        return None
    found = explain.Explained(
        "command not found in the container",
        f"`{program}` is not installed in container {container} (or not on its PATH) — "
        "is this the right service, or does the image lack it?",
    )
    return Outcome(ProbeStatus.ERROR, with_where(spec, "run" if "run" in cfg else "argv", found.actual), found.explanation)


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


# ----- schema -----------------------------------------------------------------------------


def check(c: ProbeChecker) -> None:
    """`service` or `container`, then a command line as for `command`, `user`, `workdir`, `env`."""
    which = c.one_of(("service", "container"), required=True)
    if which:
        c.text(which, required=True)
    c.command_line()
    c.text("user")
    c.text("workdir")
    c.string_map("env")


SCHEMA = KindSchema(
    name="exec",
    keys=("service", "container", "run", "argv", "user", "workdir", "env"),
    expect=OUTPUT_EXPECT,
    capture=("regex",),
    capture_options=("stream",),
    defaults={"expect.exit_code": 0},
    check=check,
)
