"""Load a checklist file into the model, reporting every problem with its line and column.

The file is read by `yamlpos` (safe, positioned, bomb-proof) and then walked once by a
validator (`core/load/`, one module per part of the file) that builds the dataclasses of `core/checklist.py` and, instead of stopping at the
first mistake, appends a `Problem` and carries on with a sensible stand-in. Only after the walk
(and the checks that need the whole file: log-source names, metric references, `${…}`
variables) does it raise one `ChecklistError` holding everything, in file order. That is what
lets `qatui validate` print one line per problem, like a compiler.

Messages are written for the tester who edits the YAML: they name the key, say what was
expected and what was found, and suggest the nearest valid spelling (difflib) for unknown keys,
priorities, kinds and names. The format itself is documented in `docs/checklist-format.md`;
that document and this module must agree.

`.md` files are plain Markdown checklists and go to `qatui.core.markdown_import`, imported
lazily so that loading YAML never pays for markdown-it.

The loader is pure: a file in, a model (or every problem) out. It knows nothing of the cache;
`qatui.core.checklist_cache` wraps it (look up, else `load` and store), so the dependency runs
one way only and the loader can be tested, profiled and forked without the cache's state.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from qatui.core.checklist import Checklist, Priority
from qatui.core.errors import ChecklistError, Position, Problem, QatuiError
from qatui.core.load.keys import (  # re-exported: the format's tables, as callers and tests name them
    COMPOSE_KEYS,
    ENV_KEYS,
    FORMAT_VERSION,
    HEADER_MATCHER_KEYS,
    ITEM_KEYS,
    JSON_TYPES,
    LOG_KEYS,
    LOG_KINDS,
    MATCHER_KEYS,
    MAX_RETRY_COUNT,
    MAX_RETRY_INTERVAL,
    MAX_RETRY_TOTAL,
    MAX_TIMEOUT,
    MAX_UNTIL,
    METRIC_KEYS,
    NOTE_KEYS,
    NOTE_KINDS,
    PROBE_COMMON,
    SECRET_KEYS,
    SECTION_KEYS,
    SETTINGS_KEYS,
    SIGNOFF_KEYS,
    TOP_KEYS,
)
from qatui.core.load.positions import in_file_order
from qatui.core.load.validator import Validator
from qatui.core.runtime import paused_gc
from qatui.core.yamlpos import parse_file

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "COMPOSE_KEYS", "ENV_KEYS", "FORMAT_VERSION", "HEADER_MATCHER_KEYS", "ITEM_KEYS", "JSON_TYPES",
    "LOG_KEYS", "LOG_KINDS", "MATCHER_KEYS", "MAX_RETRY_COUNT", "MAX_RETRY_INTERVAL", "MAX_RETRY_TOTAL",
    "MAX_TIMEOUT", "MAX_UNTIL", "METRIC_KEYS", "NOTE_KEYS", "NOTE_KINDS", "PROBE_COMMON", "SECRET_KEYS",
    "SECTION_KEYS", "SETTINGS_KEYS", "SIGNOFF_KEYS", "TOP_KEYS", "ChecklistNotFound", "Loaded",
    "load_checklist", "load_yaml", "summary",
]


class ChecklistNotFound(ChecklistError):
    """The checklist file does not exist (the CLI treats this as a usage error, exit 2)."""

    title = "Checklist not found"


@dataclass(frozen=True, slots=True)
class Loaded:
    """A validated YAML checklist with what a cache needs to keep it: the bytes that were
    validated (the entry's key) and the environment variables the validation relied on (the
    entry is only good while each of them is still set)."""

    checklist: Checklist
    data: bytes
    env_dependencies: tuple[str, ...]


def load_checklist(path: str | Path, *, env: Mapping[str, str] | None = None) -> Checklist:
    """Load and validate `path` (YAML or plain Markdown); raise `ChecklistError` with every
    problem found. Never consults a cache: `checklist_cache.load_checklist` does that.

    `env` is the process environment used to decide whether `${NAME}` can be provided
    (default: `os.environ`).
    """
    name = str(path)
    if name.lower().endswith((".md", ".markdown")):
        return _load_markdown(name)
    return load_yaml(name, env=env).checklist


def load_yaml(path: str | Path, *, env: Mapping[str, str] | None = None) -> Loaded:
    """Load and validate the YAML checklist `path`, keeping what a cache entry needs."""
    name = str(path)
    _refuse_unreadable(name)
    env = os.environ if env is None else env
    document, data = parse_file(name)
    validator = Validator(name, env)
    validator.problems.extend(document.problems)
    with paused_gc():
        checklist = validator.checklist(document.root)
    checklist.content_hash = hashlib.sha256(data).hexdigest()
    if validator.problems:
        raise ChecklistError(in_file_order(validator.problems))
    return Loaded(checklist, data, tuple(sorted(set(validator.env_dependencies))))


def _refuse_unreadable(name: str) -> None:
    """Say what a path is when it is no file to read (missing: exit 2; a FIFO, a device, a
    symlink loop, a folder that cannot be entered: a problem named for what it is)."""
    from qatui.core.files import refusal

    refused = refusal(name)
    if refused is None:
        return
    reason = "is a folder, not a checklist file" if refused.reason.startswith("is a folder") else refused.reason
    error_type = ChecklistNotFound if refused.missing else ChecklistError
    raise error_type([Problem(Position(name), reason)])


def _load_markdown(path: str) -> Checklist:
    _refuse_unreadable(path)
    try:
        from qatui.core.markdown_import import import_markdown
    except ModuleNotFoundError as error:
        if error.name and error.name.startswith("qatui"):
            raise ChecklistError(
                [Problem(Position(path), "Markdown checklists cannot be read yet: the Markdown importer is not installed")]
            ) from None
        raise
    try:
        return import_markdown(path)
    except ChecklistError:
        raise
    except QatuiError as error:  # e.g. an unreadable or binary file: one problem, same shape
        message = error.message.removeprefix(f"{path}: ")
        raise ChecklistError([Problem(Position(path), message)]) from None



def summary(checklist: Checklist) -> str:
    """The one line `qatui validate` prints for a good file."""
    counts = {priority: 0 for priority in Priority}
    for section in checklist.sections:
        counts[section.priority] += 1
    by_priority = ", ".join(f"{counts[p]} {p.value}" for p in Priority)
    parts = [
        f"{_plural(len(checklist.sections), 'section')} ({by_priority})",
        _plural(len(checklist.items()), "item"),
        _plural(len(checklist.probes()), "probe"),
        _plural(len(checklist.environments), "environment"),
        _plural(len(checklist.logs), "log source"),
    ]
    if checklist.metrics:
        parts.append(_plural(len(checklist.metrics), "metric"))
    return "ok: " + ", ".join(parts)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"

