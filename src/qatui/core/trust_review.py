"""What a tester reads before trusting a checklist: `qatui trust` and the screen's trust dialog.

The review is the only defence a tester has against a hostile checklist, so it must show what
will happen, not what the checklist wants to be seen:

- **every command whole**, never cut, with control characters written visibly (`\\e`, `\\r`:
  see `core/text.py`), so `touch x #\\e[2K\\r$ echo harmless` cannot draw itself over as
  `echo harmless`; runs of blank lines are collapsed and counted and long runs of spaces are
  counted too, so nothing hides below a fold or off the right edge; each command is shown
  where it runs (`item/probe`, file:line of the probe), so a command reached through a YAML
  alias from a note shows up as the command it is;
- **every host** probes and log sources talk to;
- **every secret and process environment variable** the checklist reads, and where each is
  sent (which hosts, which commands);
- **per environment**: environments that differ are shown one by one, identical ones together.

Values are filled in only from what the checklist itself writes (`vars:`, the environment's
`vars:`); a secret, a capture or a process environment variable stays `${NAME}` as written, so
the review never prints a token from the environment in clear.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from qatui.core.checklist import Checklist, Environment, LogSourceSpec, ProbeSpec
from qatui.core.text import inert
from qatui.core.variables import MAX_NESTING

_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_.]*)(?::?-[^}]*)?\}")
_SPACES = re.compile(r" {12,}")
#: Blank lines in a row shown as they are; more are collapsed into one counted line.
_BLANKS_SHOWN = 1


@dataclass
class Review:
    """One environment's review (or several environments' with the same content)."""

    environments: list[str]
    commands: list[str] = field(default_factory=list)
    hosts: dict[str, list[str]] = field(default_factory=dict)  # host → who talks to it
    inputs: dict[str, tuple[str, set[str]]] = field(default_factory=dict)  # name → (what, sent to)

    def content(self) -> tuple[Any, ...]:
        return (tuple(self.commands), tuple((h, tuple(w)) for h, w in self.hosts.items()),
                tuple((n, w, tuple(sorted(s))) for n, (w, s) in self.inputs.items()))

    def blocks(self) -> list[str]:
        """The review as text blocks: a heading, one block per command, hosts, inputs."""
        names = ", ".join(self.environments)
        blocks = [f"── environment{'s' if len(self.environments) > 1 else ''} {names}" if names else "── (no environments)"]
        blocks.extend(self.commands or ["  runs no commands"])
        if self.hosts:
            blocks.append("  talks to:\n" + "\n".join(
                f"    {host}  ({', '.join(who)})" for host, who in self.hosts.items()))
        else:
            blocks.append("  talks to no host")
        if self.inputs:
            blocks.append("  reads:\n" + "\n".join(
                f"    {what}  → sent to {', '.join(sorted(sent)) or 'nowhere'}"
                for _name, (what, sent) in self.inputs.items()))
        else:
            blocks.append("  reads no secret and no environment variable")
        return blocks


def _written(checklist: Checklist, environment: Environment | None) -> dict[str, Any]:
    scope: dict[str, Any] = dict(checklist.vars)
    if environment is not None:
        scope.update(environment.vars)
    return scope


def _fill(text: str, written: Mapping[str, Any], used: set[str], depth: int = 0) -> str:
    """`text` with `${name}` filled in from what the checklist writes; every other reference
    stays as written (and is noted in `used`)."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        used.add(name)
        if name in written and depth < MAX_NESTING:
            return _fill(str(written[name]), written, used, depth + 1)
        return match.group(0)

    return _REF.sub(replace, text)


def _fill_all(value: Any, written: Mapping[str, Any], used: set[str]) -> Any:
    if isinstance(value, str):
        return _fill(value, written, used)
    if isinstance(value, list):
        return [_fill_all(v, written, used) for v in value]
    if isinstance(value, dict):
        return {k: _fill_all(v, written, used) for k, v in value.items()}
    return value


def shown_command(command: str, indent: str = "    ") -> str:
    """A command whole and inert: `$ ` before the first line, `> ` before the next ones, blank
    lines collapsed and counted, long runs of spaces counted, control characters visible."""
    out: list[str] = []
    blanks = 0

    def flush() -> None:
        nonlocal blanks
        if blanks > _BLANKS_SHOWN:
            out.append(f"{indent}  … {blanks} blank lines …")
        else:
            out.extend(f"{indent}>" for _ in range(blanks))
        blanks = 0

    for index, line in enumerate(command.split("\n")):
        if index and not line.strip():
            blanks += 1
            continue
        flush()
        safe = _SPACES.sub(lambda m: f" ‹{len(m.group())} spaces› ", inert(line, one_line=True))
        out.append(f"{indent}{'$' if index == 0 else '>'} {safe}")
    flush()
    return "\n".join(out)


