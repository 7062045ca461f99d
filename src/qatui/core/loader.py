"""Load a checklist file into the model, reporting every problem with its line and column.

The file is read by `yamlpos` (safe, positioned, bomb-proof) and then walked once by a
`_Validator` that builds the dataclasses of `core/checklist.py` and, instead of stopping at the
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
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qatui.core import variables
from qatui.core.checklist import (
    PRIORITY_SYNONYMS,
    Checklist,
    Compose,
    Environment,
    Item,
    LogSourceSpec,
    Metric,
    Note,
    Priority,
    ProbeSpec,
    Secret,
    Section,
    Settings,
    SignoffSpec,
)
from qatui.core.errors import ChecklistError, Position, Problem, QatuiError
from qatui.core.probes import kinds
from qatui.core.probes.schema import COMMON_KEYS, DEFAULT_TIMEOUT, KindSchema
from qatui.core.runtime import paused_gc
from qatui.core.suggest import did_you_mean
from qatui.core.yamlpos import (
    YMap,
    YNode,
    YScalar,
    YSeq,
    describe,
    parse_file,
    to_python,
)

FORMAT_VERSION = 1

TOP_KEYS = ("qatui", "title", "version", "description", "notes", "settings", "vars", "secrets", "from_env",
            "environments", "logs", "sections", "metrics", "signoff")
NOTE_KEYS = ("title", "text", "kind")
NOTE_KINDS = ("info", "config", "known-issues", "rollback", "monitoring")
SETTINGS_KEYS = ("auto_run_probes", "jobs")
SECRET_KEYS = ("env", "file")
ENV_KEYS = ("label", "default", "protected", "vars", "compose", "docker_host", "logs")
COMPOSE_KEYS = ("project", "files", "directory")
LOG_KINDS = ("service", "container", "file", "command")
LOG_KEYS = (*LOG_KINDS, "tail", "errors", "project")
SECTION_KEYS = ("id", "title", "priority", "description", "location", "expected", "if_fails",
                "logs", "items")
ITEM_KEYS = ("id", "title", "steps", "location", "expected", "if_fails", "notes", "tags", "logs",
             "probes", "destructive")
METRIC_KEYS = ("id", "name", "unit", "probe", "capture", "threshold", "notes")
SIGNOFF_KEYS = ("meaning", "roles", "require_critical_passed", "facts")

#: Keys every probe takes; each kind's own keys, expectations and captures are declared in its
#: module (`SCHEMA`, see `core/probes/schema.py`), found through the registry `core/probes/kinds.py`.
PROBE_COMMON = COMMON_KEYS
MATCHER_KEYS = ("equals", "exists", "contains", "matches", "type")
HEADER_MATCHER_KEYS = ("equals", "exists", "contains", "matches")
JSON_TYPES = ("string", "number", "integer", "boolean", "array", "object", "null")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_VAR_IN_PATTERN = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_.]*(?::?-[^}]*)?\}")
#: Upper limits that keep every probe finite (docs/checklist-format.md, "Limits"). A manual
#: release check waits minutes for a deploy, not days: `retry.count: 1000000000` or
#: `until: 86400` validated and then never ended.
MAX_TIMEOUT = 3600.0
MAX_RETRY_COUNT = 100
MAX_RETRY_INTERVAL = 300.0
MAX_UNTIL = 3600.0
#: A probe's retries, all told: count × (timeout + interval).
MAX_RETRY_TOTAL = 3600.0
_STATUS_CLASS = re.compile(r"^[1-5]xx$", re.IGNORECASE)
_STATUS_RANGE = re.compile(r"^([1-5]\d\d)\s*-\s*([1-5]\d\d)$")


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
    validator = _Validator(name, env)
    validator.problems.extend(document.problems)
    with paused_gc():
        checklist = validator.checklist(document.root)
    checklist.content_hash = hashlib.sha256(data).hexdigest()
    if validator.problems:
        raise ChecklistError(_ordered(validator.problems))
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


def _ordered(problems: list[Problem]) -> list[Problem]:
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.position.line, p.position.column))


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


_ALLOWED: dict[tuple[str, ...], frozenset[str]] = {}


def _allowed(keys: tuple[str, ...]) -> frozenset[str]:
    """`keys` as a set, kept for the key tuples the validator checks thousands of times."""
    known = _ALLOWED.get(keys)
    if known is None:
        known = _ALLOWED[keys] = frozenset(keys)
    return known


class _Validator:
    """One walk over the tree: builds the model and collects problems."""

    def __init__(self, path: str, env: Mapping[str, str]) -> None:
        self.path = path
        self.env = env
        self.problems: list[Problem] = []
        #: Names that only the process environment provides: a cached load is valid only
        #: while each of them is still set.
        self.env_dependencies: set[str] = set()
        #: (scalar, where) of every string that may hold `${…}`, checked at the end.
        self.templated: list[YScalar] = []
        self.log_refs: list[tuple[str, YScalar]] = []
        #: (environment key, log source name, where) of each source an environment replaces.
        self.env_log_overrides: list[tuple[str, str, YNode]] = []
        self.environment_keys: list[str] = []
        self.capture_names: dict[str, Position] = {}
        #: var name → the scalars that give it a value (checklist and environments), for cycles.
        self.var_nodes: dict[str, list[YScalar]] = {}
        #: Ids seen so far, per kind, with the node that first used each (for "duplicate" problems).
        self.ids: dict[str, dict[str, YNode]] = {"section": {}, "item": {}, "probe": {}, "metric": {}}

    # ----- small helpers -------------------------------------------------

    def add(self, position: Position, message: str) -> None:
        self.problems.append(Problem(position, message))

    def mapping(self, node: YNode | None, what: str, keys: Iterable[str]) -> YMap | None:
        """`node` as a mapping whose keys are all in `keys`, or None (problem reported)."""
        if node.__class__ is not YMap:
            if node is not None:
                self.add(node.pos, f"{what}: expected a mapping, got {describe(node)}")
            return None
        entries = node.entries
        allowed = keys if isinstance(keys, tuple) else tuple(keys)
        if not entries.keys() <= _allowed(allowed):
            for key, (key_node, _) in entries.items():
                if key not in allowed:
                    self.add(key_node.pos, f"unknown key {key!r} in {what}{did_you_mean(key, allowed)}")
        return node

    def required(self, node: YMap, key: str, what: str) -> YNode | None:
        value = node.get(key)
        if value is None:
            self.add(node.pos, f"{what}: missing required key {key!r}")
        elif isinstance(value, YScalar) and value.value is None:
            self.add(value.pos, f"{what}: {key!r} must not be empty")
            return None
        return value

    def string(self, node: YNode | None, key: str, *, default: str = "", templated: bool = False) -> str:
        """Text; plain numbers and dates are taken as written (`version: 1.10` is "1.10")."""
        if node is None:
            return default
        if isinstance(node, YScalar):
            if node.value is None:
                return default
            if isinstance(node.value, bool) and node.style is None:
                self.add(node.pos, f"{key!r}: expected a string, got true/false (quote it: \"{node.text}\")")
                return default
            if templated:
                self.templated.append(node)
            return node.value if isinstance(node.value, str) else node.text
        self.add(node.pos, f"{key!r}: expected a string, got {describe(node)}")
        return default

    def req_string(self, parent: YMap, key: str, what: str, *, templated: bool = False) -> str:
        node = self.required(parent, key, what)
        value = self.string(node, key, templated=templated)
        if node is not None and isinstance(node, YScalar) and not value.strip() and node.value is not None:
            self.add(node.pos, f"{what}: {key!r} must not be empty")
        return value

    def boolean(self, node: YNode | None, key: str, default: bool = False) -> bool:
        if node is None:
            return default
        if isinstance(node, YScalar) and isinstance(node.value, bool):
            return node.value
        self.add(node.pos, f"{key!r}: expected true or false, got {describe(node)}")
        return default

    def integer(self, node: YNode | None, key: str, default: int, *, minimum: int | None = None,
                maximum: int | None = None) -> int:
        if node is None:
            return default
        if isinstance(node, YScalar) and isinstance(node.value, int) and not isinstance(node.value, bool):
            if minimum is not None and node.value < minimum:
                self.add(node.pos, f"{key!r}: must be at least {minimum}, got {node.value}")
                return default
            if maximum is not None and node.value > maximum:
                self.add(node.pos, f"{key!r}: must be at most {maximum}, got {node.value}")
                return default
            return node.value
        self.add(node.pos, f"{key!r}: expected a whole number, got {describe(node)}")
        return default

    def number(self, node: YNode | None, key: str, default: float | None, *, positive: bool = False,
               maximum: float | None = None) -> float | None:
        if node is None:
            return default
        if (isinstance(node, YScalar) and isinstance(node.value, int | float)
                and not isinstance(node.value, bool)):
            value = float(node.value)
            if value != value or value in (float("inf"), float("-inf")):
                self.add(node.pos, f"{key!r}: expected a finite number, got {node.text}")
                return default
            if positive and value <= 0:
                self.add(node.pos, f"{key!r}: must be greater than 0, got {node.text}")
                return default
            if value < 0:
                self.add(node.pos, f"{key!r}: must not be negative, got {node.text}")
                return default
            if maximum is not None and value > maximum:
                self.add(node.pos, f"{key!r}: must be at most {maximum:g} seconds, got {node.text}")
                return default
            return value
        self.add(node.pos, f"{key!r}: expected a number, got {describe(node)}")
        return default

    def string_list(self, node: YNode | None, key: str, *, templated: bool = False) -> list[str]:
        if node is None or (isinstance(node, YScalar) and node.value is None):
            return []
        if not isinstance(node, YSeq):
            self.add(node.pos, f"{key!r}: expected a list of strings, got {describe(node)}")
            return []
        result = []
        for element in node.items:
            if isinstance(element, YScalar) and element.value is not None and not isinstance(element.value, bool):
                if templated:
                    self.templated.append(element)
                result.append(element.value if isinstance(element.value, str) else element.text)
            else:
                hint = ""
                if isinstance(element, YMap) and len(element.entries) == 1:
                    hint = " (a ': ' inside the text makes YAML read a mapping: put the text in quotes)"
                self.add(element.pos, f"{key!r}: expected a list of strings, but this entry is {describe(element)}{hint}")
        return result

    def string_map(self, node: YNode | None, key: str, *, templated: bool = False,
                   names: bool = False) -> dict[str, str]:
        if node is None or (isinstance(node, YScalar) and node.value is None):
            return {}
        if not isinstance(node, YMap):
            self.add(node.pos, f"{key!r}: expected a mapping of names to strings, got {describe(node)}")
            return {}
        result = {}
        for name, (name_node, value) in node.entries.items():
            if names and not _NAME.match(name):
                self.add(name_node.pos, f"{key!r}: {name!r} is not a valid variable name "
                         "(letters, digits, '_' and '.', not starting with a digit)")
            if isinstance(value, YScalar) and value.value is not None and not isinstance(value.value, bool):
                if templated:
                    self.templated.append(value)
                if names:
                    self.var_nodes.setdefault(name, []).append(value)
                result[name] = value.value if isinstance(value.value, str) else value.text
            elif isinstance(value, YScalar) and value.value is None:
                result[name] = ""
            else:
                self.add(value.pos, f"{key}.{name}: expected a string, got {describe(value)}")
        return result

    def ident(self, parent: YMap, what: str, kind: str) -> str:
        """A required, well-formed, unique id of `kind` (section, item, probe, metric)."""
        node = parent.get("id")
        if node is None:
            self.add(parent.pos, f"{what} has no 'id' (every {kind} needs a unique, stable id)")
            return ""
        value = self.string(node, "id")
        if not value:
            if isinstance(node, YScalar) and node.value is None:
                self.add(node.pos, f"{what}: 'id' must not be empty")
            return ""
        if not _ID.match(value):
            self.add(node.pos, f"{kind} id {value!r} may only contain letters, digits, '.', '_' and '-' "
                     "(and must start with a letter or digit)")
        seen = self.ids[kind]
        if value in seen:
            first = seen[value].pos
            self.add(node.pos, f"duplicate {kind} id {value!r} (first used at line {first.line}:{first.column})")
        else:
            seen[value] = node
        return value

    def regex(self, node: YNode | None, key: str) -> str | None:
        """A regular expression (validated by compiling it; `${…}` inside is allowed)."""
        if node is None:
            return None
        text = self.string(node, key, templated=True)
        if not isinstance(node, YScalar) or not text:
            if isinstance(node, YScalar) and not text:
                self.add(node.pos, f"{key!r}: the pattern is empty")
            return text or None
        try:
            re.compile(_VAR_IN_PATTERN.sub("x", text))
        except re.error as error:
            self.add(node.pos, f"{key!r}: invalid regular expression {text!r}: {error.msg}"
                     + (f" at position {error.pos}" if error.pos is not None else ""))
        return text

    def log_list(self, node: YNode | None, key: str) -> list[str]:
        names = self.string_list(node, key)
        if isinstance(node, YSeq):
            for element in node.items:
                if isinstance(element, YScalar) and element.value is not None:
                    self.log_refs.append((element.value if isinstance(element.value, str) else element.text, element))
        return names

    # ----- the checklist ---------------------------------------------------

    def checklist(self, root: YNode | None) -> Checklist:
        result = Checklist(path=self.path, title="")
        if root is None:
            self.add(Position(self.path, 1, 1), "the file is empty: a checklist needs at least "
                     "'qatui: 1', 'title' and 'sections'")
            return result
        if not isinstance(root, YMap):
            self.add(root.pos, f"a checklist must be a mapping with keys such as 'qatui', 'title' and "
                     f"'sections', got {describe(root)}")
            return result
        top = self.mapping(root, "the checklist", TOP_KEYS)
        assert top is not None
        version_node = top.get("qatui")
        if version_node is None:
            self.add(top.pos, "missing required key 'qatui' (the format version: write 'qatui: 1' at the top)")
        else:
            version = self.integer(version_node, "qatui", FORMAT_VERSION)
            if version != FORMAT_VERSION:
                self.add(version_node.pos, f"unsupported format version {version}; this qatui reads 'qatui: {FORMAT_VERSION}'")
            result.format_version = FORMAT_VERSION
        result.title = self.req_string(top, "title", "the checklist")
        result.version = self.string(top.get("version"), "version")
        result.description = self.string(top.get("description"), "description")
        result.notes = self.notes(top.get("notes"))
        result.settings = self.settings(top.get("settings"))
        result.vars = self.string_map(top.get("vars"), "vars", templated=True, names=True)
        result.secrets = self.secrets(top.get("secrets"))
        result.from_env = self.from_env(top.get("from_env"))
        result.environments = self.environments(top.get("environments"))
        self.environment_keys = list(result.environments)
        result.logs = self.log_sources(top.get("logs"))
        sections = top.get("sections")
        if sections is None:
            self.add(top.pos, "missing required key 'sections' (the list of sections and their items)")
        else:
            result.sections = self.sections(sections)
        result.metrics = self.metrics(top.get("metrics"))
        result.signoff = self.signoff(top.get("signoff"))
        self.check_log_refs(result)
        self.check_variables(result)
        return result

    def notes(self, node: YNode | None) -> list[Note]:
        if node is None:
            return []
        if not isinstance(node, YSeq):
            self.add(node.pos, f"'notes': expected a list of notes ({{title, text, kind}}), got {describe(node)}")
            return []
        result = []
        for element in node.items:
            note = self.mapping(element, "a note", NOTE_KEYS)
            if note is None:
                continue
            kind = self.string(note.get("kind"), "kind", default="info")
            if kind not in NOTE_KINDS:
                kind_node = note.get("kind")
                assert kind_node is not None
                self.add(kind_node.pos, f"unknown note kind {kind!r}{did_you_mean(kind, NOTE_KINDS)}; "
                         f"use one of {', '.join(NOTE_KINDS)}")
                kind = "info"
            result.append(Note(
                title=self.req_string(note, "title", "a note"),
                text=self.req_string(note, "text", "a note"),
                kind=kind,
                position=note.pos,
            ))
        return result

    def settings(self, node: YNode | None) -> Settings:
        settings = self.mapping(node, "settings", SETTINGS_KEYS)
        if settings is None:
            return Settings()
        return Settings(
            auto_run_probes=self.boolean(settings.get("auto_run_probes"), "auto_run_probes"),
            jobs=self.integer(settings.get("jobs"), "jobs", 8, minimum=1, maximum=256),
        )

    def secrets(self, node: YNode | None) -> dict[str, Secret]:
        if node is None:
            return {}
        if not isinstance(node, YMap):
            self.add(node.pos, f"'secrets': expected a mapping of names to {{env: VAR}} or {{file: PATH}}, got {describe(node)}")
            return {}
        result = {}
        for name, (name_node, value) in node.entries.items():
            if not _NAME.match(name):
                self.add(name_node.pos, f"secret name {name!r} is not a valid variable name")
            spec = self.mapping(value, f"secret {name!r}", SECRET_KEYS)
            if spec is None:
                if value is not None and isinstance(value, YScalar) and value.value is None:
                    self.add(value.pos, f"secret {name!r}: expected {{env: VAR}} or {{file: PATH}}, got nothing")
                continue
            env_name = self.string(spec.get("env"), "env") or None
            file_name = self.string(spec.get("file"), "file") or None
            if (env_name is None) == (file_name is None):
                self.add(spec.pos, f"secret {name!r}: give exactly one of 'env' (a variable name) or 'file' (a path)")
            result[name] = Secret(name=name, env=env_name, file=file_name, position=name_node.pos)
        return result

    def from_env(self, node: YNode | None) -> list[str]:
        """`from_env: [NAME, …]`: the process environment variables the checklist reads.

        A checklist is code from someone else: it reads only what it declares here (or names
        in `secrets:`), and the trust review lists them, so `${AWS_SECRET_ACCESS_KEY}` in a URL
        cannot pick a variable out of the tester's shell unannounced."""
        names = self.string_list(node, "from_env")
        if isinstance(node, YSeq):
            for element, name in zip(node.items, names, strict=False):
                if not _ENV_NAME.match(name):
                    self.add(element.pos, f"from_env: {name!r} is not an environment variable name "
                             "(letters, digits and '_', not starting with a digit)")
        return list(dict.fromkeys(names))

    def destructive(self, node: YNode | None) -> tuple[bool, bool]:
        """(destructive, always) from `destructive: true | false | always`."""
        if node is None:
            return False, False
        if isinstance(node, YScalar) and node.value == "always":
            return True, True
        if isinstance(node, YScalar) and isinstance(node.value, bool):
            return node.value, False
        self.add(node.pos, f"'destructive': expected true, false or always, got {describe(node)}")
        return False, False

    def environments(self, node: YNode | None) -> dict[str, Environment]:
        if node is None:
            return {}
        if not isinstance(node, YMap):
            self.add(node.pos, f"'environments': expected a mapping of keys to environments, got {describe(node)}")
            return {}
        result = {}
        first_default: tuple[str, Position] | None = None
        for key, (key_node, value) in node.entries.items():
            if not _ID.match(key):
                self.add(key_node.pos, f"environment key {key!r} may only contain letters, digits, '.', '_' and '-'")
            spec = self.mapping(value, f"environment {key!r}", ENV_KEYS)
            if spec is None:
                if isinstance(value, YScalar) and value.value is None:
                    self.add(value.pos, f"environment {key!r}: expected a mapping (label, vars, …), got nothing")
                continue
            environment = Environment(
                key=key,
                label=self.string(spec.get("label"), "label") or key,
                vars=self.string_map(spec.get("vars"), "vars", templated=True, names=True),
                compose=self.compose(spec.get("compose")),
                docker_host=self.string(spec.get("docker_host"), "docker_host", templated=True) or None,
                protected=self.boolean(spec.get("protected"), "protected"),
                default=self.boolean(spec.get("default"), "default"),
                logs=self.log_sources(spec.get("logs")),
                position=key_node.pos,
            )
            logs_node = spec.get("logs")
            if isinstance(logs_node, YMap):
                for name, (name_node, _) in logs_node.entries.items():
                    self.env_log_overrides.append((key, name, name_node))
            if environment.default:
                if first_default is None:
                    first_default = (key, spec.key_pos("default"))
                else:
                    first_key, first_pos = first_default
                    self.add(spec.key_pos("default"), f"more than one default environment: {key!r} and "
                             f"{first_key!r} (line {first_pos.line}:{first_pos.column})")
            result[key] = environment
        return result

    def compose(self, node: YNode | None) -> Compose:
        spec = self.mapping(node, "compose", COMPOSE_KEYS)
        if spec is None:
            return Compose()
        files_node = spec.get("files")
        if isinstance(files_node, YScalar) and isinstance(files_node.value, str):
            self.templated.append(files_node)
            files = [files_node.value]
        else:
            files = self.string_list(files_node, "files", templated=True)
        return Compose(
            project=self.string(spec.get("project"), "project", templated=True) or None,
            files=files,
            directory=self.string(spec.get("directory"), "directory", templated=True) or None,
        )

    def log_sources(self, node: YNode | None) -> dict[str, LogSourceSpec]:
        if node is None:
            return {}
        if not isinstance(node, YMap):
            self.add(node.pos, f"'logs': expected a mapping of names to log sources, got {describe(node)}")
            return {}
        result = {}
        for name, (name_node, value) in node.entries.items():
            if not _ID.match(name):
                self.add(name_node.pos, f"log source name {name!r} may only contain letters, digits, '.', '_' and '-'")
            spec = self.mapping(value, f"log source {name!r}", LOG_KEYS)
            if spec is None:
                continue
            kinds = [kind for kind in LOG_KINDS if kind in spec.entries]
            if len(kinds) != 1:
                found = " and ".join(repr(k) for k in kinds) if kinds else "none"
                self.add(spec.pos, f"log source {name!r}: give exactly one of 'service', 'container', "
                         f"'file' or 'command' (found {found})")
            kind = kinds[0] if kinds else "service"
            target = self.string(spec.get(kind), kind, templated=True)
            if kinds and not target.strip() and isinstance(spec.get(kind), YScalar):
                self.add(spec.key_pos(kind), f"log source {name!r}: {kind!r} must not be empty")
            errors_node = spec.get("errors")
            errors: list[str] | None = None
            if errors_node is not None:
                errors = []
                if isinstance(errors_node, YSeq):
                    for element in errors_node.items:
                        pattern = self.regex(element, "errors")
                        if pattern:
                            errors.append(pattern)
                else:
                    self.add(errors_node.pos, f"'errors': expected a list of regular expressions, got {describe(errors_node)}")
            result[name] = LogSourceSpec(
                name=name,
                kind=kind,
                target=target,
                tail=self.integer(spec.get("tail"), "tail", 100, minimum=0),
                errors=errors,
                project=self.string(spec.get("project"), "project", templated=True) or None,
                position=name_node.pos,
            )
        return result

    # ----- sections, items, probes ------------------------------------------

    def sections(self, node: YNode) -> list[Section]:
        if not isinstance(node, YSeq):
            self.add(node.pos, f"'sections': expected a list of sections, got {describe(node)}")
            return []
        if not node.items:
            self.add(node.pos, "'sections' is empty: a checklist needs at least one section")
        result = []
        for element in node.items:
            spec = self.mapping(element, "a section", SECTION_KEYS)
            if spec is None:
                continue
            section = Section(
                id=self.ident(spec, "a section", "section"),
                title=self.req_string(spec, "title", "a section"),
                priority=self.priority(spec),
                description=self.string(spec.get("description"), "description"),
                location=self.string(spec.get("location"), "location"),
                expected=self.string(spec.get("expected"), "expected"),
                if_fails=self.string(spec.get("if_fails"), "if_fails"),
                logs=self.log_list(spec.get("logs"), "logs"),
                position=spec.pos,
            )
            items = self.required(spec, "items", f"section {section.id or section.title!r}")
            if items is not None:
                section.items = self.items(items, section)
            result.append(section)
        return result

    def priority(self, spec: YMap) -> Priority:
        node = spec.get("priority")
        if node is None:
            self.add(spec.pos, "a section: missing required key 'priority' (critical, important or nice)")
            return Priority.NICE
        if isinstance(node, YScalar) and node.value is None:
            self.add(node.pos, "a section: 'priority' must not be empty (critical, important or nice)")
            return Priority.NICE
        word = self.string(node, "priority")
        if not word:
            return Priority.NICE
        normal = " ".join(word.strip().lower().replace("_", " ").split())
        for candidate in (normal, normal.replace(" ", "-")):
            if candidate in PRIORITY_SYNONYMS:
                return PRIORITY_SYNONYMS[candidate]
        self.add(node.pos, f"unknown priority {word!r}{did_you_mean(normal, PRIORITY_SYNONYMS)}; "
                 "use critical, important or nice")
        return Priority.NICE

    def items(self, node: YNode, section: Section) -> list[Item]:
        if not isinstance(node, YSeq):
            self.add(node.pos, f"'items': expected a list of items, got {describe(node)}")
            return []
        result = []
        string, string_list = self.string, self.string_list
        for element in node.items:  # the loop of a big checklist: 5,000 times for 5,000 items
            spec = self.mapping(element, "an item", ITEM_KEYS)
            if spec is None:
                continue
            get = spec.get
            destructive, always = self.destructive(get("destructive"))
            item = Item(
                id=self.ident(spec, "an item", "item"),
                title=self.req_string(spec, "title", "an item"),
                section_id=section.id,
                steps=string_list(get("steps"), "steps"),
                location=string(get("location"), "location", default=section.location),
                expected=string(get("expected"), "expected", default=section.expected),
                if_fails=string(get("if_fails"), "if_fails", default=section.if_fails),
                notes=string(get("notes"), "notes"),
                tags=string_list(get("tags"), "tags"),
                destructive=destructive,
                destructive_always=always,
                position=spec.pos,
            )
            logs_node = get("logs")
            item.logs = self.log_list(logs_node, "logs") if logs_node is not None else list(section.logs)
            probes = get("probes")
            if probes is not None:
                item.probes = self.probes(probes, item)
            result.append(item)
        return result

    def probes(self, node: YNode | None, item: Item) -> list[ProbeSpec]:
        if node is None or (isinstance(node, YScalar) and node.value is None):
            return []
        if not isinstance(node, YSeq):
            self.add(node.pos, f"'probes': expected a list of probes, got {describe(node)}")
            return []
        result = []
        for element in node.items:
            probe = self.probe(element, item)
            if probe is not None:
                result.append(probe)
        return result

    def probe(self, node: YNode, item: Item) -> ProbeSpec | None:
        if not isinstance(node, YMap):
            self.add(node.pos, f"a probe: expected a mapping (id, kind, …), got {describe(node)}")
            return None
        kind_node = node.get("kind")
        kind = self.string(kind_node, "kind") if kind_node is not None else ""
        if kind_node is None:
            self.add(node.pos, f"a probe: missing required key 'kind' (one of {', '.join(kinds.NAMES)})")
        elif kind not in kinds.KINDS:
            self.add(kind_node.pos, f"unknown probe kind {kind!r}{did_you_mean(kind, kinds.NAMES)}; "
                     f"use one of {', '.join(kinds.NAMES)}")
        schema = kinds.schema(kind) if kind in kinds.KINDS else None
        if schema is not None:
            self.mapping(node, f"this {kind} probe", PROBE_COMMON + schema.keys)
        probe_id = self.ident(node, "a probe", "probe")
        config = ProbeChecker(self, node, schema).run() if schema is not None else {}
        timeout = self.number(node.get("timeout"), "timeout", DEFAULT_TIMEOUT, positive=True, maximum=MAX_TIMEOUT)
        destructive, always = self.destructive(node.get("destructive"))
        retry = config.get("retry")
        if isinstance(retry, dict) and timeout is not None:
            total = retry["count"] * (timeout + retry["interval"])
            if total > MAX_RETRY_TOTAL:
                self.add(node.key_pos("retry"), f"'retry': {retry['count']} attempts × ({timeout:g} s timeout + "
                         f"{retry['interval']:g} s interval) = {total:g} s; a probe's retries may take at most "
                         f"{MAX_RETRY_TOTAL:g} s (use 'until: SECONDS' to poll for a while)")
        return ProbeSpec(
            id=probe_id,
            kind=kind,
            item_id=item.id,
            config=config,
            name=self.string(node.get("name"), "name"),
            timeout=timeout if timeout is not None else DEFAULT_TIMEOUT,
            destructive=destructive or item.destructive,
            destructive_always=always,
            only_env=self.only_env(node.get("only_env")),
            position=node.pos,
            positions=_positions(node),
        )

    def only_env(self, node: YNode | None) -> tuple[str, ...]:
        """`only_env: [local, staging]`: the environments a probe belongs to (all when absent)."""
        keys = self.string_list(node, "only_env")
        if isinstance(node, YSeq):
            if not node.items:
                self.add(node.pos, "'only_env' is empty: list the environments the probe runs on, or leave it out")
            for element, key in zip(node.items, keys, strict=False):
                if key not in self.environment_keys:
                    known = ", ".join(self.environment_keys) or "none are defined"
                    self.add(element.pos, f"only_env: no environment {key!r}"
                             f"{did_you_mean(key, self.environment_keys) or f' (environments: {known})'}")
        return tuple(keys)

    # ----- metrics and sign-off ---------------------------------------------

    def metrics(self, node: YNode | None) -> list[Metric]:
        if node is None:
            return []
        if not isinstance(node, YSeq):
            self.add(node.pos, f"'metrics': expected a list of metrics, got {describe(node)}")
            return []
        result = []
        for element in node.items:
            spec = self.mapping(element, "a metric", METRIC_KEYS)
            if spec is None:
                continue
            metric = Metric(
                id=self.ident(spec, "a metric", "metric"),
                name=self.req_string(spec, "name", "a metric"),
                unit=self.string(spec.get("unit"), "unit", default="ms"),
                probe=self.string(spec.get("probe"), "probe") or None,
                capture=self.string(spec.get("capture"), "capture") or None,
                threshold=self.number(spec.get("threshold"), "threshold", None),
                notes=self.string(spec.get("notes"), "notes"),
                position=spec.pos,
            )
            if metric.probe and metric.capture:
                self.add(spec.key_pos("capture"), f"metric {metric.id!r}: give 'probe' or 'capture', not both")
            metric.source = "probe" if metric.probe else "capture" if metric.capture else "manual"
            probe_ids = self.ids["probe"]
            if metric.probe and metric.probe not in probe_ids:
                self.add(spec.key_pos("probe"), f"metric {metric.id!r}: no probe has id {metric.probe!r}"
                         f"{did_you_mean(metric.probe, probe_ids)}")
            if metric.capture and metric.capture not in self.capture_names:
                self.add(spec.key_pos("capture"), f"metric {metric.id!r}: no probe captures {metric.capture!r}"
                         f"{did_you_mean(metric.capture, self.capture_names)}")
            result.append(metric)
        return result

    def signoff(self, node: YNode | None) -> SignoffSpec:
        spec = self.mapping(node, "signoff", SIGNOFF_KEYS)
        if spec is None:
            return SignoffSpec()
        result = SignoffSpec(
            meaning=self.string(spec.get("meaning"), "meaning", default=SignoffSpec.meaning),
            roles=self.string_list(spec.get("roles"), "roles"),
            require_critical_passed=self.boolean(spec.get("require_critical_passed"), "require_critical_passed", True),
            facts=self.string_map(spec.get("facts"), "facts"),
        )
        facts = spec.get("facts")
        if isinstance(facts, YMap):
            for label, (_, value) in facts.entries.items():
                name = result.facts.get(label)
                if name and name not in self.capture_names and isinstance(value, YScalar):
                    self.add(value.pos, f"fact {label!r}: no probe captures {name!r}"
                             f"{did_you_mean(name, self.capture_names)}")
        return result

    # ----- whole-file checks --------------------------------------------------

    def check_log_refs(self, checklist: Checklist) -> None:
        for env_key, name, node in self.env_log_overrides:
            source = checklist.environments[env_key].logs.get(name) if env_key in checklist.environments else None
            if name not in checklist.logs:
                hint = did_you_mean(name, checklist.logs) or f"; defined: {', '.join(checklist.logs) or 'none'}"
                self.add(node.pos, f"environment {env_key!r} replaces log source {name!r}, which the "
                         f"top-level 'logs:' does not define{hint}")
            elif source is not None and source.kind == "command":
                self.add(node.pos, f"environment {env_key!r}: log source {name!r} may be a service, container "
                         "or file here; a command log source belongs in the top-level 'logs:'")
        for name, node in self.log_refs:
            if name and name not in checklist.logs:
                if checklist.logs:
                    hint = did_you_mean(name, checklist.logs) or f"; defined: {', '.join(checklist.logs)}"
                else:
                    hint = "; no log sources are defined (add them under the top-level 'logs:')"
                self.add(node.pos, f"unknown log source {name!r}{hint}")

    def check_variables(self, checklist: Checklist) -> None:
        """Every `${NAME}` must be something the checklist provides: a capture, a var, a secret,
        or a process environment variable it declares (`from_env:` or a secret's `env:`). An
        undeclared variable is an error even when the tester's shell happens to set it: the
        checklist may not read what it did not announce (the trust review lists what it reads)."""
        known: set[str] = set(self.capture_names) | set(checklist.vars) | set(checklist.secrets)
        for environment in checklist.environments.values():
            known |= set(environment.vars)
        known |= set(checklist.from_env)
        for node in self.templated:
            text = node.value if isinstance(node.value, str) else node.text
            if "$" not in text:
                continue
            for offset in variables.malformed(text):
                fragment = text[offset:].split("}", 1)[0][:30]
                self.add(_inner(node, fragment), f"malformed variable {fragment + ('}' if '}' in text[offset:] else '')!r}: "
                         "write ${name}, ${name:-default} or $$ for a literal '$'")
            for ref in variables.references(text):
                if ref.name in known:
                    continue
                token = text[ref.offset:].split("}", 1)[0] + "}"
                if _ENV_NAME.match(ref.name) and ref.name == ref.name.upper():
                    hint = (f"a checklist reads only the environment variables it declares: add "
                            f"'from_env: [{ref.name}]' at the top")
                else:
                    hint = "define it under 'vars:', or declare it in 'from_env:' if it comes from the environment"
                self.add(_inner(node, token), f"undefined variable ${{{ref.name}}}{did_you_mean(ref.name, known)}: "
                         f"not a capture, var, secret or declared environment variable ({hint})")
        self.check_cycles(checklist)
        provided = set(checklist.vars) | set(checklist.secrets) | set(checklist.from_env)
        for environment in checklist.environments.values():
            provided |= set(environment.vars)
        self.check_self_captures(checklist, provided)

    def check_cycles(self, checklist: Checklist) -> None:
        """A var that uses itself, directly or through others, is reported once, at its value."""
        scopes = [[checklist.vars]] + [[env.vars, checklist.vars] for env in checklist.environments.values()]
        reported: set[frozenset[str]] = set()
        for written in scopes:
            for loop in variables.cycles(written):
                if frozenset(loop) in reported:
                    continue
                reported.add(frozenset(loop))
                first = loop[0]
                value = next((scope[first] for scope in written if first in scope), "")
                node = next((n for n in self.var_nodes.get(first, []) if _text(n) == value), None)
                where = _inner(node, "${" + loop[1]) if node is not None else Position(self.path)
                path = " → ".join(f"${{{name}}}" for name in loop)
                self.add(where, f"variable cycle: {path}; a var cannot use itself, directly or "
                         "through other vars (it would be sent as the literal text)")

    def check_self_captures(self, checklist: Checklist, provided: set[str]) -> None:
        """A probe that uses `${x}` which only it captures: its captures exist after it ran."""
        producers: dict[str, set[str]] = {}
        for probe in checklist.probes():
            for name in probe.config.get("capture") or {}:
                producers.setdefault(name, set()).add(probe.id)
        for probe in checklist.probes():
            own = set(probe.config.get("capture") or {})
            for dotted, text in _strings(probe.config) if own else ():
                for ref in variables.references(text):
                    if (ref.name in own and not ref.has_default and ref.name not in provided
                            and producers.get(ref.name) == {probe.id}):
                        # a loaded probe always has a position; the file itself is the fallback
                        where = probe.positions.get(dotted, probe.position) or Position(self.path)
                        self.add(where, f"probe {probe.id!r} uses ${{{ref.name}}}, which only it captures "
                                 "itself: a probe's captures exist once it has run; capture it in an "
                                 "earlier probe, or give a default (${" + ref.name + ":-value})")


