"""Turn a plain Markdown checklist (the kind people keep beside the code) into a `Checklist`.

The file is parsed with a real CommonMark parser (markdown-it-py, tables enabled) and the
importer walks the block tree, never the raw lines, so a `#` inside a code fence is never a
heading and a `- [ ]` inside a fence is never a task. The rules, in the order they apply:

Headings
  The first `#` heading is the title (else the file's name). Every other heading opens a node;
  deeper headings are its children. A heading whose text carries a priority — 🔴 🟡 🟢, or a
  word from `PRIORITY_SYNONYMS` written in capitals (CRITICAL, MUST, NICE TO HAVE) or as the
  heading's first word — sets the priority of everything under it until the next heading of
  its level. Sections with no priority anywhere above them are *important* (the middle, so an
  unmarked file neither blocks a gate nor hides).

Sections and notes
  A heading with task boxes in its own text becomes a section. A heading without any becomes a
  note (configuration notes, known issues, rollback, …), its Markdown kept as written and its
  commands shown, never run. A heading's text that holds two or more task lists, each right
  after a one-line label paragraph ("First 24 Hours", "First Week"), becomes one section per
  label. Task boxes before the first heading (e.g. "Environments to test:") become a section
  named after their label.

Items
  Every task box (`- [ ]`, `- [x]`, at any depth) is one item, so the item count equals the box
  count. Item ids are slugs of their titles, cut at a word boundary and made unique across the
  whole checklist with `-2`, `-3`; they stay stable as long as the title does. Nested plain list
  lines are the item's steps. `[x]` is kept in `Checklist.initial_status` as "passed" (a result,
  not part of the checklist: the YAML writer does not write it).

Fields
  Paragraphs `Location:`, `Expected:`, `If fails:` set the section's defaults (inside a list
  item, the item's own). `Result:` and any other paragraph go to the description; a table goes
  to a note, except a table with Before/After columns, whose rows become metrics.

Fences
  Shell fences (`sh`, `bash`, `console`, no language, …) become probes and log sources:
  `curl …` → http probe; `docker compose [-f F]… logs SVC` → log source `SVC` (and, piped into
  `grep PATTERN`, a logs probe that PATTERN is absent); `docker compose exec SVC CMD` or
  `docker exec CONTAINER CMD` → exec probe; `docker logs CONTAINER` → container log source;
  anything else → command probe (`up`, `down`, `rm`, `build`, … marked destructive). Lines
  continued with `\\` are one command; `#` lines are comments, and the comment right above a
  command names its probe. Lines after an interactive shell (`manage.py dbshell`, `mysql`, …)
  are fed to it on stdin. Each set of `-f` compose files becomes an environment
  (`docker-compose.prod.yml` → `prod`, protected).

  Which box a fence documents (written in docs/checklist-format.md, "Which box a command
  goes to"):
  1. a fence inside a box's list item (indented under `- [ ]`) documents that box;
  2. a fence right after a list of boxes (nothing but other fences between) documents the last
     box above it: the GitHub-issue style, a box and then its commands;
  3. any other fence under a heading introduces what follows: the first box after it under the
     same heading, else (nothing after it) the last box before it. A fence written before the
     heading's first box with only text above it documents the whole heading: its log sources
     are shown beside every item of the heading;
  4. under rule 3, each command may instead go to the box of the same heading that its comment
     and words name (`_named_box`: shared words, weighted by how few titles hold them; a clear
     winner only).
  A fence under a heading with no task boxes stays in that heading's note.

  curl lines keep curl's meaning (`curl_import`); literal passwords and tokens become secrets
  read from environment variables (`import_secrets`); what could not be kept as written is in
  the `ImportReport` that `qatui import` prints.
"""

from __future__ import annotations

import functools
import hashlib
import re
import shlex
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

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
)
from qatui.core.curl_import import curl_conversion
from qatui.core.errors import ChecklistError, Position, Problem, QatuiError
from qatui.core.import_secrets import (
    FoundSecret,
    SecretBook,
    env_prefix,
    hide_in_shell,
    literals_in_shell,
)

DEFAULT_PRIORITY = Priority.IMPORTANT
SHELL_LANGUAGES = {"", "sh", "bash", "shell", "console", "zsh", "shell-session", "terminal"}
_EMOJI_PRIORITY = {"🔴": Priority.CRITICAL, "🟡": Priority.IMPORTANT, "🟢": Priority.NICE}
_TASK = re.compile(r"^\[([ xX])\](?:\s+|$)")
_FIELD = re.compile(
    r"^[*_]*(location|expected|if fails|result)[*_]*\s*:\s*[*_]*\s*(.*)$", re.IGNORECASE | re.DOTALL
)
_LABEL_MAX = 80
_SLUG_MAX = 40
_INTERACTIVE = {"dbshell", "shell", "mysql", "psql", "sqlite3", "redis-cli", "mongo", "mongosh"}
_DESTRUCTIVE_COMPOSE = {"up", "down", "rm", "build", "stop", "restart", "kill", "pull", "create", "run"}


class MarkdownImportError(QatuiError):
    title = "Cannot import Markdown"


# --------------------------------------------------------------------------- text helpers