def _host_of_url(url: str) -> str:
    """`scheme://host:port` of a URL; where a `${…}` that only the run resolves (an environment
    variable, a capture) decides the host, that part as written, so the reviewer sees where the
    host comes from (`${QATUI_DEMO_BASE_URL:-http://127.0.0.1:8001}`), never `://?`."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if parts is not None and parts.hostname and "$" not in parts.netloc:
        return f"{parts.scheme}://{parts.hostname}" + (f":{port}" if port else "")
    return inert(_origin_as_written(url), one_line=True) + " (decided when it runs)"


def _origin_as_written(url: str) -> str:
    """The URL up to its path: the first `/` outside `${…}` that is not part of `://`."""
    depth = 0
    index = 0
    while index < len(url):
        if url.startswith("${", index):
            depth += 1
            index += 2
            continue
        char = url[index]
        if char == "}" and depth:
            depth -= 1
        elif char == "/" and not depth:
            if url.startswith("//", index) and url[:index].endswith(":"):
                index += 2
                continue
            return url[:index]
        index += 1
    return url


def _docker(environment: Environment | None, written: Mapping[str, Any], used: set[str]) -> str:
    if environment is not None and environment.docker_host:
        return "Docker engine " + inert(_fill(environment.docker_host, written, used), one_line=True)
    return "Docker engine of $DOCKER_HOST or the local socket"


def _probe(review: Review, probe: ProbeSpec, checklist: Checklist, environment: Environment | None,
           written: Mapping[str, Any]) -> tuple[set[str], str]:
    """Adds the probe's command and host; returns the names it reads and where they go."""
    from qatui.core.probes import kinds
    from qatui.core.probes.command import command_line

    used: set[str] = set()
    config = _fill_all(probe.config, written, used)
    who = f"{probe.item_id}/{probe.id}"
    where = probe.where()
    place = where.short if where else who
    destination = who
    if probe.kind in ("http", "websocket"):
        host = _host_of_url(str(config.get("url", "")))
        review.hosts.setdefault(host, []).append(who)
        destination = host
    elif probe.kind in kinds.KINDS and (contact := kinds.schema(probe.kind).destination) is not None:
        destination = inert(contact(config), one_line=True)  # tcp, tls: declared by the kind
        review.hosts.setdefault(destination, []).append(who)
    elif probe.kind == "exec":
        engine = _docker(environment, written, used)
        review.hosts.setdefault(engine, []).append(who)
        target = f"service {config.get('service')}" if config.get("service") else f"container {config.get('container')}"
        text = f"  {place}  [{who}] in {inert(target, one_line=True)} ({engine}):\n" + shown_command(command_line(config))
        review.commands.append(text + _extras(config))
        destination = f"the command of {who}"
    elif probe.kind == "command":
        cwd = f" in {inert(str(config['cwd']), one_line=True)}" if config.get("cwd") else ""
        text = f"  {place}  [{who}] on this machine{cwd}:\n" + shown_command(command_line(config))
        review.commands.append(text + _extras(config))
        destination = f"the command of {who}"
    elif probe.kind == "logs":
        destination = f"log source {config.get('source', '?')}"
    return used, destination


def _extras(config: Mapping[str, Any]) -> str:
    text = ""
    env_vars = config.get("env")
    if isinstance(env_vars, Mapping) and env_vars:
        text += "\n    env: " + " ".join(inert(f"{k}={v}", one_line=True) for k, v in env_vars.items())
    for key in ("user", "workdir"):
        if config.get(key):
            text += f"\n    {key}: {inert(str(config[key]), one_line=True)}"
    return text


def _log_source(review: Review, source: LogSourceSpec, environment: Environment | None,
                written: Mapping[str, Any]) -> tuple[set[str], str]:
    used: set[str] = set()
    target = _fill(source.target, written, used)
    place = source.position.short if source.position else source.name
    who = f"log source {source.name}"
    if source.kind == "command":
        review.commands.append(f"  {place}  [{who}] on this machine:\n" + shown_command(target))
        return used, f"the command of {who}"
    if source.kind in ("service", "container"):
        engine = _docker(environment, written, used)
        review.hosts.setdefault(engine, []).append(who)
        return used, engine
    return used, f"{who} (file {inert(target, one_line=True)})"


def review_environment(checklist: Checklist, env_key: str | None) -> Review:
    """The review for one environment (None: no environment)."""
    environment = checklist.environments.get(env_key or "")
    written = _written(checklist, environment)
    review = Review([env_key] if env_key else [])
    reads: dict[str, set[str]] = {}
    for probe in checklist.probes():
        used, destination = _probe(review, probe, checklist, environment, written)
        for name in used:
            reads.setdefault(name, set()).add(destination)
    for source in checklist.logs.values():
        used, destination = _log_source(review, source, environment, written)
        for name in used:
            reads.setdefault(name, set()).add(destination)
    captures = {name for probe in checklist.probes() for name in probe.captures()}
    for name, secret in checklist.secrets.items():
        what = (f"secret ${{{name}}} from environment variable ${secret.env}" if secret.env
                else f"secret ${{{name}}} from file {inert(str(secret.file), one_line=True)}")
        review.inputs[name] = (what, reads.get(name, set()))
    declared = list(getattr(checklist, "from_env", ()) or ())  # `from_env:`: what it may read
    for name in sorted(set(reads) | set(declared)):
        if name in written or name in captures or name in checklist.secrets:
            continue
        review.inputs[name] = (f"environment variable ${{{name}}}", reads.get(name, set()))
    return review


def review(checklist: Checklist, env_key: str | None = None) -> list[Review]:
    """The review of every environment (`env_key` first when given); environments whose
    review reads the same are shown together."""
    keys: list[str | None] = list(checklist.environments) or [None]
    if env_key in keys:
        keys.remove(env_key)
        keys.insert(0, env_key)
    grouped: list[Review] = []
    for key in keys:
        one = review_environment(checklist, key)
        for other in grouped:
            if other.content() == one.content():
                other.environments.extend(one.environments)
                break
        else:
            grouped.append(one)
    return grouped


def review_blocks(checklist: Checklist, env_key: str | None = None) -> list[str]:
    """Every block of the review, as `qatui trust` prints them and the trust dialog shows them."""
    return [block for one in review(checklist, env_key) for block in one.blocks()]


def command_count(checklist: Checklist) -> int:
    """How many commands the checklist runs (command/exec probes and command log sources)."""
    return sum(1 for p in checklist.probes() if p.runs_code) + sum(
        1 for s in checklist.logs.values() if s.kind == "command")

