"""The demo checklist is valid and shows every feature qatui has.

`qatui demo` is a newcomer's first minute; if a feature is missing from the demo checklist, the
newcomer never sees it. This pins what the demo must contain, and that `qatui demo` opens the
file in the repository (the packaged copy is the same file).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from qatui.commands.demo import demo_checklist_path
from qatui.core.checklist import Priority
from qatui.core.loader import load_checklist
from tests.e2e.helpers import qatui_binary

DEMO = Path(__file__).resolve().parents[2] / "checklists" / "demo.yaml"


def test_demo_checklist_validates_with_the_cli() -> None:
    result = subprocess.run([qatui_binary(), "validate", str(DEMO)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith(f"{DEMO}: ok:")


def test_qatui_demo_opens_the_repository_file() -> None:
    assert demo_checklist_path().read_bytes() == DEMO.read_bytes()


def test_demo_checklist_shows_every_feature() -> None:
    checklist = load_checklist(DEMO, env={})
    probes = checklist.probes()
    assert {p.kind for p in probes} >= {"http", "websocket", "command", "tcp", "logs"}
    assert {s.priority for s in checklist.sections} == set(Priority)
    items = checklist.items()
    assert all(item.steps or item.probes for item in items)
    assert any(item.location and item.expected and item.if_fails for item in items)
    # A token captured by one probe (masked) and used by a later one.
    token = next(p for p in probes if "token" in p.captures())
    assert token.config["capture"]["token"].get("secret") is True
    assert any("${token}" in str(p.config) for p in probes if p is not token)
    # The secret comes from the environment the demo sets, so it shows masked.
    assert [s.env for s in checklist.secrets.values()] == ["QATUI_DEMO_PASSWORD"]
    # The wrong-port WebSocket, the failing endpoint and the log check.
    assert any(p.kind == "websocket" and "ws_url_on_http_port" in p.config["url"] for p in probes)
    assert any("/labels/print/" in str(p.config.get("url")) for p in probes)
    logs_probe = next(p for p in probes if p.kind == "logs")
    assert checklist.logs[logs_probe.config["source"]].kind == "file"
    # A fact captured by the command probe, metrics from probe timings, notes with a rollback.
    assert "python_version" in checklist.signoff.facts.values()
    assert any(m.source == "probe" and m.threshold for m in checklist.metrics)
    assert "rollback" in {note.kind for note in checklist.notes}
    # A protected environment, and a destructive probe that it guards.
    assert any(env.protected for env in checklist.environments.values())
    assert any(p.destructive for p in probes)
