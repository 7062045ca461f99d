"""Untrusted text is inert: terminal control sequences in a checklist, a log, a command's output
or a server's answer are shown as visible escapes (`\\e`, `\\a`, `\\r` …) and never reach the
terminal raw — in every command's output (checked as bytes), in the record, in JUnit (which
must stay XML `xml.etree` parses) and on the screen (checked in the bytes Textual would write).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from qatui.cli import main
from qatui.core.text import inert, is_inert
from qatui.ui.screens.main import MainScreen
from tests.hostile_server import HostileServer, hostile_server  # noqa: F401
from tests.ui.helpers import make_app, screen_text, wait_for

PAYLOADS = ("\x1b]0;pwned\x07", "\x1b[2J", "\x1b[?1049l")
#: What must never be written raw: ESC, BEL, CR, other C0 but \n \t, DEL, C1, bidi controls.
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: XML 1.0's allowed characters.
XML_BAD = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

CHECKLIST = """\
qatui: 1
title: "Release \\e]0;pwned\\a check \\e[2J\\e[?1049l"
environments:
  local: {{label: "Local \\e[2J", default: true}}
logs:
  app: {{file: app.log}}
sections:
  - id: s
    title: "Section \\e[?1049l"
    priority: critical
    items:
      - id: hostile
        title: "Title \\e]0;pwned\\a and \\e[2J"
        steps: ["Step \\e[?1049l \\r overwrite \\u202e evil"]
        notes: "Note \\x9b31m \\e]0;pwned\\a"
        logs: [app]
        probes:
          - id: out
            kind: command
            run: "printf 'out \\\\033]0;pwned\\\\007 \\\\033[2J \\\\033[?1049l \\\\r spoof \\\\001\\\\377 end\\\\n'; exit 3"
          - id: spoof
            kind: command
            run: "true #\\e[2K\\r$ echo harmless"
          - id: web
            kind: http
            url: "{base}/ansi"
