"""Issue 15's scenario, end to end with real git and the real binary in real terminals (tmux).

A bare repository holds the shipped Django checklist and the `.gitattributes` line of
`qatui git-setup`; two testers clone it and run `qatui git-setup` in their clone (git only runs
a driver named in its own configuration). They agree on the release record,
`records/release.md`, and each works their part of the checklist into it on the screen:

* Anna: `--only critical` — all 44 critical items, every one passed;
* Ben: `--section api,websockets` — 14 of the same items, all passed except the token request,
  which he marks failed (Anna passed it).

Anna commits and pushes first. Ben commits and pulls: git merges the two versions of the record
through qatui's driver, item by item, and stops on the one item that needs a decision (a
non-zero exit of the driver, never `<<<<<<<` markers in the file). `qatui report --gate` on the
result shows both testers' work and that conflict, and fails. The lead opens the record, decides
the conflict with the usual tick key (the decision joins the item's history, the conflict mark
clears), signs; Ben commits the merge, and the gate passes. Anna pulls and has the same record.

No probe runs (the checklist is not trusted), so nothing here needs the Django stand-in: the
verdicts are the testers' ticks, which is what a team merge is about.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from qatui.core.record import read
from qatui.core.session import Session, Status
from tests.e2e.helpers import Tmux, isolated_env, qatui_binary, require_tmux

pytestmark = [pytest.mark.tmux, pytest.mark.timeout(400)]

ROOT = Path(__file__).resolve().parents[2]
DJANGO = ROOT / "checklists" / "django-upgrade.yaml"
RECORD = "records/release.md"
CONFLICT_ITEM = "api-token"


def git(cwd: Path, env: Mapping[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(["git", *args], cwd=cwd, env=dict(env), capture_output=True, text=True, timeout=60)
    if check and done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done


def qatui(cwd: Path, env: Mapping[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([qatui_binary(), *args], cwd=cwd, env=dict(env), capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)


def record_in(clone: Path) -> Session:
    path = clone / RECORD
    return read(path.read_text(encoding="utf-8"), str(path))


@pytest.fixture
def team(tmp_path: Path) -> Iterator[tuple[dict[str, str], Path, Path, Path]]:
    """(environment, bare repository, Anna's clone, Ben's clone), each clone set up for qatui."""
    env = isolated_env(tmp_path, HOME=str(tmp_path / "home"), GIT_CONFIG_NOSYSTEM="1",
                       GIT_AUTHOR_DATE="2026-12-04T10:00:00Z", GIT_COMMITTER_DATE="2026-12-04T10:00:00Z")
    (tmp_path / "home").mkdir()
    bare = tmp_path / "release.git"
    git(tmp_path, env, "init", "--quiet", "--bare", "-b", "main", str(bare))
    seed = tmp_path / "seed"
    git(tmp_path, env, "clone", "--quiet", str(bare), str(seed))
    identity(seed, env, "Lea")
    (seed / "checklists").mkdir()
    shutil.copy(DJANGO, seed / "checklists" / DJANGO.name)
    setup = qatui(seed, env, "git-setup")
    assert setup.returncode == 0, setup.stderr
    assert "merge=qatui" in (seed / ".gitattributes").read_text(encoding="utf-8")
    git(seed, env, "add", "checklists", ".gitattributes")
    git(seed, env, "commit", "--quiet", "-m", "The release checklist, records merged by qatui")
    git(seed, env, "push", "--quiet", "origin", "main")
    clones = []
    for name in ("anna", "ben"):
        clone = tmp_path / name
        git(tmp_path, env, "clone", "--quiet", str(bare), str(clone))
        identity(clone, env, name.capitalize())
        done = qatui(clone, env, "git-setup")
        assert done.returncode == 0, done.stderr
        assert "qatui" in git(clone, env, "config", "merge.qatui.driver").stdout
        assert git(clone, env, "status", "--porcelain").stdout == ""  # .gitattributes already says it
        clones.append(clone)
    yield env, bare, clones[0], clones[1]


def identity(clone: Path, env: Mapping[str, str], name: str) -> None:
    git(clone, env, "config", "user.name", name)
    git(clone, env, "config", "user.email", f"{name.lower()}@example.com")


def work(tmux: str, env: Mapping[str, str], clone: Path, tester: str, part: list[str],
         verdicts: list[tuple[str, str]]) -> None:
    """`tester` opens their part of the release record in a terminal and gives `verdicts`
    (key, note) from the top of their list down, then quits."""
    term = Tmux(tmux, env, width=120, height=40)
    try:
        term.start([qatui_binary(), "checklists/django-upgrade.yaml", "--env", "local", "--tester", tester,
                    *part, "--record", RECORD], cwd=clone)
        term.wait_screen(f"tester: {tester}", timeout=30, what=f"{tester}'s screen")
        total = len(verdicts)
        term.wait_screen(f"0/{total}", what=f"{tester}'s part of {total} items")
        given = {"p": 0, "f": 0, "b": 0, "s": 0}
        for key, note in verdicts:
            given[key] += 1
            term.keys(key)
            if note:
                term.wait_screen("ctrl+s saves", what="the note prompt")
                term.keys(note, literal=True)
                term.keys("C-s")
                term.wait_screen(lambda s: "ctrl+s saves" not in s, what="the note prompt to close")
            # a tick moves to the next open item by itself (no `j`); the header counts passed
            # and skipped as done, failed (✗) and blocked (⊘) apart
            header = [f"{given['p'] + given['s']}/{total}"] + [
                f"{mark}{given[k]}" for k, mark in (("p", "✓"), ("f", "✗"), ("b", "⊘")) if given[k]]
            term.wait_screen(lambda screen, header=header: all(part in screen.splitlines()[0] for part in header),
                             what=f"the header to count {header}")
        term.keys("q")
        term.wait_exit(timeout=30)
    finally:
        term.kill()


def test_two_testers_merge_through_git_and_the_lead_signs_once(
    team: tuple[dict[str, str], Path, Path, Path],
) -> None:
    tmux = require_tmux()
    env, _, anna, ben = team

    # Anna: every critical item passed (the token request among them)
    work(tmux, env, anna, "Anna", ["--only", "critical"], [("p", "")] * 44)
    anna_record = record_in(anna)
    assert len(anna_record.items()) == 44 and anna_record.counts()[Status.PASSED] == 44
    git(anna, env, "add", RECORD)
    git(anna, env, "commit", "--quiet", "-m", "Anna: critical items")
    git(anna, env, "push", "--quiet", "origin", "main")

    # Ben: websockets (8) then api (6); the token request (the first api item) failed
    ben_verdicts = [("p", "")] * 8 + [("f", "token request answers 500")] + [("p", "")] * 5
    work(tmux, env, ben, "Ben", ["--section", "api,websockets"], ben_verdicts)
    ben_record = record_in(ben)
    assert ben_record.item(CONFLICT_ITEM).status is Status.FAILED and len(ben_record.items()) == 14
    git(ben, env, "add", RECORD)
    git(ben, env, "commit", "--quiet", "-m", "Ben: api and websockets")
    assert git(ben, env, "push", "--quiet", "origin", "main", check=False).returncode != 0  # Anna was first

    pulled = git(ben, env, "pull", "--no-rebase", "--no-edit", "origin", "main", check=False)
    assert pulled.returncode != 0, "the driver must stop the merge on the item that needs a decision"
    text = (ben / RECORD).read_text(encoding="utf-8")
    assert "<<<<<<<" not in text and ">>>>>>>" not in text  # merged by qatui, not line by line
    merged = record_in(ben)
    assert len(merged.items()) == 44
    conflict = merged.item(CONFLICT_ITEM)
    assert {(entry.tester, entry.status) for entry in conflict.conflict} == {
        ("Anna", Status.PASSED), ("Ben", Status.FAILED)}
    assert {entry.tester for entry in merged.item("ws-connects").history} == {"Anna", "Ben"}

    # the team report: both testers' work, the one conflict, and the gate fails
    report = qatui(ben, env, "report", RECORD, "--gate", "--format", "json")
    assert report.returncode == 1, report.stderr
    data = json.loads(report.stdout)
    assert data["testers"]["Anna"]["passed"] == 44
    assert data["testers"]["Ben"] == {"passed": 13, "failed": 1, "blocked": 0, "skipped": 0}
    assert [c["id"] for c in data["conflicts"]] == [CONFLICT_ITEM]
    assert {(v["tester"], v["status"]) for v in data["conflicts"][0]["verdicts"]} == {
        ("Anna", "passed"), ("Ben", "failed")}
    assert any("conflict" in reason for reason in data["gate"]["reasons"])
    text_report = qatui(ben, env, "report", RECORD, "--gate")
    assert text_report.returncode == 1
    out = text_report.stdout
    assert "conflicts (1)" in out and f"CONFLICT {CONFLICT_ITEM} — " in out
    assert "passed by Anna" in out and "failed by Ben" in out
    assert "Anna" in out.split("tester ", 2)[-1] and "gate: FAIL" in out

    # the lead decides the conflict on the screen and signs
    term = Tmux(tmux, env, width=120, height=40)
    try:
        term.start([qatui_binary(), RECORD, "--tester", "Lea"], cwd=ben)
        def list_rows(screen: str) -> list[str]:
            return [line.split("│")[1].rstrip() for line in screen.splitlines() if line.count("│") >= 2]

        # the conflict marked in the list, and who did what: each row ends with the tester of
        # its latest verdict (Ben worked the websockets after Anna; the orders are Anna's alone)
        term.wait_screen(lambda s: any("≠ Authentication returns a token" in row for row in list_rows(s))
                         and any("✓" in row and row.endswith(" Ben") for row in list_rows(s))
                         and any("✓" in row and row.endswith(" Anna") for row in list_rows(s)),
                         timeout=30, what="the conflict mark and the testers in the list")
        term.keys("/")
        term.wait_screen("status:failed is:open", what="the filter box")
        term.keys(CONFLICT_ITEM, literal=True)
        term.wait_screen(f"  {CONFLICT_ITEM}  ", what="the filter applied")
        term.keys("Enter")
        term.wait_screen("CONFLICT", what="the conflict's verdicts in the item pane")
        term.keys("p")
        # a verdict on an item in conflict is the decision: no "change failed to passed?" question
        # the row's mark turns from ≠ to ✓ (the notice that listed the conflict may still show)
        term.wait_screen(lambda s: "✓ Authentication returns a token" in s and "≠ Authentication" not in s,
                         what="the conflict mark to clear")
        term.keys("S")
        term.wait_screen("Sign", what="the sign-off screen")
        term.keys("C-s")
        term.wait_screen("SIGNED", timeout=20, what="the record signed")
        term.keys("q")
        term.wait_exit(timeout=30)
    finally:
        term.kill()
    decided = record_in(ben)
    item = decided.item(CONFLICT_ITEM)
    assert not item.conflict and item.status is Status.PASSED
    assert item.history[-1].tester == "Lea" and item.history[-1].status is Status.PASSED
    assert {(e.tester, e.status) for e in item.history} >= {("Anna", Status.PASSED), ("Ben", Status.FAILED)}
    assert decided.signoff is not None

    git(ben, env, "add", RECORD)
    git(ben, env, "commit", "--quiet", "--no-edit")
    git(ben, env, "push", "--quiet", "origin", "main")
    passed = qatui(ben, env, "report", RECORD, "--gate")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "gate: pass" in passed.stdout

    git(anna, env, "pull", "--quiet", "--no-rebase", "origin", "main")
    assert (anna / RECORD).read_bytes() == (ben / RECORD).read_bytes()
