"""One run of a checklist, as both faces see it: the screen (`ui/`) and the commands
(`qatui probe`, `qatui logs`).

A rule that decides what a run does lives here once, and the screen and the commands ask it:

* `trust_state.TrustState` — whether the checklist is trusted *now* (read live from the store,
  so `qatui trust --yes` in another terminal, or a yes on the screen, is seen by a runner that
  already exists); an untrusted checklist runs nothing and reads no secret;
* `scope.Scope` — which `${NAME}` a probe or a log source may read (captures → environment
  vars → checklist vars → secrets → the process environment variables the checklist
  declares) and the `Masker` that hides secrets;
* `gate` — the trust and destructive rules checked before any probe runs;
* `deps` — which earlier probes a run needs for its captures, taken once per session;
* `figures` — facts and metrics derived from probe results, and a metric's change;
* `model.RunModel` — the run itself: one scope, one trust state, one probe runner, and the
  log sources built with the same scope and masker.

Nothing here imports a UI, and the heavy parts (the probe engine, the log sources) are imported
only when first used, so the screen's start-up does not pay for them; nor do the names above:
each is imported from its module when first asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qatui.core.run.deps import plan_probes, producers, referenced_names, with_dependencies
    from qatui.core.run.figures import derived_figures, metric_change
    from qatui.core.run.gate import Refusal, needs_confirmation, refusal, runs_code
    from qatui.core.run.scope import Scope, declared_env
    from qatui.core.run.trust_state import NotTrusted, TrustState

#: Each name this package offers → the module that holds it, imported when the name is first
#: asked for (PEP 562): the screen shows a session with only the scope and the trust state.
_HOMES = {
    "plan_probes": "deps", "producers": "deps", "referenced_names": "deps", "with_dependencies": "deps",
    "derived_figures": "figures", "metric_change": "figures",
    "Refusal": "gate", "needs_confirmation": "gate", "refusal": "gate", "runs_code": "gate",
    "Scope": "scope", "declared_env": "scope",
    "NotTrusted": "trust_state", "TrustState": "trust_state",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


__all__ = [
    "NotTrusted",
    "Refusal",
    "Scope",
    "TrustState",
    "declared_env",
    "derived_figures",
    "metric_change",
    "needs_confirmation",
    "plan_probes",
    "producers",
    "referenced_names",
    "refusal",
    "runs_code",
    "with_dependencies",
]