"""
LOG_LINES = [f"2026-11-23 09:30:0{n} ERROR line {n} {payload} after\r spoof" for n, payload in enumerate(PAYLOADS)]


def write(tmp_path: Path, server: HostileServer) -> Path:
    path = tmp_path / "hostile.yaml"
    path.write_text(CHECKLIST.format(base=server.url), encoding="utf-8")
    (tmp_path / "app.log").write_bytes(("\n".join(LOG_LINES) + "\n").encode() + b"binary \xff\xfe\x00 end\n")
    return path


def environ(tmp_path: Path) -> dict[str, str]:
    return {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "XDG_DATA_HOME": str(tmp_path / "data"), "NO_COLOR": "1"}


def run(capsysbinary: pytest.CaptureFixture[bytes], env: dict[str, str], *args: str) -> tuple[int, bytes]:
    capsysbinary.readouterr()
    try:
        code = main(list(args), env)
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsysbinary.readouterr()
    return code, out + err


# ---------------------------------------------------------------- the one function


def test_inert_writes_control_characters_visibly_and_keeps_ordinary_text() -> None:
    assert inert("\x1b]0;pwned\x07") == "\\e]0;pwned\\a"
    assert inert("a\rb\x00\x7f\x9b\u202e\ud800\ufffe") == "a\\rb\\x00\\x7f\\x9b\\u202e\\ud800\\ufffe"
    assert inert("line 1\n\tline 2") == "line 1\n\tline 2"
    assert inert("line 1\n\tline 2", one_line=True) == "line 1\\n\\tline 2"
    text = "C:\\path ünïcødé 😀 ‹›"
    assert inert(text) is text  # nothing to do: the same object, no copy


def test_inert_output_is_always_valid_xml_and_utf8() -> None:
    every = "".join(chr(code) for code in range(0x110000) if code < 0x3000 or 0xD700 <= code < 0xE100 or code > 0xFFF0)
    safe = inert(every)
    assert XML_BAD.search(safe) is None and RAW.search(safe) is None and is_inert(safe)
    safe.encode("utf-8")  # no lone surrogate left


# ---------------------------------------------------------------- every command's output


def test_no_raw_control_character_in_any_command_output_the_record_or_junit(
    tmp_path: Path, hostile_server: HostileServer, capsysbinary: pytest.CaptureFixture[bytes]  # noqa: F811
) -> None:
    path = write(tmp_path, hostile_server)
    env = environ(tmp_path)
    outputs: dict[str, bytes] = {}
    code, outputs["trust"] = run(capsysbinary, env, "trust", str(path), "--yes")
    assert code == 0, outputs["trust"]
    record = tmp_path / "record.md"
    code, outputs["probe table"] = run(capsysbinary, env, "probe", str(path), "--record", str(record))
    assert code == 1 and b"exit 3" in outputs["probe table"], outputs["probe table"]
    outputs["probe json"] = run(capsysbinary, env, "probe", str(path), "--format", "json")[1]
    junit = run(capsysbinary, env, "probe", str(path), "--format", "junit")[1]
    outputs["probe junit"] = junit
    outputs["record"] = record.read_bytes()
    outputs["report"] = run(capsysbinary, env, "report", str(record))[1]
    outputs["report json"] = run(capsysbinary, env, "report", str(record), "--format", "json")[1]
    outputs["logs"] = run(capsysbinary, env, "logs", str(path), "app")[1]
    outputs["validate"] = run(capsysbinary, env, "validate", str(path))[1]
    raw = {name: sorted(set(RAW.findall(data.decode("utf-8", "replace")))) for name, data in outputs.items()}
    assert {name: found for name, found in raw.items() if found} == {}
    assert b"true #\\e[2K\\r$ echo harmless" in outputs["trust"]  # the spoof shows as what it is
    for name in ("probe table", "record", "logs"):
        assert b"\\e]0;pwned\\a" in outputs[name], name  # shown, visibly
    assert b"\\e[2J" in outputs["report"] and b"\\e[?1049l" in outputs["logs"]
    document = junit.decode("utf-8").split("\n", 1)[1]
    assert XML_BAD.search(document) is None
    suite = ET.fromstring(document)  # parses: only XML 1.0 characters
    assert "\\e]0;pwned\\a" in "".join(suite.itertext())


# ---------------------------------------------------------------- the screen


def terminal_bytes(app: object) -> str:
    """What Textual would write to the terminal for the whole screen now."""
    compositor = app.screen._compositor  # type: ignore[attr-defined]
    return compositor.render_update(full=True).render_segments(app.console)  # type: ignore[attr-defined]


async def test_nothing_raw_reaches_the_terminal_from_the_screen(tmp_path: Path, hostile_server: HostileServer) -> None:  # noqa: F811
    path = write(tmp_path, hostile_server)
    env = environ(tmp_path)
    from qatui.core.loader import load_checklist
    from qatui.core.trust import trust

    trust(load_checklist(path, env=env), env)
    app = make_app(tmp_path, path, env_vars=env)
    async with app.run_test(size=(160, 60)) as pilot:
        await wait_for(pilot, lambda: "ERROR line 2" in screen_text(app))
        await pilot.press("r")
        await wait_for(pilot, lambda: len(app.view.probe_results("hostile")) == 3 and not app.view.running_probes)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        screen.probe_pane.focus()
        await pilot.press("enter", "j", "j", "enter")
        await pilot.pause()
        shown = screen_text(app)
        written = terminal_bytes(app)
        for payload in PAYLOADS:
            assert payload not in written, repr(payload)
        assert "\x07" not in written and "\r" not in written and "\u202e" not in written
        # Textual's own sequences are all CSI cursor moves and colours (…H, …m), nothing else
        assert set(re.findall(r"\x1b\[[0-9;?]*([A-Za-z])", written)) <= {"H", "m"}
        assert "\x1b]" not in written  # no OSC (title, clipboard, hyperlink) at all
        for visible in ("Title \\e]0;pwned\\a and \\e[2J", "ERROR line 0 \\e]0;pwned\\a after\\r spoof",
                        "\\e[?1049l", "\\e]0;pwned\\a"):
            assert visible in shown, visible
        assert "out \\e]0;pwned\\a" in shown  # the command's output, expanded, visibly


def test_inert_all_is_inert_of_each_and_keeps_a_clean_batch_as_it_is() -> None:
    from qatui.core.text import inert, inert_all

    clean = ["line one", "line\ttwo", "ünïcode ok"]
    assert inert_all(clean) is clean
    dirty = ["ok", "\x1b]0;pwned\x07 title", "tab\there", "\x1b[2J"]
    assert inert_all(dirty) == [inert(t) for t in dirty]
    assert inert_all(dirty, one_line=True) == [inert(t, one_line=True) for t in dirty]
    assert inert_all(["a\tb"], one_line=True) == ["a\\tb"]


def test_the_printable_fast_path_never_lets_a_rewritten_character_through() -> None:
    """`inert`, `inert_all`, `is_inert` and the screen's `InertFilter` skip their regex for
    printable text; that is only right while every character the patterns rewrite or drop is
    also not printable (all are Cc, Cf, Cs or Cn)."""
    from qatui.core import text
    from qatui.ui import inert_filter

    patterns = [text._unsafe(True), text._unsafe(False), inert_filter._control()]
    flagged = [chr(code) for code in range(0x110000) if any(p.search(chr(code)) for p in patterns)]
    assert flagged and not [char for char in flagged if char.isprintable()]
