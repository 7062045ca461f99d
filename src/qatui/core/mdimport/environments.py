"""Environments a Markdown checklist implies: one per set of `docker compose -f …` files
(`docker-compose.prod.yml` → `prod`, protected), and the process environment variables its
probes read (curl's `$TOKEN`), which the import declares in `from_env:`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from qatui.core.checklist import Checklist, Compose, Environment
from qatui.core.mdimport.titles import slugify


def add_compose_environments(checklist: Checklist, compose_sets: list[tuple[list[str], str | None]]) -> None:
    """One environment per compose file set, in the order met; the first unprotected one is the default."""
    for files, project in compose_sets:
        key = _environment_key(files, checklist.environments)
        protected = key.split("-")[0] in {"prod", "production", "live"}
        checklist.environments[key] = Environment(
            key=key, label=f"Docker Compose ({' + '.join(files)})",
            compose=Compose(project=project, files=list(files)), protected=protected,
        )
    unprotected = [e for e in checklist.environments.values() if not e.protected]
    if unprotected:
        unprotected[0].default = True


def _environment_key(files: list[str], taken: dict[str, Environment]) -> str:
    """`[docker-compose.yml, docker-compose.prod.yml]` → `prod`; the last file names it."""
    name = Path(files[-1]).name
    stem = re.sub(r"\.ya?ml$", "", name)
    parts = [p for p in re.split(r"[.\-_]", stem) if p and p not in ("docker", "compose")]
    base = slugify("-".join(parts)) or "compose"
    key, n = base, 2
    while key in taken:
        key = f"{base}-{n}"
        n += 1
    return key


def environment_names(checklist: Checklist) -> list[str]:
    """`${NAME}`s in probes that only the process environment can provide (curl's `$TOKEN`)."""
    from qatui.core.variables import references

    known = set(checklist.vars) | set(checklist.secrets)
    for env in checklist.environments.values():
        known |= set(env.vars)
    for probe in checklist.probes():
        known |= set(probe.captures())
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            for ref in references(value):
                if not ref.has_default and ref.name not in known and ref.name not in found:
                    found.append(ref.name)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for probe in checklist.probes():
        walk(probe.config)
    return found
