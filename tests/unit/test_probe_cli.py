"""`qatui probe` and `qatui trust` as real processes: exit codes, formats, trust, secrets."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.servers import PASSWORD, TOKEN, HttpApp, free_port
from tests.unit.probe_support import CANARY, cli_env, write


def qatui(tmp_path: Path, *args: str, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real `qatui` process (slow to start: used where the process itself matters)."""
    return subprocess.run([sys.executable, "-m", "qatui", *args], capture_output=True, text=True,
                          env=cli_env(tmp_path, extra_env), timeout=60, stdin=subprocess.DEVNULL)




def test_table_exit_codes_and_trust(tmp_path: Path, http_app: HttpApp) -> None:
    path = write(tmp_path, http_app.url, trusted=False)
    untrusted = qatui(tmp_path, "probe", str(path))
    assert untrusted.returncode == 0, untrusted.stdout + untrusted.stderr
    assert "not_run" in untrusted.stdout and f"qatui trust {path}" in untrusted.stderr
    # Not trusted: nothing runs, HTTP included (the server saw no request at all).
    assert "5 probe(s): 5 not run" in untrusted.stdout
    assert "passed" not in untrusted.stdout.replace("5 not run", "")
    strict = qatui(tmp_path, "probe", str(path), "--strict")
    assert strict.returncode == 1 and "--strict: 5 probe(s) not run" in strict.stderr
    strict_json = qatui(tmp_path, "probe", str(path), "--strict", "--format", "json")
    assert strict_json.returncode == 1 and json.loads(strict_json.stdout)["ok"] is False

    refused = qatui(tmp_path, "trust", str(path))  # not a terminal: nobody can answer
    assert refused.returncode == 1 and "--yes" in refused.stderr
    trusted = qatui(tmp_path, "trust", str(path), "--yes")
    assert trusted.returncode == 0
    # The review shows the command as written: no secret is read before the checklist is trusted.
    assert 'echo "${canary}"' in trusted.stdout and CANARY not in trusted.stdout

    passed = qatui(tmp_path, "probe", str(path))
    assert passed.returncode == 0, passed.stdout
    assert "5 probe(s): 5 passed" in passed.stdout  # local is not protected: the destructive probe ran
    assert qatui(tmp_path, "probe", str(path), "--strict").returncode == 0  # all ran: strict passes


