"""A record reviews well in a pull request: re-running one probe changes a handful of lines.

The real binaries: `qatui demo --serve` as the target, `qatui probe --record` writing the
record through the Recorder, and real `git` measuring the change with `git diff --numstat`
after the record was committed. The record also names the build, the target, the host and a
checklist path relative to the repository, never the tester's absolute path.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from qatui.core.record import read
from tests.e2e.helpers import isolated_env, qatui_binary, served_demo

DEMO = Path(__file__).resolve().parents[2] / "checklists" / "demo.yaml"

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, timeout=30, check=True)
    return done.stdout


def test_rerunning_one_probe_changes_only_its_lines(tmp_path: Path) -> None:
    repo = tmp_path / "app"
    (repo / "checklists").mkdir(parents=True)
    checklist = repo / "checklists" / "demo.yaml"
    shutil.copy(DEMO, checklist)
    git(repo, "init", "-q")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "--allow-empty", "-m", "start")
    record = repo / "records" / "demo.md"
    base_env = isolated_env(tmp_path)
    with served_demo(base_env) as demo:
        env = {**base_env, **demo.variables}

        def qatui(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([qatui_binary(), *args], env=env, capture_output=True, text=True,
                                  timeout=60, cwd=tmp_path)

        assert qatui("trust", str(checklist), "--yes").returncode == 0
        first = qatui("probe", str(checklist), "--env", "demo", "--record", str(record), "--build", "v2026.12-rc1")
        assert first.returncode == 1, first.stderr  # the demo fails on purpose
        git(repo, "add", "-A")
        git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "record")
        again = qatui("probe", str(checklist), "--env", "demo", "--only", "label-print", "--record", str(record))
        assert again.returncode == 1, again.stderr
        target = demo.variables["QATUI_DEMO_BASE_URL"]

    numstat = git(repo, "diff", "--numstat", "--", "records/demo.md").split()
    added, deleted = int(numstat[0]), int(numstat[1])
    diff = git(repo, "diff", "-U0", "--", "records/demo.md")
    assert 0 < added <= 8 and 0 < deleted <= 8, diff
    # Only the probe's own lines changed: its result line, its anchor, lines of its output.
    changed = [line for line in diff.split("\n") if line[:1] in ("+", "-") and not line.startswith(("+++", "---"))]
    assert all("label-print" in line or line[1:].startswith("    ") for line in changed), diff

    text = record.read_text(encoding="utf-8")
    session = read(text, str(record))
    assert session.checklist_path == "checklists/demo.yaml"
    assert str(tmp_path) not in text  # no absolute path of the tester's machine
    assert session.build == "v2026.12-rc1" and session.target == target and session.host
    assert len(session.commit) == 40 and session.commit == git(repo, "rev-parse", "HEAD~1").strip()
    assert all(p.at is not None and p.at.microsecond == 0 for i in session.items() for p in i.probes)  # to the second
    assert session.description.startswith("A tour of qatui") and "Rollback" in [n.title for n in session.notes]
    # Each probe's output is stored once: the label endpoint's 500 page appears in one place.
    assert text.count("<h1>Server Error (500)</h1>") == 1
