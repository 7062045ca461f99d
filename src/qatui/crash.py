"""Where an unexpected error goes: a crash file, never a traceback on the tester's terminal.

Both the CLI (`cli.main`) and the screen (`QatuiApp._fatal_error`) come here, so a bug in any
command ends with the same two plain sentences and a file to attach to a bug report.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path


def write_crash_report(text: str, env: Mapping[str, str] | None = None) -> Path | None:
    """Write a crash's traceback to `$XDG_STATE_HOME/qatui/crash-<time>.log`; None if that fails."""
    import time

    from qatui.core.fsutil import user_dir

    path = user_dir("state", env) / f"crash-{time.strftime('%Y%m%d-%H%M%S')}.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError:
        return None
    return path
