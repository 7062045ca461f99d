"""Explanations in a tester's words for the ways a probe can fail.

A stack trace says `ConnectError: [Errno 111]`; a tester needs "nothing listens on
localhost:9000 — is the server running, and is this the right port?". Every fault the engine
knows is turned into a short `Explained(actual, explanation)` here, in one place, so the words
stay consistent across kinds and are easy to review.
"""

from __future__ import annotations

import errno
import re
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Explained:
    """A failure said for people: the short what-happened for the summary and the longer explanation."""

    actual: str  # the short "what happened" for the summary (`connection refused`)
    explanation: str
    timeout: bool = False


def host_port(url: str) -> tuple[str, int | None]:
    parts = urlsplit(url)
    default = {"http": 80, "ws": 80, "https": 443, "wss": 443}.get(parts.scheme)
    try:
        port = parts.port or default
    except ValueError:
        port = default
    return parts.hostname or "", port


def _chain(error: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def refused(host: str, port: int | None) -> Explained:
    return Explained(
        "connection refused",
        f"nothing listens on {host}:{port} — is the server running, and is this the right port?",
    )


def dns_failed(host: str) -> Explained:
    return Explained(
        "name not found",
        f"the name {host!r} cannot be resolved (DNS) — check the spelling of the host in the URL "
        "and that this machine can reach that network (VPN?)",
    )


def tls_failed(host: str, detail: str) -> Explained:
    return Explained(
        "TLS error",
        f"the TLS handshake with {host} failed ({detail}). A self-signed or internal certificate "
        "needs `verify: false` or `verify: PATH-TO-CA.pem` on the probe",
    )


def timed_out(what: str, seconds: float) -> Explained:
    return Explained(
        f"no answer within {seconds:g} s",
        f"{what} did not answer within {seconds:g} s — the server may be overloaded, stuck, or a "
        "firewall may be dropping the connection",
        timeout=True,
    )


def network_error(error: BaseException, url: str, seconds: float, what: str = "the server") -> Explained:
    """Explain a failure to connect or talk to `url` (httpx, websockets or plain sockets)."""
    host, port = host_port(url) if "://" in url else (url.rpartition(":")[0], int(url.rpartition(":")[2] or 0))
    for cause in _chain(error):
        if isinstance(cause, TimeoutError) or type(cause).__name__.endswith("Timeout"):
            return timed_out(what, seconds)
        if isinstance(cause, ssl.SSLCertVerificationError):
            return tls_failed(host, cause.verify_message or str(cause))
        if isinstance(cause, ssl.SSLError):
            return tls_failed(host, cause.reason or str(cause))
        if isinstance(cause, socket.gaierror):
            return dns_failed(host)
        if isinstance(cause, ConnectionRefusedError) or (
            isinstance(cause, OSError) and cause.errno == errno.ECONNREFUSED
        ):
            return refused(host, port)
        if isinstance(cause, ConnectionResetError | ConnectionAbortedError | BrokenPipeError):
            return dropped(url, host, port)
    text = " ".join(str(c) for c in _chain(error)).lower()
    if "certificate" in text or "ssl" in text or "tls" in text:
        return tls_failed(host, str(error) or type(error).__name__)
    if "name or service not known" in text or "nodename nor servname" in text or "name resolution" in text or "no address associated" in text:
        return dns_failed(host)
    if "connection refused" in text or "connect call failed" in text or "errno 111" in text:
        return refused(host, port)
    if "timed out" in text or "timeout" in text:
        return timed_out(what, seconds)
    if "reset" in text or "disconnected" in text or "closed" in text or "eof" in text:
        return dropped(url, host, port)
    return Explained(type(error).__name__, f"talking to {host}:{port} failed: {error or type(error).__name__}")


def dropped(url: str, host: str, port: int | None) -> Explained:
    if url.startswith(("https://", "wss://")):
        return Explained(
            "connection dropped during TLS",
            f"{host}:{port} closed the connection during the TLS handshake — this port probably "
            "speaks plain HTTP: try http:// or ws:// (or the port that serves TLS)",
        )
    return Explained(
        "connection dropped",
        f"{host}:{port} accepted the connection and then closed it without an answer — a proxy, a "
        "crashed worker, or a plain/TLS mix-up (http:// to a port that expects TLS)?",
    )


def redirect_loop(url: str, hops: list[str]) -> Explained:
    path = " → ".join(hops[-4:]) if hops else url
    return Explained(
        "redirect loop",
        f"the server keeps redirecting ({path} …) and never answers — usually a login page that "
        "redirects to itself, or an http↔https / trailing-slash rule fighting another one",
    )


def redirected(status: int, location: str) -> str:
    return (
        f"the server answered {status} and redirects to {location or '(no Location header)'}; "
        "redirects are not followed unless the probe sets `follow_redirects: true` (a redirect to "
        "a login page often means the request was not authenticated)"
    )


def invalid_json(error: str, content_type: str, body_start: str) -> str:
    kind = content_type or "no Content-Type"
    hint = " — it looks like an HTML page (an error page or a login form?)" if body_start.lstrip().startswith("<") else ""
    return f"the response is not valid JSON ({error}; {kind}){hint}"


def json_too_deep(error: str) -> str:
    return f"the response is {error}; real APIs nest a few levels — a broken or hostile server?"


def http_status(status: int) -> str:
    if status in (401, 403):
        return "the server refused the credentials — is the token/password right, and is the user allowed?"
    if status == 404:
        return "the server has no such page — check the URL path (and trailing slash) and the base URL of the environment"
    if status == 405:
        return "the URL exists but not for this method (GET/POST?)"
    if status >= 500:
        return "the server failed while answering (an exception in the application?) — look at its logs"
    return ""


def body_too_large(cap: int, total: str) -> str:
    return f"the response is larger than the {cap // 1024} KB qatui reads ({total}); only the start was checked"


# --- WebSocket --------------------------------------------------------------------------------


def ws_plain_http(status: int, url: str) -> Explained:
    host, port = host_port(url)
    if status in (403, 401):
        return Explained(
            f"HTTP {status} to the WebSocket upgrade",
            f"the WebSocket server at {host}:{port} refused the connection ({status}) — the Origin "
            "is not allowed (ALLOWED_HOSTS / AllowedHostsOriginValidator) or authentication is "
            "missing; try the probe's `origin` or `headers`",
        )
    return Explained(
        f"HTTP {status} instead of a WebSocket",
        f"this port answered ordinary HTTP ({status}) — the WebSocket server may listen on another "
        f"port (an ASGI server such as Daphne or Uvicorn, not Gunicorn on {port}), or the path is wrong",
    )


def ws_closed(code: int | None, reason: str, waiting_for: str) -> Explained:
    why = f"code {code}" + (f", {reason!r}" if reason else "") if code is not None else "no close code"
    return Explained(
        f"closed by the server ({why})",
        f"the server closed the WebSocket ({why}) while qatui was {waiting_for} — the consumer may "
        "have rejected the connection (authentication, origin) or crashed; look at the server's logs",
    )


def ws_mismatch(wanted: str, position: int, received: list[str]) -> Explained:
    """A message arrived that is not the one expected next: a verdict, not a timeout."""
    shown = "\n".join(f"  {n}. {text}" for n, text in enumerate(received, 1))
    return Explained(
        f"message {position} does not match",
        f"expected {wanted} as the next message, but the server sent something else; messages "
        f"received:\n{shown}\nIf the server sends other messages in between (heartbeats, "
        "broadcasts), list them under `expect.ignore`",
    )


def ws_no_message(seconds: float, wanted: str, received: int) -> Explained:
    return Explained(
        f"no matching message within {seconds:g} s",
        f"the socket opened, but no message matching {wanted} arrived within {seconds:g} s "
        f"({received} other message(s) received) — is the consumer sending it, or is it slower?",
        timeout=True,
    )


# --- commands and containers ------------------------------------------------------------------


def command_not_found(program: str) -> Explained:
    return Explained(
        "command not found",
        f"`{program}` is not installed or not on PATH on this machine — install it, or use an "
        "`exec` probe if it lives inside a container",
    )


_NOT_FOUND = (
    re.compile(r'exec: "(?P<p>[^"]+)": (?:executable file not found|stat [^:]*: no such file)'),  # runc (exec argv)
    re.compile(r"^(?:[^:\n]*: )?(?:line \d+: |\d+: )?(?P<p>[^:\n]+): (?:command )?not found\s*$", re.M),  # sh, bash, dash, busybox
    re.compile(r"^(?:[^:\n]*: )?(?:line \d+: |\d+: )?(?P<p>[^:\n]+): No such file or directory\s*$", re.M),  # `./x` missing
)


def missing_program(output: str) -> str | None:
    """The program a shell or the container runtime says it could not find, or None.

    `/bin/sh: 1: python: not found` (dash), `bash: line 1: python: command not found`,
    `sh: python: not found` (busybox), `exec: "python": executable file not found in $PATH`
    (runc, for an exec probe's `argv`). The last such line counts: it is the one that failed.
    """
    found: str | None = None
    where = -1
    for pattern in _NOT_FOUND:
        for match in pattern.finditer(output):
            if match.start() >= where:
                found, where = match.group("p").strip(), match.start()
    return found


def unexpected_exit(code: int, expected: int, output_tail: str) -> str:
    """`the command exited with 3, the checklist expects 0` — both codes, always."""
    if code < 0:
        text = f"the command was killed by signal {-code} (the checklist expects exit {expected})"
    elif expected == 0:
        text = f"the command reported failure: exit {code}, the checklist expects 0"
    elif code == 0:
        text = f"the command succeeded (exit 0), but the checklist expects it to fail with exit {expected}"
    else:
        text = f"the command exited with {code}, the checklist expects {expected}"
    if code == 127:
        text += " — the shell could not find a program it was asked to run"
    if output_tail:
        text += f"; its last output:\n{output_tail}"
    return text


def nonzero_exit(code: int, output_tail: str) -> str:
    """The explanation when exit 0 was expected (kept for callers without an expectation)."""
    return unexpected_exit(code, 0, output_tail)


def command_timeout(seconds: float, stopped: str) -> Explained:
    """`stopped` says what qatui actually did (`procs.Ended.words()` or the exec's words)."""
    return Explained(
        f"still running after {seconds:g} s",
        f"the command did not finish within {seconds:g} s; qatui {stopped} — does it wait for input, "
        "or follow a log forever? Raise the probe's `timeout` if it is just slow",
        timeout=True,
    )


def engine_unreachable(base_url: str, error: str) -> Explained:
    where = base_url or "the local socket (unix:///var/run/docker.sock)"
    return Explained(
        "Docker engine unreachable",
        f"cannot reach the Docker engine at {where} ({error}) — is Docker running, and is "
        "DOCKER_HOST / the environment's docker_host right?",
    )


def no_container(service: str, project: str, services: list[str], projects: list[str] | None = None) -> Explained:
    """No container for the service: name the services the project has (with the nearest
    spelling), or, when the project has none, the projects the engine does run."""
    import difflib

    if services:
        close = difflib.get_close_matches(service, services, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return Explained(
            "no container",
            f"compose project {project!r} has no service {service!r}; {hint}its services: "
            f"{', '.join(sorted(services))} — check the service name, or run `docker compose up -d {service}`",
        )
    others = sorted(projects or [])
    close = difflib.get_close_matches(project, others, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    running = f"projects on this engine: {', '.join(others)}{hint}" if others else "no compose project runs on this engine"
    return Explained(
        "no container",
        f"compose project {project!r} has no containers; {running} — start it (`docker compose up -d "
        f"{service}`) or set the environment's compose.project",
    )


def container_not_running(name: str, state: str, service: str | None) -> Explained:
    """What to do depends on the state: a paused container is unpaused, not started."""
    compose = f"docker compose {{}} {service}" if service else f"docker {{}} {name}"
    if state == "paused":
        advice = f"it was paused — resume it with `{compose.format('unpause')}`"
    elif state == "restarting":
        advice = f"it keeps crashing and restarting — look at its logs (`{compose.format('logs')}`)"
    elif state == "dead":
        advice = f"the engine could not stop or remove it cleanly — remove and recreate it (`{compose.format('up -d --force-recreate') if service else 'docker rm ' + name}`)"
    elif state == "removing":
        advice = "it is being removed"
    else:  # created, exited
        advice = f"start it (`{compose.format('start')}`) and look at its logs"
    return Explained(f"container {state}", f"container {name} is {state}, not running — {advice}")


def exec_refused(container: str, output: str, *, user: str, workdir: str) -> Explained | None:
    """The container runtime refused to start the exec'd process for a reason that is not a
    missing program: an unknown `user:` or a missing `workdir:`. None: not one of those."""
    text = output.lower()
    if workdir and ("chdir to cwd" in text or ("no such file or directory" in text and workdir.lower() in text)):
        return Explained(
            "no such workdir in the container",
            f"the folder {workdir!r} (the probe's `workdir`) does not exist in container {container}",
        )
    if user and ("unable to find user" in text or "no matching entries in passwd" in text or "unable to find group" in text
                 or not output.strip()):
        return Explained(
            "no such user in the container",
            f"the user {user!r} (the probe's `user`) does not exist in container {container} — "
            "use a name from its /etc/passwd, or a numeric uid[:gid]",
        )
    return None
