"""The registry of probe kinds: name → the module that declares its `SCHEMA` and `run`.

Adding a kind is one line here plus its module (and its docs and tests). Modules are imported
on first use (`schema("tls")`), so loading a checklist imports only the kinds it uses and
start-up imports none. `looks_only`: the kind only observes (never destructive, never asks);
`runs_code`: it runs code from the checklist and needs the user's trust. They live here, not in
the module, because the model asks them for every probe on screen without importing runners.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from qatui.core.datatypes import datatype

if TYPE_CHECKING:
    from types import ModuleType

    from qatui.core.probes.schema import KindSchema


@datatype(frozen=True)
class Kind:
    """A probe kind: the module that holds its schema and runner, and what it may do (look only, run code)."""

    module: str
    looks_only: bool = False
    runs_code: bool = False


KINDS: dict[str, Kind] = {
    "http": Kind("qatui.core.probes.http"),
    "websocket": Kind("qatui.core.probes.websocket"),
    "command": Kind("qatui.core.probes.command", runs_code=True),
    "exec": Kind("qatui.core.probes.exec", runs_code=True),
    "tcp": Kind("qatui.core.probes.tcp", looks_only=True),
    "logs": Kind("qatui.core.probes.logs", looks_only=True),
    "tls": Kind("qatui.core.probes.tls", looks_only=True),
}

NAMES: tuple[str, ...] = tuple(KINDS)


def module(kind: str) -> ModuleType:
    """The kind's module (its `SCHEMA` and `async run(spec, cfg, ctx)`); KeyError if unknown."""
    return importlib.import_module(KINDS[kind].module)


def schema(kind: str) -> KindSchema:
    """The kind's declared schema; KeyError if the kind is unknown."""
    found: KindSchema = module(kind).SCHEMA
    return found


def looks_only(kind: str) -> bool:
    entry = KINDS.get(kind)
    return entry is not None and entry.looks_only


def runs_code(kind: str) -> bool:
    entry = KINDS.get(kind)
    return entry is not None and entry.runs_code
