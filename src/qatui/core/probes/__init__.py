"""Probes: checks a machine can run beside a checklist item (http, websocket, command, exec,
tcp, logs). They gather evidence and suggest; they never tick an item for the tester.

`ProbeRunner` runs them on its own loop in its own thread; the faces (the screen, `qatui
probe`) reach it through `core/run` (`RunModel`), which owns trust, scope and the gates.
`run_probes` runs a list to the end on a fresh runner (tests, scripts).
"""

from qatui.core.probes.engine import (
    ProbeRunner,
    derived_figures,
    run_probes,
    run_to_end,
    with_dependencies,
)

__all__ = ["ProbeRunner", "derived_figures", "run_probes", "run_to_end", "with_dependencies"]
