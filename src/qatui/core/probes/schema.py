"""What a probe kind accepts, declared once, in the kind's own module (`SCHEMA = KindSchema(…)`).

The loader validates a probe with it, the YAML writer orders keys with it, the importers build
configs with it (`KindSchema.config`: known keys only, defaults left out), the runners read
their defaults from it, the engine lists kinds from the registry (`kinds.py`) and a test checks
docs/checklist-format.md's probe table (every key, every default) against it. Common keys
(`id`, `timeout`, `retry`, …) are here once, with the default timeout.

`check` receives the loader's probe checker (`qatui.core.load.probe_checker.ProbeChecker`): it reads the
kind-specific keys from `checker.node`, writes validated values into `checker.config` and
reports mistakes with `checker.v.add(position, message)`, so every problem keeps its
file:line:col. `expect_parsers` does the same for expectation keys the generic parser does not
know (`days_left_min`); the others (`max_ms`, `status`, `*_contains`, …) are parsed by name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import field
from typing import Any

from qatui.core.datatypes import datatype

#: Seconds a probe may take unless it says `timeout:`; written once (loader, model, writer).
DEFAULT_TIMEOUT = 10.0

#: Keys every probe takes, whatever its kind.
COMMON_KEYS = ("id", "kind", "name", "timeout", "destructive", "retry", "until", "expect", "capture",
               "only_env")
#: The common keys kept in a probe's `config` (the others are `ProbeSpec` fields), in the order
#: they are written after the kind's own keys.
CONFIG_COMMON = ("retry", "until", "expect", "capture")


@datatype(frozen=True)
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
    #: Mapping keys the YAML writer puts on one line when short (`window: {lines: 500}`).
    inline: tuple[str, ...] = ()

    def default(self, key: str) -> Any:
        """The value `key` (`method`, `expect.exit_code`) takes when left out; KeyError if none."""
        return self.defaults[key]

    def config(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """A probe config made by code (the Markdown and curl importers), as the loader would
        keep it: the kind's keys in their documented order, then `retry`, `until`, `expect`,
        `capture`; a value equal to the kind's default left out (`method: GET` is not written).

        A key the kind does not take is a bug in the caller, not a user's mistake: it raises
        KeyError naming it (the importers' tests load everything they make)."""
        unknown = [key for key in values if key not in self.keys and key not in CONFIG_COMMON]
        unknown += [f"expect.{key}" for key in values.get("expect") or {} if key not in self.expect]
        rules = (*self.capture, "secret", *self.capture_options)
        for name, rule in (values.get("capture") or {}).items():
            unknown += [f"capture.{name}.{key}" for key in rule if key not in rules]
        if unknown:
            raise KeyError(f"a {self.name} probe takes no {', '.join(unknown)}")
        result: dict[str, Any] = {}
        for key in (*self.keys, *CONFIG_COMMON):
            if key not in values or _is_default(self.defaults, key, values[key]):
                continue
            value = values[key]
            if key == "expect" and isinstance(value, Mapping):
                value = {k: v for k, v in value.items() if not _is_default(self.defaults, f"expect.{k}", v)}
                if not value:
                    continue
            result[key] = value
        return result


def _is_default(defaults: Mapping[str, Any], key: str, value: Any) -> bool:
    """`value` is the declared default of `key` (same type too: `verify: 1` is not `true`)."""
    return key in defaults and type(defaults[key]) is type(value) and defaults[key] == value
