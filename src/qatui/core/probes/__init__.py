"""Probes: checks a machine can run beside a checklist item (http, websocket, command, exec,
tcp, logs). They gather evidence and suggest; they never tick an item for the tester.

`ProbeRunner` runs them on its own loop in its own thread (the screen); `run_probes` runs a
list to the end for a blocking caller (`qatui probe`).
"""

from qatui.core.probes.engine import ProbeRunner, derived_figures, run_probes, with_dependencies

__all__ = ["ProbeRunner", "derived_figures", "run_probes", "with_dependencies"]
