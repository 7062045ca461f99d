"""The shipped checklists/django-upgrade.yaml against a real Django, headless.

`scripts/django-standin start` stands up tests/django_standin/ — Django 4.2, DRF, Channels on
Daphne, Gunicorn, Huey, from the pinned PyPI packages in its requirements.txt (the venv is
cached under ~/.cache/qatui-django-standin, so only the first run installs) — on free loopback
ports, with its database and logs in this test's folder. Then the real `qatui` binary trusts the
checklist in isolated XDG folders and runs every probe with `--env standin`.

The tally is asserted probe by probe: everything passes except the probes listed in
NOT_PASSED, each with the reason it cannot pass on the stand-in. Sign-off facts (Django and
Python versions) must be captured, and the API password must appear nowhere in the output.

Needs PyPI (or a mirror pip is configured for) the first time: without it the test skips, except
under CI=true, where a skip is a failure (tests/conftest.py).
"""

from __future__ import annotations

import json
import platform
import re
import subprocess
from pathlib import Path

import pytest

from tests.e2e.helpers import qatui_binary
from tests.e2e.standin_support import standin

REPO = Path(__file__).resolve().parents[2]
CHECKLIST = REPO / "checklists" / "django-upgrade.yaml"
REQUIREMENTS = REPO / "tests" / "django_standin" / "requirements.txt"

#: Every probe that does not pass on the stand-in: (status, why).
NOT_PASSED: dict[str, tuple[str, str]] = {
    "weasyprint-import": ("failed", "the stand-in makes no shipping labels: WeasyPrint is not installed, "
                                    "so `import weasyprint` fails (a true failure)"),
    "db-processlist": ("not_run", "MySQL only (`only_env`): the stand-in's database is SQLite"),
    "db-port": ("not_run", "MySQL only (`only_env`): nothing listens on 3306 on the stand-in"),
    "mon-no-500-nginx": ("not_run", "nginx only (`only_env`): no nginx in front of the stand-in"),
}
#: `absent` logs checks read the stand-in's quiet logs: they pass over what they read, or are
#: `inconclusive` where too few lines were read to be evidence (the status the `logs` work adds).
QUIET_LOG_STATUSES = {"passed", "inconclusive"}
#: A probe with `expect.max_ms` passes, or fails on its time alone: a test never asserts on
#: wall-clock time (a loaded CI machine may be slow), only on what was answered.
TOO_SLOW = re.compile(r"^took \d+ ms, expected under [\d.]+ ms")


@pytest.mark.standin
@pytest.mark.timeout(900)
def test_shipped_django_checklist_against_the_real_django_standin(standin_env: dict[str, str]) -> None:
    env = standin_env
    trusted = subprocess.run([qatui_binary(), "trust", str(CHECKLIST), "--yes"], env=env,
                             capture_output=True, text=True, timeout=60)
    assert trusted.returncode == 0, trusted.stderr
    # the stand-in is throwaway: its destructive probes (sendtestemail, the test suite) are
    # confirmed for this run, as a tester would confirm them
    run = subprocess.run([qatui_binary(), "probe", str(CHECKLIST), "--env", "standin", "--format", "json",
                          "--allow-destructive", "standin"],
                         env=env, capture_output=True, text=True, timeout=300)
    password = env["UPLINK_API_PASSWORD"]
    assert password not in run.stdout and password not in run.stderr
    assert run.returncode == 1, run.stderr  # WeasyPrint's import fails on purpose
    report = json.loads(run.stdout)
    assert report["environment"] == "standin"
    results = {r["probe"]: r for r in report["results"]}
    from qatui.core.loader import load_checklist

    checklist = load_checklist(CHECKLIST, env=env)
    assert set(results) == {p.id for p in checklist.probes()}

    wrong = []
    slow = 0
    for probe in checklist.probes():
        result = results[probe.id]
        status = result["status"]
        if probe.id in NOT_PASSED:
            expected, why = NOT_PASSED[probe.id]
            ok = status == expected and bool(result["explanation"])
        elif "max_ms" in (probe.config.get("expect") or {}):
            ok = status == "passed" or (status == "failed" and bool(TOO_SLOW.match(result["summary"])))
            expected, why = "passed (or failed on time alone)", "timed"
            slow += status == "failed"
        elif probe.kind == "logs" and "absent" in probe.config:
            ok = status in QUIET_LOG_STATUSES and (status == "passed" or bool(result["explanation"]))
            expected, why = "passed or inconclusive", "a quiet log"
        else:
            ok, expected, why = status == "passed", "passed", ""
        if not ok:
            wrong.append(f"{probe.id}: {status}, expected {expected} ({why}): {result['summary']} — {result['explanation']}")
    assert not wrong, "\n".join(wrong)
    assert report["totals"]["failed"] == 1 + slow
    assert report["totals"]["error"] == 0 and report["totals"]["timeout"] == 0

    # the sign-off facts are captured: the pinned Django, and the Python the venv was made from
    pinned = re.search(r"^Django==(\S+)$", REQUIREMENTS.read_text(), re.MULTILINE)
    assert pinned and pinned.group(1).startswith("4.2.")
    assert results["django-version"]["captures"]["django_version"] == pinned.group(1)
    assert results["python-version"]["captures"]["python_version"] == platform.python_version()
    # what the probes saw is the stand-in's, not a lucky exit code: the deprecation warnings the
    # checklist's known issue names, the mail sendtestemail wrote, the Huey consumer's command
    assert "USE_L10N" in results["deprecation-check"]["detail"]
    assert "Content-Type: text/plain" in results["sendtestemail"]["detail"]  # the console backend's mail
    assert "run_huey" in results["huey-process"]["detail"]

    # sending mail and running the test suite ask on every environment, the stand-in included:
    # without the confirmation they are not run, and say why
    asked = subprocess.run([qatui_binary(), "probe", str(CHECKLIST), "--env", "standin", "--format", "json",
                            "--only", "sendtestemail,test-suite"],
                           env=env, capture_output=True, text=True, timeout=120)
    unconfirmed = {r["probe"]: r for r in json.loads(asked.stdout)["results"]}
    assert set(unconfirmed) == {"sendtestemail", "test-suite"}
    for result in unconfirmed.values():
        assert result["status"] == "not_run" and "destructive: always" in result["explanation"], result


@pytest.mark.standin
@pytest.mark.timeout(900)
def test_standin_start_is_idempotent_and_status_tells(standin_env: dict[str, str]) -> None:
    again = standin("start", env=standin_env)
    assert again.returncode == 0 and "already running" in again.stdout, again.stderr
    status = standin("status", env=standin_env)
    assert status.returncode == 0 and all(name in status.stdout for name in ("web", "daphne", "huey"))
    exports = standin("env", env=standin_env).stdout
    assert f"DJANGO_STANDIN_HTTP_PORT={standin_env['DJANGO_STANDIN_HTTP_PORT']}" in exports
