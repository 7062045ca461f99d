"""The rules checked before a probe runs: trust, the environment's parts, the destructive gate.

* **Trust**: a checklist that is not trusted runs nothing — no HTTP, WebSocket or TCP probe
  either, since those send the checklist's requests (and its secrets) where it says.
* **Parts**: a probe with `only_env:` checks a part only those environments have (MySQL,
  nginx); elsewhere it is not run, and never asks to be confirmed.
* **Destructive**: a probe marked `destructive: true` (or under such an item) asks before it
  runs on a protected environment; `destructive: always` asks on every environment (a probe
  that sends mail or runs the test suite is not harmless on staging). "Asks" means: the screen
  asks the tester to type the environment's name for this run; `qatui probe` runs it only with
  `--allow-destructive ENV`, and otherwise reports it not run.

The screen asks these questions before it submits; the engine checks them again for every
probe, so a probe can never slip past the question on either face.
"""

from __future__ import annotations

from collections.abc import Container

from qatui.core.checklist import Checklist, Environment, ProbeSpec
from qatui.core.datatypes import datatype
from qatui.core.run.trust_state import TrustState


@datatype(frozen=True)
class Refusal:
    """Why a probe was not run: a one-line summary and the explanation with what to do."""

    summary: str
    explanation: str
    reason: str  # "trust" | "environment" | "destructive"


def runs_code(checklist: Checklist, spec: ProbeSpec) -> bool:
    """Command and exec probes, and logs probes over a `command` log source, run programs."""
    if spec.runs_code:
        return True
    if spec.kind == "logs":
        source = checklist.logs.get(str(spec.config.get("source", "")))
        return source is not None and source.kind == "command"
    return False


def _item_flags(checklist: Checklist, spec: ProbeSpec) -> tuple[bool, bool]:
    try:
        item = checklist.item(spec.item_id)
    except KeyError:
        return False, False
    return item.destructive, item.destructive_always


def destructive(checklist: Checklist, spec: ProbeSpec) -> bool:
    """Whether `spec` may change data (marked so itself, or under a destructive item, unless
    its kind only looks), on whatever environment: what a run of many probes at once (`R` on
    the screen) leaves out unless the tester runs it on purpose."""
    item_destructive, item_always = _item_flags(checklist, spec)
    return spec.is_destructive(item_destructive) or spec.asks_always(item_always)


def belongs(environment: Environment | None, spec: ProbeSpec) -> bool:
    """Whether `spec` is part of `environment` (`only_env:` absent, or naming it)."""
    return not spec.only_env or (environment is not None and environment.key in spec.only_env)


def needs_confirmation(checklist: Checklist, environment: Environment | None, spec: ProbeSpec) -> bool:
    """Whether `spec` may run only after the tester confirmed it for this run."""
    if not belongs(environment, spec):
        return False  # it will not run here: nothing to confirm
    destructive, always = _item_flags(checklist, spec)
    if spec.asks_always(always):
        return True
    return spec.is_destructive(destructive) and bool(environment and environment.protected)


def refusal(
    checklist: Checklist,
    environment: Environment | None,
    spec: ProbeSpec,
    trust: TrustState,
    *,
    allow_destructive: bool = False,
    confirmed: Container[str] = (),
) -> Refusal | None:
    """Why `spec` may not run now, or None when it may."""
    if not trust.trusted:
        return Refusal(
            "not run: the checklist is not trusted",
            trust.why_not(),
            "trust",
        )
    if not belongs(environment, spec):
        here = environment.key if environment else "(none)"
        return Refusal(
            f"not run: not part of environment {here}",
            f"this probe runs only on {', '.join(spec.only_env)} (its `only_env:`); environment {here} has no such part",
            "environment",
        )
    if needs_confirmation(checklist, environment, spec) and not (allow_destructive or spec.id in confirmed):
        key = environment.key if environment else "default"
        label = (environment.label if environment else "") or key
        _, always = _item_flags(checklist, spec)
        if spec.asks_always(always):
            where = f"it is marked `destructive: always`, so it asks on every environment, {label} included"
        else:
            where = f"{label} is protected and this probe changes data"
        return Refusal(
            f"not run: destructive probe on {'protected ' if environment and environment.protected else ''}environment {key}",
            f"{where}; to run it pass `--allow-destructive {key}` (the screen asks you to type {key!r})",
            "destructive",
        )
    return None
