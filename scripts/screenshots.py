"""Make the README's pictures from the real app: `screenshots/*.svg`.

The app is built by the same factory as the CLI (`qatui.ui.app.create_app`), opened on the demo
checklist against the real demo target, driven with Textual's Pilot, and saved with
`App.save_screenshot`. The clock is fixed so headers and the record read the same every time;
the target's log lines carry the real time and its ports are free ports, so those differ from
run to run (these are pictures, not snapshot tests — `tests/ui/` has those).

    python scripts/screenshots.py [--out screenshots]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from qatui.demo.target import running  # noqa: E402 - after the path tweak, so it runs as a script

FIXED_NOW = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)
DEMO = ROOT / "checklists" / "demo.yaml"


def fixed_clock() -> datetime:
    return FIXED_NOW


async def settle(pilot: Any, done: Callable[[], bool], *, timeout: float = 20.0, what: str = "") -> None:
    """Let the app run until `done()`; a deadline instead of a guess at how long it takes."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError(f"the app did not reach: {what}")
        await pilot.pause(0.05)
    await pilot.pause()


def make_app(record: Path, env: dict[str, str], *, tester: str | None = "Hannah") -> Any:
    from qatui.core.trust import trust
    from qatui.ui.app import create_app

    app = create_app(DEMO, env_key="demo" if tester else None, tester=tester, record_path=record,
                     clock=fixed_clock, env_vars=env, config_dir=record.parent / "config",
                     deterministic=True)
    assert app.checklist is not None
    trust(app.checklist, env)
    return app


def main_ready(app: Any) -> Callable[[], bool]:
    """The main screen is up, no probe is running and the first item's probes have results."""

    def ready() -> bool:
        return (
            app.recorder is not None
            and type(app.screen).__name__ == "MainScreen"
            and not app.view.running_probes
            and bool(app.view.probe_results("health"))
        )

    return ready


async def shoot_main(out: Path, env: dict[str, str], work: Path, size: tuple[int, int], name: str) -> None:
    import httpx

    app = make_app(work / f"{name}.md", env)
    async with app.run_test(size=size) as pilot:
        await settle(pilot, main_ready(app), what="the main screen with probe results")
        # The broken endpoint logs a traceback: the log pane shows it highlighted.
        httpx.get(f"{env['QATUI_DEMO_BASE_URL']}/api/v1/labels/print/")
        await pilot.pause(0.6)  # a few of the log pane's 100 ms drains
        app.save_screenshot(f"{name}.svg", str(out))
    print(f"  {out / (name + '.svg')}")


async def shoot_logs_zoomed(out: Path, env: dict[str, str], work: Path) -> None:
    """The log pane zoomed (`z`) with its lines wrapped (`w`): the traceback of the broken
    endpoint read whole, at 120×40."""
    import httpx

    app = make_app(work / "logs-zoomed.md", env)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, main_ready(app), what="the main screen with probe results")
        httpx.get(f"{env['QATUI_DEMO_BASE_URL']}/api/v1/labels/print/")
        await pilot.pause(0.6)  # a few of the log pane's 100 ms drains
        app.screen.log_pane.log_widget.focus()
        await pilot.press("z", "w")
        await pilot.pause(0.3)
        app.save_screenshot("logs-zoomed.svg", str(out))
    print(f"  {out / 'logs-zoomed.svg'}")


async def tick(pilot: Any, app: Any, key: str, note: str = "") -> None:
    """Wait for the selected item's probes (auto-run), then tick it, with a note if asked."""
    item_id = app.screen.current_item_id
    item = app.checklist.item(item_id)
    await settle(pilot, lambda: not item.probes or (bool(app.view.probe_results(item_id)) and not app.view.running_probes),
                 what=f"{item_id}'s probe results")
    await pilot.press(key)
    if note:
        await settle(pilot, lambda: type(app.screen).__name__ == "NoteModal", what="the note prompt")
        await pilot.press(*note)
        await pilot.press("ctrl+s")  # enter would start a new line
    await settle(pilot, lambda: app.recorder.session.item(item_id).status.value != "untested",
                 what=f"{item_id} to be ticked")


async def shoot_failure_help_signoff(out: Path, env: dict[str, str], work: Path) -> None:
    app = make_app(work / "failure.md", env)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, main_ready(app), what="the main screen")
        # A tester's first minutes: three passes, the label endpoint's 500, the echo passes …
        # (each verdict moves on to the next open item: no j)
        await tick(pilot, app, "p")
        for key, note in (("p", ""), ("p", ""),
                          ("f", "HTTP 500: request.is_ajax() is gone in Django 4 (traceback in the log)"),
                          ("p", "")):
            await tick(pilot, app, key, note)
        # … and the WebSocket aimed at the HTTP port, failed, with its explanation expanded.
        await tick(pilot, app, "f", "The HTTP port answers plain HTTP; the socket is on the Daphne port")
        await pilot.press("k")  # back on it: the cursor moved on after the verdict
        app.screen.query_one("#probes").focus()
        await pilot.press("enter")  # expand: detail and explanation
        await pilot.pause(0.3)
        app.save_screenshot("failed-item.svg", str(out))
        print(f"  {out / 'failed-item.svg'}")

        app.screen.query_one("#checklist").focus()
        await pilot.press("question_mark")
        await pilot.pause(0.2)
        app.save_screenshot("help.svg", str(out))
        print(f"  {out / 'help.svg'}")
        await pilot.press("escape")
        await pilot.pause(0.2)

        await pilot.press("i")  # the checklist's description and notes
        await pilot.pause(0.3)
        app.save_screenshot("notes.svg", str(out))
        print(f"  {out / 'notes.svg'}")
        await pilot.press("escape")
        await pilot.pause(0.2)

        await pilot.press("S")
        await pilot.pause(0.3)
        app.save_screenshot("signoff.svg", str(out))
        print(f"  {out / 'signoff.svg'}")


async def shoot_start(out: Path, env: dict[str, str], work: Path) -> None:
    """As `qatui demo` opens for a newcomer: the record line names the demo's data folder
    under a home folder (`~/.local/share/qatui/demo/…`), not this script's temporary one."""
    from qatui.core.trust import trust
    from qatui.ui.app import create_app

    home = work / "home"
    env = {**env, "HOME": str(home)}
    env.pop("XDG_DATA_HOME", None)
    app = create_app(DEMO, env_key="demo", tester=None, clock=fixed_clock, env_vars=env,
                     config_dir=work / "start-config", deterministic=True,
                     record_folder=home / ".local" / "share" / "qatui" / "demo")
    assert app.checklist is not None
    trust(app.checklist, env)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, lambda: type(app.screen).__name__ == "StartScreen", what="the start screen")
        await pilot.pause(0.2)
        app.save_screenshot("start.svg", str(out))
    print(f"  {out / 'start.svg'}")


async def shoot_all(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="qatui-shots-"))
    # The background task does not fail on its own here, so every picture tells the same story.
    with running(error_after=None, chatter_every=1.0) as target:
        env = {**os.environ, **target.environ(), "XDG_DATA_HOME": str(work / "data"),
               "XDG_CONFIG_HOME": str(work / "config")}
        await shoot_main(out, env, work, (120, 40), "main")
        await shoot_main(out, env, work, (80, 24), "main-80x24")
        await shoot_logs_zoomed(out, env, work)
        await shoot_failure_help_signoff(out, env, work)
        await shoot_start(out, env, work)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    args = parser.parse_args(argv)
    print("writing screenshots:")
    asyncio.run(shoot_all(args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
