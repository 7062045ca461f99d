"""The checklist cache's hit: what opening a big checklist again costs before the screen starts.

`checklist_cache.lookup` of a generated 5,000-item checklist (and of the shipped
django-upgrade.yaml), in-process, median of many lookups, beside a cold load (parse and
validate). The cache exists for start-up speed, so whatever makes it safe to read (the entry
is signed with a per-user key and checked before it is unpickled) is measured here.

    python benchmarks/cache_lookup.py [--runs 30]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import ROOT, median, ms, scratch
from benchmarks.keys import generated_checklist


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args(argv)

    from qatui.core import checklist_cache
    from qatui.core.checklist_cache import load_checklist  # the loader itself is pure: no cache

    tmp = scratch()
    env = {"XDG_CACHE_HOME": str(tmp / "cache"), "XDG_STATE_HOME": str(tmp / "state"), "HOME": str(tmp)}
    big = tmp / "big.yaml"
    generated_checklist(big, sections=50, per_section=100)
    print(f"checklist cache, {args.runs} runs each (medians)")
    for path in (ROOT / "checklists" / "django-upgrade.yaml", big):
        cold: list[float] = []
        for _ in range(max(3, args.runs // 10)):
            start = time.perf_counter()
            load_checklist(path, env={**env, "QATUI_NO_CACHE": "1"})
            cold.append(time.perf_counter() - start)
        load_checklist(path, env=env)  # writes the entry
        hits: list[float] = []
        for _ in range(args.runs):
            start = time.perf_counter()
            found = checklist_cache.lookup(str(path), env)
            hits.append(time.perf_counter() - start)
            assert found is not None, "the entry was not found"
        entry = max((tmp / "cache" / "qatui" / "checklists").glob("*"), key=lambda p: p.stat().st_mtime)
        print(f"  {path.name:22} entry {entry.stat().st_size / 1024:7.0f} KiB · cold load {ms(median(cold))}"
              f" · cache hit {ms(median(hits))} (min {ms(min(hits))})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
