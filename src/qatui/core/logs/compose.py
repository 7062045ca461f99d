"""The compose project name, decided the way Docker Compose decides it.

An imported `docker compose logs huey` must find the same containers it found in the tester's
terminal, so the order is Compose's own: the checklist environment's `compose.project`, else
`COMPOSE_PROJECT_NAME` (from the process environment, then the project folder's `.env`), else
the top-level `name:` of the first compose file, else the name of the project folder,
normalised as Compose does (lower case, only `a-z 0-9 _ -`, no leading `_`/`-`). The engine
is decided here too (`docker_host`), for log sources and exec probes alike.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import yaml

from qatui.core.checklist import Environment
from qatui.core.variables import expand

#: The files `docker compose` looks for when none is given, in its order.
DEFAULT_COMPOSE_FILES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")

_NOT_ALLOWED = re.compile(r"[^a-z0-9_-]")


def normalize_project_name(name: str) -> str:
    """`My App.v2` → `myappv2`, like compose-go's `NormalizeProjectName`."""
    return _NOT_ALLOWED.sub("", name.lower()).lstrip("_-")


def compose_files(
    environment: Environment | None, checklist_dir: Path, lookup: Callable[[str], str | None]
) -> list[Path]:
    """The compose files of the environment (else `COMPOSE_FILE`, else the default names)."""
    base = project_directory(environment, checklist_dir)
    names: list[str] = list(environment.compose.files) if environment else []
    if not names:
        value = lookup("COMPOSE_FILE")
        if value:
            names = [n for n in value.split(os.pathsep) if n]
    if names:
        return [base / os.path.expanduser(n) for n in names]
    return [base / n for n in DEFAULT_COMPOSE_FILES if (base / n).is_file()][:1]


def project_directory(environment: Environment | None, checklist_dir: Path) -> Path:
    directory = environment.compose.directory if environment else None
    if directory:
        return (checklist_dir / os.path.expanduser(directory)).resolve()
    if environment and environment.compose.files:
        first = checklist_dir / os.path.expanduser(environment.compose.files[0])
        return first.resolve().parent
    return checklist_dir.resolve()


def _dotenv_value(path: Path, name: str) -> str | None:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("export "):
            line = line[len("export "):].lstrip()
        key, sep, value = line.partition("=")
        if sep and key.strip() == name:
            return value.strip().strip("'\"")
    return None


def _file_name(path: Path) -> str | None:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return None
    name = data.get("name") if isinstance(data, dict) else None
    if isinstance(name, str) and name.strip():
        return name.strip()
    return None


def project_name(
    environment: Environment | None,
    *,
    checklist_dir: Path,
    lookup: Callable[[str], str | None] = os.environ.get,
) -> str:
    """The compose project the environment's services belong to (`${…}` in the environment's
    `compose.project` expanded through `lookup`)."""
    if environment and environment.compose.project:
        return expand(environment.compose.project, lookup)
    value = lookup("COMPOSE_PROJECT_NAME")
    if value:
        return normalize_project_name(value)
    directory = project_directory(environment, checklist_dir)
    value = _dotenv_value(directory / ".env", "COMPOSE_PROJECT_NAME")
    if value:
        return normalize_project_name(value)
    files = compose_files(environment, checklist_dir, lookup)
    if files:
        name = _file_name(files[0])
        if name:
            return normalize_project_name(name)
    return normalize_project_name(directory.name)


def docker_host(environment: Environment | None, lookup: Callable[[str], str | None] = os.environ.get) -> str | None:
    """The Docker engine of an environment: its `docker_host`, else `DOCKER_HOST`, else None
    (the SDK's default, the local socket). Log sources and exec probes both ask here, so a
    service's logs and an exec in it always talk to the same engine."""
    host = expand(environment.docker_host, lookup) if environment and environment.docker_host else None
    return host or lookup("DOCKER_HOST") or None
