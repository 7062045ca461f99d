"""Probes: checks a machine can run beside a checklist item (http, websocket, command, exec,
tcp, logs, tls — the registry is `kinds.py`). They gather evidence and suggest; they never tick
an item for the tester.

`ProbeRunner` runs them on its own loop in its own thread; the faces (the screen, `qatui
probe`) reach it through `core/run` (`RunModel`), which owns trust, scope and the gates.
`run_probes` runs a list to the end on a fresh runner (tests, scripts).

The names below are imported on first use (PEP 562): the loader reads `probes.schema` and
`probes.kinds`, and must not pay for the engine when it does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qatui.core.probes.engine import (
        ProbeRunner,
        derived_figures,
        run_probes,
        run_to_end,
        with_dependencies,
    )

__all__ = ["ProbeRunner", "derived_figures", "run_probes", "run_to_end", "with_dependencies"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from qatui.core.probes import engine

        return getattr(engine, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
