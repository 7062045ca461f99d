"""The demo checklist's probes, headless: `qatui probe` against `qatui demo --serve`.

Both are the real installed binary as separate processes, talking over loopback, the way a CI
smoke test would run them. The demo fails on purpose in two places (the label endpoint's 500
and the WebSocket aimed at the HTTP port); everything else passes.
"""

from __future__ import annotations

import json
import platform
import subprocess
from pathlib import Path

from qatui.demo.target import PASSWORD
from tests.e2e.helpers import isolated_env, qatui_binary, served_demo

DEMO = Path(__file__).resolve().parents[2] / "checklists" / "demo.yaml"
EXPECTED_PASS = {"health", "token", "products", "products-anonymous", "ws-echo", "ws-port",
                 "python-version", "cache-clear", "admin-login", "static-css", "daily-report"}


def qatui(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([qatui_binary(), *args], env=env, capture_output=True, text=True, timeout=60)


def test_demo_probes_headless(tmp_path: Path) -> None:
    base_env = isolated_env(tmp_path)
    with served_demo(base_env) as demo:
        env = {**base_env, **demo.variables}

        untrusted = qatui("probe", str(DEMO), "--env", "demo", "--format", "json", env=env)
        results = {r["probe"]: r for r in json.loads(untrusted.stdout)["results"]}
        # not trusted: nothing runs, HTTP and WebSocket probes included
        assert {r["status"] for r in results.values()} == {"not_run"}

        assert qatui("trust", str(DEMO), "--yes", env=env).returncode == 0
        run = qatui("probe", str(DEMO), "--env", "demo", "--format", "json", env=env)

    assert run.returncode == 1, run.stderr  # the demo fails on purpose
    assert PASSWORD not in run.stdout and PASSWORD not in run.stderr
    report = json.loads(run.stdout)
    results = {r["probe"]: r for r in report["results"]}
    assert {p for p, r in results.items() if r["status"] == "passed"} >= EXPECTED_PASS
    assert results["label-print"]["status"] == "failed" and "500" in results["label-print"]["summary"]
    wrong = results["ws-wrong-port"]
    assert wrong["status"] == "failed" and "404" in wrong["summary"]
    assert "port" in wrong["explanation"]  # the explanation says this is the HTTP port
    # "No ERROR since start" depends on timing (the label endpoint's traceback, the task's
    # failures, a session too young to vouch for a pass), but it is a verdict about the log,
    # never an internal error.
    assert results["no-errors"]["status"] in ("passed", "failed", "inconclusive"), results["no-errors"]
    assert results["token"]["captures"]["token"] != "" and "•" in results["token"]["captures"]["token"]
    assert results["python-version"]["captures"]["python_version"] == platform.python_version()
