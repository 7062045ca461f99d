"""Typing into a long note: the time from a key to its echo on the terminal, by note length.

The note dialog is opened on a plain checklist in a 120×40 pty; the note is filled by one
bracketed paste of N characters (a tester's long note, or text pasted in), then keys are typed
one at a time and each is timed until its character is on the terminal. Each key is a
character that appears nowhere else on the screen, so a blinking cursor's repaint cannot be
taken for the echo. The floor is the same keys in an empty note. Target: ≤ 50 ms per key
(median) at 100,000 characters; the p90 is printed beside the floor's, which shows how
noisy the machine is.

    python benchmarks/note_keys.py [--keys 20] [--sizes 0,1000,10000,30000,100000]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import (
    Terminal,
    bench_env,
    median,
    ms,
    percentile,
    qatui_command,
    scratch,
    verdict,
)

TARGET = 0.050
#: Characters nothing else on the screen shows: one per key, so each echo is unambiguous.
KEYS = "äöüéèêëïîôœçñåøæßþðÿàáâãìíòóùúûý"

CHECKLIST = """\
qatui: 1
title: Note benchmark
environments:
  local: {label: Local, default: true}
sections:
  - id: main
    title: Everything
    priority: critical
    items:
      - {id: one, title: Check number one}
      - {id: two, title: Check number two}
"""


def type_keys(term: Terminal, count: int) -> list[float]:
    took = []
    for char in KEYS[:count]:
        after = term.offset
        sent = term.send(char)
        took.append(term.wait_text(char, after=after, timeout=120) - sent)
    return took


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keys", type=int, default=20)
    parser.add_argument("--sizes", default="0,1000,10000,30000,100000")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    count = min(args.keys, len(KEYS))

    tmp = scratch()
    checklist = tmp / "note.yaml"
    checklist.write_text(CHECKLIST, encoding="utf-8")
    argv_ = [*qatui_command(), str(checklist), "--env", "local", "--tester", "Bench", "--record", str(tmp / "r.md")]
    term = Terminal(argv_, bench_env(tmp), cols=120, rows=40).start()
    results: dict[int, list[float]] = {}
    try:
        term.wait_text("Check number one", timeout=30)
        for size in sizes:
            after = term.offset
            term.send("n")
            term.wait_text("esc cancels", after=after, timeout=30)
            if size:
                words = ("lorem ipsum dolor sit amet " * (size // 27 + 1))[:size]
                after = term.offset
                term.send(b"\x1b[200~" + (words[:-1] + "Ω").encode() + b"\x1b[201~")
                term.wait_text("Ω", after=after, timeout=120)  # the paste is in, the cursor at its end
            results[size] = type_keys(term, count)
            print(f"  {size:>7,} chars : median {ms(median(results[size]))}", file=sys.stderr, flush=True)
            after = term.offset
            term.send("\x1b")  # escape: the note is dropped, the next size starts afresh
            term.wait_text("Check number", after=after, timeout=60)
    finally:
        term.stop()

    floor = median(results[sizes[0]])
    print(f"note dialog, key to echo, {count} keys per note length, 120x40 (median / p90 / max)")
    for size, took in results.items():
        print(f"  {size:>7,} chars : {ms(median(took))} / {ms(percentile(took, 90))} / {ms(max(took))}")
    worst = results[sizes[-1]]
    ok = median(worst) <= TARGET
    print(f"  floor (empty note) {ms(floor)}, p90 {ms(percentile(results[sizes[0]], 90))} (the machine's noise)")
    print(f"  median at {sizes[-1]:,} chars {ms(median(worst))} (target <= {TARGET * 1000:.0f} ms)  {verdict(ok)}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
