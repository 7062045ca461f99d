"""Talking about the engine: its client errors in plain words, a compose container's number."""

from __future__ import annotations


def engine_errors() -> tuple[type[BaseException], ...]:
    import docker.errors
    import requests

    return (docker.errors.DockerException, requests.exceptions.RequestException, OSError)



def container_number(labels: dict[str, str]) -> int:
    try:
        return int(labels.get("com.docker.compose.container-number", "0"))
    except ValueError:
        return 0


def quoted_names(names: list[str]) -> str:
    return " or ".join(repr(n) for n in names)


def engine_reason(error: BaseException) -> str:
    """A short reason in plain words (`no such socket`, `connection refused`) from the SDK's
    nested connection errors, for every "Docker engine unreachable" a tester reads."""
    text = str(error)
    for marker in ("FileNotFoundError", "ConnectionRefusedError", "PermissionError", "timed out",
                   "Name or service not known", "Connection refused", "No such file or directory"):
        if marker in text:
            return {
                "FileNotFoundError": "no such socket",
                "No such file or directory": "no such socket",
                "ConnectionRefusedError": "connection refused",
                "Connection refused": "connection refused",
                "PermissionError": "permission denied",
                "timed out": "timed out",
                "Name or service not known": "unknown host",
            }[marker]
    return text.splitlines()[0][:200] if text else error.__class__.__name__