def slugify(text: str, limit: int = _SLUG_MAX) -> str:
    """`"1. WebSocket Connections (Channels 3.0 → 4.0)"` → `"websocket-connections-channels-3-0-4-0"`."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"^\s*\d+[.)]\s+", "", text)
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(slug) > limit:
        cut = slug[: limit + 1].rfind("-")
        slug = slug[: cut if cut > limit // 2 else limit].strip("-")
    return slug


def clean_title(text: str) -> str:
    """A heading without its leading emoji or symbols: `"⚙️ Configuration Notes"` → `"Configuration Notes"`."""
    text = " ".join(text.split())
    index = 0
    while index < len(text) and not (text[index].isalnum() or text[index] in "([`\"'*_"):
        index += 1
    return text[index:].strip() or text.strip()


@functools.cache
def _synonym_patterns() -> list[tuple[str, re.Pattern[str]]]:
    return [
        (synonym, re.compile(rf"(?<![\w-]){re.escape(synonym)}(?![\w-])"))
        for synonym in sorted(PRIORITY_SYNONYMS, key=len, reverse=True)
    ]


@functools.lru_cache(maxsize=4096)
def priority_of(heading: str) -> Priority | None:
    """The priority a heading states, if any (see the module docstring for the rule).

    Cached: files repeat their headings, and 50,000 sections must import in seconds."""
    for emoji, priority in _EMOJI_PRIORITY.items():
        if emoji in heading:
            return priority
    words = clean_title(heading)
    lowered = words.lower()
    for synonym, pattern in _synonym_patterns():
        for match in pattern.finditer(lowered):
            written = words[match.start() : match.end()]
            if written.isupper() or match.start() == 0 or re.fullmatch(r"p[0-3]", synonym):
                return PRIORITY_SYNONYMS[synonym]
    return None


def note_kind(title: str) -> str:
    lowered = title.lower()
    if "rollback" in lowered or "roll back" in lowered:
        return "rollback"
    if "known issue" in lowered or "issues" in lowered or "watch for" in lowered:
        return "known-issues"
    if "monitor" in lowered:
        return "monitoring"
    if "config" in lowered or "setting" in lowered or "setup" in lowered:
        return "config"
    return "info"


class _Ids:
    """Hands out ids unique across the whole checklist (sections, items and probes).

    Linear in the number of ids: each base remembers the next suffix to try, so 50,000 sections
    with one title cost one probe each instead of counting up from `-2` every time (which made
    such a file take minutes). A suffix already taken by a literal title (`a-2`) is skipped."""

    def __init__(self) -> None:
        self.used: set[str] = set()
        self.next_suffix: dict[str, int] = {}

    def make(self, text: str, fallback: str) -> str:
        base = slugify(text) or fallback
        candidate = base
        if candidate in self.used:
            n = self.next_suffix.get(base, 2)
            candidate = f"{base}-{n}"
            while candidate in self.used:
                n += 1
                candidate = f"{base}-{n}"
            self.next_suffix[base] = n + 1
        self.used.add(candidate)
        return candidate


# --------------------------------------------------------------------------- shell fences


@dataclass
class ConvertedFence:
    """What one shell fence turned into."""

    probes: list[ProbeSpec] = field(default_factory=list)
    log_sources: list[LogSourceSpec] = field(default_factory=list)
    #: compose file sets seen in `-f` options (with the `-p` project, if any), in order
    compose_files: list[tuple[list[str], str | None]] = field(default_factory=list)
    #: comments that named no command
    comments: list[str] = field(default_factory=list)
    #: for the import summary: what a command could not keep (`line N: …`)
    remarks: list[str] = field(default_factory=list)


@dataclass
class _Command:
    line: str
    comment: str
    stdin: list[str] = field(default_factory=list)
    #: the line of the fence's text it starts on (0 = the line after the opening ```)
    offset: int = 0


def split_commands(text: str) -> tuple[list[_Command], list[str]]:
    """Shell fence text → commands (continuations joined, comments attached) and loose comments."""
    physical = text.splitlines()
    logical: list[tuple[int, str]] = []
    buffer = ""
    start = 0
    for index, raw in enumerate(physical):
        line = raw.rstrip()
        if buffer:
            line = buffer + " " + line.strip()
            buffer = ""
        else:
            start = index
        if line.endswith("\\") and not line.lstrip().startswith("#"):
            buffer = line[:-1].rstrip()
            continue
        logical.append((start, line))
    if buffer:
        logical.append((start, buffer))
    commands: list[_Command] = []
    loose: list[str] = []
    pending: list[str] = []
    feeding: _Command | None = None
    for offset, line in logical:
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            pending.append(stripped.lstrip("#").strip())
            continue
        if stripped.startswith("$ "):
            stripped = stripped[2:].strip()
        if feeding is not None:
            feeding.stdin.append(stripped)
            pending.clear()
            continue
        comment = pending[-1] if pending else ""
        loose.extend(pending[:-1])
        pending.clear()
        command = _Command(stripped, comment, offset=offset)
        commands.append(command)
        if _is_interactive(stripped):
            feeding = command
    loose.extend(pending)
    return commands, [c for c in loose if c]


def _tokens(line: str) -> list[str] | None:
    lexer = shlex.shlex(line, posix=True, punctuation_chars="|&;<>")
    lexer.whitespace_split = True
    try:
        return list(lexer)
    except ValueError:
        return None


def _is_interactive(line: str) -> bool:
    tokens = _tokens(line)
    if not tokens or any(t in {"|", ";", "&&", "||", "<", ">"} for t in tokens):
        return False
    words = [t for t in tokens if not t.startswith("-")]
    if "-c" in tokens or "-e" in tokens or "--execute" in tokens:
        return False
    return bool(words) and (words[-1] in _INTERACTIVE or words[-1].rsplit("/", 1)[-1] in {"bash", "sh"})


def _literal(text: str) -> str:
    """A shell line kept for a shell: every `$` is the shell's, not qatui's."""
    return text.replace("$", "$$")


def _compose_invocation(tokens: list[str]) -> tuple[list[str], str | None, list[str]] | None:
    """`docker compose -f a -f b -p p SUB …` → (files, project, [SUB, …]); None if not compose."""
    if tokens[:2] == ["docker", "compose"]:
        rest = tokens[2:]
    elif tokens[:1] == ["docker-compose"]:
        rest = tokens[1:]
    else:
        return None
    files: list[str] = []
    project: str | None = None
    index = 0
    while index < len(rest) and rest[index].startswith("-"):
        arg = rest[index]
        value = rest[index + 1] if index + 1 < len(rest) else ""
        if "=" in arg:
            arg, _, value = arg.partition("=")
            index -= 1
        if arg in ("-f", "--file"):
            files.append(value)
        elif arg in ("-p", "--project-name"):
            project = value
        elif arg not in ("--env-file", "--profile", "--project-directory", "--ansi", "--progress"):
            index -= 1  # a flag without a value
        index += 2
    return files, project, rest[index:]


def _parse_options(args: list[str], with_value: set[str]) -> tuple[dict[str, str], list[str]]:
    """Options before the first positional argument, then the positional remainder."""
    return _parse_arguments(args, with_value, intermixed=False)


def _parse_intermixed(args: list[str], with_value: set[str]) -> tuple[dict[str, str], list[str]]:
    """Options anywhere among the arguments (`logs huey --tail 50`), then the positionals."""
    return _parse_arguments(args, with_value, intermixed=True)


def _parse_arguments(args: list[str], with_value: set[str], *, intermixed: bool) -> tuple[dict[str, str], list[str]]:
    """`--name=value`, `NAME VALUE` for options in `with_value`, else a flag (value "").

    Not intermixed, the first positional argument ends the options (`exec web python -V`:
    `-V` is the command's); intermixed, a lone `-` is a positional argument too.
    """
    options: dict[str, str] = {}
    positional: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if not arg.startswith("-") or (intermixed and len(arg) == 1):
            if not intermixed:
                return options, args[index:]
            positional.append(arg)
        elif "=" in arg and arg.startswith("--"):
            name, _, value = arg.partition("=")
            options[name] = value
        elif arg in with_value and index + 1 < len(args):
            options[arg] = args[index + 1]
            index += 1
        else:
            options[arg] = ""
        index += 1
    return options, positional


def _grep_pattern(tokens: list[str]) -> str | None:
    """`grep [-i] [-E] PATTERN` → a regex (None for `grep -v` and friends)."""
    if not tokens or tokens[0] not in ("grep", "egrep"):
        return None
    flags = [t for t in tokens[1:] if t.startswith("-")]
    words = [t for t in tokens[1:] if not t.startswith("-")]
    if any("v" in f for f in flags if not f.startswith("--")) or not words:
        return None
    ignore_case = any(f in ("-i", "--ignore-case") or (not f.startswith("--") and "i" in f) for f in flags)
    extended = tokens[0] == "egrep" or any(f in ("-E", "--extended-regexp") for f in flags)
    pattern = words[0] if extended else words[0].replace("\\|", "|")
    if "-F" in flags or "--fixed-strings" in flags or tokens[0] == "fgrep":
        pattern = re.escape(words[0])
    try:
        re.compile(pattern)
    except re.error:
        pattern = re.escape(words[0])  # a grep dialect Python does not read: match it literally
    return ("(?i)" if ignore_case else "") + pattern


def convert_fence(
    text: str, ids: _Ids, item_id: str = "", secrets: SecretBook | None = None, where: str = ""
) -> ConvertedFence:
    """One shell fence → probes, log sources and compose file sets (see the module docstring).

    Literal credentials in its commands go to `secrets` (a throwaway book when None); `where`
    (`file:line` of the fence) names them in the import summary."""
    result = ConvertedFence()
    book = secrets if secrets is not None else SecretBook()
    commands, loose = split_commands(text)
    result.comments.extend(loose)
    for command in commands:
        _convert_command(command, ids, item_id, result, book, _line_of(where, command))
    return result


def _line_of(where: str, command: _Command) -> str:
    """`file:LINE` of a fence's opening → `file:LINE` of the command inside it."""
    path, colon, line = where.rpartition(":")
    if not colon or not line.isdigit():
        return where
    return f"{path}:{int(line) + 1 + command.offset}"


def _shell_probe(
    ids: _Ids, kind: str, item_id: str, name: str, config: dict[str, Any], line: str,
    book: SecretBook, where: str,
) -> ProbeSpec:
    """A command (or exec) probe running `line`, with literal credentials moved to `env:`."""
    tokens = _tokens(line)
    hidden = hide_in_shell(tokens, book, where) if tokens else None
    if hidden is None:
        config["run"] = _literal(line)
    else:
        config["run"] = _literal(hidden[0])
        config["env"] = hidden[1]
    return _probe(ids, kind, item_id, name, config)


def _convert_command(
    command: _Command, ids: _Ids, item_id: str, result: ConvertedFence, book: SecretBook, where: str
) -> None:
    line = command.line
    tokens = _tokens(line)
    name = command.comment or line
    stdin_prefix = ""
    if command.stdin:
        stdin_prefix = "printf '%s\\n' " + " ".join(shlex.quote(s) for s in command.stdin) + " | "
    if tokens is None or not tokens:
        result.probes.append(_probe(ids, "command", item_id, _short(name), {"run": _literal(line)}))
        return
    # a probe's name is shown and recorded: it must not carry a password either
    if hide_in_shell(tokens, SecretBook(), where) is not None and not command.comment:
        name = _redacted_name(tokens)
    name = _short(name)
    pipeline: list[list[str]] = [[]]
    for token in tokens:
        if token == "|":
            pipeline.append([])
        else:
            pipeline[-1].append(token)
    other_operators = any(t in {";", "&&", "||", "&", ">", ">>", "<"} for t in tokens)
    first = pipeline[0]

    if first and first[0] == "curl":
        if len(pipeline) == 1 and not other_operators:
            conversion = curl_conversion(first, book, where)
            if conversion.config is not None:
                probe = _probe(ids, "http", item_id, name, conversion.config)
                if conversion.timeout is not None:
                    probe.timeout = conversion.timeout
                result.probes.append(probe)
                result.remarks.extend(f"{where}: {note}" for note in conversion.notes)
                return
            reason = "; ".join(conversion.notes)
        else:
            reason = "its output goes on to another command"
        result.remarks.append(
            f"{where}: a curl line was kept as a command probe that runs curl itself ({reason}); "
            "it runs only once the checklist is trusted"
        )
        result.probes.append(_shell_probe(ids, "command", item_id, name, {}, stdin_prefix + line, book, where))
        return

    compose = _compose_invocation(first) if first else None
    if compose is not None and not other_operators:
        files, project, sub = compose
        if files:
            result.compose_files.append((files, project))
        verb = sub[0] if sub else ""
        if verb == "logs":
            options, services = _parse_intermixed(sub[1:], {"--tail", "-n", "--since", "--until"})
            tail_text = options.get("--tail") or options.get("-n") or ""
            tail = int(tail_text) if tail_text.isdigit() else 100
            for service in services:
                result.log_sources.append(
                    LogSourceSpec(name=service, kind="service", target=service, tail=tail, project=project)
                )
            pattern = _grep_pattern(pipeline[1]) if len(pipeline) == 2 else None
            if pattern and services:
                config = {"source": services[0], "absent": pattern}
                result.probes.append(_probe(ids, "logs", item_id, name, config))
            elif len(pipeline) > 1:
                result.probes.append(_shell_probe(ids, "command", item_id, name, {}, line, book, where))
            return
        if verb == "exec" and len(pipeline) == 1:
            options, rest = _parse_options(
                sub[1:], {"-u", "--user", "-w", "--workdir", "-e", "--env", "--index"}
            )
            if len(rest) >= 2:
                config = _exec_config("service", options, rest, stdin_prefix, book, where)
                result.probes.append(_probe(ids, "exec", item_id, name, config))
                return
        probe = _shell_probe(ids, "command", item_id, name, {}, stdin_prefix + line, book, where)
        probe.destructive = verb in _DESTRUCTIVE_COMPOSE
        result.probes.append(probe)
        return

    if first[:2] == ["docker", "exec"] and len(pipeline) == 1 and not other_operators:
        options, rest = _parse_options(first[2:], {"-u", "--user", "-w", "--workdir", "-e", "--env"})
        if len(rest) >= 2:
            config = _exec_config("container", options, rest, stdin_prefix, book, where)
            result.probes.append(_probe(ids, "exec", item_id, name, config))
            return
    if first[:2] == ["docker", "logs"] and not other_operators:
        options, rest = _parse_intermixed(first[2:], {"--tail", "-n", "--since", "--until"})
        if rest:
            tail_text = options.get("--tail") or options.get("-n") or ""
            tail = int(tail_text) if tail_text.isdigit() else 100
            container = rest[0]
            result.log_sources.append(
                LogSourceSpec(name=slugify(container) or "container", kind="container", target=container, tail=tail)
            )
            pattern = _grep_pattern(pipeline[1]) if len(pipeline) == 2 else None
            if pattern:
                config = {"source": slugify(container) or "container", "absent": pattern}
                result.probes.append(_probe(ids, "logs", item_id, name, config))
            return
    result.probes.append(_shell_probe(ids, "command", item_id, name, {}, stdin_prefix + line, book, where))


def _short(name: str) -> str:
    return name[:99] + "…" if len(name) > 100 else name


def _redacted_name(tokens: list[str]) -> str:
    """A probe name for a command holding a credential (the name is shown and recorded): its
    words up to the first option, and its URL without user, password or query."""
    words: list[str] = []
    for token in tokens:
        if token.startswith("-") or "=" in token or ":" in token:
            break
        words.append(token)
    name = " ".join(words[:4]) or "command"
    url = next((t for t in tokens if re.match(r"^[a-z][a-z0-9+.-]*://", t, re.IGNORECASE)), None)
    if url:
        scheme, _, rest = url.partition("://")
        host_path = rest.rpartition("@")[2] if "@" in rest.split("/", 1)[0] else rest
        name += f" {scheme}://{host_path.split('?', 1)[0].split('#', 1)[0]}"
    return name


def _exec_config(
    target_key: str, options: dict[str, str], rest: list[str], stdin_prefix: str, book: SecretBook, where: str
) -> dict[str, Any]:
    """An exec probe's settings from `docker [compose] exec [-u U] [-w DIR] TARGET CMD…`.

    `target_key` is `service` for `docker compose exec` and `container` for `docker exec`.
    """
    config: dict[str, Any] = {target_key: rest[0]}
    user = options.get("-u") or options.get("--user")
    workdir = options.get("-w") or options.get("--workdir")
    if user:
        config["user"] = user
    if workdir:
        config["workdir"] = workdir
    hidden = hide_in_shell(rest[1:], book, where)
    if hidden is None:
        config["run"] = _literal(stdin_prefix + shlex.join(rest[1:]))
    else:
        config["run"] = _literal(stdin_prefix + hidden[0])
        config["env"] = hidden[1]
    return config


def _probe(ids: _Ids, kind: str, item_id: str, name: str, config: dict[str, Any]) -> ProbeSpec:
    probe_id = ids.make(f"{kind} {name}", kind)
    return ProbeSpec(id=probe_id, kind=kind, item_id=item_id, config=config, name=name)


# --------------------------------------------------------------------------- document tree


@dataclass
class _Node:
    """A heading and the blocks written directly under it (before its first sub-heading)."""

    title: str
    level: int
    line: int
    blocks: list[SyntaxTreeNode] = field(default_factory=list)
    children: list[_Node] = field(default_factory=list)


def _inline_text(node: SyntaxTreeNode) -> str:
    for child in node.children:
        if child.type == "inline":
            return child.content
    return ""


def _task_of(list_item: SyntaxTreeNode) -> tuple[bool, str] | None:
    """(checked, title) when a list item is a task box."""
    if not list_item.children or list_item.children[0].type != "paragraph":
        return None
    text = _inline_text(list_item.children[0])
    match = _TASK.match(text)
    if not match:
        return None
    return match.group(1) in "xX", " ".join(text[match.end() :].split())


def _has_tasks(block: SyntaxTreeNode) -> bool:
    if block.type == "list_item" and _task_of(block):
        return True
    if block.type in ("fence", "code_block", "html_block", "table"):
        return False
    return any(_has_tasks(child) for child in block.children)


def _is_task_list(block: SyntaxTreeNode) -> bool:
    return block.type in ("bullet_list", "ordered_list") and _has_tasks(block)


def _build_tree(root: SyntaxTreeNode) -> tuple[str | None, _Node]:
    """The heading tree; returns (title from the first h1, the preamble node holding everything)."""
    title: str | None = None
    top = _Node(title="", level=0, line=1)
    stack = [top]
    for block in root.children:
        if block.type == "heading":
            level = int(block.tag[1])
            text = " ".join(_inline_text(block).split())
            line = (block.map[0] + 1) if block.map else 0
            if level == 1 and title is None:
                title = clean_title(text)
                continue
            while stack[-1].level >= level:
                stack.pop()
            node = _Node(title=text, level=level, line=line)
            stack[-1].children.append(node)
            stack.append(node)
        else:
            stack[-1].blocks.append(block)
    return title, top


# --------------------------------------------------------------------------- fence placement


@dataclass
class _Placement:
    """A fence written at section level, and the box it goes to unless a command names another."""

    fence: SyntaxTreeNode
    default: Item | None = None
    #: written before the heading's first box, after text only: it documents the whole heading
    introduces: bool = False
    #: right under a box (rule 2): that box, whatever the command's words say
    under_box: bool = False
    section: Section | None = None


_STOP_WORDS = {
    "the", "and", "for", "with", "are", "all", "not", "its", "this", "that", "from", "into", "when",
    "works", "work", "working", "correctly", "properly", "test", "tests", "testing", "verify",
    "ensure", "make", "sure", "run", "docker", "compose", "curl", "http", "https", "localhost",
    "yml", "yaml", "tail", "grep", "exec", "python", "manage", "application", "content", "type",
    "json", "your", "here", "dev", "prod", "file", "follow",
}


def _words(text: str) -> set[str]:
    """Lower-case words of three letters or more, a plural `s` dropped, common words left out."""
    words = set()
    for word in re.findall(r"[a-z][a-z0-9]+", text.lower()):
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        if len(word) >= 3 and word not in _STOP_WORDS:
            words.add(word)
    return words


#: a command's own verbs say what it does, not which box it documents (`logs` in `docker
#: compose logs huey` names no "… in logs" box; its service `huey` may name one)
_COMMAND_VERBS = {"log", "logs", "exec", "ps", "up", "down", "restart", "get", "post", "put", "delete"}


def _command_words(line: str) -> set[str]:
    return _words(line) - _COMMAND_VERBS


def _named_box(said: set[str], candidates: list[Item]) -> Item | None:
    """The one box whose title the words `said` (a command's comment and words) name, if any.

    Each word the command (its comment and its own words) shares with a box title counts
    1/n, n being how many of the heading's titles hold that word: a word only one box has
    names it; a word every box has names none. The best box must score at least 1 and beat
    every other box; otherwise nothing is named and the structural rule decides."""
    if not said or len(candidates) < 2:
        return None
    titles = [_words(item.title) for item in candidates]
    frequency: dict[str, int] = {}
    for title in titles:
        for word in title:
            frequency[word] = frequency.get(word, 0) + 1
    scores = [sum(1 / frequency[w] for w in title & said) for title in titles]
    best = max(scores)
    if best < 1 or scores.count(best) > 1:
        return None
    return candidates[scores.index(best)]


# --------------------------------------------------------------------------- the importer


@dataclass
class ImportReport:
    """What an import could not keep as written, for the summary `qatui import` prints."""

    #: literal credentials moved to `secrets:` (their environment variables must be set)
    secrets: list[FoundSecret] = field(default_factory=list)
    #: `file:line: …` for each command whose meaning could not be kept exactly
    remarks: list[str] = field(default_factory=list)
    #: task boxes in the Markdown and how many became items
    boxes: int = 0
    items: int = 0
    #: `file:line: why` for each task box that did not become an item
    dropped: list[str] = field(default_factory=list)


#: Deep enough for any list a 2 MB file can hold (each level costs at least two characters).
_MAX_NESTING = 1_000_000
#: markdown-it and the tree walk recurse a few frames per nesting level: a thread with room.
_DEEP_STACK = 512 * 1024 * 1024
_DEEP_RECURSION = 200_000
T = TypeVar("T")


def _with_deep_stack(work: Callable[[], T]) -> T:
    """`work()` run in a thread with room to recurse once or twice per nesting level.

    markdown-it's commonmark preset stops at 20 levels (`maxNesting`) and drops what is deeper
    without a word: a hundred nested task boxes came out as nine. The limit is lifted, and as
    the parser (and the walk over its tree) recurse per level, the import runs in a thread with
    a large stack and recursion limit. A 2 MB file nests at most ~1,400 levels; that imports
    in about 2 s."""
    import sys
    import threading

    outcome: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as error:  # re-raised in the caller's thread below
            failure.append(error)

    old_limit, old_stack = sys.getrecursionlimit(), threading.stack_size()
    sys.setrecursionlimit(max(old_limit, _DEEP_RECURSION))
    try:
        threading.stack_size(_DEEP_STACK)
        thread = threading.Thread(target=run, name="qatui-markdown-import")
        thread.start()
    finally:
        threading.stack_size(old_stack)
    thread.join()
    sys.setrecursionlimit(old_limit)
    if failure:
        raise failure[0]
    return outcome[0]


class _Importer:
    def __init__(self, text: str, path: str) -> None:
        self.path = path
        self.lines = text.splitlines()
        self.ids = _Ids()
        self.checklist = Checklist(path=path, title="")
        self.initial: dict[str, str] = {}
        self.compose_sets: list[tuple[list[str], str | None]] = []
        self.book = SecretBook()
        self.report = ImportReport()

    def pos(self, block: SyntaxTreeNode | None = None, line: int = 0) -> Position:
        if block is not None and block.map:
            line = block.map[0] + 1
        return Position(self.path, line, 1 if line else 0)

    def source(self, block: SyntaxTreeNode) -> str:
        if not block.map:
            return ""
        start, end = block.map
        return "\n".join(self.lines[start:end]).rstrip()

    def run(self, text: str) -> Checklist:
        parser = MarkdownIt("commonmark", {"maxNesting": _MAX_NESTING}).enable("table")
        root = SyntaxTreeNode(parser.parse(text))
        title, top = _build_tree(root)
        self.checklist.title = title or clean_title(Path(self.path).stem.replace("-", " ").replace("_", " "))
        self.book.prefix = env_prefix(self.checklist.title)
        self._preamble(top)
        for child in top.children:
            self._node(child, None)
        self._environments()
        if not self.checklist.items():
            raise ChecklistError(
                [Problem(Position(self.path), "no task boxes (`- [ ] …`) found; nothing to make items from")]
            )
        self.checklist.initial_status = self.initial
        for found in self.book.found:
            self.checklist.secrets[found.name] = Secret(name=found.name, env=found.env)
        self.report.secrets = list(self.book.found)
        # a checklist reads only the environment variables it declares: the shell variables of
        # its curl lines (`$TOKEN` → `${TOKEN}`) are declared, so the YAML says what it reads
        self.checklist.from_env = environment_names(self.checklist)
        self._count_boxes(root)
        return self.checklist

    def _count_boxes(self, root: SyntaxTreeNode) -> None:
        """Every task box of the tree against the items made: none may vanish unsaid."""
        made = {item.position.line for item in self.checklist.items() if item.position is not None}
        boxes = 0
        stack = [root]
        while stack:
            node = stack.pop()
            if node.type == "list_item" and _task_of(node) is not None:
                boxes += 1
                line = node.map[0] + 1 if node.map else 0
                if line not in made:
                    where = "inside a quote or an HTML block" if _quoted(node) else "not under a list the importer reads"
                    self.report.dropped.append(f"{self.path}:{line}: task box not imported ({where})")
            stack.extend(reversed(node.children))
        self.report.boxes = boxes
        self.report.items = len(self.checklist.items())

    # --- the text before the first heading

    def _preamble(self, top: _Node) -> None:
        description: list[str] = []
        blocks = top.blocks
        for index, block in enumerate(blocks):
            if _is_task_list(block):
                continue
            if block.type == "paragraph":
                text = _inline_text(block)
                following = blocks[index + 1] if index + 1 < len(blocks) else None
                if following is not None and _is_task_list(following) and self._is_label(block):
                    continue
                meta = re.match(r"^(version|date)\s*:\s*(.+)$", text, re.IGNORECASE)
                if meta and not self.checklist.version:
                    self.checklist.version = meta.group(2).strip()
                    continue
                description.append(text)
            else:
                description.append(self.source(block))
        self.checklist.description = "\n\n".join(d for d in description if d.strip())
        if any(_is_task_list(b) for b in blocks):
            self._sections_from(
                _Node(title="Checklist", level=1, line=1, blocks=blocks), DEFAULT_PRIORITY, preamble=True
            )

    def _is_label(self, block: SyntaxTreeNode) -> bool:
        text = _inline_text(block)
        return block.type == "paragraph" and "\n" not in text.strip() and 0 < len(text) <= _LABEL_MAX

    # --- headings

    def _node(self, node: _Node, inherited: Priority | None) -> None:
        priority = priority_of(node.title) or inherited
        if any(_has_tasks(block) for block in node.blocks):
            self._sections_from(node, priority or DEFAULT_PRIORITY)
        elif node.blocks:
            self._note_from(node)
        for child in node.children:
            self._node(child, priority)

    def _note_from(self, node: _Node) -> None:
        parts: list[str] = []
        title = clean_title(node.title)
        for block in node.blocks:
            if block.type == "table" and self._metrics_from(block):
                continue
            if block.type == "fence" and block.info.strip().lower() in SHELL_LANGUAGES:
                parts.append(self._scrubbed(block, title))
            else:
                parts.append(self.source(block))
        text = "\n\n".join(p for p in parts if p.strip())
        if text.strip():
            self.checklist.notes.append(
                Note(title=title, text=text.strip("\n") + "\n", kind=note_kind(title),
                     position=Position(self.path, node.line, 1))
            )

    def _scrubbed(self, fence: SyntaxTreeNode, title: str) -> str:
        """A shell fence kept as a note's text, its literal credentials replaced by `$VARIABLE`
        (what the reader types when running it by hand): a note is in the YAML too."""
        text = self.source(fence)
        line = fence.map[0] + 1 if fence.map else 0
        commands, _ = split_commands(fence.content)
        for command in commands:
            tokens = _tokens(command.line)
            for value, hint in literals_in_shell(tokens or []):
                where = f"{self.path}:{line + 1 + command.offset}"
                variable = self.book.env_of(self.book.take(value, hint, where))
                text = text.replace(value, "$" + variable)
                self.report.remarks.append(
                    f'{where}: a password in the note "{title}" is written there as ${variable}')
        return text

    def _metrics_from(self, table: SyntaxTreeNode) -> bool:
        """A table with Before/After columns → metrics (its rows); False for any other table."""
        rows = [
            [" ".join(_inline_text(cell).split()) for cell in row.children]
            for part in table.children
            for row in part.children
        ]
        if len(rows) < 2:
            return False
        header = [h.lower() for h in rows[0]]
        if not any(h.startswith("before") for h in header) or not any(h.startswith("after") for h in header):
            return False
        notes_col = next((i for i, h in enumerate(header) if h.startswith("note")), None)
        for row in rows[1:]:
            name = row[0] if row else ""
            if not name:
                continue
            lowered = name.lower()
            unit = "count" if ("count" in lowered or "number" in lowered) else "ms"
            notes = row[notes_col] if notes_col is not None and notes_col < len(row) else ""
            line = table.map[0] + 1 if table.map else 0
            self.checklist.metrics.append(
                Metric(id=self.ids.make(name, "metric"), name=name, unit=unit, notes=notes,
                       position=Position(self.path, line, 1))
            )
        return True

    # --- sections

    def _sections_from(self, node: _Node, priority: Priority, *, preamble: bool = False) -> None:
        blocks = node.blocks
        labelled = [
            i for i, b in enumerate(blocks)
            if _is_task_list(b) and i > 0 and self._is_label(blocks[i - 1])
        ]
        split = len(labelled) >= 2 or (preamble and len(labelled) == 1)
        base_title = clean_title(node.title)
        # Group blocks: each group becomes one section.
        groups: list[tuple[str, int, list[SyntaxTreeNode]]] = []
        current: list[SyntaxTreeNode] = []
        current_title, current_line = base_title, node.line
        for index, block in enumerate(blocks):
            if split and index + 1 in labelled:
                if any(_has_tasks(b) for b in current) or (current and not preamble):
                    groups.append((current_title, current_line, current))
                # (the preamble's own paragraphs are the checklist's description already)
                label = " ".join(_inline_text(block).split()).rstrip(":").strip()
                current = []
                current_title = label if preamble else f"{base_title}: {label}"
                current_line = block.map[0] + 1 if block.map else node.line
                continue
            current.append(block)
        groups.append((current_title, current_line, current))
        shared_fields = self._fields(blocks) if split else {}
        made: list[Section] = []
        carried: list[SyntaxTreeNode] = []
        placements: list[_Placement] = []
        for title, line, group in groups:
            if not any(_has_tasks(b) for b in group):
                if made and group:
                    # text after the last list of a split heading belongs to its last section
                    placements.extend(self._fill_section(made[-1], group, {}))
                else:
                    carried.extend(group)  # text before the first labelled list: the first section's
                continue
            group = carried + group
            carried = []
            title = title or f"Section at line {line}"  # `## ` with no words: still loadable
            section = Section(
                id=self.ids.make(title, "section"), title=title, priority=priority,
                position=Position(self.path, line, 1),
            )
            placements.extend(self._fill_section(section, group, shared_fields))
            self.checklist.sections.append(section)
            made.append(section)
        candidates = [item for section in made for item in section.items]
        for placement in placements:
            self._place_fence(placement, candidates)
        for section in made:
            for item in section.items:
                # the loader gives an item its section's log sources; so do we (own ones first)
                item.logs = item.logs + [n for n in section.logs if n not in item.logs]

    def _fields(self, blocks: list[SyntaxTreeNode]) -> dict[str, str]:
        found: dict[str, str] = {}
        for block in blocks:
            if block.type == "paragraph":
                match = _FIELD.match(_inline_text(block))
                if match and match.group(1).lower() != "result":
                    found.setdefault(match.group(1).lower(), " ".join(match.group(2).split()))
        return found

    def _fill_section(
        self, section: Section, blocks: list[SyntaxTreeNode], shared: dict[str, str]
    ) -> list[_Placement]:
        """Fill a section from its blocks; returns its section-level fences, placed by the caller
        once every section of the heading exists (a command may name a box of any of them)."""
        description = [section.description] if section.description else []
        fields = dict(shared)
        placements: list[_Placement] = []
        waiting: list[_Placement] = []  # fences before the next box
        after_list: list[Item] = []  # the list the blocks so far directly follow
        for block in blocks:
            if _is_task_list(block):
                new_items = self._items_from(block, section)
                for placement in waiting:
                    placement.default = new_items[0] if new_items else None
                waiting = []
                after_list = new_items
                continue
            if block.type == "fence" and block.info.strip().lower() in SHELL_LANGUAGES:
                placement = _Placement(block)
                if after_list:
                    placement.default = after_list[-1]  # written under the box above it
                    placement.under_box = True
                else:
                    placement.introduces = not section.items
                    waiting.append(placement)
                placements.append(placement)
                continue
            after_list = []
            if block.type == "paragraph":
                text = _inline_text(block)
                match = _FIELD.match(text)
                if match and match.group(1).lower() != "result":
                    fields.setdefault(match.group(1).lower(), " ".join(match.group(2).split()))
                else:
                    description.append(text)
                continue
            if block.type == "table":
                if not self._metrics_from(block):
                    self.checklist.notes.append(
                        Note(title=f"{section.title}: table", text=self.source(block) + "\n",
                             position=self.pos(block))
                    )
            else:
                description.append(self.source(block))
        for placement in waiting:  # no box after it: the last box before it
            placement.default = section.items[-1] if section.items else None
            placement.introduces = False
        for placement in placements:
            placement.section = section
        section.description = "\n\n".join(d for d in description if d.strip())
        section.location = fields.get("location", section.location)
        section.expected = fields.get("expected", section.expected)
        section.if_fails = fields.get("if fails", section.if_fails)
        for item in section.items:
            # the loader fills an item's empty fields from its section; so do we
            item.location = item.location or section.location
            item.expected = item.expected or section.expected
            item.if_fails = item.if_fails or section.if_fails
        return placements

    def _items_from(self, task_list: SyntaxTreeNode, section: Section) -> list[Item]:
        made: list[Item] = []
        for list_item in task_list.children:
            task = _task_of(list_item)
            if task is None:
                # a plain line among task boxes: a step of the box before it
                text = " ".join(_inline_text(list_item.children[0]).split()) if list_item.children else ""
                if made and text:
                    made[-1].steps.append(text)
                for child in list_item.children[1:]:
                    if _is_task_list(child):
                        made.extend(self._items_from(child, section))
                continue
            checked, title = task
            item = Item(
                id=self.ids.make(title, "item"), title=title or "(untitled)", section_id=section.id,
                position=self.pos(list_item),
            )
            section.items.append(item)
            made.append(item)
            if checked:
                self.initial[item.id] = "passed"
            notes: list[str] = []
            nested: list[Item] = []
            for child in list_item.children[1:]:
                if child.type in ("bullet_list", "ordered_list"):
                    for sub in child.children:
                        if _task_of(sub):
                            continue
                        item.steps.extend(self._steps(sub))
                    if _has_tasks(child):
                        nested.extend(self._items_from(child, section))
                elif child.type == "paragraph":
                    match = _FIELD.match(_inline_text(child))
                    key = match.group(1).lower() if match else ""
                    value = " ".join(match.group(2).split()) if match else ""
                    if key == "location":
                        item.location = value
                    elif key == "expected":
                        item.expected = value
                    elif key == "if fails":
                        item.if_fails = value
                    else:
                        notes.append(_inline_text(child))
                elif child.type == "fence" and child.info.strip().lower() in SHELL_LANGUAGES:
                    self._attach_fence(child, item)
                else:
                    notes.append(self.source(child))
            item.notes = "\n\n".join(n for n in notes if n.strip())
            made.extend(nested)
        return made

    def _steps(self, list_item: SyntaxTreeNode, depth: int = 0) -> list[str]:
        steps: list[str] = []
        for child in list_item.children:
            if child.type == "paragraph":
                steps.append("  " * depth + " ".join(_inline_text(child).split()))
            elif child.type in ("bullet_list", "ordered_list"):
                for sub in child.children:
                    if not _task_of(sub):
                        steps.extend(self._steps(sub, depth + 1))
        return steps

    def _place_fence(self, placement: _Placement, candidates: list[Item]) -> None:
        """Each command of a section-level fence to the box it documents (the placement rule in
        the module docstring): the box its comment and words name, else the default."""
        default = placement.default or (candidates[-1] if candidates else None)
        if default is None:
            return
        fence = placement.fence
        line = fence.map[0] + 1 if fence.map else 0
        where = f"{self.path}:{line}"
        commands, loose = split_commands(fence.content)
        for command in commands:
            named = None if placement.under_box else _named_box(
                _words(command.comment) | _command_words(command.line), candidates)
            item = named or default
            converted = ConvertedFence()
            _convert_command(command, self.ids, item.id, converted, self.book, _line_of(where, command))
            self._merge(converted, item, line)
            if placement.introduces and placement.section is not None:
                for source in converted.log_sources:
                    if source.name not in placement.section.logs:
                        placement.section.logs.append(source.name)
        if loose:
            self._merge(ConvertedFence(comments=loose), default, line)

    def _attach_fence(self, fence: SyntaxTreeNode, item: Item) -> None:
        line = fence.map[0] + 1 if fence.map else 0
        converted = convert_fence(fence.content, self.ids, item.id, self.book, f"{self.path}:{line}")
        self._merge(converted, item, line)

    def _merge(self, converted: ConvertedFence, item: Item, line: int) -> None:
        self.report.remarks.extend(converted.remarks)
        for probe in converted.probes:
            probe.position = Position(self.path, line, 1)
            item.probes.append(probe)
        for source in converted.log_sources:
            self.checklist.logs.setdefault(source.name, source)
            if source.name not in item.logs:
                item.logs.append(source.name)
        for compose_set in converted.compose_files:
            if all(compose_set[0] != files for files, _ in self.compose_sets):
                self.compose_sets.append(compose_set)
        if converted.comments:
            extra = "\n".join(converted.comments)
            item.notes = f"{item.notes}\n\n{extra}".strip() if item.notes else extra

    # --- environments from compose files

    def _environments(self) -> None:
        for files, project in self.compose_sets:
            key = _environment_key(files, self.checklist.environments)
            protected = key.split("-")[0] in {"prod", "production", "live"}
            self.checklist.environments[key] = Environment(
                key=key, label=f"Docker Compose ({' + '.join(files)})",
                compose=Compose(project=project, files=list(files)), protected=protected,
            )
        unprotected = [e for e in self.checklist.environments.values() if not e.protected]
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


def _quoted(node: SyntaxTreeNode) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.type == "blockquote":
            return True
        parent = parent.parent
    return False


def import_markdown_text(text: str, path: str = "<markdown>") -> Checklist:
    """Import Markdown already in memory (`path` is only used in positions and the title)."""
    return import_markdown_text_report(text, path)[0]


def import_markdown_text_report(text: str, path: str = "<markdown>") -> tuple[Checklist, ImportReport]:
    """`import_markdown_text`, with what the import could not keep as written."""
    importer = _Importer(text, path)
    checklist = _with_deep_stack(lambda: importer.run(text))
    return checklist, importer.report


def import_markdown(path: str | Path) -> Checklist:
    """Read a plain Markdown checklist and return the equivalent `Checklist`."""
    return import_markdown_report(path)[0]


def import_markdown_report(path: str | Path) -> tuple[Checklist, ImportReport]:
    """Read a plain Markdown checklist: the equivalent `Checklist` and the import's report."""
    from qatui.core.yamlpos import read_bytes  # the one place a checklist file is read

    file = Path(path)
    try:
        raw = read_bytes(file)  # refuses a folder, an unreadable file, one over 2 MB or endless
    except ChecklistError as error:
        raise MarkdownImportError(f"{file}: {error.problems[0].message}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise MarkdownImportError(
            f"{file}: not UTF-8 text (byte {error.start} cannot be decoded); save it as UTF-8"
        ) from error
    if "\x00" in text:
        raise MarkdownImportError(f"{file}: looks like a binary file, not Markdown")
    checklist, report = import_markdown_text_report(text, str(file))
    checklist.content_hash = hashlib.sha256(raw).hexdigest()
    return checklist, report
