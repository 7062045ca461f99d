"""Done-when: an imported curl token request passes against a DRF token endpoint.

`tests/servers.py` serves `/drf/api-token-auth/` as DRF's `obtain_auth_token` does: form,
multipart or JSON bodies; a body of no named media type is 415 — which is what the old import
of `curl -d "username=…&password=…"` (a `body:` with no Content-Type) got. Each checklist below
is imported by the real `qatui import`, its token probe run through the probe engine with the
password in the environment variable the summary names, and the results recorded: the probe
passes, and the password and token are in neither the YAML, nor any result, nor the record.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from qatui.core.loader import load_checklist
from qatui.core.probes import run_probes
from qatui.core.recorder import Recorder
from qatui.core.secrets import read_secrets
from qatui.core.session import ProbeStatus
from tests.servers import PASSWORD, TOKEN, HttpApp
from tests.unit.import_helpers import EXAMPLE, REPO

FIXTURES = REPO / "tests" / "import_fixtures"


def test_the_stand_in_answers_like_drf(http_app: HttpApp) -> None:
    url = f"{http_app.url}/drf/api-token-auth/"
    form = f"username=qa&password={PASSWORD}"
    assert httpx.post(url, content=form.encode()).status_code == 415  # no Content-Type
    assert httpx.post(url, content=form.encode(), headers={"Content-Type": "text/plain"}).status_code == 415
    assert httpx.post(url, data={"username": "qa", "password": PASSWORD}).json() == {"token": TOKEN}
    assert httpx.post(url, json={"username": "qa", "password": PASSWORD}).json() == {"token": TOKEN}
    assert httpx.post(url, files={"username": (None, "qa"), "password": (None, PASSWORD)}).json() == {"token": TOKEN}
    assert httpx.post(url, data={"username": "qa", "password": "wrong"}).status_code == 400


def _example_pointed_at(app: HttpApp) -> str:
    """The example checklist with its token request aimed at the stand-in (and its user)."""
    text = EXAMPLE.read_text(encoding="utf-8")
    return (text.replace("http://localhost:8001/api-token-auth/", f"{app.url}/drf/api-token-auth/")
            .replace("your_username", "qa").replace("your_password", PASSWORD))


CASES = {
    # the example: `-H 'Content-Type: application/json' -d '{…"password":…}'` under its box
    "django-upgrade-checklist.md": ("api-authentication-returns-token", "DJANGO_UPGRADE_PASSWORD"),
    # GitHub-issue style: `curl -X POST … -d "username=qa&password=…"` under its box
    "github-issue-style.md": ("api-authentication-returns-a-token", "RELEASE_SMOKE_PASSWORD"),
    # a heading per item: `--data-urlencode` pieces, the fence before the box
    "headings-per-item-style.md": ("api-authentication-returns-a-token", "PORTAL_RELEASE_PASSWORD"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_imported_token_request_passes_and_leaves_no_password(http_app: HttpApp, tmp_path: Path, name: str) -> None:
    item_id, variable = CASES[name]
    if name == "django-upgrade-checklist.md":
        text = _example_pointed_at(http_app)
    else:
        text = (FIXTURES / name).read_text(encoding="utf-8").replace("http://127.0.0.1:8001", http_app.url)
    assert PASSWORD in text  # the Markdown holds the literal password
    source, out = tmp_path / name, tmp_path / "imported.yaml"
    source.write_text(text, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "qatui", "import", str(source), "-o", str(out)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert f"  {variable}  (used as ${{password}}" in done.stderr
    yaml_text = out.read_text(encoding="utf-8")
    assert PASSWORD not in yaml_text and "canary-Pa55word" not in yaml_text

    env = {variable: PASSWORD}
    checklist = load_checklist(out, env=env)
    (probe,) = [p for p in checklist.item(item_id).probes if "token-auth" in str(p.config.get("url"))]
    results = run_probes(checklist, None, [probe], trusted=True, timeout=30, env=env)
    (result,) = results
    assert result.status is ProbeStatus.PASSED, (result.summary, result.explanation, result.detail)
    shown = f"{result.summary} {result.explanation} {result.detail} {result.captures} {result.where}"
    assert PASSWORD not in shown

    _, masker = read_secrets(checklist.secrets, env)
    recorder = Recorder.open_or_start(checklist, tmp_path / "record.md", tester="QA",
                                      environment="local", masker=masker)
    recorder.add_probe_results(item_id, results)
    record = (tmp_path / "record.md").read_bytes()
    assert probe.id.encode() in record  # the result is in it …
    assert PASSWORD.encode() not in record  # … and not the password

    # without the variable set, the request cannot pass (the password really comes from it)
    (unset,) = run_probes(checklist, None, [probe], trusted=True, timeout=30, env={})
    assert unset.status is not ProbeStatus.PASSED
