"""Canaries: passwords with every printable ASCII character, a space and non-ASCII letters,
sent to a hostile loopback server that echoes them back in every encoding (JSON-escaped, URL
-encoded, HTML-escaped, base64, in headers, in a cookie) — 0 fragments of any encoding in any
output: `qatui probe` table/JSON/JUnit, the record, `qatui report`, `qatui logs`, the screen.

A fragment is any 6 characters in a row of any encoding of a password (or of the session
cookie the server set and echoed). The passwords are shuffled so that no fragment is ordinary
text that could appear in an output for another reason.
"""

from __future__ import annotations

import random
import string
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from qatui.cli import main
from qatui.core.secrets import MASK, Masker
from qatui.ui.screens.main import MainScreen
from tests.hostile_server import SESSION_COOKIE, HostileServer, encodings, hostile_server  # noqa: F401
from tests.ui.helpers import make_app, screen_text, wait_for

_chars = list(string.printable[:95])  # every printable ASCII character, the space included
random.Random(1207).shuffle(_chars)
ASCII_PW = "".join(_chars)
UNICODE_PW = "Ünï cødé-€uro 😀 Grüße/Straße \"q\" & <b> +%41"
SENT_COOKIE = "lit-Qk7zVb-Value-9qX"
WINDOW = 6

CHECKLIST = """\
qatui: 1
title: Canary checklist
secrets:
  pw: {{env: QATUI_CANARY_PW}}
  pw2: {{env: QATUI_CANARY_PW2}}
environments:
  local: {{label: Local, default: true, vars: {{base: "{base}"}}}}
logs:
  leaklog: {{file: leak.log}}
sections:
  - id: s
    title: Secrets
    priority: critical
    items:
      - id: leak
        title: Everything leaks back
        logs: [leaklog]
        probes:
          - id: header
            kind: http
            url: ${{base}}/leak
            query: {{q: "${{pw}}"}}
            headers: {{X-Secret: "${{pw}}", Cookie: "sessionid={cookie}"}}
            expect: {{status: 200}}
          - id: post
            kind: http
            method: POST
            url: ${{base}}/leak
            query: {{q: "${{pw2}}"}}
            json: {{p: "${{pw}}", u: "${{pw2}}"}}
            expect: {{body_contains: "nothing like this"}}
          - id: basic
            kind: http
            url: ${{base}}/leak
            auth: {{basic: [qa, "${{pw}}"]}}
            expect: {{status: 201}}
          - id: cookie
            kind: http
            url: ${{base}}/leak
            capture: {{sess: {{header: Set-Cookie}}}}
"""


def fragments(output: str) -> list[str]:
    """Every 6-character piece of an encoding of a canary that `output` holds."""
    found = []
    for value in (ASCII_PW, UNICODE_PW, SESSION_COOKIE, SENT_COOKIE):
        for form in encodings(value):
            for start in range(0, max(1, len(form) - WINDOW + 1)):
                piece = form[start : start + WINDOW]
                if len(piece) == WINDOW and piece in output:
                    found.append(piece)
    return sorted(set(found))


def write_checklist(tmp_path: Path, server: HostileServer) -> Path:
    path = tmp_path / "canary.yaml"
    path.write_text(CHECKLIST.format(base=server.url, cookie=SENT_COOKIE), encoding="utf-8")
    log = tmp_path / "leak.log"
    lines = [f"2026-11-23 09:30:0{n % 10} INFO form {form}" for value in (ASCII_PW, UNICODE_PW)
             for n, form in enumerate(encodings(value))]
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def environ(tmp_path: Path) -> dict[str, str]:
    return {
        "HOME": str(tmp_path),
        "PATH": "/usr/bin:/bin",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "QATUI_CANARY_PW": ASCII_PW,
        "QATUI_CANARY_PW2": UNICODE_PW,
        "NO_COLOR": "1",
    }


