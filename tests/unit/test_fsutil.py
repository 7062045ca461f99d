"""The one atomic write and the one user-folder rule every writer of qatui shares."""

from __future__ import annotations

from pathlib import Path

import pytest

from qatui.commands.demo import data_home
from qatui.core.fsutil import TMP_SUFFIX, user_dir, write_atomic
from qatui.ui.config import UiConfig, config_dir


def test_user_dirs_follow_the_injected_environment(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path)}
    assert user_dir("config", env) == tmp_path / ".config" / "qatui"
    assert user_dir("data", env) == tmp_path / ".local" / "share" / "qatui"
    assert user_dir("state", env) == tmp_path / ".local" / "state" / "qatui"
    assert user_dir("cache", env) == tmp_path / ".cache" / "qatui"
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg")
    assert user_dir("data", env) == tmp_path / "xdg" / "qatui"
    env["XDG_DATA_HOME"] = "relative/dir"  # the XDG spec: ignore a relative value
    assert user_dir("data", env) == tmp_path / ".local" / "share" / "qatui"


def test_the_demo_and_the_screen_use_the_injected_home(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path)}
    assert data_home(env) == tmp_path / ".local" / "share" / "qatui"
    assert config_dir(env) == tmp_path / ".config" / "qatui"


def test_write_atomic_replaces_and_keeps_the_mode(tmp_path: Path) -> None:
    target = tmp_path / "file.txt"
    target.write_text("old", encoding="utf-8")
    write_atomic(target, b"new", mode=0o600)
    assert target.read_bytes() == b"new"
    assert target.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["file.txt"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.mkdir()  # replacing a folder with a file fails after the temporary file was written
    (target / "inside").write_text("x", encoding="utf-8")
    with pytest.raises(OSError):
        write_atomic(target, b"data")
    assert not list(tmp_path.glob(f"*{TMP_SUFFIX}")) and not list(tmp_path.glob(".*"))
    assert (target / "inside").read_text(encoding="utf-8") == "x"


def test_the_screen_config_leaves_no_temporary_file_when_it_cannot_save(tmp_path: Path) -> None:
    folder = tmp_path / "cfg"
    config = UiConfig.load(folder)
    (folder / "config.json").mkdir(parents=True)  # the save cannot replace a folder
    config.remember(tester="Hannah")  # never raises: remembering is a convenience
    assert sorted(p.name for p in folder.iterdir()) == ["config.json"]
