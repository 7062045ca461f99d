"""The same checklist against the same target through both faces: `qatui probe` and the screen.

`probe_verdicts` runs `qatui probe CHECKLIST --format json` as a real process; `screen_verdicts`
drives the screen with Textual's Pilot the way a tester does (open each item with probes, press
`r`, wait until its probes are done). Each returns probe id → status. A rule written twice (in
`commands/` and in `ui/`) shows up here as a probe whose verdict differs between the two.

Both faces run the probes one item at a time in checklist order (`qatui probe --jobs 1`, and one
item at a time on the screen), so a probe whose verdict depends on what ran before it (a logs
probe that must not see the ERROR an earlier probe provoked) sees the same history in both.
The checklist must be trusted in `env`'s trust store first (`trust_in`).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tests.e2e.helpers import qatui_binary

#: Seconds the screen may take for one item's probes (timeouts of slow probes included).
ITEM_DEADLINE = 60.0


def trust_in(checklist: Path, env: Mapping[str, str]) -> None:
    """`qatui trust CHECKLIST --yes` with this environment (its XDG_DATA_HOME)."""
    done = subprocess.run([qatui_binary(), "trust", str(checklist), "--yes"], env=dict(env),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def probe_verdicts(checklist: Path, env_key: str, env: Mapping[str, str], *,
                   allow_destructive: bool = False) -> dict[str, str]:
    """probe id → status from `qatui probe --format json --jobs 1`."""
    argv = [qatui_binary(), "probe", str(checklist), "--env", env_key, "--format", "json", "--jobs", "1"]
    if allow_destructive:
        argv += ["--allow-destructive", env_key]
    done = subprocess.run(argv, env=dict(env), capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), done.stderr
    return {r["probe"]: r["status"] for r in json.loads(done.stdout)["results"]}


async def screen_verdicts(checklist: Path, env_key: str, env: Mapping[str, str], workdir: Path, *,
                          allow_destructive: bool = False) -> dict[str, str]:
    """probe id → status on the screen: every item with probes opened and run with `r`, in
    checklist order; a destructive probe's question is answered with the environment's name
    when `allow_destructive` (as `--allow-destructive` does), else declined — and a declined
    question runs none of that item's probes on the screen, while `qatui probe` still runs the
    item's other probes: compare environments where probes ask with `allow_destructive=True`."""
    from qatui.ui.app import create_app
    from qatui.ui.screens.modals import TrustModal, TypeNameModal

    app = create_app(checklist, env_key=env_key, tester="Differential", record_path=workdir / "screen-record.md",
                     config_dir=workdir / "config", env_vars=dict(env), deterministic=True, auto_run=False)
    assert app.checklist is not None
    verdicts: dict[str, str] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for item in app.checklist.items():
            if not item.probes:
                continue
            screen: Any = app.screen
            assert screen.checklist_view.select_item(item.id), item.id
            await pilot.pause()
            await pilot.press("r")
            await pilot.pause()
            assert not isinstance(app.screen, TrustModal), "trust the checklist first (trust_in)"
            if isinstance(app.screen, TypeNameModal):
                if allow_destructive:
                    await pilot.press(*env_key, "enter")
                else:
                    await pilot.press("escape")
            wanted = {p.id for p in item.probes}
            declined = set() if allow_destructive else {p.id for p in app.run_model.needs_confirmation(item.probes)}
            if declined:
                declined = wanted  # the screen's "no" runs none of the item's probes
            await _until(pilot, lambda w=wanted - declined, i=item.id:
                         not app.view.running_probes and w <= set(app.view.probe_results(i)))
            for probe_id in wanted:
                result = app.view.probe_results(item.id).get(probe_id)
                verdicts[probe_id] = result.status.value if result is not None else "not_run"
        await pilot.press("q")
    return verdicts


async def _until(pilot: Any, condition: Any) -> None:
    import time

    deadline = time.monotonic() + ITEM_DEADLINE
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the screen's probes did not finish in time")
        await pilot.pause(0.05)