def _text(node: YScalar) -> str:
    return node.value if isinstance(node.value, str) else node.text


def _strings(value: Any, dotted: str = "") -> Iterator[tuple[str, str]]:
    """(dotted key, text) of every string in a probe's config."""
    if isinstance(value, str):
        yield dotted, value
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield from _strings(inner, f"{dotted}.{key}" if dotted else str(key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _strings(inner, f"{dotted}.{index}")


def _inner(node: YScalar, fragment: str) -> Position:
    """Where `fragment` is written inside the scalar (the scalar's start if it cannot be found)."""
    index = node.source.find(fragment)
    if index < 0:
        return node.pos
    before = node.source[:index]
    newlines = before.count("\n")
    if newlines:
        return Position(node.pos.path, node.pos.line + newlines, index - before.rfind("\n"))
    return Position(node.pos.path, node.pos.line, node.pos.column + index)


def _positions(node: YMap, prefix: str = "") -> dict[str, Position]:
    """Dotted key → position of the key (list entries as `key.0`), for every key in a probe."""
    result: dict[str, Position] = {}
    for key, (key_node, value) in node.entries.items():
        dotted = f"{prefix}{key}"
        result[dotted] = key_node.pos
        _positions_of(value, dotted, result)
    return result


def _positions_of(value: YNode, dotted: str, result: dict[str, Position]) -> None:
    if isinstance(value, YMap):
        result.update(_positions(value, dotted + "."))
    elif isinstance(value, YSeq):
        for index, element in enumerate(value.items):
            result[f"{dotted}.{index}"] = element.pos
            _positions_of(element, f"{dotted}.{index}", result)


class ProbeChecker:
    """Validates one probe's keys and returns its `config`.

    The kind-specific keys are checked by the kind's own `SCHEMA.check(checker)` (in its
    module); this class gives it the helpers (`text`, `string_map`, `one_of`, `command_line`,
    `port`) and checks what every kind shares: `retry`/`until`, `expect`, `capture`.
    """

    def __init__(self, validator: _Validator, node: YMap, schema: KindSchema) -> None:
        self.v = validator
        self.node = node
        self.schema = schema
        self.kind = schema.name
        self.what = f"{self.kind} probe"
        self.config: dict[str, Any] = {}

    def run(self) -> dict[str, Any]:
        self.schema.check(self)
        self._retry()
        expect = self.node.get("expect")
        if expect is not None:
            self.config["expect"] = self._expect(expect)
        capture = self.node.get("capture")
        if capture is not None:
            self.config["capture"] = self._capture(capture)
        return self.config

    # -- helpers for the kinds' checks --

    def text(self, key: str, *, required: bool = False, templated: bool = True) -> None:
        node = self.node.get(key)
        if required and node is None:
            self.v.add(self.node.pos, f"{self.what}: missing required key {key!r}")
            return
        if node is not None:
            value = self.v.string(node, key, templated=templated)
            if required and not value.strip() and isinstance(node, YScalar):
                self.v.add(node.pos, f"{self.what}: {key!r} must not be empty")
            self.config[key] = value

    def string_map(self, key: str) -> None:
        node = self.node.get(key)
        if node is not None:
            self.config[key] = self.v.string_map(node, key, templated=True)

    def one_of(self, keys: tuple[str, ...], *, required: bool) -> str | None:
        present = [key for key in keys if key in self.node.entries]
        names = " or ".join(repr(k) for k in keys)
        if len(present) > 1:
            self.v.add(self.node.key_pos(present[1]), f"{self.what}: give only one of {names}")
        elif not present and required:
            self.v.add(self.node.pos, f"{self.what}: missing {names}")
        return present[0] if present else None

    def command_line(self) -> None:
        which = self.one_of(("run", "argv"), required=True)
        if which == "run":
            self.text("run", required=True)
        elif which == "argv":
            argv = self.v.string_list(self.node.get("argv"), "argv", templated=True)
            if not argv and isinstance(self.node.get("argv"), YSeq):
                self.v.add(self.node.key_pos("argv"), f"{self.what}: 'argv' must not be empty")
            self.config["argv"] = argv

    def port(self, *, required: bool = True) -> None:
        """`port`: 1–65535 or a `${variable}` (checked again once expanded, by the runner)."""
        port = self.node.get("port")
        if port is None:
            if required:
                self.v.add(self.node.pos, f"{self.what}: missing required key 'port'")
        elif isinstance(port, YScalar) and isinstance(port.value, int) and not isinstance(port.value, bool):
            if not 1 <= port.value <= 65535:
                self.v.add(port.pos, f"'port': must be between 1 and 65535, got {port.value}")
            self.config["port"] = port.value
        elif isinstance(port, YScalar) and isinstance(port.value, str) and "${" in port.value:
            self.v.templated.append(port)
            self.config["port"] = port.value
        else:
            self.v.add(port.pos, f"'port': expected a port number (or a ${{variable}}), got {describe(port)}")

    def templated(self, node: YNode | None) -> Any:
        """A free-form value (JSON body, message): its strings are checked for `${…}`."""
        self.v.templated.extend(_scalars(node))
        return to_python(node)

    def _retry(self) -> None:
        retry = self.node.get("retry")
        until = self.node.get("until")
        if retry is not None and until is not None:
            self.v.add(self.node.key_pos("until"), f"{self.what}: give 'retry' or 'until', not both")
        if retry is not None:
            spec = self.v.mapping(retry, "retry", ("count", "interval"))
            if spec is not None:
                self.config["retry"] = {
                    "count": self.v.integer(spec.get("count"), "count", 3, minimum=1, maximum=MAX_RETRY_COUNT),
                    "interval": self.v.number(spec.get("interval"), "interval", 1.0, maximum=MAX_RETRY_INTERVAL),
                }
        if until is not None:
            self.config["until"] = self.v.number(until, "until", None, positive=True, maximum=MAX_UNTIL)

    # -- expect --

    def _expect(self, node: YNode) -> dict[str, Any]:
        keys = self.schema.expect
        if not keys:
            self.v.add(node.pos, f"a {self.kind} probe takes no 'expect'")
            return {}
        spec = self.v.mapping(node, f"the 'expect' of this {self.kind} probe", keys)
        if spec is None:
            return {}
        result: dict[str, Any] = {}
        for key, (_, value) in spec.entries.items():
            if key not in keys:
                continue
            if key in self.schema.expect_parsers:
                result[key] = self.schema.expect_parsers[key](self, key, value)
            elif key == "max_ms":
                result[key] = self.v.number(value, "max_ms", None, positive=True)
            elif key == "exit_code":
                result[key] = self.v.integer(value, "exit_code", 0, minimum=0, maximum=255)
            elif key == "status":
                result[key] = self._status(value)
            elif key == "headers":
                result[key] = self._header_matchers(value)
            elif key == "json":
                result[key] = self._json_matchers(value)
            elif key in ("messages", "ignore"):  # `ignore`: messages to pass over (heartbeats)
                result[key] = self._messages(value)
            else:  # *_contains, *_matches: one string or a list of them
                result[key] = self.texts(value, key, regex=key.endswith("_matches"))
        return result

    def texts(self, node: YNode, key: str, *, regex: bool) -> str | list[str] | None:
        if isinstance(node, YSeq):
            if regex:
                return [pattern for element in node.items if (pattern := self.v.regex(element, key)) is not None]
            return self.v.string_list(node, key, templated=True)
        if regex:
            return self.v.regex(node, key)
        if isinstance(node, YScalar) and node.value is not None and not isinstance(node.value, bool):
            return self.v.string(node, key, templated=True)
        self.v.add(node.pos, f"{key!r}: expected a string or a list of strings, got {describe(node)}")
        return None

    def _status(self, node: YNode) -> Any:
        def one(element: YNode) -> Any:
            if isinstance(element, YScalar):
                value = element.value
                if isinstance(value, int) and not isinstance(value, bool):
                    if 100 <= value <= 599:
                        return value
                elif isinstance(value, str):
                    text = value.strip()
                    if text.isdigit() and 100 <= int(text) <= 599:
                        return int(text)
                    if _STATUS_CLASS.match(text):
                        return text.lower()
                    match = _STATUS_RANGE.match(text)
                    if match and int(match.group(1)) <= int(match.group(2)):
                        return f"{match.group(1)}-{match.group(2)}"
            self.v.add(element.pos, "'status': expected a status code such as 200, a list of codes, "
                       f"\"2xx\" or \"200-299\", got {_shown(element)}")
            return None

        if isinstance(node, YSeq):
            return [one(element) for element in node.items]
        return one(node)

    def _json_matchers(self, node: YNode) -> dict[str, Any]:
        if not isinstance(node, YMap):
            self.v.add(node.pos, f"'expect.json': expected a mapping of JSON paths to matchers, got {describe(node)}")
            return {}
        result = {}
        for path, (path_node, value) in node.entries.items():
            self._json_path(path, path_node)
            result[path] = self._matcher(value)
        return result

    def _header_matchers(self, node: YNode) -> dict[str, Any]:
        """`expect.headers`: name → exact text, or one of {equals|contains|matches|exists}."""
        if isinstance(node, YScalar) and node.value is None:
            return {}
        if not isinstance(node, YMap):
            self.v.add(node.pos, f"'expect.headers': expected a mapping of header names to values, got {describe(node)}")
            return {}
        result: dict[str, Any] = {}
        for name, (_, value) in node.entries.items():
            if not isinstance(value, YMap):
                result[name] = self.v.string(value, f"expect.headers.{name}", templated=True)
                continue
            spec = self.v.mapping(value, "a header matcher", HEADER_MATCHER_KEYS)
            assert spec is not None
            if len(spec.entries) != 1:
                self.v.add(spec.pos, f"a header matcher takes exactly one of {', '.join(HEADER_MATCHER_KEYS)}")
            for op, (_, want) in spec.entries.items():
                if op == "exists":
                    result[name] = {op: self.v.boolean(want, "exists", True)}
                elif op == "matches":
                    result[name] = {op: self.v.regex(want, "matches")}
                elif op in ("equals", "contains"):
                    result[name] = {op: self.v.string(want, op, templated=True)}
        return result

    def _json_path(self, path: str, node: YScalar) -> None:
        body = path[1:] if path.startswith("$") else path
        body = body[1:] if body.startswith(".") else body
        if path != "$" and (not body or any(part == "" for part in body.split("."))):
            self.v.add(node.pos, f"invalid JSON path {path!r}: use dotted names and indexes such as 'results.0.sku'")

    def _matcher(self, node: YNode) -> Any:
        if isinstance(node, YMap):
            spec = self.v.mapping(node, "a JSON matcher", MATCHER_KEYS)
            assert spec is not None
            if len(spec.entries) != 1:
                self.v.add(spec.pos, "a JSON matcher takes exactly one of "
                           f"{', '.join(MATCHER_KEYS)} (to compare with an object, use {{equals: {{…}}}})")
            result: dict[str, Any] = {}
            for key, (_, value) in spec.entries.items():
                if key == "exists":
                    result[key] = self.v.boolean(value, "exists", True)
                elif key == "matches":
                    result[key] = self.v.regex(value, "matches")
                elif key == "type":
                    kind = self.v.string(value, "type")
                    if kind not in JSON_TYPES:
                        self.v.add(value.pos, f"unknown JSON type {kind!r}{did_you_mean(kind, JSON_TYPES)}; "
                                   f"use one of {', '.join(JSON_TYPES)}")
                    result[key] = kind
                elif key in ("equals", "contains"):
                    self.v.templated.extend(_scalars(value))
                    result[key] = to_python(value)
            return result
        self.v.templated.extend(_scalars(node))
        return to_python(node)

    def _messages(self, node: YNode) -> list[Any]:
        if not isinstance(node, YSeq):
            self.v.add(node.pos, f"'messages': expected a list of {{json: …}} or {{regex: …}}, got {describe(node)}")
            return []
        result: list[Any] = []
        for element in node.items:
            spec = self.v.mapping(element, "an expected message", ("json", "regex"))
            if spec is None:
                continue
            if len(spec.entries) != 1:
                self.v.add(spec.pos, "an expected message takes exactly one of 'json' or 'regex'")
            if "regex" in spec.entries:
                result.append({"regex": self.v.regex(spec.get("regex"), "regex")})
            elif "json" in spec.entries:
                self.v.templated.extend(_scalars(spec.get("json")))
                result.append({"json": to_python(spec.get("json"))})
        return result

    # -- capture --

    def _capture(self, node: YNode) -> dict[str, Any]:
        rules = self.schema.capture
        if not rules:
            self.v.add(node.pos, f"a {self.kind} probe takes no 'capture'")
            return {}
        if not isinstance(node, YMap):
            self.v.add(node.pos, f"'capture': expected a mapping of variable names to rules, got {describe(node)}")
            return {}
        result = {}
        allowed = (*rules, "secret", *self.schema.capture_options)
        for name, (name_node, value) in node.entries.items():
            if not _NAME.match(name):
                self.v.add(name_node.pos, f"capture name {name!r} is not a valid variable name")
            spec = self.v.mapping(value, f"capture {name!r}", allowed)
            if spec is None:
                continue
            present = [rule for rule in rules if rule in spec.entries]
            misspelt = not present and any(key not in allowed for key in spec.entries)
            if len(present) != 1 and not misspelt:  # a misspelt rule is already one problem
                self.v.add(spec.pos, f"capture {name!r}: give exactly one of {', '.join(repr(r) for r in rules)}")
            rule: dict[str, Any] = {}
            for key in present:
                if key == "regex":
                    rule[key] = self.v.regex(spec.get(key), "regex")
                else:
                    rule[key] = self.v.string(spec.get(key), key)
                    if key == "json":
                        path_node = spec.get(key)
                        if isinstance(path_node, YScalar):
                            self._json_path(rule[key], path_node)
            if "stream" in spec.entries:
                stream = self.v.string(spec.get("stream"), "stream")
                if stream not in ("stdout", "stderr", "both"):
                    self.v.add(spec.entries["stream"][1].pos, f"'stream': expected stdout, stderr or both, got {stream!r}")
                rule["stream"] = stream
            if "secret" in spec.entries:
                rule["secret"] = self.v.boolean(spec.get("secret"), "secret")
            result[name] = rule
            self.v.capture_names.setdefault(name, name_node.pos)
        return result


def _scalars(node: YNode | None) -> list[YScalar]:
    """Every string scalar inside a free-form value (for the `${…}` check)."""
    if node is None:
        return []
    if isinstance(node, YScalar):
        return [node] if isinstance(node.value, str) else []
    if isinstance(node, YSeq):
        return [s for element in node.items for s in _scalars(element)]
    return [s for _, value in node.entries.values() for s in _scalars(value)]


def _shown(node: YNode) -> str:
    if isinstance(node, YScalar):
        return repr(node.text) if isinstance(node.value, str) else node.text or describe(node)
    return describe(node)
