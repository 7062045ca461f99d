"""The checklist model: what a checklist file means once it has been loaded and validated.

These dataclasses are the contract between the loader (YAML or plain Markdown), the probe
engine, the log sources, the session, the record and the screen. They hold text exactly as the
author wrote it: variables (`${name}`) are expanded only when a probe or log source runs,
because captures from earlier probes and secrets are only known then.

Positions are kept for everything a tester may need to find in the file (a probe's expectation
is reported as `status 404, expected 200 — django-upgrade.yaml:88`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import field
from enum import StrEnum
from typing import Any

from qatui.core.datatypes import datatype
from qatui.core.errors import Position
from qatui.core.probes import kinds
from qatui.core.probes.schema import DEFAULT_TIMEOUT

#: A string as `json.dumps(..., ensure_ascii=False)` writes it (quotes and escapes).
_json_string = json.encoder.encode_basestring


class Priority(StrEnum):
    CRITICAL = "critical"
    IMPORTANT = "important"
    NICE = "nice"

    @property
    def label(self) -> str:
        return {"critical": "Critical", "important": "Important", "nice": "Nice to have"}[self.value]

    @property
    def rank(self) -> int:
        return {"critical": 0, "important": 1, "nice": 2}[self.value]


#: Words accepted for each priority (lower-case); the loader and the Markdown importer use them.
PRIORITY_SYNONYMS: dict[str, Priority] = {
    "critical": Priority.CRITICAL,
    "crit": Priority.CRITICAL,
    "must": Priority.CRITICAL,
    "blocker": Priority.CRITICAL,
    "high": Priority.CRITICAL,
    "p0": Priority.CRITICAL,
    "p1": Priority.CRITICAL,
    "important": Priority.IMPORTANT,
    "should": Priority.IMPORTANT,
    "medium": Priority.IMPORTANT,
    "normal": Priority.IMPORTANT,
    "major": Priority.IMPORTANT,
    "p2": Priority.IMPORTANT,
    "nice": Priority.NICE,
    "nice to have": Priority.NICE,
    "nice-to-have": Priority.NICE,
    "nice_to_have": Priority.NICE,
    "could": Priority.NICE,
    "low": Priority.NICE,
    "minor": Priority.NICE,
    "optional": Priority.NICE,
    "p3": Priority.NICE,
}


@datatype
class Note:
    """A free-form block shown to the tester: configuration notes, known issues, rollback.

    Commands in a note are shown, never run.
    """

    title: str
    text: str
    kind: str = "info"  # info | config | known-issues | rollback | monitoring
    position: Position | None = None


@datatype
class Compose:
    """The docker compose project of an environment: its name, files and the folder they are relative to."""

    project: str | None = None
    files: list[str] = field(default_factory=list)
    #: Folder the compose files are relative to (defaults to the checklist's folder).
    directory: str | None = None


@datatype
class Environment:
    """One environment a checklist runs against (`local`, `staging` …): its variables and compose project."""

    key: str
    label: str
    vars: dict[str, str] = field(default_factory=dict)
    compose: Compose = field(default_factory=Compose)
    docker_host: str | None = None
    protected: bool = False
    default: bool = False
    #: Log sources this environment reads differently, by the checklist's names (e.g. `web` is a
    #: compose service on `local` but Gunicorn's log file on a machine without Docker).
    logs: dict[str, LogSourceSpec] = field(default_factory=dict)
    position: Position | None = None


@datatype
class Secret:
    """A value read at run time from the process environment or a file; never written down."""

    name: str
    env: str | None = None
    file: str | None = None
    position: Position | None = None


@datatype
class LogSourceSpec:
    """A log source defined once per checklist and referred to by name.

    `kind` is one of: service (a compose service of the environment's project), container
    (name or id), file (followed like `tail -F`), command (its output, e.g. `ssh host docker logs -f web`).
    """

    name: str
    kind: str
    target: str  # service name, container name/id, file path or command line
    tail: int = 100
    #: Regexes that mark a line as an error; None means the built-in defaults.
    errors: list[str] | None = None
    project: str | None = None  # overrides the environment's compose project for this source
    position: Position | None = None


@datatype
class ProbeSpec:
    """A probe as written in the checklist.

    `config` holds the kind-specific keys exactly as validated by the loader (request, expect,
    capture, …), strings unexpanded. `positions` maps a dotted key path inside the probe
    (`expect.status`, `url`) to where it is written, so results can point at the line.
    """

    id: str
    kind: str  # a name in the registry, core/probes/kinds.py
    item_id: str
    config: dict[str, Any]
    name: str = ""
    timeout: float = DEFAULT_TIMEOUT
    destructive: bool = False
    #: Keys of the environments this probe runs on; empty: all. Elsewhere the engine reports it
    #: "not run" (an nginx check on an environment that has no nginx).
    only_env: tuple[str, ...] = ()
    position: Position | None = None
    positions: dict[str, Position] = field(default_factory=dict)
    #: `destructive: always`: asks before it runs on every environment, not only protected ones
    #: (sends mail, runs a test suite against the database). Implies `destructive`.
    destructive_always: bool = False

    @property
    def runs_code(self) -> bool:
        """Command and exec probes run code from the checklist and need the user's trust."""
        return kinds.runs_code(self.kind)

    def is_destructive(self, item_destructive: bool) -> bool:
        """Marked so itself, or under a destructive item, unless its kind only looks (`logs`,
        `tcp`, `tls`: registry `looks_only`) and cannot change anything, whatever the item's
        own steps do."""
        return self.destructive or (item_destructive and not kinds.looks_only(self.kind))

    def asks_always(self, item_always: bool) -> bool:
        """`destructive: always` on the probe, or on its item (a kind that only looks never
        asks)."""
        return self.destructive_always or (item_always and not kinds.looks_only(self.kind))

    def where(self, key: str = "") -> Position | None:
        """Position of `key` (dotted), falling back to its parents and then the probe itself."""
        while key:
            if key in self.positions:
                return self.positions[key]
            key = key.rpartition(".")[0]
        return self.position

    def captures(self) -> list[str]:
        """Names of the variables this probe captures for later probes."""
        cap = self.config.get("capture") or {}
        return list(cap) if isinstance(cap, dict) else []


@datatype
class Item:
    """One thing a tester checks: steps, where, what to expect, what a failure means, and its probes."""

    id: str
    title: str
    section_id: str
    steps: list[str] = field(default_factory=list)
    location: str = ""
    expected: str = ""
    if_fails: str = ""
    notes: str = ""
    tags: list[str] = field(default_factory=list)
    probes: list[ProbeSpec] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)  # names of LogSourceSpec
    destructive: bool = False
    position: Position | None = None
    #: `destructive: always` (see `ProbeSpec.destructive_always`).
    destructive_always: bool = False

    def fingerprint(self) -> str:
        """A short hash of what the tester is asked to do; changes when the item's text changes.

        The hash is of `json.dumps([title, steps, location, expected, if_fails],
        ensure_ascii=False)` (records keep it, so it never changes); for text, which is what
        the loaders give, that JSON is written here directly: a session of 5,000 items starts
        in half the time that building a JSON encoder per item took.
        """
        title, steps, location, expected, if_fails = self.title, self.steps, self.location, self.expected, self.if_fails
        if all(type(text) is str for text in (title, location, expected, if_fails, *steps)):
            quote = _json_string
            raw = "".join(("[", quote(title), ", [", ", ".join(map(quote, steps)), "], ",
                           quote(location), ", ", quote(expected), ", ", quote(if_fails), "]"))
        else:
            raw = json.dumps([title, steps, location, expected, if_fails], ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(raw.encode()).hexdigest()[:12]


@datatype
class Section:
    """A group of items of one priority, in checklist order."""

    id: str
    title: str
    priority: Priority
    items: list[Item] = field(default_factory=list)
    description: str = ""
    #: Defaults for the section's items (the example writes them once per numbered section).
    location: str = ""
    expected: str = ""
    if_fails: str = ""
    logs: list[str] = field(default_factory=list)
    position: Position | None = None


@datatype
class Metric:
    """A performance figure recorded before and after a change.

    `source` is `probe` (a probe's duration, `probe` holds its id) or `capture` (a number
    captured by a probe into variable `capture`), or `manual` (typed by the tester).
    """

    id: str
    name: str
    unit: str = "ms"
    source: str = "manual"
    probe: str | None = None
    capture: str | None = None
    threshold: float | None = None  # the after-value must not exceed it
    notes: str = ""
    position: Position | None = None


@datatype
class SignoffSpec:
    """What a sign-off asks for and what signing means."""

    meaning: str = "Approved for production deploy"
    roles: list[str] = field(default_factory=list)  # e.g. ["QA", "Tech lead"]
    require_critical_passed: bool = True
    #: Facts to record in the header, captured by probes: fact label → capture name.
    facts: dict[str, str] = field(default_factory=dict)


@datatype
class Settings:
    """Checklist-wide settings: whether probes run on their own, and how many at once."""

    auto_run_probes: bool = False
    jobs: int = 8


@datatype
class Checklist:
    """A loaded checklist: sections by priority, environments, metrics, logs and secrets, as the file says."""

    path: str
    title: str
    format_version: int = 1
    version: str = ""
    description: str = ""
    notes: list[Note] = field(default_factory=list)
    environments: dict[str, Environment] = field(default_factory=dict)
    vars: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, Secret] = field(default_factory=dict)
    #: Process environment variables the checklist may read as `${NAME}` (top-level `from_env:`),
    #: besides those its secrets name. Nothing else from the environment is ever read.
    from_env: list[str] = field(default_factory=list)
    logs: dict[str, LogSourceSpec] = field(default_factory=dict)
    sections: list[Section] = field(default_factory=list)
    metrics: list[Metric] = field(default_factory=list)
    signoff: SignoffSpec = field(default_factory=SignoffSpec)
    settings: Settings = field(default_factory=Settings)
    #: sha256 of the file's bytes, hex; records keep it to tell when the checklist changed.
    content_hash: str = ""
    #: Item id → status word ("passed") for boxes already ticked (`[x]`) in an imported Markdown
    #: checklist. A result, not part of the checklist: YAML files never set it.
    initial_status: dict[str, str] = field(default_factory=dict)
    #: Who tests what (top-level `assign:`): section or item id → tester name. An item's own
    #: entry wins over its section's; a tester opening the checklist without --only, --section
    #: or --tag gets the items assigned to them as their part (`core/run/part.py`).
    assign: dict[str, str] = field(default_factory=dict)

    # --- derived views, cheap enough to compute on demand ---

    def items(self) -> list[Item]:
        return [item for section in self.sections for item in section.items]

    def item(self, item_id: str) -> Item:
        for section in self.sections:
            for item in section.items:
                if item.id == item_id:
                    return item
        raise KeyError(item_id)

    def section_of(self, item_id: str) -> Section:
        for section in self.sections:
            for item in section.items:
                if item.id == item_id:
                    return section
        raise KeyError(item_id)

    def probes(self) -> list[ProbeSpec]:
        return [probe for item in self.items() for probe in item.probes]

    def sections_by_priority(self) -> list[Section]:
        """Sections ordered critical → important → nice, keeping file order within a priority."""
        return sorted(self.sections, key=lambda s: s.priority.rank)

    def default_environment(self) -> Environment | None:
        for env in self.environments.values():
            if env.default:
                return env
        return next(iter(self.environments.values()), None)
