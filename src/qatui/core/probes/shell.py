"""No shell splicing: `${…}` in a shell line that holds data is handed over in the environment.

A checklist's `run:` line is code the tester reviewed when they trusted the checklist. The values
that fill its `${…}` at run time are not all code: a capture comes from a server's answer, a
secret from a file or the environment, a process environment variable (a CI branch name) from
whoever set it. Pasted into shell text, `main; rm -rf ~` in a branch name is a second command.
So, as GitHub's hardening guide does for `${{ }}` in `run:` (use `env:` instead), such a value
never becomes shell text: `${token}` becomes a quoted expansion of `QATUI_token`, and
`QATUI_token` is put in the command's environment. The shell expands it as one word and never
parses it, whatever it holds (`;`, quotes, `$(…)`, backticks, newlines).

What stays text: values written in the checklist itself — its `vars`, an environment's `vars`,
the default of `${name:-default}` — are part of the reviewed code, so `${compose} ps` with
`compose: docker compose -f ci.yml` still works. A written var whose own value uses `${…}` of
something else (a capture, a secret, the process environment) is data again, and goes by the
environment like the value it holds.

The replacement depends on where the reference stands in the line, found by a small scan of
the shell's quoting (single and double quotes, backslashes, `$(…)`, backticks):

| where              | `${token}` becomes       |
|--------------------|--------------------------|
| unquoted           | `"${QATUI_token}"`       |
| in `"…"`           | `${QATUI_token}`         |
| in `'…'`           | `'"${QATUI_token}"'`     |

The same holds for `argv: [sh, -c, LINE]` (a shell line in disguise) and for exec probes, whose
`environment=` carries the values into the container. Values outside shell text (`argv` of a
program that is not a shell, `env:` values, `cwd`, `workdir`) are plain data and expanded as
usual.
"""

from __future__ import annotations

import os
import re
import secrets as _random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from qatui.core.variables import expand, expand_all, references

#: Prefix of the environment variables that carry values into a shell line.
ENV_PREFIX = "QATUI_"
#: Programs whose `-c` argument is a shell line.
SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "busybox"})
#: Probe kinds whose `run` is a shell line.
SHELL_KINDS = frozenset({"command", "exec"})

_NAME_CHARS = re.compile(r"[^A-Za-z0-9_]")


def is_written_text(
    before: Sequence[Mapping[str, Any]], written: Sequence[Mapping[str, Any]], depth: int = 8
) -> Callable[[str], bool]:
    """A rule `name → True` when `${name}` resolves to text written in the checklist itself.

    Mirrors `variables.layered_lookup`'s order: `before` (captures) wins and is data; then the
    `written` scopes (environment vars, checklist vars), whose value counts as written only if
    every `${…}` inside it is written too (followed `depth` levels); anything else (secrets,
    the process environment, unset) is data.
    """

    def written_text(name: str, level: int = 0) -> bool:
        if any(name in scope for scope in before):
            return False
        for scope in written:
            if name in scope:
                value = str(scope[name])
                if level >= depth:
                    return "$" not in value
                return all(written_text(ref.name, level + 1) for ref in references(value))
        return False

    return written_text


@dataclass
class ShellLine:
    """A shell line made safe: `text` for the shell, `env` with the values it refers to."""

    text: str
    env: dict[str, str] = field(default_factory=dict)


def env_name(name: str, taken: Mapping[str, str]) -> str:
    """`QATUI_token` for `${token}`; `QATUI_db_host` for `${db.host}` (a suffix on a clash)."""
    base = ENV_PREFIX + _NAME_CHARS.sub("_", name)
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}_{n}", n + 1
    return candidate


def safe_line(
    text: str,
    lookup: Callable[[str], str | None],
    written_text: Callable[[str], bool],
    taken: Mapping[str, str] | None = None,
) -> ShellLine:
    """Expand `${…}` in shell `text`: written values as text, every other value through `env`
    (named so as not to clash with `taken`, the probe's own `env:`).

    Raises `UndefinedVariable` as `variables.expand` does (same defaults, same `$$`). Even where
    the quoting scan guessed wrong, a value only ever reaches the shell as the result of a
    parameter expansion, which the shell never parses as code.
    """
    nonce = _random.token_hex(8)
    marks: dict[str, str] = {}  # marker → name
    values: dict[str, str] = {}  # name → value

    def marking(name: str) -> str | None:
        value = lookup(name)
        if value is None or value == "" or written_text(name):
            return value  # unset (default or error as usual), empty, or reviewed text
        values[name] = value
        marker = f"\x00{nonce}:{len(marks)}\x00"
        marks[marker] = name
        return marker

    expanded = expand(text, marking)
    if not marks:
        return ShellLine(expanded)
    env: dict[str, str] = {}
    names: dict[str, str] = {}
    for name in dict.fromkeys(marks.values()):
        names[name] = env_name(name, {**(taken or {}), **env})
        env[names[name]] = values[name]
    pieces: list[str] = []
    position = 0
    pattern = re.compile("\x00" + nonce + r":\d+\x00")
    contexts = _quoting_at(expanded, [m.start() for m in pattern.finditer(expanded)])
    for match, context in zip(pattern.finditer(expanded), contexts, strict=True):
        pieces.append(expanded[position : match.start()])
        variable = names[marks[match.group(0)]]
        if context == "'":
            pieces.append(f"'\"${{{variable}}}\"'")
        elif context == '"':
            pieces.append(f"${{{variable}}}")
        else:
            pieces.append(f'"${{{variable}}}"')
        position = match.end()
    pieces.append(expanded[position:])
    return ShellLine("".join(pieces), env)


