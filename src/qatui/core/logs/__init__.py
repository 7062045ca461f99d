"""Log sources: compose services, containers, files and commands, as batches of lines.

`make_source(spec, environment, checklist_dir=…, lookup=…)` turns a checklist's log source into
a `LogSource` whose `follow(stop, tail=, since=, follow=)` yields `LogBatch`es; `merge(...)`
interleaves several in time order; `LineBuffer` keeps the newest lines of one source.
Nothing here imports a UI: the screen, the CLI and the logs probe all use the same sources.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from qatui.core.checklist import Environment, LogSourceSpec
from qatui.core.logs.base import LogBatch, LogLine, LogSource
from qatui.core.logs.buffer import LineBuffer
from qatui.core.logs.command_source import CommandSource
from qatui.core.logs.compose import docker_host, normalize_project_name, project_name
from qatui.core.logs.docker_source import DockerSource, engine_reason
from qatui.core.logs.errors import (
    DEFAULT_ERROR_PATTERNS,
    ErrorDetector,
    LogSourceError,
    is_error_text,
)
from qatui.core.logs.file_source import FileSource
from qatui.core.logs.merge import merge
from qatui.core.variables import expand

__all__ = [
    "DEFAULT_ERROR_PATTERNS",
    "CommandSource",
    "DockerSource",
    "ErrorDetector",
    "FileSource",
    "LineBuffer",
    "LogBatch",
    "LogLine",
    "LogSource",
    "LogSourceError",
    "docker_host",
    "engine_reason",
    "is_error_text",
    "make_source",
    "merge",
    "normalize_project_name",
    "project_name",
]

KINDS = ("service", "container", "file", "command")


def make_source(
    spec: LogSourceSpec,
    environment: Environment | None,
    *,
    checklist_dir: Path,
    lookup: Callable[[str], str | None],
    written_text: Callable[[str], bool] | None = None,
) -> LogSource:
    """The source a checklist's log source describes, with `${…}` expanded through `lookup`
    (which should end in the process environment: `DOCKER_HOST`, `COMPOSE_PROJECT_NAME`).

    An environment that reads this source differently (its own `logs:` entry of the same name,
    e.g. a file where other environments have a compose service) gets its own; every caller
    (screen, `qatui logs`, logs probes) comes through here, so they all read the same place.

    A `command` source's line is a shell line: values go to it through its environment, never
    as shell text (`qatui.core.probes.shell`); `written_text` says which names are the
    checklist's own text (default: none, every value is data)."""
    if environment is not None and spec.name in environment.logs:
        spec = environment.logs[spec.name]
    if spec.kind == "command":
        from qatui.core.probes.shell import safe_line

        line = safe_line(spec.target, lookup, written_text or (lambda name: False))
        env = {**os.environ, **line.env} if line.env else None
        errors = list(spec.errors) if spec.errors is not None else None
        return CommandSource(spec.name, line.text, tail=spec.tail, errors=errors, cwd=str(checklist_dir), env=env)
    target = expand(spec.target, lookup)
    errors = list(spec.errors) if spec.errors is not None else None
    if spec.kind in ("service", "container"):
        host = docker_host(environment, lookup)
        if spec.kind == "container":
            return DockerSource(spec.name, container=target, docker_host=host, tail=spec.tail, errors=errors)
        if spec.project:
            project = expand(spec.project, lookup)
        else:
            project = project_name(environment, checklist_dir=checklist_dir, lookup=lookup)
        return DockerSource(
            spec.name, service=target, project=project, docker_host=host, tail=spec.tail, errors=errors
        )
    if spec.kind == "file":
        path = Path(os.path.expanduser(target))
        if not path.is_absolute():
            path = checklist_dir / path
        return FileSource(spec.name, path, tail=spec.tail, errors=errors)
    raise LogSourceError(f"log source {spec.name!r} has unknown kind {spec.kind!r} (one of {', '.join(KINDS)})")


def describe(spec: LogSourceSpec) -> str:
    """`service huey`, `file /var/log/app.log` — for headers and listings."""
    return f"{spec.kind} {spec.target}"
