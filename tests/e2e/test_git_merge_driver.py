"""The git merge driver with real git: `qatui git-setup`, then `git merge` of records on branches.

Two branches tick different items of one record: `git merge` merges them item by item, exit 0,
no conflict markers. Two branches give one item different verdicts: `git merge` stops (the
driver exits 1), the record holds the conflict (not `<<<<<<<` markers) and `qatui report`
lists it; a verdict given in qatui decides it and the merge is committed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from qatui.core.record import read, render
from qatui.core.session import Session, Status
from tests.unit.merge_samples import blank, work

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

QATUI = str(Path(sys.executable).parent / "qatui")
RECORD = "records/django-upgrade-local.md"


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo, env=_env(repo), capture_output=True, text=True, check=check)


def qatui(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([QATUI, *args], cwd=repo, env=_env(repo), capture_output=True, text=True, check=False)


def _env(repo: Path) -> dict[str, str]:
    home = repo.parent / "home"
    home.mkdir(exist_ok=True)
    return {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
            "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.invalid",
            "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.invalid"}


def load(repo: Path) -> Session:
    return read((repo / RECORD).read_text(encoding="utf-8"), RECORD)


def save(repo: Path, session: Session, message: str) -> None:
    (repo / RECORD).write_text(render(session), encoding="utf-8")
    git(repo, "commit", "-qam", message)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "records").mkdir()
    (repo / RECORD).write_text(render(blank("Ana")), encoding="utf-8")
    setup = qatui(repo, "git-setup")
    assert setup.returncode == 0, setup.stderr
    assert "records/*.md merge=qatui" in setup.stdout
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "start the record")
    return repo


def test_git_setup_writes_the_attribute_and_the_driver_once(repo: Path) -> None:
    again = qatui(repo, "git-setup")
    assert again.returncode == 0 and "(already there)" in again.stdout
    assert (repo / ".gitattributes").read_text(encoding="utf-8") == "records/*.md merge=qatui\n"
    driver = git(repo, "config", "merge.qatui.driver").stdout.strip()
    assert driver == f"{QATUI} merge --git %O %A %B"
    assert git(repo, "check-attr", "merge", RECORD).stdout.strip().endswith("merge: qatui")
    # --global: the driver for every repository of this user (HOME is the test's own).
    assert qatui(repo, "git-setup", "--global").returncode == 0
    assert git(repo, "config", "--global", "merge.qatui.driver").stdout.strip() == driver


def test_branches_that_tick_different_items_merge_cleanly(repo: Path) -> None:
    git(repo, "checkout", "-qb", "ben")
    ben = load(repo)
    work(ben, "api-token", (Status.BLOCKED, 6, "database down"))
    save(repo, ben, "ben: api-token blocked")
    git(repo, "checkout", "-q", "main")
    ana = load(repo)
    work(ana, "ws-connect", (Status.PASSED, 5, ""))
    save(repo, ana, "ana: ws-connect passed")
    merged = git(repo, "merge", "-q", "--no-edit", "ben", check=False)
    assert merged.returncode == 0, merged.stdout + merged.stderr
    text = (repo / RECORD).read_text(encoding="utf-8")
    assert "<<<<<<<" not in text
    session = read(text)
    assert session.item("ws-connect").status is Status.PASSED
    assert session.item("api-token").status is Status.BLOCKED
    assert not any(item.conflict for item in session.items())
    assert git(repo, "status", "--porcelain").stdout == ""


def test_one_item_given_different_verdicts_stops_the_merge_with_the_conflict_in_the_record(repo: Path) -> None:
    git(repo, "checkout", "-qb", "ben")
    ben = load(repo)
    ben.tester = "Ben"
    work(ben, "ws-404", (Status.FAILED, 8, "200 instead of 404"))
    work(ben, "api-token", (Status.PASSED, 9, ""))
    save(repo, ben, "ben: ws-404 failed")
    git(repo, "checkout", "-q", "main")
    ana = load(repo)
    work(ana, "ws-404", (Status.PASSED, 5, ""))
    save(repo, ana, "ana: ws-404 passed")
    merged = git(repo, "merge", "--no-edit", "ben", check=False)
    assert merged.returncode != 0
    assert "CONFLICT" in merged.stdout  # git's own words: the path needs a decision
    text = (repo / RECORD).read_text(encoding="utf-8")
    assert "<<<<<<<" not in text
    session = read(text)
    item = session.item("ws-404")
    assert [v.status for v in item.conflict] == [Status.PASSED, Status.FAILED]
    assert session.item("api-token").status is Status.PASSED  # the rest merged
    report = qatui(repo, "report", RECORD, "--gate")
    assert report.returncode == 1
    assert "CONFLICT ws-404" in report.stdout and "in conflict need a decision: ws-404" in report.stdout
    # The tester decides in qatui (a new verdict), adds the record and commits the merge.
    from qatui.core.record.store import RecordFile
    from qatui.core.recorder import Recorder

    record = RecordFile(repo / RECORD)
    recorder = Recorder(record, record.load())
    recorder.set_status("ws-404", Status.FAILED, "nginx routes /ws/ to gunicorn")
    assert not load(repo).item("ws-404").conflict
    git(repo, "add", RECORD)
    git(repo, "commit", "-qm", "merge ben: ws-404 decided")
    assert "ws-404" not in qatui(repo, "report", RECORD).stdout.split("open critical")[0]


def test_sides_that_cannot_be_merged_leave_ours_and_stop(repo: Path) -> None:
    git(repo, "checkout", "-qb", "other-version")
    other = load(repo)
    other.checklist_version, other.checklist_hash = "1.5", "cd" * 32
    save(repo, other, "another version")
    git(repo, "checkout", "-q", "main")
    ours = load(repo)
    work(ours, "ws-connect", (Status.PASSED, 5, ""))
    save(repo, ours, "ours")
    before = (repo / RECORD).read_text(encoding="utf-8")
    merged = git(repo, "merge", "--no-edit", "other-version", check=False)
    assert merged.returncode != 0
    assert "different versions of the checklist" in merged.stdout + merged.stderr
    assert (repo / RECORD).read_text(encoding="utf-8") == before
