"""One shell fence → probes, log sources and compose file sets (the rules:
`qatui.core.markdown_import`'s docstring, "Fences"). curl lines go through `curl_import`;
literal credentials become secrets (`import_secrets`)."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import Any

from qatui.core.checklist import (
    LogSourceSpec,
    ProbeSpec,
)
from qatui.core.curl_import import curl_conversion
from qatui.core.import_secrets import (
    SecretBook,
    hide_in_shell,
)
from qatui.core.mdimport.shell_lines import (
    Command,
    compose_invocation,
    grep_pattern,
    parse_intermixed,
    parse_options,
    shell_literal,
    shell_tokens,
    split_commands,
)
from qatui.core.mdimport.titles import (
    Ids,
    slugify,
)
from qatui.core.probes import kinds

SHELL_LANGUAGES = {"", "sh", "bash", "shell", "console", "zsh", "shell-session", "terminal"}


_DESTRUCTIVE_COMPOSE = {"up", "down", "rm", "build", "stop", "restart", "kill", "pull", "create", "run"}


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


def convert_fence(
    text: str, ids: Ids, item_id: str = "", secrets: SecretBook | None = None, where: str = ""
) -> ConvertedFence:
    """One shell fence → probes, log sources and compose file sets (see the module docstring).

    Literal credentials in its commands go to `secrets` (a throwaway book when None); `where`
    (`file:line` of the fence) names them in the import summary."""
    result = ConvertedFence()
    book = secrets if secrets is not None else SecretBook()
    commands, loose = split_commands(text)
    result.comments.extend(loose)
    for command in commands:
        convert_command(command, ids, item_id, result, book, command_line_of(where, command))
    return result


def command_line_of(where: str, command: Command) -> str:
    """`file:LINE` of a fence's opening → `file:LINE` of the command inside it."""
    path, colon, line = where.rpartition(":")
    if not colon or not line.isdigit():
        return where
    return f"{path}:{int(line) + 1 + command.offset}"


def _shell_probe(
    ids: Ids, kind: str, item_id: str, name: str, config: dict[str, Any], line: str,
    book: SecretBook, where: str,
) -> ProbeSpec:
    """A command (or exec) probe running `line`, with literal credentials moved to `env:`."""
    tokens = shell_tokens(line)
    hidden = hide_in_shell(tokens, book, where) if tokens else None
    if hidden is None:
        config["run"] = shell_literal(line)
    else:
        config["run"] = shell_literal(hidden[0])
        config["env"] = hidden[1]
    return _probe(ids, kind, item_id, name, config)


def convert_command(
    command: Command, ids: Ids, item_id: str, result: ConvertedFence, book: SecretBook, where: str
) -> None:
    line = command.line
    tokens = shell_tokens(line)
    name = command.comment or line
    stdin_prefix = ""
    if command.stdin:
        stdin_prefix = "printf '%s\\n' " + " ".join(shlex.quote(s) for s in command.stdin) + " | "
    if tokens is None or not tokens:
        result.probes.append(_probe(ids, "command", item_id, _short(name), {"run": shell_literal(line)}))
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

    compose = compose_invocation(first) if first else None
    if compose is not None and not other_operators:
        files, project, sub = compose
        if files:
            result.compose_files.append((files, project))
        verb = sub[0] if sub else ""
        if verb == "logs":
            options, services = parse_intermixed(sub[1:], {"--tail", "-n", "--since", "--until"})
            tail_text = options.get("--tail") or options.get("-n") or ""
            tail = int(tail_text) if tail_text.isdigit() else 100
            for service in services:
                result.log_sources.append(
                    LogSourceSpec(name=service, kind="service", target=service, tail=tail, project=project)
                )
            pattern = grep_pattern(pipeline[1]) if len(pipeline) == 2 else None
            if pattern and services:
                config = {"source": services[0], "absent": pattern}
                result.probes.append(_probe(ids, "logs", item_id, name, config))
            elif len(pipeline) > 1:
                result.probes.append(_shell_probe(ids, "command", item_id, name, {}, line, book, where))
            return
        if verb == "exec" and len(pipeline) == 1:
            options, rest = parse_options(
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
        options, rest = parse_options(first[2:], {"-u", "--user", "-w", "--workdir", "-e", "--env"})
        if len(rest) >= 2:
            config = _exec_config("container", options, rest, stdin_prefix, book, where)
            result.probes.append(_probe(ids, "exec", item_id, name, config))
            return
    if first[:2] == ["docker", "logs"] and not other_operators:
        options, rest = parse_intermixed(first[2:], {"--tail", "-n", "--since", "--until"})
        if rest:
            tail_text = options.get("--tail") or options.get("-n") or ""
            tail = int(tail_text) if tail_text.isdigit() else 100
            container = rest[0]
            result.log_sources.append(
                LogSourceSpec(name=slugify(container) or "container", kind="container", target=container, tail=tail)
            )
            pattern = grep_pattern(pipeline[1]) if len(pipeline) == 2 else None
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
        config["run"] = shell_literal(stdin_prefix + shlex.join(rest[1:]))
    else:
        config["run"] = shell_literal(stdin_prefix + hidden[0])
        config["env"] = hidden[1]
    return config


def _probe(ids: Ids, kind: str, item_id: str, name: str, config: dict[str, Any]) -> ProbeSpec:
    """Every probe the import makes goes through its kind's schema: known keys only, in the
    documented order, defaults left out (so curl's GET writes no `method:`)."""
    probe_id = ids.make(f"{kind} {name}", kind)
    return ProbeSpec(id=probe_id, kind=kind, item_id=item_id, config=kinds.schema(kind).config(config), name=name)
