"""Done-when of issue 11, against the real thing: the example checklist's token request, imported
by `qatui import`, passes against Django REST framework's own `obtain_auth_token` in the Django
stand-in — with the password taken from the environment variable the import names, and found in
neither the YAML, the results nor the record."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from qatui.core.loader import load_checklist
from qatui.core.probes import run_probes
from qatui.core.recorder import Recorder
from qatui.core.secrets import read_secrets
from qatui.core.session import ProbeStatus
from tests.unit.import_helpers import EXAMPLE


@pytest.mark.standin
@pytest.mark.timeout(600)
def test_imported_curl_token_request_passes_against_real_drf(standin_env: dict[str, str], tmp_path: Path) -> None:
    port, user, password = (standin_env["DJANGO_STANDIN_HTTP_PORT"], standin_env["UPLINK_API_USER"],
                            standin_env["UPLINK_API_PASSWORD"])
    text = (EXAMPLE.read_text(encoding="utf-8")
            .replace("http://localhost:8001/", f"http://127.0.0.1:{port}/")
            .replace("your_username", user).replace("your_password", password))
    assert password in text  # the Markdown holds the literal password, as the field's did
    source, out = tmp_path / "django-upgrade-checklist.md", tmp_path / "imported.yaml"
    source.write_text(text, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "qatui", "import", str(source), "-o", str(out)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "DJANGO_UPGRADE_PASSWORD" in done.stderr  # the summary names the variable to set
    assert password not in out.read_text(encoding="utf-8")

    env = {"DJANGO_UPGRADE_PASSWORD": password}
    checklist = load_checklist(out, env=env)
    (probe,) = [p for p in checklist.item("api-authentication-returns-token").probes
                if "api-token-auth" in str(p.config.get("url"))]
    (result,) = run_probes(checklist, None, [probe], trusted=True, timeout=60, env=env)
    assert result.status is ProbeStatus.PASSED, (result.summary, result.explanation, result.detail)
    assert password not in f"{result.summary} {result.explanation} {result.detail} {result.captures}"

    _, masker = read_secrets(checklist.secrets, env)
    recorder = Recorder.open_or_start(checklist, tmp_path / "record.md", tester="QA", environment="local",
                                      masker=masker)
    recorder.add_probe_results("api-authentication-returns-token", [result])
    record = (tmp_path / "record.md").read_text(encoding="utf-8")
    assert probe.id in record and password not in record

    # the password really comes from the variable: without it, DRF refuses the request
    (unset,) = run_probes(checklist, None, [probe], trusted=True, timeout=60, env={})
    assert unset.status is not ProbeStatus.PASSED
