"""Merge benchmark: 10 testers' records of a 5,000-item checklist merged into one.

Run: `python benchmarks/merge.py [--records 10] [--items 5000] [--runs 5]`

A team's records are merged by `qatui merge` and, one pair at a time, by the git merge driver
on every `git pull`. Each generated record is the whole checklist; each tester worked about a
fifth of it (a history of one or two verdicts, a note on failures, log evidence on some), so
many items were worked by two or three testers, mostly agreeing, with a few conflicts, as a
team that overlaps on the critical items would.

Printed, as medians of several runs:

- floor: reading the 10 records (file → Session, what any merge must do first), with the
  cyclic collector paused as `qatui merge` runs (the figure with it on is printed too);
- merge: `core.record.merge.merge` of the 10 sessions (no I/O);
- whole command: read + merge + render + atomic write, i.e. `qatui merge … -o` without the
  interpreter's start-up.

Target: merge ≤ 1 s (the issue's bound). Exit status 1 if it is missed.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from qatui.core.checklist import Priority
from qatui.core.fsutil import write_atomic
from qatui.core.record import RecordFile, render
from qatui.core.record.merge import merge
from qatui.core.record.render import render_bytes
from qatui.core.runtime import paused_gc
from qatui.core.session import (
    Evidence,
    HistoryEntry,
    ItemResult,
    MetricValue,
    SectionResult,
    Session,
    SourceRef,
    Status,
)

TARGET_S = 1.0
TESTERS = ["Ana", "Ben", "Chloé", "Dev", "Eun", "Farid", "Greta", "Hugo", "Ines", "Jun", "Kofi", "Lea"]


def make_record(tester: str, n_items: int, seed: int) -> Session:
    tz = timezone(timedelta(hours=1))
    t0 = datetime(2026, 11, 23, 9, 0, tzinfo=tz)
    rng = random.Random(seed)
    verdicts = [Status.PASSED] * 8 + [Status.FAILED, Status.SKIPPED]
    sections: list[SectionResult] = []
    priorities = [Priority.CRITICAL, Priority.IMPORTANT, Priority.IMPORTANT, Priority.NICE]
    per_section = 100
    for s in range((n_items + per_section - 1) // per_section):
        section = SectionResult(id=f"section-{s}", title=f"Area {s}: orders, devices and sync",
                                priority=priorities[s % len(priorities)])
        for i in range(min(per_section, n_items - s * per_section)):
            n = s * per_section + i
            item = ItemResult(id=f"s{s}-item-{i}", title=f"Order list page {n} loads and shows the right totals",
                              fingerprint=f"{n * 2654435761 % 16**12:012x}")
            if rng.random() < 0.2:
                # The team's verdict on an item is shared, so overlapping testers mostly agree;
                # one item in 200 is one a tester sees differently.
                agreed = verdicts[(n * 7) % len(verdicts)]
                final = rng.choice(verdicts) if rng.random() < 0.005 else agreed
                minute = rng.randint(0, 600)
                if rng.random() < 0.3:
                    at = t0 + timedelta(minutes=minute)
                    item.history.append(HistoryEntry(Status.FAILED, tester, at, "first try: timeout"))
                    minute += 5
                at = t0 + timedelta(minutes=minute, seconds=rng.randint(0, 59))
                item.status, item.updated_at = final, at
                if final is Status.FAILED:
                    item.note = f"Checked on staging; ticket #{n}."
                    item.evidence.append(Evidence("log", "huey", f"huey-1 | [ERROR] task {n} failed", at))
                item.history.append(HistoryEntry(final, tester, at, item.note))
            section.items.append(item)
        sections.append(section)
    return Session(
        title="Django 3.2 → 4.2 upgrade (generated)", checklist_path="checklists/generated.yaml",
        tester=tester, environment="staging", environment_label="Staging", checklist_version="1.0",
        checklist_hash="ab" * 32, started_at=t0, qatui_version="0.1.0",
        facts={"Django": "4.2.29", "Python": "3.12.13"}, sections=sections,
        metrics=[MetricValue(id=f"m{k}", name=f"Metric {k}", after=100.0 + k, threshold=150.0) for k in range(6)],
    )


def median_s(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=10)
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)

    records = [make_record(TESTERS[k % len(TESTERS)], args.items, seed=k) for k in range(args.records)]
    with tempfile.TemporaryDirectory() as folder:
        paths = [Path(folder) / f"{k}-{record.tester}.md" for k, record in enumerate(records)]
        for path, record in zip(paths, records, strict=True):
            path.write_text(render(record), encoding="utf-8")
        out = Path(folder) / "release.md"

        def load_all() -> list[Session]:
            return [RecordFile(path).load() for path in paths]

        loaded = load_all()
        collector_on = median_s(load_all, args.runs)
        sources: list[SourceRef | None] = [SourceRef(p.name, "0" * 64, s.tester) for p, s in zip(paths, loaded, strict=True)]
        result = merge(loaded, sources=sources)

        def whole() -> None:
            sessions = load_all()
            merged = merge(sessions, sources=sources)
            write_atomic(out, render_bytes(merged.session))

        with paused_gc():  # as `qatui merge` runs
            floor = median_s(load_all, args.runs)
            merge_s = median_s(lambda: merge(loaded, sources=sources), args.runs)
            whole_s = median_s(whole, args.runs)
        size_mb = sum(p.stat().st_size for p in paths) / 1e6

    worked = sum(1 for item in result.session.items() if item.history)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"merge: {args.records} records × {args.items} items ({size_mb:.1f} MB in all), median of "
          f"{args.runs} runs (load average {load:.1f} on {os.cpu_count()} CPUs)")
    print(f"  merged record: {worked} items worked, {len(result.conflicts)} conflicts, "
          f"by tester {sum(result.by_tester.values())} verdict-items")
    print(f"  (reading them with the cyclic collector on: {collector_on * 1000:.1f} ms; qatui merge pauses it)")
    print(f"  floor: read the {args.records} records           {floor * 1000:8.1f} ms")
    print(f"  merge (sessions → merged session)       {merge_s * 1000:8.1f} ms   {merge_s / floor:4.2f}× floor")
    print(f"  read + merge + render + atomic write     {whole_s * 1000:8.1f} ms   {whole_s / floor:4.2f}× floor")
    ok = merge_s <= TARGET_S
    print(f"{'PASS' if ok else 'FAIL'}: merge {merge_s * 1000:.1f} ms (target ≤ {TARGET_S * 1000:g} ms)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
