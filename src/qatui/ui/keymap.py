"""The user's keymap: `keymap.toml` in qatui's config folder, applied with Textual's keymaps.

Every key of the screen has a stable id (`ui/keys.py`). A tester who wants other keys writes

    # ~/.config/qatui/keymap.toml
    pass = "y"            # replaces p
    fail = "x,ctrl+f"     # two keys for one action
    run_section = "f5"

and qatui hands the table to `App.set_keymap`, which replaces the keys of the bindings with
those ids wherever they are declared (footer included). The keys given replace the defaults,
as in posting's `keymap:` section; TOML (stdlib `tomllib`) as in harlequin's config, kept in a
file of its own because `config.json` beside it is rewritten by qatui.

A keymap is convenience, not data: a broken entry never stops a session. Every problem is
collected with its `file:line` (a TOML syntax error with its column), an unknown id with the
nearest real one (`pas` → `pass`), an unknown key name with the nearest key name; the good
entries still apply, and the screen says what was left out. The help screen shows the keys as
remapped (`shown_keys`).
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from textual.keys import Keys, _character_to_key

from qatui.core.datatypes import datatype
from qatui.core.suggest import did_you_mean
from qatui.ui.keys import KEYS_BY_ID, display_keys

if TYPE_CHECKING:
    from textual.app import App

FILE_NAME = "keymap.toml"
MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})


@datatype
class UserKeymap:
    """What `keymap.toml` asks for: binding id → keys (only the valid entries), and the
    problems found, each as `path:line: message`."""

    path: Path
    keys: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


@cache
def key_names() -> frozenset[str]:
    """Every key name Textual knows without its modifiers: `f5`, `pageup`, `question_mark`, `x`."""
    names = {key.value.rsplit("+", 1)[-1] for key in Keys}
    names |= {_character_to_key(c) for c in string.printable if not c.isspace()}
    names |= {"space", "enter", "tab", "escape", "backspace", "delete", "insert"}
    return frozenset(name for name in names if name)


def _line_of(text: str, binding_id: str) -> int:
    """The line that sets `binding_id` (tomllib keeps no positions): its first assignment."""
    pattern = re.compile(rf"""^\s*(?:"{re.escape(binding_id)}"|'{re.escape(binding_id)}'|{re.escape(binding_id)})\s*=""")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return number
    return 1


def key_problem(spec: str) -> str | None:
    """Why `spec` (`x`, `ctrl+x`, `f5,ctrl+r`) is not a key Textual can bind, or None."""
    if not spec.strip():
        return "no key given"
    for alternative in spec.split(","):
        parts = alternative.strip().split("+")
        if not all(parts):
            return f"{alternative.strip()!r} is not a key"
        *modifiers, name = parts
        unknown = [m for m in modifiers if m.lower() not in MODIFIERS]
        if unknown:
            return f"{unknown[0]!r} is not a modifier (ctrl, shift, alt, meta, super)"
        if len(name) != 1 and name.lower() not in key_names():
            return f"{name!r} is not a key name{did_you_mean(name.lower(), sorted(key_names()))}"
    return None


def parse(text: str, path: Path) -> UserKeymap:
    """The keymap in `text` (the contents of `path`), with every problem found."""
    import tomllib  # only when a keymap file exists: ~1 ms of start-up otherwise

    keymap = UserKeymap(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        # "Expected '=' after a key … (at line 3, column 7)" → path:3:7: …
        found = re.search(r"\(at line (\d+), column (\d+)\)", str(error))
        where = f"{path}:{found.group(1)}:{found.group(2)}" if found else str(path)
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(error))
        keymap.problems.append(f"{where}: not TOML: {message}")
        return keymap
    for binding_id, value in data.items():
        where = f"{path}:{_line_of(text, binding_id)}"
        if binding_id not in KEYS_BY_ID:
            keymap.problems.append(
                f"{where}: unknown binding {binding_id!r}{did_you_mean(binding_id, KEYS_BY_ID)}; "
                "the ids are in the help screen (?) and docs/configuration.md"
            )
            continue
        if not isinstance(value, str):
            keymap.problems.append(f'{where}: {binding_id} must be keys in quotes, such as "x" or "x,ctrl+x"')
            continue
        problem = key_problem(value)
        if problem is not None:
            keymap.problems.append(f"{where}: {binding_id} = {value!r}: {problem}")
            continue
        keymap.keys[binding_id] = ",".join(part.strip() for part in value.split(","))
    return keymap


def load(config_dir: Path) -> UserKeymap:
    """`keymap.toml` in `config_dir`; no file is an empty keymap, an unreadable one a problem."""
    path = config_dir / FILE_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return UserKeymap(path)
    except (OSError, UnicodeDecodeError) as error:
        return UserKeymap(path, problems=[f"{path}: not read: {getattr(error, 'strerror', None) or error}"])
    return parse(text, path)


def shown_keys(binding_id: str, default: str, keymap: Mapping[str, str]) -> str:
    """The keys of a binding as the help screen shows them: the user's, else the default."""
    return display_keys(keymap.get(binding_id, default))


def apply(app: App[object], keymap: UserKeymap) -> None:
    """Give the valid entries to Textual and say, once, what was left out and why."""
    if keymap.keys:
        app.set_keymap(keymap.keys)
    if keymap.problems:
        shown = keymap.problems[:5]
        more = len(keymap.problems) - len(shown)
        app.notify("\n".join(shown) + (f"\n… and {more} more" if more > 0 else "")
                   + "\nThe other keys work as before.", title="Keymap entries left out",
                   severity="warning", timeout=20)