def _quoting_at(text: str, offsets: list[int]) -> list[str]:
    """The shell quoting in force at each offset: `'`, `"` or `` (unquoted).

    A scan, not a parser: it follows quotes, backslashes, `$(…)` and backticks, which is what
    decides how a word is read. A here-document's body is taken as unquoted text, where
    `"${QATUI_x}"` keeps the value inert but shows the quotes around it.
    """
    wanted = sorted(set(offsets))
    found: dict[int, str] = {}
    stack: list[str] = [""]  # "" plain, "'" single, '"' double, "(" command substitution, "`" backticks
    depth: list[int] = [0]  # open parentheses inside each "(" level
    i, n, w = 0, len(text), 0
    while w < len(wanted):
        while w < len(wanted) and i >= wanted[w]:  # `>`: a backslash just before a value
            top = stack[-1]
            found[wanted[w]] = top if top in ("'", '"') else ""
            w += 1
        if i >= n or w >= len(wanted):
            break
        c, top = text[i], stack[-1]
        if top == "'":
            if c == "'":
                stack.pop()
            i += 1
            continue
        if c == "\\":
            i += 2
            continue
        if c == "$" and text.startswith("$(", i):
            stack.append("(")
            depth.append(0)
            i += 2
            continue
        if c == "`":
            if top == "`":
                stack.pop()
            else:
                stack.append("`")
            i += 1
            continue
        if top == '"':
            if c == '"':
                stack.pop()
            i += 1
            continue
        # unquoted text: at the top level, inside $( … ) or backticks
        if c == "'":
            stack.append("'")
        elif c == '"':
            stack.append('"')
        elif top == "(" and c == "(":
            depth[-1] += 1
        elif top == "(" and c == ")":
            if depth[-1]:
                depth[-1] -= 1
            else:
                stack.pop()
                depth.pop()
        i += 1
    return [found.get(o, "") for o in offsets]


def _shell_argument(argv: Sequence[Any]) -> int | None:
    """The index of the shell line in `argv` (`[sh, -c, LINE, …]`, `[bash, -ec, LINE]`), if any."""
    if not argv or os.path.basename(str(argv[0])) not in SHELLS:
        return None
    start = 2 if os.path.basename(str(argv[0])) == "busybox" and len(argv) > 1 and str(argv[1]) in SHELLS else 1
    for index in range(start, len(argv) - 1):
        arg = str(argv[index])
        if not arg.startswith("-") or arg == "--":
            return None
        if "c" in arg[1:] and not arg.startswith("--"):
            return index + 1
    return None


def expand_config(
    kind: str, config: Mapping[str, Any], lookup: Callable[[str], str | None], written_text: Callable[[str], bool]
) -> dict[str, Any]:
    """The probe's configuration with `${…}` expanded, shell lines made safe.

    For `command` and `exec` probes, the shell line (`run`, or the line after `-c` in an `argv`
    that starts a shell) is made safe with `safe_line`, and the values it needs are added to the
    probe's `env` (which the command, or the exec in the container, receives).
    """
    if kind not in SHELL_KINDS:
        return dict(expand_all(dict(config), lookup))
    rest = {k: v for k, v in config.items() if k not in ("run", "argv")}
    result: dict[str, Any] = dict(expand_all(rest, lookup))
    env: dict[str, str] = {str(k): str(v) for k, v in (result.get("env") or {}).items()}
    if "run" in config:
        line = safe_line(str(config["run"]), lookup, written_text, env)
        result["run"] = line.text
        added = line.env
    elif "argv" in config and isinstance(config["argv"], list):
        argv = list(config["argv"])
        index = _shell_argument(argv)
        added = {}
        expanded: list[Any] = []
        for position, arg in enumerate(argv):
            if position == index:
                line = safe_line(str(arg), lookup, written_text, env)
                expanded.append(line.text)
                added = line.env
            else:
                expanded.append(expand_all(arg, lookup))
        result["argv"] = expanded
    else:
        if "argv" in config:
            result["argv"] = expand_all(config["argv"], lookup)
        added = {}
    if added:
        result["env"] = {**env, **added}
    return result
