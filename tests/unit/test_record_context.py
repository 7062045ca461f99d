"""Where a record was made and what it tested: paths, build, commit, host, target; verbatim blocks."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qatui.core.checklist import Environment
from qatui.core.record import RecordFile, read, render
from qatui.core.record.context import fill_context, git_root
from qatui.core.record.escape import block, block_safe, unblock
from qatui.core.recorder import Recorder
from qatui.core.session import Session, Status, target_of

from .record_samples import NASTY, basic_session, sample_checklist

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                          capture_output=True, text=True, check=True, timeout=30).stdout.strip()


@needs_git
def test_a_checklist_in_a_repository_names_its_commit_and_a_relative_path(tmp_path: Path) -> None:
    repo = tmp_path / "app"
    (repo / "checklists").mkdir(parents=True)
    checklist = sample_checklist(str(repo / "checklists" / "django-upgrade.yaml"))
    Path(checklist.path).write_text("qatui: 1\n", encoding="utf-8")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "one")
    git(repo, "tag", "v1.0")
    record = repo / "records" / "r.md"
    recorder = Recorder.open_or_start(checklist, record, tester="H", environment="local", env={})
    session = RecordFile(record).load()
    assert session.checklist_path == "checklists/django-upgrade.yaml"
    assert session.build == "v1.0" and session.commit == git(repo, "rev-parse", "HEAD")
    assert session.host
    assert str(tmp_path) not in record.read_text(encoding="utf-8")
    # An uncommitted change shows in the build; a resumed record keeps what it was started on.
    Path(checklist.path).write_text("qatui: 1\n# changed\n", encoding="utf-8")
    recorder.set_status("ws-404", Status.PASSED)
    again = Recorder.open_or_start(checklist, record, tester="H", environment="local", env={})
    assert again.session.build == "v1.0" and again.session.checklist_path == "checklists/django-upgrade.yaml"
    # A build given on resume (QATUI_BUILD or --build) replaces it.
    given = Recorder.open_or_start(checklist, record, tester="H", environment="local", env={"QATUI_BUILD": "rc2"})
    assert given.session.build == "rc2"


@needs_git
def test_git_describe_says_dirty_for_a_new_record(tmp_path: Path) -> None:
    repo = tmp_path / "app"
    repo.mkdir()
    checklist = sample_checklist(str(repo / "list.yaml"))
    Path(checklist.path).write_text("qatui: 1\n", encoding="utf-8")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "one")
    Path(checklist.path).write_text("qatui: 1\n# edited\n", encoding="utf-8")
    recorder = Recorder.open_or_start(checklist, repo / "r.md", tester="H", environment="local", env={})
    assert recorder.session.build.endswith("-dirty")
    assert recorder.session.checklist_path == "list.yaml"
    # A record outside the checklist's repository keeps a path it can be resumed from.
    outside = Recorder.open_or_start(checklist, tmp_path / "elsewhere" / "far" / "r.md", tester="H",
                                     environment="local", env={})
    assert outside.session.checklist_path == checklist.path and outside.session.build.endswith("-dirty")


def test_without_git_the_build_comes_from_the_option_and_the_path_from_the_record(tmp_path: Path) -> None:
    (tmp_path / "checklists").mkdir()
    checklist = sample_checklist(str(tmp_path / "checklists" / "x.yaml"))
    Path(checklist.path).write_text("qatui: 1\n", encoding="utf-8")
    assert git_root(tmp_path) is None or git_root(tmp_path) != tmp_path
    if git_root(tmp_path) is not None:
        pytest.skip("the temporary folder is inside a git work tree here")
    recorder = Recorder.open_or_start(checklist, tmp_path / "records" / "r.md", tester="H", environment="local",
                                      build="build-417", env={"QATUI_BUILD": "ignored: the option wins"})
    assert recorder.session.build == "build-417" and recorder.session.commit == ""
    assert recorder.session.checklist_path == "../checklists/x.yaml"


def test_a_checklist_far_from_the_record_keeps_its_path(tmp_path: Path) -> None:
    session = Session(title="t", checklist_path="/nowhere/list.yaml", tester="H", environment="e")
    assert fill_context(session, tmp_path / "r.md", env={}) is True  # the host was filled in
    assert session.checklist_path == "/nowhere/list.yaml" and session.build == "" and session.commit == ""


def test_the_target_is_the_environments_base_url_expanded() -> None:
    checklist = sample_checklist()
    checklist.from_env = ["APP_URL"]
    checklist.vars = {"base_url": "${APP_URL:-http://localhost:8001}", "token": "secret"}
    checklist.environments["staging"] = Environment(key="staging", label="Staging",
                                                    vars={"base_url": "https://${host}/app", "host": "staging.example"})
    assert target_of(checklist, "local", {}) == "http://localhost:8001"
    assert target_of(checklist, "local", {"APP_URL": "http://127.0.0.1:9"}) == "http://127.0.0.1:9"
    assert target_of(checklist, "staging", {}) == "https://staging.example/app"
    checklist.vars = {"base_url": "${SOMETHING_UNDECLARED}"}
    assert target_of(checklist, "local", {"SOMETHING_UNDECLARED": "x"}) == "${SOMETHING_UNDECLARED}"
    checklist.vars = {}
    assert target_of(checklist, "local", {}) == ""


def test_the_record_shows_where_and_what_was_tested() -> None:
    text = render(basic_session())
    header = text.split("## Summary")[0]
    for row in ("| Target | http://localhost:8001 |", "| Build | v4.2.0-rc1-3-g1a2b3c4 |",
                "| Commit | `1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d` |", "| Host | qa-laptop-7 |"):
        assert row in header
    about = text.split("## About this checklist")[1].split("\n## ")[0]
    assert "Run after the upgrade" in about and "<summary>Rollback (rollback)</summary>" in about
    assert ":red_circle:" not in text and "## ● Critical" in text


# ---------------------------------------------------------------- verbatim blocks


@given(st.one_of(st.sampled_from(NASTY), st.text(max_size=200)), st.sampled_from(["", "  ", "    "]))
def test_a_block_reads_back_exactly_what_was_written(text: str, indent: str) -> None:
    if not block_safe(text):
        return
    lines = block(text, indent)
    assert lines[0].endswith(" qatui") and lines[-1] == indent + lines[0].strip().split("t", 1)[0]
    body = "\n".join(lines[1:-1])
    assert "<!--" not in body
    assert unblock(body, len(indent)) == text
    assert unblock(body.replace("\n", "\r\n"), len(indent)) == text  # a CRLF checkout


def test_what_a_block_cannot_hold_stays_in_the_anchor() -> None:
    for text in ("", "bell \x07", "cr\r\nlf", "zero\u200bwidth", "lone \udcff"):
        assert not block_safe(text)
        session = basic_session()
        session.item("ws-404").probes[0].detail = text
        assert read(render(session)) == session
    assert block_safe("tabs\tand <!-- comments --> and ``` fences")


def test_a_lost_block_is_a_clear_error() -> None:
    text = render(basic_session())
    start = text.index("    ```text qatui")
    end = text.index("    ```\n", start + 10) + len("    ```\n")
    from qatui.core.errors import RecordError

    with pytest.raises(RecordError, match=r"r\.md:\d+: 'detail' is kept in a text block below this anchor"):
        read(text[:start] + text[end:], "r.md")


def test_probe_output_attached_as_evidence_is_written_once() -> None:
    session = basic_session()
    text = render(session)
    assert text.count("GET /ws/ HTTP/1.1") == 1
    assert '"text":{"probe":"ws-8001"}' in text
    assert read(text) == session
    # Once the probe is run again, the attached output is its own block (it is what was attached).
    rerun = basic_session()
    rerun.item("ws-404").probes[0].detail = "GET /ws/ HTTP/1.1\nHTTP/1.1 404 Not Found"
    text = render(rerun)
    assert text.count("GET /ws/ HTTP/1.1") == 2 and read(text) == rerun