def cli(capsys: pytest.CaptureFixture[str], env: dict[str, str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    try:
        code = main(list(args), env)
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out + err


def test_the_fragment_check_finds_a_leak() -> None:
    """The check itself can fail: each encoding, and a cut start of one, is found."""
    for form in encodings(ASCII_PW) + encodings(UNICODE_PW):
        assert fragments(f"x {form} y"), form
        assert fragments(f"x {form[:WINDOW + 2]}"), form


def test_the_masker_hides_every_encoding_and_a_cut_start() -> None:
    masker = Masker([ASCII_PW, UNICODE_PW])
    for value in (ASCII_PW, UNICODE_PW):
        for form in encodings(value):
            assert fragments(masker.mask(f"before {form} after")) == [], form
            cut = form[: len(form) // 2]
            assert fragments(masker.mask(f"cut: {cut}…")) == [], cut
            assert fragments(masker.mask(f"cut: {cut}\n… [99 more characters]")) == [], cut
    assert masker.mask("nothing secret here") == "nothing secret here"


def test_no_fragment_in_probe_outputs_the_record_report_and_logs(
    tmp_path: Path, hostile_server: HostileServer, capsys: pytest.CaptureFixture[str]  # noqa: F811
) -> None:
    path = write_checklist(tmp_path, hostile_server)
    env = environ(tmp_path)
    assert cli(capsys, env, "trust", str(path), "--yes")[0] == 0
    record = tmp_path / "record.md"
    outputs: dict[str, str] = {}
    code, outputs["probe table"] = cli(capsys, env, "probe", str(path), "--record", str(record), "--tester", "Ann")
    assert code == 1, outputs["probe table"]  # the probes failed, and said why
    assert "status 500, expected 200" in outputs["probe table"]
    outputs["probe json"] = cli(capsys, env, "probe", str(path), "--format", "json")[1]
    outputs["probe junit"] = cli(capsys, env, "probe", str(path), "--format", "junit")[1]
    ET.fromstring(outputs["probe junit"].split("\n", 1)[1])
    outputs["record"] = record.read_text(encoding="utf-8")
    assert "status 500" in outputs["record"] and MASK in outputs["record"]
    outputs["report text"] = cli(capsys, env, "report", str(record))[1]
    outputs["report json"] = cli(capsys, env, "report", str(record), "--format", "json")[1]
    code, outputs["logs"] = cli(capsys, env, "logs", str(path), "leaklog")
    assert outputs["logs"].count("INFO form") == 2 * len(encodings(ASCII_PW)), outputs["logs"]
    leaks = {name: found for name, text in outputs.items() if (found := fragments(text))}
    assert leaks == {}, f"secret fragments leaked: {leaks}"
    for name in ("probe json", "record"):  # the echoed body is there, masked
        assert "form: " + MASK in outputs[name] or f"form: {MASK}" in outputs[name].replace("\\n", "\n"), name


async def test_no_fragment_on_the_screen(tmp_path: Path, hostile_server: HostileServer) -> None:  # noqa: F811
    path = write_checklist(tmp_path, hostile_server)
    env = environ(tmp_path)
    from qatui.core.loader import load_checklist
    from qatui.core.trust import trust

    trust(load_checklist(path, env=env), env)
    app = make_app(tmp_path, path, env_vars=env)
    async with app.run_test(size=(200, 120)) as pilot:
        await wait_for(pilot, lambda: "INFO form" in screen_text(app))
        await pilot.press("r")
        await wait_for(pilot, lambda: len(app.view.probe_results("leak")) == 4 and not app.view.running_probes)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        screen.probe_pane.focus()
        seen = []
        for _ in range(4):  # every probe expanded: summary, why, detail, captures
            await pilot.press("enter")
            await pilot.pause()
            seen.append(screen_text(app))
            await pilot.press("j")
        text = "\n".join(seen)
        assert "status 500" in text and "INFO form" in text and MASK in text
        assert fragments(text) == [], fragments(text)
