"""An unexpected exception inside the app ends it with plain words, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

DEMO = Path(__file__).resolve().parents[2] / "checklists" / "demo.yaml"


def test_crash_prints_two_sentences_and_writes_a_crash_file(tmp_path: Path) -> None:
    # A real process, headless, whose app raises from a key handler.
    script = textwrap.dedent(
        f"""
        import asyncio
        from qatui.ui.app import create_app

        app = create_app({str(DEMO)!r}, env_key="demo", tester="T",
                         record_path={str(tmp_path / "r.md")!r}, deterministic=True)

        def boom() -> None:
            raise RuntimeError("synthetic fault for the crash test")

        async def main() -> None:
            async with app.run_test(size=(100, 30)) as pilot:
                await pilot.pause()
                app.call_later(boom)
                await pilot.pause()
                await pilot.pause()

        try:
            asyncio.run(main())
        except RuntimeError:
            pass
        """
    )
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
           "XDG_DATA_HOME": str(tmp_path / "data"), "NO_COLOR": "1"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60)
    shown = out.stdout + out.stderr
    assert "qatui stopped because of an internal error" in shown, shown[-2000:]
    assert "Traceback" not in shown and "synthetic fault" not in shown
    crashes = list((tmp_path / "state" / "qatui").glob("crash-*.log"))
    assert len(crashes) == 1
    assert "synthetic fault for the crash test" in crashes[0].read_text()
