"""A file log followed through `FileSource`: lines/s against the floor, per line format.

Since issue 11.3 a followed file line carries its own time (ISO 8601, Python logging, gunicorn,
the access log, syslog, runserver) instead of one "read now" for the whole batch, so the file
source parses times on its hot path. This measures what that costs: 1,000,000 lines appended
to a file while `FileSource.follow()` reads it, against the floor of the same bytes read back
by a bare `for line in file` — measured in the same run, so the figure does not depend on the
machine. Formats: Python logging's default, the combined access log (time after the host),
and plain lines with no time (5 and 80 bytes: a batch without any time costs one search).

No target is named for file sources; the figure is reported (the command source's target in
log_flood.py is ≥ 50 % of its floor). Run: `python benchmarks/log_file_follow.py [--lines N]
[--src OTHER_CHECKOUT/src]` (before/after).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FORMATS = {
    "python logging": "2026-03-01 12:00:00,000 INFO huey.consumer Executing tasks.sync_products 1234\n",
    "access log": '127.0.0.1 - - [01/Mar/2026:12:00:00 +0000] "GET /api/v1/products/ HTTP/1.1" 200 1234\n',
    "no time, 5 B": "line\n",
    "no time, 80 B": "worker: processing order 12345 for customer acme with 3 items and shipping fast\n",
}


def floor(path: Path, lines: int) -> float:
    """Lines/s of a bare `for line in file` over the same content (already on disk)."""
    started = time.perf_counter()
    count = 0
    with path.open(encoding="utf-8") as handle:
        for _line in handle:
            count += 1
    assert count == lines
    return lines / (time.perf_counter() - started)


def follow(source_class: type, path: Path, text: str, lines: int) -> float:
    """Lines/s of `FileSource.follow()` while `lines` lines are appended in one write."""
    path.write_text("")
    stop = threading.Event()

    def writer() -> None:
        time.sleep(0.3)  # the source opens the (empty) file first: what comes next is followed
        with path.open("a", encoding="utf-8") as handle:
            handle.write(text * lines)

    thread = threading.Thread(target=writer)
    thread.start()
    count = 0
    started = None
    for batch in source_class("f", path, tail=0).follow(stop, tail=0):
        if started is None and len(batch):
            started = time.perf_counter()
        count += len(batch)
        if count >= lines:
            break
    stop.set()
    thread.join()
    return count / (time.perf_counter() - (started or time.perf_counter()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--src", type=Path, default=ROOT / "src", help="the qatui package to measure")
    args = parser.parse_args()
    sys.path.insert(0, str(args.src))
    from qatui.core.logs import FileSource

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "app.log"
        for name, text in FORMATS.items():
            rates, floors = [], []
            for _ in range(args.runs):
                rates.append(follow(FileSource, path, text, args.lines))
                floors.append(floor(path, args.lines))
            rate, base = statistics.median(rates), statistics.median(floors)
            print(f"{name:15} {rate / 1e6:5.2f} M lines/s  = {rate / base:4.0%} of the floor "
                  f"({base / 1e6:.2f} M lines/s)   runs: {', '.join(f'{r / 1e6:.2f}' for r in rates)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
