"""No literal password or token in an imported YAML: each becomes a secret read from the environment.

The hostile sample (tests/import_fixtures/hostile-secrets.md) holds credentials in every place a
curl line or a shell command can carry one, with quotes, `&`, `+`, `/`, `%`, spaces and
non-ASCII. None of them — raw, URL-encoded, JSON-escaped or base64 as in basic auth — may be in
the YAML; each must be a `secrets:` entry the summary names.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from qatui.commands.import_ import report_lines
from qatui.core.import_secrets import env_prefix, is_secret_name, is_variable
from qatui.core.loader import load_checklist
from qatui.core.markdown_import import import_markdown_report, import_markdown_text_report
from qatui.core.probes import run_probes
from qatui.core.session import ProbeStatus
from qatui.core.yaml_writer import dump_checklist
from tests.unit.import_helpers import EXAMPLE, REPO

HOSTILE = REPO / "tests" / "import_fixtures" / "hostile-secrets.md"

#: every literal credential of the hostile sample, as the Markdown holds it or decoded
LITERALS = [
    'p@ss:w0rd"Q&+/ é', "Sup3r%26Secret%2Bplus", "Sup3r&Secret+plus", "cs-7781-xyz", "a b&c=d é",
    'J50n\\"pw-2291', 'J50n"pw-2291', "ak-3345-zz", "Js0nForm-pw-5521", "key-9d8e7f6a",
    "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.sig-4410", "sess-6612abc", "xat-1187", "url-pw-4242",
    "tok-url-7713", "oauth-tok-5501", "YWRtaW46YmFzaWMtcHctOTk=", "mp-pw-6634", "proxy-pw-8812",
    "proxkey-3390", "MyS3cretDb-7719", "pg-pw-3131", "exec-pw-8888", "cli-pw-4455", "Pa55-Same-0001",
    "N0te-pw-5150", "note-curl-pw-6161",  # in a note's commands (shown, never run): in the YAML too
]


def encodings(value: str) -> set[str]:
    """The forms a value takes in text: raw, URL-encoded, JSON-escaped, base64 of `user:value`."""
    forms = {value, quote(value, safe=""), quote_plus(value), json.dumps(value)[1:-1]}
    forms.add(base64.b64encode(f"admin:{value}".encode()).decode())
    return {f for f in forms if len(f) >= 6}


def test_no_literal_credential_of_the_hostile_sample_is_in_the_yaml() -> None:
    checklist, report = import_markdown_report(HOSTILE)
    text = dump_checklist(checklist)
    leaked = [(value, form) for value in LITERALS for form in encodings(value) if form in text]
    assert leaked == []
    # one secret per distinct value (the password used twice is one), each from an env var
    assert len(checklist.secrets) == len(report.secrets) == 26
    assert all(s.env == f"HOSTILE_SECRETS_{name.upper()}" for name, s in checklist.secrets.items())
    summary = "\n".join(report_lines(report))
    for secret in checklist.secrets.values():
        assert f"  {secret.env}  (used as ${{{secret.name}}}" in summary
    assert "curl asks for qa-only-user's password" in summary
    assert "13 of 13 task boxes became items" in summary
    rollback = next(n for n in checklist.notes if n.title == "Rollback procedure")
    assert "mysql -u root -p$HOSTILE_SECRETS_PASSWORD_14 uplink" in rollback.text
    assert 'a password in the note "Rollback procedure" is written there as $HOSTILE_SECRETS_PASSWORD_15' in summary


def test_secrets_keep_the_request_shape() -> None:
    checklist, _ = import_markdown_report(HOSTILE)

    def config(item_id: str, index: int = 0) -> dict[str, Any]:
        return checklist.item(item_id).probes[index].config

    assert config("form-password-with-reserved-characters")["form"] == {
        "username": "qa", "password": "${password_2}", "client_secret": "${client_secret}"}
    assert config("credentials-in-the-url")["url"] == (
        "https://admin:${password_6}@127.0.0.1:8443/x/?token=${token_2}&page=2")
    assert config("headers-that-carry-credentials")["headers"] == {
        "X-Api-Key": "${x_api_key}", "Authorization": "Bearer ${token}",
        "Cookie": "sessionid=${sessionid}; lang=en", "X-Auth-Token": "${x_auth_token}"}
    assert config("json-password-with-an-escaped-quote")["json"] == {
        "user": {"name": "qa", "password": "${password_4}"}, "api_key": "${api_key}"}
    mysql = config("database-shells", 0)
    assert mysql["run"] == "mysql -u root -p\"$$HOSTILE_SECRETS_PASSWORD_10\" -e 'select 1'"
    assert mysql["env"] == {"HOSTILE_SECRETS_PASSWORD_10": "${password_10}"}
    assert config("database-shells", 1)["run"].startswith('PGPASSWORD="$$HOSTILE_SECRETS_PGPASSWORD" psql')
    same = checklist.item("the-same-password-twice-is-one-secret").probes
    assert same[0].config["auth"]["basic"][1] == same[1].config["form"]["password"] == "${password_13}"


def test_the_example_checklist_yaml_has_no_literal_password(tmp_path: Path) -> None:
    out = tmp_path / "upgrade.yaml"
    done = subprocess.run([sys.executable, "-m", "qatui", "import", str(EXAMPLE), "-o", str(out)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    for literal in ("your_password", "YOUR_TOKEN_HERE"):
        assert literal not in text
    assert "password: {env: DJANGO_UPGRADE_PASSWORD}" in text
    assert "DJANGO_UPGRADE_PASSWORD  (used as ${password}" in done.stderr
    assert "106 of 106 task boxes became items" in done.stderr
    load_checklist(out, env={})


def test_a_command_gets_its_password_through_its_environment_only() -> None:
    canary = "Pg-canary-77&'\"$x"
    markdown = f"# Db\n\n- [ ] password set\n\n```sh\nPGPASSWORD='{canary.replace(chr(39), chr(39) + chr(92) + chr(39) + chr(39))}' printenv PGPASSWORD\n```\n"
    checklist, report = import_markdown_text_report(markdown, "db.md")
    (probe,) = checklist.probes()
    assert canary not in json.dumps(probe.config) and "Pg-canary" not in json.dumps(probe.config)
    (found,) = report.secrets
    # printenv exits 1 when the variable is missing: passing proves the value arrived
    (result,) = run_probes(checklist, None, [probe], trusted=True, timeout=30, env={found.env: canary})
    assert result.status is ProbeStatus.PASSED, (result.summary, result.explanation, result.detail)
    assert "Pg-canary" not in f"{result.summary} {result.detail} {result.explanation}"
    (missing,) = run_probes(checklist, None, [probe], trusted=True, timeout=30, env={})
    assert missing.status is not ProbeStatus.PASSED


@pytest.mark.parametrize(("name", "secret"), [
    ("password", True), ("passwd", True), ("PGPASSWORD", True), ("client_secret", True),
    ("X-Api-Key", True), ("api_key", True), ("access_token", True), ("csrfmiddlewaretoken", True),
    ("Authorization", True), ("sessionid", True), ("username", False), ("author", False),
    ("passport", False), ("page", False), ("grant_type", False), ("keyword", False),
])
def test_what_counts_as_a_credential_by_name(name: str, secret: bool) -> None:
    assert is_secret_name(name) is secret


def test_names_are_deterministic_and_shell_variables_are_not_literals() -> None:
    assert env_prefix("Django 4.2 Upgrade - Manual Testing Checklist") == "DJANGO_UPGRADE"
    assert env_prefix("1.0 QA checklist") == "QATUI"
    assert is_variable("$PASS") and is_variable("${PASS}") and is_variable("$(cat pw)")
    assert not is_variable("Sup3r$ecret") and not is_variable("pw")
    first, _ = import_markdown_report(HOSTILE)
    again, _ = import_markdown_report(HOSTILE)
    assert dump_checklist(first) == dump_checklist(again)
