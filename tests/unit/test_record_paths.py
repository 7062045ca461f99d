"""The record-path rules (`core/record/paths.py`): record or checklist, a record's checklist,
the names "Save as" offers, where a new record goes, and which record is the baseline."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from qatui.core.checklist import Checklist
from qatui.core.errors import QatuiError
from qatui.core.record.paths import (
    RECORD_ANCHOR,
    find_previous_record,
    free_name,
    is_record_file,
    record_path_for,
    repo_root,
    resolve_record_checklist,
)
from qatui.core.recorder import Recorder

CHECKLIST = """\
qatui: 1
title: Paths
sections:
  - id: s
    title: S
    priority: critical
    items:
      - id: a
        title: A
"""


def checklist_at(folder: Path) -> tuple[Path, Checklist]:
    from qatui.core.loader import load_checklist

    path = folder / "release.yaml"
    path.write_text(CHECKLIST)
    return path, load_checklist(path, env={})


def test_a_record_is_told_from_a_markdown_checklist_by_its_anchor(tmp_path: Path) -> None:
    _, checklist = checklist_at(tmp_path)
    record = tmp_path / "record.md"
    Recorder.open_or_start(checklist, record, tester="T", environment="default")
    assert RECORD_ANCHOR in record.read_text()
    plain = tmp_path / "plain.md"
    plain.write_text("# Release\n\n- [ ] a box\n")
    assert is_record_file(record)
    assert not is_record_file(plain)
    assert not is_record_file(tmp_path / "release.yaml")  # not Markdown: not even read
    assert not is_record_file(tmp_path / "missing.md")


def test_a_records_checklist_is_found_beside_it_or_named_as_gone(tmp_path: Path) -> None:
    path, checklist = checklist_at(tmp_path)
    record = tmp_path / "records" / "r.md"
    record.parent.mkdir()
    Recorder.open_or_start(checklist, record, tester="T", environment="default")
    assert Path(resolve_record_checklist(record)).resolve() == path.resolve()
    path.unlink()
    with pytest.raises(QatuiError) as raised:
        resolve_record_checklist(record)
    assert raised.value.title == "Checklist of this record not found"


def test_save_as_offers_the_first_free_name_and_does_not_repeat_the_tag(tmp_path: Path) -> None:
    record = tmp_path / "release-local.md"
    assert free_name(record, "ann") == tmp_path / "release-local-ann.md"
    (tmp_path / "release-local-ann.md").write_text("taken")
    assert free_name(record, "ann") == tmp_path / "release-local-ann-2.md"
    assert free_name(tmp_path / "release-local-ann.md", "ann") == tmp_path / "release-local-ann-2.md"


def test_records_go_under_the_repository_else_beside_the_checklists_folder(tmp_path: Path) -> None:
    folder = tmp_path / "project" / "checklists"
    folder.mkdir(parents=True)
    path, checklist = checklist_at(folder)
    assert repo_root(path) == tmp_path / "project"
    (tmp_path / ".git").mkdir()
    assert repo_root(path) == tmp_path
    assert record_path_for(checklist, "prod eu", date(2026, 12, 4)) == (
        tmp_path / "records" / "release-prod-eu-2026-12-04.md")


def test_the_baseline_is_the_newest_other_record_of_the_same_checklist(tmp_path: Path) -> None:
    current = tmp_path / "release-local-2026-12-04.md"
    older, newer = tmp_path / "release-local-2026-11-01.md", tmp_path / "release-local-2026-11-20.md"
    for number, path in enumerate((older, newer, current, tmp_path / "other-local-2026-12-01.md")):
        path.write_text("x")
        os.utime(path, (1_000_000 + number, 1_000_000 + number))
    assert find_previous_record(current, "checklists/release.yaml") == str(newer)
    assert find_previous_record(current, None) is None
    newer.unlink()
    older.unlink()
    assert find_previous_record(current, "checklists/release.yaml") is None
