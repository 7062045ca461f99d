"""`qatui import` as a real subprocess: stdout or -o, never overwriting without --force."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from qatui.core.loader import load_checklist
from tests.unit.import_helpers import EXAMPLE


def qatui(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "qatui", "import", *args],
        cwd=cwd, capture_output=True, text=True, timeout=60, check=False,
    )


def test_import_to_a_file_then_refuse_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "upgrade.yaml"
    done = qatui(str(EXAMPLE), "-o", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert "106 items" in done.stderr and "ok: 19 sections" in done.stderr
    assert "8 item(s) were already ticked" in done.stderr
    checklist = load_checklist(out, env={})
    assert len(checklist.items()) == 106
    first = out.read_bytes()

    again = qatui(str(EXAMPLE), "-o", str(out), cwd=tmp_path)
    assert again.returncode == 1
    assert "already exists" in again.stderr and "--force" in again.stderr
    assert "Traceback" not in again.stderr

    out.write_text("changed by hand\n")
    forced = qatui(str(EXAMPLE), "-o", str(out), "--force", cwd=tmp_path)
    assert forced.returncode == 0
    assert out.read_bytes() == first
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_import_to_stdout(tmp_path: Path) -> None:
    done = qatui(str(EXAMPLE), cwd=tmp_path)
    assert done.returncode == 0
    assert done.stdout.startswith("# Imported by `qatui import` from django-upgrade-checklist.md.")
    assert "\nqatui: 1\n" in done.stdout
    assert "imported" in done.stderr and "qatui: 1" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_problems_are_reported_without_a_traceback(tmp_path: Path) -> None:
    missing = qatui(str(tmp_path / "nope.md"), cwd=tmp_path)
    assert missing.returncode == 2 and "no such file" in missing.stderr
    empty = tmp_path / "empty.md"
    empty.write_text("# Nothing\n\nno boxes here\n")
    nothing = qatui(str(empty), cwd=tmp_path)
    assert nothing.returncode == 1 and "no task boxes" in nothing.stderr
    latin = tmp_path / "latin.md"
    latin.write_bytes("- [ ] Café\n".encode("latin-1"))
    bad = qatui(str(latin), cwd=tmp_path)
    assert bad.returncode == 1 and "not UTF-8" in bad.stderr
    for run in (missing, nothing, bad):
        assert "Traceback" not in run.stderr


def test_shell_variables_need_not_be_set_at_import(tmp_path: Path) -> None:
    source = tmp_path / "smoke.md"
    source.write_text(
        "## Smoke\n\n```sh\ncurl -H \"Authorization: Token $API_TOKEN\" $BASE_URL/api/\n```\n\n- [ ] API answers\n"
    )
    out = tmp_path / "smoke.yaml"
    env = {k: v for k, v in os.environ.items() if k not in ("API_TOKEN", "BASE_URL")}
    done = subprocess.run(
        [sys.executable, "-m", "qatui", "import", str(source), "-o", str(out)],
        capture_output=True, text=True, timeout=60, check=False, env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "read these from the environment: BASE_URL, API_TOKEN" in done.stderr
    checklist = load_checklist(out, env={"API_TOKEN": "t", "BASE_URL": "http://127.0.0.1:1"})
    (probe,) = checklist.probes()
    assert probe.config["url"] == "http://${BASE_URL}/api/"


def test_folders_and_special_files_are_named_for_what_they_are(tmp_path: Path) -> None:
    folder = qatui(str(tmp_path), cwd=tmp_path)
    assert folder.returncode == 1 and "is a folder, not a Markdown file" in folder.stderr
    device = qatui("/dev/zero", cwd=tmp_path)
    assert device.returncode == 1 and "/dev/zero: is a character device, not a regular file" in device.stderr
    into_folder = qatui(str(EXAMPLE), "-o", str(tmp_path), "--force", cwd=tmp_path)
    assert into_folder.returncode == 1 and "is a folder; name the YAML file" in into_folder.stderr
    for run in (folder, device, into_folder):
        assert "Traceback" not in run.stderr and run.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_help_says_which_environment_variables_apply(tmp_path: Path) -> None:
    done = qatui("--help", cwd=tmp_path)
    assert done.returncode == 0 and "no QATUI_* variable applies" in done.stdout


def test_yaml_on_stdout_is_utf8_whatever_the_terminal_takes(tmp_path: Path) -> None:
    plain = qatui(str(EXAMPLE), cwd=tmp_path)
    ascii_only = subprocess.run(
        [sys.executable, "-m", "qatui", "import", str(EXAMPLE)],
        cwd=tmp_path, capture_output=True, timeout=60, check=False,
        env={**os.environ, "PYTHONIOENCODING": "ascii"},
    )
    assert ascii_only.returncode == 0 and b"Traceback" not in ascii_only.stderr
    assert ascii_only.stdout.decode("utf-8") == plain.stdout and "→" in plain.stdout


def test_a_pipe_can_be_imported(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "qatui", "import", "/dev/stdin"], input=EXAMPLE.read_text(encoding="utf-8"),
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "106 items" in done.stderr and "\nqatui: 1\n" in done.stdout
