"""Record I/O benchmark: render, atomic save and read of a 5,000-item record.

Run: `python benchmarks/record_io.py [--items 5000] [--runs 15] [--dir PATH]`

A record is saved on every tick, so saving must stay cheap however long the checklist is.
This prints the median of several runs for each operation, beside floors measured in the same
run on the same machine (so a slow or busy machine moves both):

- render floor: building a text of the same size with `"\\n".join`;
- write floor: an atomic write with fsync of the same bytes (temp file, fsync, rename, fsync
  folder) written inline here, not through qatui;
- read floor: a plain line scan over the file (split into lines, test each for an anchor).

"tick save" is what happens when the tester ticks one item: one item changes and the record
is rendered (reusing unchanged items' Markdown) and written atomically with the conflict check.
"cold save" renders every item from scratch (the first save after loading).

Targets: save ≤ 25 ms and read ≤ 50 ms. Exit status 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from qatui.core.checklist import Priority
from qatui.core.record import RecordFile, RenderCache, read, render
from qatui.core.session import (
    Evidence,
    ItemResult,
    MetricValue,
    ProbeResult,
    ProbeStatus,
    SectionResult,
    Session,
    Status,
)

SAVE_TARGET_MS = 25.0
READ_TARGET_MS = 50.0


def make_session(n_items: int) -> Session:
    """A record in the middle of a long run: most items done, a few failures with evidence."""
    tz = timezone(timedelta(hours=1))
    t0 = datetime(2026, 11, 23, 9, 0, tzinfo=tz)
    per_section = 100
    sections: list[SectionResult] = []
    priorities = [Priority.CRITICAL, Priority.IMPORTANT, Priority.IMPORTANT, Priority.NICE]
    for s in range((n_items + per_section - 1) // per_section):
        section = SectionResult(id=f"section-{s}", title=f"Area {s}: orders, devices and sync",
                                priority=priorities[s % len(priorities)])
        for i in range(min(per_section, n_items - s * per_section)):
            n = s * per_section + i
            roll = n % 100
            if roll < 55:
                status = Status.PASSED
            elif roll < 60:
                status = Status.FAILED
            elif roll < 62:
                status = Status.BLOCKED
            elif roll < 65:
                status = Status.SKIPPED
            else:
                status = Status.UNTESTED
            item = ItemResult(
                id=f"s{s}-item-{i}",
                title=f"Order list page {n} loads and shows the right totals",
                fingerprint=f"{n * 2654435761 % 16**12:012x}",
                status=status,
                updated_at=None if status is Status.UNTESTED else t0 + timedelta(seconds=7 * n),
            )
            if status in (Status.FAILED, Status.BLOCKED) or n % 10 == 0:
                item.note = f"Checked on staging; `manage.py check` warned.\nSee ticket #{n}."
            if n % 7 == 0:
                item.probes.append(ProbeResult(
                    probe_id=f"http-{n}", kind="http",
                    status=ProbeStatus.FAILED if status is Status.FAILED else ProbeStatus.PASSED,
                    summary="status 200, expected 200 — django-upgrade.yaml:88", duration_ms=41.5,
                    detail="GET /api/v1/products/ HTTP/1.1\nHTTP/1.1 200 OK\ncontent-type: application/json",
                    at=t0 + timedelta(seconds=7 * n), where="django-upgrade.yaml:88",
                ))
            if status is Status.FAILED:
                item.evidence.append(Evidence(
                    kind="log", source="huey",
                    text="\n".join(f"huey-1 | [ERROR] task {n}.{k} failed: timeout" for k in range(10)),
                    at=t0 + timedelta(seconds=7 * n),
                ))
            section.items.append(item)
        sections.append(section)
    return Session(
        title="Django 3.2 → 4.2 upgrade (generated)", checklist_path="checklists/generated.yaml",
        tester="Hannah", environment="staging", environment_label="Staging", protected=False,
        checklist_version="1.0", checklist_hash="ab" * 32, started_at=t0, qatui_version="0.1.0",
        facts={"Django": "4.2.29", "Python": "3.12.13"}, sections=sections,
        metrics=[MetricValue(id=f"m{k}", name=f"Metric {k}", before=100.0 + k, after=110.0 + k,
                             threshold=150.0) for k in range(6)],
    )


def median_ms(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def floor_atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".floor-tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def floor_line_scan(text: str) -> int:
    count = 0
    for line in text.split("\n"):
        if line.lstrip().startswith("<!-- qatui:"):
            count += 1
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--dir", default=None, help="folder to write in (default: a temp folder)")
    args = parser.parse_args(argv)

    session = make_session(args.items)
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        path = Path(folder) / "record.md"
        floor_path = Path(folder) / "floor.md"
        record = RecordFile(path)
        record.save(session)
        text = path.read_text(encoding="utf-8")
        data = text.encode("utf-8")
        lines = text.split("\n")
        assert read(text) == session, "round trip failed"

        render_cold = median_ms(lambda: render(session), args.runs)
        cache = RenderCache()
        render(session, cache)
        items = session.items()
        counter = {"n": 0}

        def tick() -> None:
            counter["n"] += 1
            item = items[(counter["n"] * 37) % len(items)]
            item.status = Status.PASSED if item.status is not Status.PASSED else Status.FAILED

        def render_tick() -> None:
            tick()
            render(session, cache)

        def save_tick() -> None:
            tick()
            record.save(session)

        def save_cold() -> None:
            tick()
            record.cache = RenderCache()
            record.save(session)

        render_warm = median_ms(render_tick, args.runs)
        save_tick_ms = median_ms(save_tick, args.runs)
        save_cold_ms = median_ms(save_cold, args.runs)
        text = path.read_text(encoding="utf-8")
        read_ms = median_ms(lambda: read(text), args.runs)
        load_ms = median_ms(lambda: RecordFile(path).load(), args.runs)

        join_floor = median_ms(lambda: "\n".join(lines), args.runs)
        write_floor = median_ms(lambda: floor_atomic_write(floor_path, data), args.runs)
        scan_floor = median_ms(lambda: floor_line_scan(text), args.runs)
        size_mb = len(data) / 1e6

    def row(name: str, value: float, floor: float | None = None, note: str = "") -> None:
        ratio = f"{value / floor:5.1f}× floor" if floor else " " * 13
        print(f"  {name:<34}{value:8.2f} ms   {ratio}  {note}")

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"record_io: {args.items} items, {size_mb:.2f} MB record, median of {args.runs} runs "
          f"(load average {load:.1f} on {os.cpu_count()} CPUs)")
    print("floors (same run):")
    row("build a text of this size (join)", join_floor)
    row("atomic write + fsync of the bytes", write_floor)
    row("plain line scan over the file", scan_floor)
    print("qatui:")
    row("render, cold (every item)", render_cold, join_floor)
    row("render, tick (one item changed)", render_warm, join_floor)
    row("save, tick (render+check+write)", save_tick_ms, join_floor + write_floor)
    row("save, cold (render all+check+write)", save_cold_ms, join_floor + write_floor)
    row("read (anchors → Session)", read_ms, scan_floor)
    row("load (file → Session)", load_ms, scan_floor)
    save_ok = save_tick_ms <= SAVE_TARGET_MS
    read_ok = read_ms <= READ_TARGET_MS
    print(f"{'PASS' if save_ok else 'FAIL'}: save {save_tick_ms:.2f} ms (target ≤ {SAVE_TARGET_MS:g} ms; "
          f"cold save {save_cold_ms:.2f} ms)")
    print(f"{'PASS' if read_ok else 'FAIL'}: read {read_ms:.2f} ms (target ≤ {READ_TARGET_MS:g} ms)")
    return 0 if save_ok and read_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
