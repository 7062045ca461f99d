"""A shell fence's text read as shell: commands (continuations joined, comments attached,
lines fed to an interactive shell), tokens, `docker compose` invocations, options and grep
patterns. No probes are made here (`fences.py` does that)."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

INTERACTIVE = {"dbshell", "shell", "mysql", "psql", "sqlite3", "redis-cli", "mongo", "mongosh"}


@dataclass
class Command:
    """A shell command found in a Markdown fence: the line, its comment, its input and where it starts."""

    line: str
    comment: str
    stdin: list[str] = field(default_factory=list)
    #: the line of the fence's text it starts on (0 = the line after the opening ```)
    offset: int = 0


def split_commands(text: str) -> tuple[list[Command], list[str]]:
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
    commands: list[Command] = []
    loose: list[str] = []
    pending: list[str] = []
    feeding: Command | None = None
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
        command = Command(stripped, comment, offset=offset)
        commands.append(command)
        if _is_interactive(stripped):
            feeding = command
    loose.extend(pending)
    return commands, [c for c in loose if c]


def shell_tokens(line: str) -> list[str] | None:
    lexer = shlex.shlex(line, posix=True, punctuation_chars="|&;<>")
    lexer.whitespace_split = True
    try:
        return list(lexer)
    except ValueError:
        return None


def _is_interactive(line: str) -> bool:
    tokens = shell_tokens(line)
    if not tokens or any(t in {"|", ";", "&&", "||", "<", ">"} for t in tokens):
        return False
    words = [t for t in tokens if not t.startswith("-")]
    if "-c" in tokens or "-e" in tokens or "--execute" in tokens:
        return False
    return bool(words) and (words[-1] in INTERACTIVE or words[-1].rsplit("/", 1)[-1] in {"bash", "sh"})


def shell_literal(text: str) -> str:
    """A shell line kept for a shell: every `$` is the shell's, not qatui's."""
    return text.replace("$", "$$")


def compose_invocation(tokens: list[str]) -> tuple[list[str], str | None, list[str]] | None:
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


def parse_options(args: list[str], with_value: set[str]) -> tuple[dict[str, str], list[str]]:
    """Options before the first positional argument, then the positional remainder."""
    return _parse_arguments(args, with_value, intermixed=False)


def parse_intermixed(args: list[str], with_value: set[str]) -> tuple[dict[str, str], list[str]]:
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


def grep_pattern(tokens: list[str]) -> str | None:
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
