"""`qatui merge A.md B.md -o release.md`, in-process: exit codes, summary, sources, refusal."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import pytest

from qatui import cli
from qatui.core.record import read, render
from qatui.core.session import Session, SignOff, Status

from .merge_samples import T0, blank, work


def write(path: Path, session: Session) -> Path:
    path.write_text(render(session), encoding="utf-8")
    return path


@pytest.fixture
def team(tmp_path: Path) -> tuple[Path, Path]:
    ana, ben = blank("Ana"), blank("Ben")
    work(ana, "ws-connect", (Status.PASSED, 5, ""))
    work(ben, "api-token", (Status.BLOCKED, 6, "database down"))
    return write(tmp_path / "ana.md", ana), write(tmp_path / "ben.md", ben)


def test_clean_merge_exits_0_and_names_its_sources(team: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    a, b = team
    out = a.parent / "release.md"
    assert cli.main(["merge", str(a), str(b), "-o", str(out)], env={}) == 0
    text = capsys.readouterr().out
    assert "merged 2 record(s)" in text and "no conflicts" in text
    assert "Ana 1, Ben 1" in text
    merged = read(out.read_text(encoding="utf-8"))
    assert merged.item("api-token").status is Status.BLOCKED
    assert [(s.name, s.sha256, s.tester) for s in merged.sources] == [
        ("ana.md", hashlib.sha256(a.read_bytes()).hexdigest(), "Ana"),
        ("ben.md", hashlib.sha256(b.read_bytes()).hexdigest(), "Ben"),
    ]
    assert "## Merged from" in out.read_text(encoding="utf-8")


def test_conflicts_exit_1_and_are_listed_with_both_verdicts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ana, ben = blank("Ana"), blank("Ben")
    work(ana, "ws-404", (Status.PASSED, 5, ""))
    work(ben, "ws-404", (Status.FAILED, 8, "200"))
    out = tmp_path / "release.md"
    code = cli.main(["merge", str(write(tmp_path / "a.md", ana)), str(write(tmp_path / "b.md", ben)),
                     "-o", str(out)], env={})
    assert code == 1
    text = capsys.readouterr().out
    assert "conflicts (1)" in text
    assert "ws-404 — Title of ws-404 (critical): passed by Ana at 2026-03-10 09:05:00+01:00 vs failed by Ben" in text
    assert read(out.read_text(encoding="utf-8")).item("ws-404").conflict


def test_records_of_different_environments_exit_2_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = write(tmp_path / "a.md", blank("Ana"))
    b = write(tmp_path / "b.md", replace(blank("Ben"), environment="production"))
    out = tmp_path / "release.md"
    assert cli.main(["merge", str(a), str(b), "-o", str(out)], env={}) == 2
    err = capsys.readouterr().err
    assert "Records cannot be merged" in err and "different environments" in err and str(b) in err
    assert not out.exists()


def test_an_unreadable_record_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = write(tmp_path / "a.md", blank("Ana"))
    bad = tmp_path / "notes.md"
    bad.write_text("# just notes\n", encoding="utf-8")
    assert cli.main(["merge", str(a), str(bad), "-o", str(tmp_path / "r.md")], env={}) == 2
    assert "not a qatui record" in capsys.readouterr().err


def test_an_existing_output_is_replaced_only_when_merged_into_or_forced(
    team: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = team
    out = a.parent / "release.md"
    out.write_text("someone's file\n", encoding="utf-8")
    assert cli.main(["merge", str(a), str(b), "-o", str(out)], env={}) == 2
    assert "exists and is not one of the records merged" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "someone's file\n"
    assert cli.main(["merge", str(a), str(b), "-o", str(out), "--force"], env={}) == 0


def test_merging_into_the_merged_record_keeps_its_decisions_and_sources(
    team: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = team
    out = a.parent / "release.md"
    assert cli.main(["merge", str(a), str(b), "-o", str(out)], env={}) == 0
    late = blank("Chloé")
    work(late, "devices-list", (Status.PASSED, 50, ""))
    c = write(a.parent / "chloe.md", late)
    assert cli.main(["merge", str(out), str(c), "-o", str(out)], env={}) == 0
    merged = read(out.read_text(encoding="utf-8"))
    assert [s.name for s in merged.sources] == ["ana.md", "ben.md", "chloe.md"]
    assert merged.item("devices-list").status is Status.PASSED
    assert merged.item("api-token").status is Status.BLOCKED


def test_report_says_when_a_source_changed_after_the_sign_off(
    team: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = team
    out = a.parent / "release.md"
    cli.main(["merge", str(a), str(b), "-o", str(out)], env={})
    merged = read(out.read_text(encoding="utf-8"))
    for item in merged.items():
        if item.status is Status.UNTESTED:
            item.status = Status.PASSED
    merged.item("api-token").status = Status.PASSED
    merged.signoff = SignOff("Lea", "lead", T0, "approved for release")
    write(out, merged)
    capsys.readouterr()
    assert cli.main(["report", str(out), "--gate"], env={}) == 0
    assert "ana.md (Ana, sha256" in capsys.readouterr().out
    # Ana ticks one more item in her own record after the lead signed.
    ana = read(a.read_text(encoding="utf-8"))
    work(ana, "ws-404", (Status.FAILED, 90, "broke again"))
    write(a, ana)
    assert cli.main(["report", str(out), "--gate"], env={}) == 1
    text = capsys.readouterr().out
    assert "ana.md (Ana, sha256" in text and "CHANGED since the merge" in text
    assert "source record ana.md changed after the sign-off" in text
    assert cli.main(["report", str(out), "--format", "json"], env={}) == 0
    sources = json.loads(capsys.readouterr().out)["sources"]
    assert [(s["name"], s["found"], s["changed"]) for s in sources] == [("ana.md", True, True), ("ben.md", True, False)]
    b.unlink()  # a source not found beside the record is said, not failed
    cli.main(["report", str(out)], env={})
    assert "ben.md (Ben, sha256" in capsys.readouterr().out


def test_git_mode_takes_three_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["merge", "--git", "a", "b"], env={}) == 2
    assert "exactly three files" in capsys.readouterr().err


def test_part_records_merge_in_the_order_of_the_checklist_they_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from qatui.core.loader import load_checklist

    root = Path(__file__).resolve().parents[2]
    checklist = load_checklist(root / "checklists" / "django-upgrade.yaml", env={})
    full = Session.start(checklist, tester="Ana", environment="local", started_at=T0)
    full.checklist_path = "checklists/django-upgrade.yaml"  # as written when started from the repository
    ana = replace(full, sections=[s for s in full.sections if s.id in ("websockets", "orders")])
    ben = replace(full, tester="Ben", sections=[s for s in full.sections if s.id in ("product-search", "api")])
    monkeypatch.chdir(root)
    out = tmp_path / "release.md"
    assert cli.main(["merge", str(write(tmp_path / "ana.md", ana)), str(write(tmp_path / "ben.md", ben)),
                     "-o", str(out)], env={}) == 0
    merged = read(out.read_text(encoding="utf-8"))
    # By id the four would come api, orders, product-search, websockets; the checklist decides.
    assert [s.id for s in merged.sections] == ["websockets", "orders", "product-search", "api"]


def test_a_fifo_named_as_a_record_is_refused_without_waiting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import os

    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    a = write(tmp_path / "a.md", blank("Ana"))
    assert cli.main(["merge", str(a), str(fifo), "-o", str(tmp_path / "r.md")], env={}) == 2
    assert "is a named pipe (FIFO), not a regular file" in capsys.readouterr().err


def test_a_testers_own_record_is_never_the_output(team: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    a, b = team
    before = a.read_bytes()
    assert cli.main(["merge", str(a), str(b), "-o", str(a)], env={}) == 2
    assert "is Ana's own record, not a merged one" in capsys.readouterr().err
    assert a.read_bytes() == before
