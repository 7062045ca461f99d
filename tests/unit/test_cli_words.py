"""The command line's words: `-V`, a mistyped command, one meaning per short flag."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from qatui import cli
from qatui.commands.completion import shape_of


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_version_flag(flag: str, capsys: pytest.CaptureFixture[str]) -> None:
    from qatui import __version__

    with pytest.raises(SystemExit) as stop:
        cli.main([flag], env={})
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"qatui {__version__}"


@pytest.mark.parametrize(("typed", "meant"), [("reprot", "report"), ("valdate", "validate"),
                                               ("Probe", "probe"), ("complete", "completion")])
def test_a_mistyped_command_names_the_one_meant(
    typed: str, meant: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code = cli.main([typed, "x.md"], env={})
    err = capsys.readouterr().err
    assert code == 2
    assert err == f"qatui: unknown command {typed!r}. Did you mean {meant!r}?\n"


def test_an_unknown_word_followed_by_a_path_is_an_unknown_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.main(["frobnicate", "x.yaml"], env={}) == 2
    assert capsys.readouterr().err.startswith("qatui: unknown command 'frobnicate'; the commands are: open, ")


def test_a_file_named_like_a_command_still_opens(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`reprot` that exists is a checklist, not a typo: it goes to `open` (which needs a terminal)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "reprot").write_text("not a checklist\n")
    assert cli._mistyped_command(["reprot"]) is None
    assert cli._mistyped_command(["checklists/reprot"]) is None
    assert cli._mistyped_command(["reprot.yaml"]) is None


def test_a_mistyped_command_from_the_real_binary_has_no_traceback(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "qatui", "reprot", "x.md"], capture_output=True,
                            text=True, cwd=tmp_path, timeout=60)
    assert result.returncode == 2
    assert result.stderr == "qatui: unknown command 'reprot'. Did you mean 'report'?\n"
    assert result.stdout == ""


def _parsers() -> dict[str, argparse.ArgumentParser]:
    parser = cli.build_parser({})
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {"": parser, **subparsers.choices}


def test_every_short_flag_has_one_meaning_in_every_command() -> None:
    seen: dict[str, set[str]] = {}
    for name, parser in _parsers().items():
        for action in parser._actions:
            shorts = [s for s in action.option_strings if not s.startswith("--")]
            longs = [s for s in action.option_strings if s.startswith("--")]
            for short in shorts:
                assert short in cli.SHORT_FLAGS, f"{name or 'qatui'}: {short} is not in cli.SHORT_FLAGS"
                assert cli.SHORT_FLAGS[short] in longs, (
                    f"{name or 'qatui'}: {short} means {longs}, elsewhere {cli.SHORT_FLAGS[short]}")
                seen.setdefault(short, set()).add(name)
    assert seen["-e"] >= {"open", "demo", "probe", "trust", "logs"}  # every command that takes --env
    assert seen["-f"] == {"logs"}


def test_probe_f_says_what_to_write_instead(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        cli.main(["probe", "-f", "json", "x.yaml"], env={})
    assert stop.value.code == 2
    assert "(-f is --follow in qatui logs; write --format here)" in capsys.readouterr().err


def test_completion_knows_every_command_and_option() -> None:
    shape = shape_of(cli.build_parser({}))
    assert [c.name for c in shape.commands] == list(cli.COMMANDS)
    report = shape.command("report")
    assert report.file_args
    fmt = next(o for o in report.options if "--format" in o.flags)
    assert fmt.choices == ("text", "json")
    against = next(o for o in report.options if "--against" in o.flags)
    assert against.file and against.takes_value
    assert not shape.command("completion").file_args
    env = next(o for o in shape.command("probe").options if "--env" in o.flags)
    assert env.takes_value and not env.file and env.flags == ("--env", "-e")


def test_the_suggested_command_is_the_one_that_works_in_this_shell(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Straight after the README's set-up line `qatui` is not on PATH: the quit line's
    `… report R.md` must say `.venv/bin/qatui`; once the venv is active, plain `qatui`."""
    from qatui.commands._common import qatui_command

    venv_bin = tmp_path / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    (venv_bin / "qatui").write_text("#!/bin/sh\n")
    (venv_bin / "qatui").chmod(0o755)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert qatui_command(".venv/bin/qatui") == ".venv/bin/qatui"
    monkeypatch.setenv("PATH", f"{venv_bin}:/usr/bin:/bin")
    assert qatui_command(".venv/bin/qatui") == "qatui"
    assert qatui_command("/somewhere/python -m") == "qatui"
