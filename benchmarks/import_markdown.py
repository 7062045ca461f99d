"""Markdown import: 50,000 same-titled sections, and task boxes nested 1,000 deep.

Run: `python benchmarks/import_markdown.py [--sections 50000] [--depth 1000] [--runs 3]`

`qatui import` must be linear in the size of the file: a 1.4 MB file of 50,000 sections all
titled "Smoke" once took more than two minutes, because each new id counted up from `-2`
through every id already given. The floor is what any import must pay, measured in the same
run on the same text: markdown-it's CommonMark parse and its syntax tree (the importer reads
nothing else). Printed: the median of each, their ratio, and the ratio of the time for N
sections to the time for N/10 (≈ 10 when linear; ≈ 100 when quadratic).

Targets: import ≤ 3 × the floor, N/(N/10) ratio ≤ 15, and every nested box imported.
Exit status 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from qatui.core.markdown_import import import_markdown_text_report

FLOOR_RATIO = 3.0
LINEAR_RATIO = 15.0


def same_titled(sections: int) -> str:
    return "# Smoke test\n\n" + "".join("## Smoke\n\n- [ ] Page loads\n\n" for _ in range(sections))


def nested(depth: int) -> str:
    return "# Deep\n\n## Boxes\n\n" + "".join("  " * d + f"- [ ] box {d}\n" for d in range(depth))


def timed(work: object, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def floor(text: str) -> None:
    SyntaxTreeNode(MarkdownIt("commonmark").enable("table").parse(text))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", type=int, default=50_000)
    parser.add_argument("--depth", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    big, small = same_titled(args.sections), same_titled(args.sections // 10)
    checklist, report = import_markdown_text_report(big, "bench.md")
    ids = {s.id for s in checklist.sections}
    ok = len(ids) == args.sections == report.items == report.boxes
    t_import = timed(lambda: import_markdown_text_report(big, "bench.md"), args.runs)
    t_floor = timed(lambda: floor(big), args.runs)
    t_small = timed(lambda: import_markdown_text_report(small, "bench.md"), args.runs)
    ratio, linear = t_import / t_floor, t_import / t_small
    print(f"{args.sections:,} same-titled sections ({len(big) / 1e6:.1f} MB): import {t_import:.2f} s, "
          f"floor (markdown-it parse + tree) {t_floor:.2f} s, ratio {ratio:.2f} (target ≤ {FLOOR_RATIO})")
    print(f"{args.sections // 10:,} sections: {t_small:.2f} s; {args.sections:,}/{args.sections // 10:,} "
          f"time ratio {linear:.1f} (≈10 linear, ≈100 quadratic; target ≤ {LINEAR_RATIO})")

    deep = nested(args.depth)
    start = time.perf_counter()
    deep_checklist, deep_report = import_markdown_text_report(deep, "deep.md")
    t_deep = time.perf_counter() - start
    deep_ok = len(deep_checklist.items()) == args.depth and not deep_report.dropped
    print(f"task boxes nested {args.depth:,} deep ({len(deep) / 1e6:.1f} MB): "
          f"{len(deep_checklist.items()):,} of {args.depth:,} imported in {t_deep:.2f} s")

    missed = [name for name, good in (
        ("all sections imported with unique ids", ok), (f"ratio ≤ {FLOOR_RATIO}", ratio <= FLOOR_RATIO),
        (f"linear ≤ {LINEAR_RATIO}", linear <= LINEAR_RATIO), ("every nested box imported", deep_ok),
    ) if not good]
    print("targets met" if not missed else f"missed: {', '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
