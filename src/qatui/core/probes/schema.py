"""What a probe kind accepts, declared once, in the kind's own module (`SCHEMA = KindSchema(…)`).

The loader validates a probe with it, the YAML writer orders keys with it, the engine lists
kinds from the registry (`kinds.py`) and a test checks docs/checklist-format.md's probe table
against it. Common keys (`id`, `timeout`, `retry`, …) are here once, with the default timeout.

`check` receives the loader's probe checker (`qatui.core.load.probe_checker.ProbeChecker`): it reads the
kind-specific keys from `checker.node`, writes validated values into `checker.config` and
reports mistakes with `checker.v.add(position, message)`, so every problem keeps its
file:line:col. `expect_parsers` does the same for expectation keys the generic parser does not
know (`days_left_min`); the others (`max_ms`, `status`, `*_contains`, …) are parsed by name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: Seconds a probe may take unless it says `timeout:`; written once (loader, model, writer).
DEFAULT_TIMEOUT = 10.0

#: Keys every probe takes, whatever its kind.
COMMON_KEYS = ("id", "kind", "name", "timeout", "destructive", "retry", "until", "expect", "capture",
               "only_env")


@dataclass(frozen=True, slots=True)
class KindSchema:
    """One probe kind's keys, expectations, captures, defaults and validation."""

    name: str
    #: Kind-specific keys, in the order the docs list them and the writer writes them.
    keys: tuple[str, ...]
    check: Callable[[Any], None]
    #: Keys without which the probe is invalid (the check reports them where they are missing).
    required: tuple[str, ...] = ()
    #: Keys of `expect`; empty: the kind takes no `expect`.
    expect: tuple[str, ...] = ()
    #: Capture rules (besides `secret`); empty: the kind takes no `capture`.
    capture: tuple[str, ...] = ()
    #: Extra keys a capture rule may carry (`stream` for command output).
    capture_options: tuple[str, ...] = ()
    #: Values a key takes when it is left out (documented; the runner applies them).
    defaults: Mapping[str, Any] = field(default_factory=dict)
    #: Parsers for expectation keys the generic parser does not know: (checker, key, node) → value.
    expect_parsers: Mapping[str, Callable[[Any, str, Any], Any]] = field(default_factory=dict)
    #: The network place a probe contacts, from its (expanded) config, as the trust review lists
    #: it (`tcp db:5432`); None: the review handles the kind itself (urls, commands, logs).
    destination: Callable[[Mapping[str, Any]], str] | None = None
