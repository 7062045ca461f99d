"""The CLI entry point: dispatch, `--help`, and what a bug looks like to the user."""

from __future__ import annotations

from pathlib import Path

import pytest

from qatui import cli
from qatui.commands import validate


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        cli.main(["--help"], env={})
    assert stop.value.code == 0
    out = capsys.readouterr().out
    for name in cli.COMMANDS:
        assert name in out
    assert "QATUI_ENV" in out


def test_an_unexpected_error_is_two_plain_lines_and_a_crash_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A fault no real input can trigger today: a bug inside a command.
    def broken(args: object) -> int:
        raise ZeroDivisionError("synthetic bug")

    monkeypatch.setattr(validate, "run", broken)
    code = cli.main(["validate", "x.yaml"], env={"XDG_STATE_HOME": str(tmp_path)})
    err = capsys.readouterr().err
    assert code == cli.ExitStatus.INTERNAL
    assert "internal error" in err and "Traceback" not in err and "synthetic bug" not in err
    [crash] = list((tmp_path / "qatui").glob("crash-*.log"))
    assert "ZeroDivisionError: synthetic bug" in crash.read_text()
