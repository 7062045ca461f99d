"""Import is linear, keeps every task box however deep, and says what it could not keep.

Speed is measured by benchmarks/import_markdown.py (50,000 same-titled sections); here the
work is counted instead of timed: id allocation must try a bounded number of candidates per id.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qatui import cli
from qatui.core import yamlpos
from qatui.core.markdown_import import import_markdown_text_report
from qatui.core.mdimport.titles import Ids


class _CountingSet(set[str]):
    lookups = 0

    def __contains__(self, value: object) -> bool:
        _CountingSet.lookups += 1
        return super().__contains__(value)


def test_id_allocation_tries_a_bounded_number_of_candidates_per_id() -> None:
    ids = Ids()
    ids.used = _CountingSet()
    _CountingSet.lookups = 0
    made = [ids.make("Smoke", "section") for _ in range(3000)]
    assert len(set(made)) == 3000 and made[:3] == ["smoke", "smoke-2", "smoke-3"]
    # counting up from -2 for every id (the old way) needs ~4.5 million lookups here
    assert _CountingSet.lookups <= 3 * 3000
    # a literal title that takes a suffix first is skipped, not duplicated
    assert ids.make("Smoke 3001", "s") == "smoke-3001"
    assert ids.make("Smoke", "s") == "smoke-3002"


def test_same_titled_sections_all_imported_with_unique_ids() -> None:
    text = "# T\n\n" + "".join("## Smoke\n\n- [ ] Page loads\n\n" for _ in range(2000))
    checklist, report = import_markdown_text_report(text, "same.md")
    assert len({s.id for s in checklist.sections}) == 2000
    assert len({i.id for i in checklist.items()}) == 2000
    assert (report.boxes, report.items, report.dropped) == (2000, 2000, [])


@pytest.mark.parametrize("depth", [100, 400])
def test_task_boxes_nested_at_any_depth_are_all_imported(depth: int) -> None:
    text = "# Deep\n\n## Boxes\n\n" + "".join("  " * d + f"- [ ] box {d}\n" for d in range(depth))
    checklist, report = import_markdown_text_report(text, "deep.md")
    assert [i.title for i in checklist.items()] == [f"box {d}" for d in range(depth)]
    assert (report.boxes, report.items, report.dropped) == (depth, depth, [])


def test_nested_boxes_under_ordered_and_mixed_lists() -> None:
    lines = []
    for d in range(60):
        marker = "1." if d % 2 else "-"
        lines.append("   " * d + f"{marker} [ ] level {d}")
    checklist, report = import_markdown_text_report("## S\n\n" + "\n".join(lines) + "\n", "mixed.md")
    assert len(checklist.items()) == 60 and report.dropped == []


def test_a_box_that_does_not_become_an_item_is_named_in_the_report() -> None:
    text = "## S\n\n- [ ] kept\n\n> - [ ] quoted box\n> - [x] another\n"
    checklist, report = import_markdown_text_report(text, "q.md")
    assert [i.title for i in checklist.items()] == ["kept"]
    assert report.boxes == 3 and report.items == 1
    assert report.dropped == [
        "q.md:5: task box not imported (inside a quote or an HTML block)",
        "q.md:6: task box not imported (inside a quote or an HTML block)",
    ]


def test_the_summary_says_how_many_boxes_became_items(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "q.md"
    source.write_text("## S\n\n- [ ] kept\n\n> - [ ] quoted box\n", encoding="utf-8")
    assert cli.main(["import", str(source), "-o", str(tmp_path / "q.yaml")], env={}) == 0
    err = capsys.readouterr().err
    assert "1 of 2 task boxes became items" in err
    assert f"{source}:5: task box not imported (inside a quote or an HTML block)" in err


def test_a_yaml_over_the_size_limit_is_a_clear_refusal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "big.md"
    source.write_text("# Big\n\n" + "".join(f"## Area {n}\n\n- [ ] Page {n} loads\n\n" for n in range(50)),
                      encoding="utf-8")
    monkeypatch.setattr(yamlpos, "MAX_BYTES", 1024)
    assert cli.main(["import", str(source), "-o", str(tmp_path / "big.yaml")], env={}) == 1
    err = capsys.readouterr().err
    assert "split the Markdown into smaller checklists" in err and "please report" not in err
    assert not (tmp_path / "big.yaml").exists()