def test_failure_exit_one_and_changed_file_needs_trust_again(tmp_path: Path, http_app: HttpApp, cli: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    path = write(tmp_path, http_app.url, echo_expect="something else")
    assert cli("trust", str(path), "--yes").returncode == 0
    failed = cli("probe", str(path), "--only", "shell")
    assert failed.returncode == 1
    assert "stdout lacks" in failed.stdout and "smoke.yaml:" in failed.stdout
    path.write_text(path.read_text() + "\n# edited\n")
    again = cli("probe", str(path), "--only", "shell")
    assert again.returncode == 0 and "not_run" in again.stdout
    revoked = cli("trust", str(path), "--revoke")
    assert revoked.returncode == 0 and "no longer trusted" in revoked.stdout


def test_usage_errors_exit_two(tmp_path: Path, http_app: HttpApp, cli: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    path = write(tmp_path, http_app.url)
    unknown_env = cli("probe", str(path), "--env", "producton")
    assert unknown_env.returncode == 2 and "did you mean" in unknown_env.stderr
    unknown_id = cli("probe", str(path), "--only", "api-tokn")
    assert unknown_id.returncode == 2 and "'api-token'" in unknown_id.stderr
    wrong_name = cli("probe", str(path), "--env", "production", "--allow-destructive", "local")
    assert wrong_name.returncode == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("qatui: 1\ntitle: x\nsections:\n  - id: s\n    title: S\n    priority: critical\n    items:\n      - id: i\n        title: I\n        probes:\n          - id: p\n            kind: htp\n")
    broken = cli("probe", str(bad))
    assert broken.returncode == 2
    assert f"{bad}:12:" in broken.stderr and "unknown probe kind" in broken.stderr
    missing = qatui(tmp_path, "probe", str(tmp_path / "nope.yaml"))  # as a process
    assert missing.returncode == 2


def test_protected_environment_and_allow_destructive(tmp_path: Path, http_app: HttpApp, cli: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    path = write(tmp_path, http_app.url)
    blocked = cli("probe", str(path), "--env", "production", "--only", "wipe", "--format", "json")
    data = json.loads(blocked.stdout)
    assert data["results"][0]["status"] == "not_run"
    assert "--allow-destructive production" in data["results"][0]["explanation"]
    allowed = cli("probe", str(path), "--env", "production", "--only", "wipe", "--format", "json",
                    "--allow-destructive", "production")
    assert json.loads(allowed.stdout)["results"][0]["status"] == "passed"


def test_json_contract(tmp_path: Path, http_app: HttpApp, cli: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    path = write(tmp_path, http_app.url)
    result = cli("probe", str(path), "--only", "api-products", extra_env={"QATUI_FORMAT": "json"})
    data = json.loads(result.stdout)
    assert result.returncode == 0
    assert [r["probe"] for r in data["results"]] == ["login", "products"]  # the token's maker ran first
    for entry in data["results"]:
        assert {"item", "probe", "kind", "status", "duration_ms", "summary", "explanation"} <= set(entry)
        assert entry["status"] == "passed"
    assert data["totals"]["passed"] == 2 and data["totals"]["failed"] == 0
    assert data["results"][0]["captures"] == {"token": "••••••"}


def test_junit_shape(tmp_path: Path, http_app: HttpApp, cli: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    path = write(tmp_path, http_app.url.replace(str(http_app.port), str(free_port())))
    result = cli("probe", str(path), "--format", "junit")
    assert result.returncode == 1
    root = ET.fromstring(result.stdout)
    assert root.tag == "testsuites"
    [suite] = root.findall("testsuite")
    cases = suite.findall("testcase")
    assert len(cases) == int(suite.get("tests", "0")) == 5
    failures = [c for c in cases if c.find("failure") is not None]
    skipped = [c for c in cases if c.find("skipped") is not None]
    assert len(failures) == int(suite.get("failures", "0")) >= 1
    assert len(skipped) == int(suite.get("skipped", "0"))
    first = cases[0]
    assert first.get("classname") == "api-token" and first.get("name") == "login"
    assert float(first.get("time", "x")) >= 0
    failure = first.find("failure")
    assert failure is not None and "connection refused" in failure.get("message", "")
    assert "nothing listens" in (failure.text or "")


def test_canary_never_in_any_output(tmp_path: Path, http_app: HttpApp, cli: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    path = write(tmp_path, http_app.url, echo_expect="something else")  # a failure that prints the secret
    assert cli("trust", str(path), "--yes").returncode == 0
    record = tmp_path / "records" / "smoke.md"
    outputs = []
    for fmt in ("table", "json", "junit"):
        done = cli("probe", str(path), "--format", fmt, "--record", str(record))
        assert done.returncode == 1, done.stderr
        outputs += [done.stdout, done.stderr]
    text = record.read_text()
    assert "App version" in text and "4.2.30" in text  # a sign-off fact from a capture
    assert re.search(r'qatui:metric \{"id":"products-time".*"after":\d', text)  # a probe timing
    for output in [*outputs, text]:
        assert CANARY not in output
        assert PASSWORD not in output
        assert TOKEN not in output


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_progress_only_on_a_terminal(tmp_path: Path, http_app: HttpApp, fmt: str, cli: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    path = write(tmp_path, http_app.url)
    done = cli("probe", str(path), "--only", "version", "--format", fmt)
    assert "[1/1]" not in done.stderr  # stderr is a pipe here: no progress lines
    assert "\x1b[" not in done.stdout  # and no colour


class _Terminal:
    """A stdin that claims to be a terminal and answers once."""

    def __init__(self, answer: str) -> None:
        self.answer = answer

    def isatty(self) -> bool:
        return True

    def readline(self) -> str:
        return self.answer


@pytest.mark.parametrize(("answer", "code"), [("y\n", 0), ("\n", 1), ("no\n", 1)])
def test_trust_asks_on_a_terminal(tmp_path: Path, http_app: HttpApp, cli: Callable[..., subprocess.CompletedProcess[str]],
                                  monkeypatch: pytest.MonkeyPatch, answer: str, code: int) -> None:
    path = write(tmp_path, http_app.url, trusted=False)
    monkeypatch.setattr(sys, "stdin", _Terminal(answer))
    done = cli("trust", str(path))
    assert done.returncode == code
    assert "[y/N]" in done.stdout and "runs 1 command(s)" in done.stdout
    probed = cli("probe", str(path), "--only", "shell", "--format", "json")
    assert json.loads(probed.stdout)["results"][0]["status"] == ("passed" if code == 0 else "not_run")


def test_progress_on_a_terminal_stderr(tmp_path: Path, http_app: HttpApp) -> None:
    """As a process whose stderr is a pseudo-terminal: progress lines appear there."""
    import pty

    path = write(tmp_path, http_app.url)
    master, slave = pty.openpty()
    try:
        done = subprocess.run([sys.executable, "-m", "qatui", "probe", str(path), "--only", "version"],
                              stdout=subprocess.PIPE, stderr=slave, text=True, env=cli_env(tmp_path, None), timeout=60,
                              stdin=subprocess.DEVNULL)
        os.close(slave)
        slave = -1
        chunks = []
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
    finally:
        if slave != -1:
            os.close(slave)
        os.close(master)
    progress = b"".join(chunks).decode()
    assert done.returncode == 0
    assert "[1/1] ✓ version/app-version" in progress
    assert "app-version" in done.stdout and "[1/1]" not in done.stdout
